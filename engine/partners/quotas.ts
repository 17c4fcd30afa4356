/**
 * Partner quotas: VMs, vCPU, memory, public IPs, VPN peers (site-to-site connections)
 * and storage per tier (root and data disks), summed over every tenant the partner
 * owns as they would be *after* the plan — desired resources for the tenants the plan
 * decides, what state records for the others. A quota left out of the Partners entry
 * (or a tier left out of `storage`) has no limit.
 *
 * An overrun the plan adds to is an error, placed on the first resource of the first
 * tenant that grows; one the plan does not add to (the operator lowered a quota) is a
 * warning, so shrinking back under it stays possible.
 */
import { formatPath, type Diagnostic } from '../../specs/diagnostic.js';
import { GiB, MiB, formatSize } from '../../specs/units.js';
import type { DesiredResource, RecordedResource } from '../../specs/model/resource.js';
import { findingAt, type Path } from '../plan/verify-context.js';
import type { Partner } from './ownership.js';

type Counted = Pick<DesiredResource, 'address' | 'type' | 'tenant' | 'attributes'>;

/** One thing a quota limits: how much of it a resource uses, and where in its spec item. */
interface Meter {
  readonly key: string;
  readonly limit: number;
  readonly amount: (r: Counted) => number;
  readonly below: Path;
  /** `72 vCPU`, `136GiB of memory`. */
  readonly describe: (n: number) => string;
  /** `8`, `16GiB`: an amount alone (quotas and changes). */
  readonly text: (n: number) => string;
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
const count = String;
const mebibytes = (n: number): string => formatSize(n * MiB);
const gibibytes = (n: number): string => formatSize(n * GiB);
const rootDisk = (r: Counted): { sizeGiB: number; tier: string } | undefined => {
  const root = r.attributes.rootDisk as { sizeGiB?: unknown; tier?: unknown } | undefined;
  return root && typeof root.sizeGiB === 'number' && typeof root.tier === 'string' ? { sizeGiB: root.sizeGiB, tier: root.tier } : undefined;
};

function meters(partner: Partner): Meter[] {
  const q = partner.spec.quotas;
  if (!q) return [];
  const out: Meter[] = [];
  const ofType = (type: string) => (r: Counted): number => (r.type === type ? 1 : 0);
  if (q.vms !== undefined) out.push({ key: 'vms', limit: q.vms, amount: ofType('vm'), below: [], describe: (n) => plural(n, 'VM', 'VMs'), text: count });
  if (q.cpu !== undefined) {
    out.push({ key: 'cpu', limit: q.cpu, amount: (r) => (r.type === 'vm' ? Number(r.attributes.cpu) || 0 : 0), below: ['cpu'], describe: (n) => `${n} vCPU`, text: count });
  }
  if (q.memory !== undefined) {
    out.push({
      key: 'memory',
      limit: Math.floor(q.memory / MiB),
      amount: (r) => (r.type === 'vm' ? Number(r.attributes.memoryMiB) || 0 : 0),
      below: ['memory'],
      describe: (n) => `${mebibytes(n)} of memory`,
      text: mebibytes,
    });
  }
  if (q.publicIps !== undefined) out.push({ key: 'publicIps', limit: q.publicIps, amount: ofType('public-ip'), below: [], describe: (n) => plural(n, 'public IP', 'public IPs'), text: count });
  if (q.vpnPeers !== undefined) out.push({ key: 'vpnPeers', limit: q.vpnPeers, amount: ofType('vpn-connection'), below: [], describe: (n) => plural(n, 'VPN peer', 'VPN peers'), text: count });
  for (const [tier, bytes] of Object.entries(q.storage ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    out.push({
      key: `storage.${tier}`,
      limit: Math.floor(bytes / GiB),
      amount: (r) => {
        if (r.type === 'disk') return r.attributes.tier === tier ? Number(r.attributes.sizeGiB) || 0 : 0;
        const root = r.type === 'vm' ? rootDisk(r) : undefined;
        return root?.tier === tier ? root.sizeGiB : 0;
      },
      below: [],
      describe: (n) => `${gibibytes(n)} of ${tier} storage`,
      text: gibibytes,
    });
  }
  return out;
}

/** Where a storage finding points: the size of the disk, or of the VM's root disk. */
const belowFor = (meter: Meter, r: Counted): Path => (meter.key.startsWith('storage.') ? (r.type === 'vm' ? ['rootDisk', 'size'] : ['size']) : meter.below);

export interface QuotaInput {
  readonly partner: Partner;
  /** Tenants the partner owns, whatever the plan touches. */
  readonly owned: ReadonlySet<string>;
  /** Tenants whose resources after the plan are exactly their desired ones. */
  readonly planned: ReadonlySet<string>;
  readonly desired: readonly DesiredResource[];
  readonly recorded: ReadonlyMap<string, RecordedResource>;
  /** `partners.yaml:11:7` for a quota (key as `cpu`, `storage.performance`): where the detail points. */
  readonly quotaAt?: (key: string) => string;
}

export function checkQuotas(input: QuotaInput): Diagnostic[] {
  const list = meters(input.partner);
  if (list.length === 0) return [];
  const before = new Map<string, RecordedResource[]>();
  for (const r of input.recorded.values()) if (input.owned.has(r.tenant)) push(before, r.tenant, r);
  const desired = new Map<string, DesiredResource[]>();
  for (const r of input.desired) if (input.owned.has(r.tenant) && input.planned.has(r.tenant)) push(desired, r.tenant, r);
  const tenants = [...input.owned].sort();
  const after = (t: string): readonly Counted[] => (input.planned.has(t) ? desired.get(t) ?? [] : before.get(t) ?? []);

  const out: Diagnostic[] = [];
  for (const meter of list) {
    const sum = (rs: readonly Counted[]): number => rs.reduce((n, r) => n + meter.amount(r), 0);
    const deltas = tenants.map((t) => ({ tenant: t, delta: sum(after(t)) - sum(before.get(t) ?? []) })).filter((d) => d.delta !== 0);
    const total = tenants.reduce((n, t) => n + sum(after(t)), 0);
    if (total <= meter.limit) continue;
    const grows = deltas.reduce((n, d) => n + d.delta, 0) > 0;
    const quota = meter.text(meter.limit);
    const changes = deltas.length > 0 ? ` (${deltas.map((d) => `${d.tenant} ${d.delta > 0 ? '+' : '-'}${meter.text(Math.abs(d.delta))}`).join(', ')})` : '';
    const where = input.quotaAt?.(meter.key) ?? `${input.partner.file}, ${formatPath([...input.partner.path, 'quotas', ...meter.key.split('.')])}`;
    if (!grows) {
      out.push({
        severity: 'warning',
        summary: `partner ${input.partner.name} uses ${meter.describe(total)} of its quota of ${quota}${changes}: already over, and this plan adds none`,
        detail: `The quota is set in ${where}.`,
      });
      continue;
    }
    const summary = `partner ${input.partner.name} would use ${meter.describe(total)} of its quota of ${quota}${changes}`;
    const grower = firstGrowth(meter, deltas.filter((d) => d.delta > 0).map((d) => d.tenant), desired, input.recorded);
    const detail = `Counted over every tenant partner ${input.partner.name} manages, as they would be after this plan. The quota is set in ${where}.`;
    out.push(grower ? { ...findingAt(grower, belowFor(meter, grower), summary), detail } : { severity: 'error', summary, detail });
  }
  return out;
}

/** The first resource (tenant order, then address order) that uses more than state records for it. */
function firstGrowth(meter: Meter, growing: readonly string[], desired: ReadonlyMap<string, readonly DesiredResource[]>, recorded: ReadonlyMap<string, RecordedResource>): DesiredResource | undefined {
  for (const tenant of growing) {
    for (const r of desired.get(tenant) ?? []) {
      const prior = recorded.get(r.address) ?? (r.previously !== undefined ? recorded.get(r.previously) : undefined);
      if (meter.amount(r) > (prior ? meter.amount(prior) : 0)) return r;
    }
  }
  return undefined;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
