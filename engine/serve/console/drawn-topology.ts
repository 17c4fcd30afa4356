/**
 * A tenant's topology drawn for the tenant page: engine/topology's SVG (elkjs lays it
 * out: the page's costliest part, ~100 ms for 50 VMs), without its XML prolog so it can
 * sit inside HTML. A drawing depends only on what the state records and on the pending
 * plan whose changes it marks, so it is kept until the state serial or that plan moves.
 */
import type { RecordedResource } from '../../../specs/model/resource.js';
import type { Change } from '../../plan/change.js';
import { topologyOf, topologyToSvg, type Topology } from '../../topology/index.js';

/** Tenants whose drawings are kept; the least recently drawn goes first. */
const KEPT = 200;

export interface Drawing {
  readonly topology: Topology;
  /** Undefined when there is nothing to draw. */
  readonly svg: string | undefined;
}

export class DrawnTopologies {
  private readonly kept = new Map<string, { readonly key: string; readonly drawing: Drawing }>();

  /** The drawing of `tenant` at state `serial`, marking the changes of plan `planId` (if any). */
  async draw(tenant: string, serial: number, recorded: readonly RecordedResource[], pending: { readonly id: string; readonly changes: readonly Change[] } | undefined): Promise<Drawing> {
    const key = `${serial}\0${pending?.id ?? ''}`;
    const hit = this.kept.get(tenant);
    if (hit && hit.key === key) return hit.drawing;
    const topology = topologyOf(recorded, pending?.changes ?? [], tenant);
    const svg = topology.nodes.length > 0 ? (await topologyToSvg([topology])).replace(/^<\?xml[^>]*\?>\s*/, '') : undefined;
    const drawing = { topology, svg };
    this.kept.delete(tenant);
    this.kept.set(tenant, { key, drawing });
    if (this.kept.size > KEPT) this.kept.delete(this.kept.keys().next().value!);
    return drawing;
  }
}
