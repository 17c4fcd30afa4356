/**
 * Taking values from the zone's pools: public addresses (from the public IP ranges, in
 * the zone's order) and guest segments (VLANs, VXLAN VNIs). A requested value must lie in
 * a pool and be free. Unrequested public addresses for `associateIpAddress` are the lowest
 * free; source-NAT addresses CloudStack picks itself are taken from the top of the ranges,
 * since CloudStack promises no order and callers that plan addresses (netfirst allocates
 * lowest-first) then rarely find theirs taken. Pure functions of the catalog and world.
 */
import { formatIpv4, parseIpv4 } from '../../../specs/model/net/ipv4.js';
import { inRanges } from '../../sim/zone-model.js';
import { highestFree, lowestFree } from './addressing.js';
import type { Catalog, PublicPool } from './catalog.js';
import { insufficientCapacity, invalid } from './errors.js';
import type { CloudState, Segment } from './state.js';

export type AddressChoice = { readonly requested: string } | 'lowest' | 'highest';

export interface PickedAddress {
  readonly address: string;
  readonly pool: PublicPool;
}

export function pickPublicAddress(catalog: Catalog, state: CloudState, choice: AddressChoice): PickedAddress {
  const taken = new Set<number>();
  for (const ip of state.publicIps.values()) {
    const n = parseIpv4(ip.address);
    if (n !== undefined) taken.add(n);
  }
  if (typeof choice === 'object') {
    const n = parseIpv4(choice.requested);
    const pool = n === undefined ? undefined : catalog.pools.find((p) => n >= p.range.first && n <= p.range.last);
    if (n === undefined || !pool) {
      throw insufficientCapacity('address', `Insufficient address capacity: ${choice.requested} is not a public address of zone ${catalog.zone.name}`);
    }
    if (taken.has(n)) throw insufficientCapacity('address', `Insufficient address capacity: public address ${choice.requested} is already allocated`);
    return { address: choice.requested, pool };
  }
  for (const pool of catalog.pools) {
    const n = choice === 'lowest' ? lowestFree(pool.range, taken) : highestFree(pool.range, taken);
    if (n !== undefined) return { address: formatIpv4(n), pool };
  }
  throw insufficientCapacity('address', `Insufficient address capacity: every public address of zone ${catalog.zone.name} is allocated`);
}

/**
 * The segment for a new network: `vlan` as given (`310`, `vlan://310`, `vxlan://10042`; a
 * bare number above 4094 is a VNI) or, when absent, the lowest free guest VLAN.
 */
export function pickSegment(catalog: Catalog, state: CloudState, vlan: string | undefined): Segment {
  const used = new Set([...state.networks.values()].map((n) => `${n.segment.kind}:${n.segment.id}`));
  if (vlan === undefined) {
    for (const r of catalog.sim.vlans) {
      for (let id = r.lo; id <= r.hi; id++) if (!used.has(`vlan:${id}`)) return { kind: 'vlan', id };
    }
    throw insufficientCapacity('network', `Unable to allocate a guest VLAN in zone ${catalog.zone.name}: every VLAN of its guest ranges is in use`);
  }
  const m = /^(?:(vlan|vxlan):\/\/)?(\d+)$/i.exec(vlan.trim());
  if (!m) throw invalid(`Invalid vlan ${vlan}: give a VLAN id, vlan://ID or vxlan://VNI`);
  const id = Number(m[2]);
  const kind = m[1] !== undefined ? (m[1].toLowerCase() as 'vlan' | 'vxlan') : id <= 4094 ? 'vlan' : 'vxlan';
  const ranges = kind === 'vlan' ? catalog.sim.vlans : catalog.sim.vxlans;
  if (!inRanges(ranges, id)) {
    const shown = ranges.map((r) => (r.lo === r.hi ? `${r.lo}` : `${r.lo}-${r.hi}`)).join(', ') || 'none';
    throw invalid(`The ${kind === 'vlan' ? 'VLAN' : 'VXLAN VNI'} ${id} is outside the guest ranges of zone ${catalog.zone.name} (${shown})`);
  }
  if (used.has(`${kind}:${id}`)) {
    throw invalid(`Network with vlan ${kind}://${id} already exists or overlaps with other network vlans in zone ${catalog.zone.name}`);
  }
  return { kind, id };
}
