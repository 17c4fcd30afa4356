/**
 * VLAN IDs and VXLAN VNIs for networks marked `auto`. Segments are zone-wide: every
 * tenant's fixed segments and every segment recorded in state are claimed, whichever
 * tenants a run selects.
 */
import type { Diagnostic } from '../../specs/diagnostic.js';
import type { Draft } from './expand.js';
import { Claims, formatRanges, inRanges, LowestFree, parseRanges, type Ranges } from './allocate-pool.js';
import { diagnosticAt, recordedFor, type ZoneInput } from './allocate-input.js';

export type SegmentType = 'vlan' | 'vxlan';
export interface Segment {
  readonly type: SegmentType;
  readonly id: number;
}

const LABEL: Record<SegmentType, string> = { vlan: 'VLAN', vxlan: 'VXLAN VNI' };

/** The segment a network draft asks for: a number, or `'auto'`. */
export function requestedSegment(draft: Draft): { type: SegmentType; id: number | 'auto' } {
  const segment = draft.attributes.segment as { type: SegmentType; id: number | 'auto' };
  return segment;
}

/** A segment as state recorded it, if it looks like one. */
export function recordedSegment(attributes: { readonly [k: string]: unknown } | undefined): Segment | undefined {
  const s = attributes?.segment as { type?: unknown; id?: unknown } | undefined;
  if (!s || (s.type !== 'vlan' && s.type !== 'vxlan') || typeof s.id !== 'number') return undefined;
  return { type: s.type, id: s.id };
}

export function segmentPools(input: Pick<ZoneInput, 'zone'>): Record<SegmentType, Ranges> {
  const segments = input.zone.value.spec.segments;
  return { vlan: parseRanges(segments.vlans), vxlan: parseRanges(segments.vxlans) };
}

export function allocateSegments(input: ZoneInput): { segments: Map<string, Segment>; diagnostics: Diagnostic[] } {
  const pools = segmentPools(input);
  const state = {
    vlan: { fixed: new Claims(), recorded: new Claims(), taken: new Set<number>() },
    vxlan: { fixed: new Claims(), recorded: new Claims(), taken: new Set<number>() },
  };
  const networks = input.drafts.filter((d) => d.type === 'network');
  for (const d of networks) {
    const { type, id } = requestedSegment(d);
    if (id !== 'auto') state[type].fixed.add(id, d.address);
  }
  for (const r of input.recorded) {
    const s = r.type === 'network' ? recordedSegment(r.attributes) : undefined;
    if (s) state[s.type].recorded.add(s.id, r.address);
  }
  const cursors = {
    vlan: new LowestFree(pools.vlan, (v) => state.vlan.fixed.has(v) || state.vlan.recorded.has(v) || state.vlan.taken.has(v)),
    vxlan: new LowestFree(pools.vxlan, (v) => state.vxlan.fixed.has(v) || state.vxlan.recorded.has(v) || state.vxlan.taken.has(v)),
  };

  const segments = new Map<string, Segment>();
  const diagnostics: Diagnostic[] = [];
  for (const d of networks) {
    const { type, id } = requestedSegment(d);
    if (id !== 'auto') {
      segments.set(d.address, { type, id });
      continue;
    }
    const claims = state[type];
    const before = recordedSegment(recordedFor(input, d)?.attributes);
    const keep =
      before !== undefined &&
      before.type === type &&
      inRanges(pools[type], before.id) &&
      !claims.fixed.has(before.id) &&
      claims.recorded.onlyBy(before.id, d) &&
      !claims.taken.has(before.id);
    const chosen = keep ? before.id : cursors[type].take();
    if (chosen === undefined) {
      const pool = pools[type].length > 0 ? `pool ${formatRanges(pools[type])} is exhausted` : `has no ${LABEL[type]} pool`;
      diagnostics.push(diagnosticAt(d, ['segment', type], `no free ${LABEL[type]} for network ${String(d.attributes.name)}: zone ${input.zone.value.metadata.name} ${pool}`));
      continue;
    }
    claims.taken.add(chosen);
    segments.set(d.address, { type, id: chosen });
  }
  return { segments, diagnostics };
}
