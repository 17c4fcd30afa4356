/**
 * Zone-wide rules, across every tenant of the zone and what state recorded there:
 * segments and public addresses are used once and come from the zone's pools, and
 * clusters and storage tiers are not sold beyond capacity. Findings are reported on
 * the selected tenants' resources only.
 */
import type { Diagnostic } from '../../specs/diagnostic.js';
import type { Loaded } from '../../specs/model.js';
import type { ZoneDoc } from '../../specs/schema.js';
import { GiB } from '../../specs/units.js';
import { formatIpv4, parseIpv4 } from '../../specs/model/net/ipv4.js';
import type { DesiredResource, RecordedResource } from '../../specs/model/resource.js';
import { clusterCapacities } from './allocate-clusters.js';
import { formatRanges, inRanges } from './allocate-pool.js';
import { zonePools } from './allocate-public-ips.js';
import { recordedSegment, segmentPools } from './allocate-segments.js';
import { findingAt, describeOwner } from './verify-context.js';

export interface ZoneVerifyInput {
  readonly zone: Loaded<ZoneDoc>;
  /** Resources of every tenant of the zone, sorted by address. */
  readonly resources: readonly DesiredResource[];
  readonly recorded: readonly RecordedResource[];
  /** Everything state recorded, by address. */
  readonly recordedByAddress: ReadonlyMap<string, RecordedResource>;
  readonly selected: (tenant: string) => boolean;
  /** How a value two tenants want is reported (default: on both, naming both). */
  readonly collisions?: CollisionPolicy;
}

/**
 * A VLAN, VNI or public IP two tenants want is charged to one of them — one partner's
 * new spec never blocks another's running tenant: the tenant whose resource holds the
 * value in state keeps it; between two specs, the one that came first (`precedence`,
 * from git history) keeps it. A finding names the other side only where `visible`
 * allows it (a partner's run names no other partner's tenant or resource).
 */
export interface CollisionPolicy {
  readonly visible: (tenant: string) => boolean;
  /** Which tenant's spec came first: negative `a`, positive `b`, 0 unknown. */
  readonly precedence: (a: string, b: string) => number;
}

const SEGMENT_LABEL = { vlan: 'VLAN', vxlan: 'VXLAN VNI' } as const;

export function verifyZone(input: ZoneVerifyInput): Diagnostic[] {
  return [...verifySegments(input), ...verifyPublicIps(input), ...verifyCapacity(input)];
}

/**
 * Who uses each value: desired resources, then recorded ones not already counted.
 * A resource's own previous address (a rename) is not another user. Owners are kept
 * as a single string in the usual case of one, so the zone-wide index stays cheap.
 */
function usersByValue(input: ZoneVerifyInput, type: 'network' | 'public-ip', valueOf: (attributes: DesiredResource['attributes']) => string | undefined) {
  const desired = new Map<string, string | string[]>();
  const recorded = new Map<string, string | string[]>();
  const add = (map: Map<string, string | string[]>, key: string, address: string): void => {
    const owner = map.get(key);
    if (owner === undefined) map.set(key, address);
    else if (typeof owner === 'string') map.set(key, [owner, address]);
    else owner.push(address);
  };
  for (const r of input.resources) {
    const key = r.type === type ? valueOf(r.attributes) : undefined;
    if (key !== undefined) add(desired, key, r.address);
  }
  for (const r of input.recorded) {
    const key = r.type === type ? valueOf(r.attributes) : undefined;
    if (key !== undefined) add(recorded, key, r.address);
  }
  const list = (owner: string | string[] | undefined): readonly string[] => (owner === undefined ? [] : typeof owner === 'string' ? [owner] : owner);
  return (resource: DesiredResource, key: string): { address: string; recorded: boolean }[] => {
    const others = (a: string): boolean => a !== resource.address && a !== resource.previously;
    const mine = desired.get(key);
    const theirs = recorded.get(key);
    if (typeof mine === 'string' && !others(mine) && (theirs === undefined || (typeof theirs === 'string' && !others(theirs)))) return [];
    const inSpec = list(mine).filter(others);
    const inState = list(theirs).filter((a) => others(a) && !inSpec.includes(a));
    return [...inSpec.map((address) => ({ address, recorded: false })), ...inState.map((address) => ({ address, recorded: true }))];
  };
}

const describeUsers = (users: readonly { address: string; recorded: boolean }[], kind: string): string =>
  users.map((u) => (u.recorded ? `${u.address} (recorded in state)` : describeOwner(u.address, kind))).join(', ');

const tenantOf = (address: string): string => address.slice(0, address.indexOf('/'));

/**
 * Whether `r`'s use of a value others use too is `r`'s fault (CollisionPolicy), and how
 * the others are named: `by a, b` where they may be named, else nothing.
 */
function collision(
  input: ZoneVerifyInput,
  r: DesiredResource,
  same: (a: RecordedResource['attributes']) => boolean,
  others: readonly { address: string; recorded: boolean }[],
  kind: string,
): { blamed: boolean; by: string } {
  const policy = input.collisions;
  const shown = !policy || others.every((o) => policy.visible(tenantOf(o.address)));
  const by = shown ? ` by ${describeUsers(others, kind)}` : '';
  if (!policy) return { blamed: true, by };
  const holds = holdsInState(input, r, same);
  const othersHold = others.some((o) => {
    const prior = input.recordedByAddress.get(o.address);
    return o.recorded || (prior !== undefined && same(prior.attributes));
  });
  if (holds) return { blamed: othersHold, by };
  if (othersHold) return { blamed: true, by };
  const first = others.every((o) => tenantOf(o.address) !== r.tenant && policy.precedence(r.tenant, tenantOf(o.address)) < 0);
  return { blamed: !first, by };
}

/** Whether state records `r` (or what it was renamed from) with the same value. */
function holdsInState(input: ZoneVerifyInput, r: DesiredResource, same: (a: RecordedResource['attributes']) => boolean): boolean {
  const prior = input.recordedByAddress.get(r.address) ?? (r.previously !== undefined ? input.recordedByAddress.get(r.previously) : undefined);
  return prior !== undefined && same(prior.attributes);
}

function verifySegments(input: ZoneVerifyInput): Diagnostic[] {
  const out: Diagnostic[] = [];
  const pools = segmentPools(input);
  const zone = input.zone.value.metadata.name;
  const keyOf = (a: DesiredResource['attributes']): string | undefined => {
    const s = recordedSegment(a);
    return s ? `${s.type}:${s.id}` : undefined;
  };
  const othersOf = usersByValue(input, 'network', keyOf);
  for (const r of input.resources) {
    if (r.type !== 'network' || !input.selected(r.tenant)) continue;
    const s = recordedSegment(r.attributes);
    if (!s) continue;
    const label = `${SEGMENT_LABEL[s.type]} ${s.id}`;
    if (!inRanges(pools[s.type], s.id)) {
      const pool = pools[s.type].length > 0 ? `the pool ${formatRanges(pools[s.type])}` : `no ${SEGMENT_LABEL[s.type]} pool`;
      out.push(findingAt(r, ['segment', s.type], `${label} is outside the ${s.type} pool of zone ${zone} (zone has ${pool})`));
    }
    const others = othersOf(r, `${s.type}:${s.id}`);
    if (others.length === 0) continue;
    const { blamed, by } = collision(input, r, (a) => keyOf(a) === `${s.type}:${s.id}`, others, 'network');
    if (blamed) out.push(findingAt(r, ['segment', s.type], `${label} is already ${by === '' ? 'in use' : 'used'} in zone ${zone}${by}`));
  }
  return out;
}

function verifyPublicIps(input: ZoneVerifyInput): Diagnostic[] {
  const out: Diagnostic[] = [];
  const pools = zonePools(input);
  const zone = input.zone.value.metadata.name;
  const othersOf = usersByValue(input, 'public-ip', (a) => (typeof a.address === 'string' && a.address !== 'auto' ? a.address : undefined));
  for (const r of input.resources) {
    if (r.type !== 'public-ip' || !input.selected(r.tenant)) continue;
    const text = String(r.attributes.address);
    const ip = parseIpv4(text);
    if (ip === undefined) continue;
    const pool = pools.find((p) => ip >= p.range.first && ip <= p.range.last);
    if (!pool) {
      const ranges = pools.map((p) => `${p.name} ${formatIpv4(p.range.first)}-${formatIpv4(p.range.last)}`).join(', ') || 'none';
      out.push(findingAt(r, ['address'], `public IP ${text} is outside every public IP pool of zone ${zone} (pools: ${ranges})`));
    } else if (ip === pool.gateway) {
      out.push(findingAt(r, ['address'], `public IP ${text} is the gateway of pool ${pool.name}`));
    } else if (r.attributes.pool !== pool.name && pools.some((p) => p.name === r.attributes.pool)) {
      out.push(findingAt(r, ['address'], `public IP ${text} is not in pool ${String(r.attributes.pool)} (it is in ${pool.name})`));
    }
    const others = othersOf(r, text);
    if (others.length === 0) continue;
    const { blamed, by } = collision(input, r, (a) => a.address === text, others, 'public IP');
    if (blamed) out.push(findingAt(r, ['address'], by === '' ? `public IP ${text} is already in use in zone ${zone}` : `public IP ${text} is already used${by}`));
  }
  return out;
}

/**
 * Running totals per pool (cluster or tier) against capacity, remembering the first
 * resource that took each pool over. Callers charge what state already holds first,
 * then the rest by address, so the finding lands on what is being added rather than
 * on what already runs.
 */
class Budget {
  private readonly used = new Map<string, number[]>();
  readonly over = new Map<string, { resource: DesiredResource; below: readonly (string | number)[]; totals: number[] }>();

  constructor(private readonly capacity: ReadonlyMap<string, readonly number[]>) {}

  charge(pool: string, resource: DesiredResource, below: readonly (string | number)[], first: number, second = 0): void {
    const cap = this.capacity.get(pool);
    if (!cap) return;
    let t = this.used.get(pool);
    if (!t) this.used.set(pool, (t = [0, 0]));
    t[0]! += first;
    t[1]! += second;
    if (!this.over.has(pool) && (t[0]! > cap[0]! || (cap.length > 1 && t[1]! > cap[1]!))) this.over.set(pool, { resource, below, totals: t });
  }
}

/**
 * Visits the VMs and disks (what uses capacity) recorded in state first, then the new
 * ones, each group in address order.
 */
function existingFirst(input: ZoneVerifyInput, visit: (r: DesiredResource) => void): void {
  const recorded = input.recordedByAddress;
  const users = input.resources.filter((r) => r.type === 'vm' || r.type === 'disk');
  if (recorded.size === 0) {
    for (const r of users) visit(r);
    return;
  }
  const fresh: DesiredResource[] = [];
  for (const r of users) {
    if (recorded.has(r.address) || (r.previously !== undefined && recorded.has(r.previously))) visit(r);
    else fresh.push(r);
  }
  for (const r of fresh) visit(r);
}

const CPU_PATH = ['cpu'];
const ROOT_SIZE_PATH = ['rootDisk', 'size'];
const SIZE_PATH = ['size'];

/** Clusters (vCPU with overcommit, memory) and storage tiers (root and data disks), summed over every tenant of the zone. */
function verifyCapacity(input: ZoneVerifyInput): Diagnostic[] {
  const zone = input.zone.value;
  const clusterCapacity = new Map(clusterCapacities(zone).map((c) => [c.name, [c.cpu, c.memoryMiB]]));
  const tierCapacity = new Map(zone.spec.storageTiers.map((t) => [t.name, [Math.floor(t.capacity / GiB)]]));
  const clusters = new Budget(clusterCapacity);
  const tiers = new Budget(tierCapacity);
  existingFirst(input, (r) => {
    if (r.type === 'vm') {
      clusters.charge(String(r.attributes.cluster), r, CPU_PATH, Number(r.attributes.cpu), Number(r.attributes.memoryMiB));
      const root = r.attributes.rootDisk as { sizeGiB: number; tier: string };
      tiers.charge(root.tier, r, ROOT_SIZE_PATH, root.sizeGiB);
    } else tiers.charge(String(r.attributes.tier), r, SIZE_PATH, Number(r.attributes.sizeGiB));
  });

  const out: Diagnostic[] = [];
  for (const [name, { resource, totals }] of clusters.over) {
    if (!input.selected(resource.tenant)) continue;
    const cap = clusterCapacity.get(name)!;
    const cluster = zone.spec.clusters.find((c) => c.name === name);
    const overcommit = cluster?.cpuOvercommit !== undefined ? ` with cpuOvercommit ${cluster.cpuOvercommit}` : '';
    const parts = [
      totals[0]! > cap[0]! ? `${totals[0]}/${cap[0]} vCPU${overcommit}` : undefined,
      totals[1]! > cap[1]! ? `${Math.ceil(totals[1]! / 1024)}/${Math.floor(cap[1]! / 1024)} GiB memory` : undefined,
    ].filter((p) => p !== undefined);
    out.push(findingAt(resource, totals[0]! > cap[0]! ? ['cpu'] : ['memory'], `cluster ${name} is over capacity: ${parts.join(', ')} (all tenants of zone ${zone.metadata.name})`));
  }
  for (const [name, { resource, below, totals }] of tiers.over) {
    if (!input.selected(resource.tenant)) continue;
    out.push(findingAt(resource, below, `storage tier ${name} is over capacity: ${totals[0]}/${tierCapacity.get(name)![0]} GiB (root and data disks of all tenants of zone ${zone.metadata.name})`));
  }
  return out;
}
