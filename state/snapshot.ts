/**
 * Snapshots: the whole recorded state as one deeply frozen value, what the planner
 * diffs against. A snapshot never changes after it is taken; the store hands out the
 * same object again until the serial moves.
 */
import { freeze } from 'immer';
import type { RecordedResource } from '../engine/resource.js';

export interface StateSnapshot {
  readonly lineage: string;
  readonly serial: number;
  /** Every recorded resource by address, in address order. */
  readonly resources: ReadonlyMap<string, RecordedResource>;
}

export function buildSnapshot(lineage: string, serial: number, each: (visit: (r: RecordedResource) => void) => void): StateSnapshot {
  const resources = new Map<string, RecordedResource>();
  each((r) => resources.set(r.address, r));
  return freeze({ lineage, serial, resources }, true);
}
