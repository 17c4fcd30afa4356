/**
 * A zone's inventory and capacity, as `GET /api/v1/zones` and `GET /api/v1/zones/{zone}`
 * show it: per cluster the vCPUs and memory sold against what can be sold, per storage
 * tier the disk space, the segment and public IP pools, each against what the zone's
 * recorded resources take. Pure: the route reads state and hands in what it recorded.
 *
 * Capacities and pools are read by the planner's own functions (clusterCapacities,
 * segmentPools, zonePools), so the report shows the numbers allocation and verify
 * work with. Over-commit shows as `used` above `capacity`; `free` never goes below 0.
 * Clusters, tiers and pools are listed in spec order.
 */
import { z } from 'zod';
import { numberOf, recordOf, textOf } from '../../specs/model/attribute-values.js';
import type { DiskAttributes, VmAttributes } from '../../specs/model/attributes.js';
import { parseIpv4, rangeSize } from '../../specs/model/net/ipv4.js';
import type { AttrValue, Attributes, RecordedResource } from '../../specs/model/resource.js';
import { Hypervisor, ProviderConfig, StorageTier, type ZoneDoc } from '../../specs/schema.js';
import { GiB } from '../../specs/units.js';
import type { Allocation } from '../../state/allocations.js';
import { clusterCapacities } from '../plan/allocate-clusters.js';
import { formatRanges, inRanges, type Ranges } from '../plan/allocate-pool.js';
import { assignableSize, poolOf, reserved, zonePools, type Pool } from '../plan/allocate-public-ips.js';
import { segmentPools } from '../plan/allocate-segments.js';

const PROVIDER_TYPES = ProviderConfig.options.map((o) => o.shape.type.value);

const Count = z.number().int().nonnegative();

const Use = (unit: string) =>
  z.object({
    capacity: Count.describe(`${unit} that can be sold`),
    used: Count.describe(`${unit} the recorded resources of the zone take; above capacity when over-committed`),
    free: Count.describe(`${unit} left: capacity less used, never below 0`),
  });

const ClusterReport = z.object({
  name: z.string().describe('the cluster, as the zone spec names it'),
  hypervisor: Hypervisor.describe('the hypervisor of every host of the cluster'),
  hosts: Count.describe('hypervisor hosts in the cluster'),
  cpuOvercommit: z.number().positive().describe('vCPUs sold per physical core (1 unless the spec sets cpuOvercommit)'),
  vms: Count.describe('recorded VMs placed on this cluster'),
  cpu: Use('vCPUs').describe('vCPUs; capacity is hosts × cpuPerHost × cpuOvercommit, rounded down'),
  memoryMiB: Use('MiB of memory').describe('memory in MiB; capacity is hosts × memoryPerHost'),
});

const StorageTierReport = z.object({
  name: z.string().describe('the storage tier, as the zone spec names it'),
  media: StorageTier.shape.media.describe('the kind of drives the tier is made of'),
  disks: Count.describe('recorded disks on this tier: root disks of VMs and data disks'),
  capacityGiB: Count.describe('GiB the tier holds, rounded down'),
  usedGiB: Count.describe('GiB the recorded disks on this tier take; above capacityGiB when over-committed'),
  freeGiB: Count.describe('GiB left: capacityGiB less usedGiB, never below 0'),
});

const SegmentPoolReport = (label: string) =>
  z.object({
    ranges: z.array(z.string()).describe(`the ${label} pool as the allocator reads it: ranges sorted and merged, such as "100-999" or "310"`),
    size: Count.describe(`${label}s in the pool`),
    used: Count.describe(`${label}s of the pool held by recorded networks of the zone`),
    free: Count.describe(`${label}s of the pool no recorded network holds`),
    outsidePool: Count.describe(`${label}s recorded networks hold outside the pool (the pool was narrowed after they were allocated; verify reports each)`),
  });

const PublicIpPoolReport = z.object({
  name: z.string().describe('the pool, as the zone spec names it'),
  cidr: z.string().describe('the public network the pool lies in, as the spec gives it'),
  gateway: z.string().describe("the pool's gateway address, as the spec gives it"),
  range: z.string().describe('the addresses the pool hands out, as the spec gives them (203.0.113.10-203.0.113.250)'),
  size: Count.describe("addresses of the range that can be handed out: the range less the pool's gateway, network and broadcast addresses"),
  used: Count.describe('addresses of the pool held by recorded public IPs of the zone'),
  free: Count.describe('addresses of the pool that can still be handed out'),
});

export const ZoneReportSchema = z
  .object({
    name: z.string().describe('the zone'),
    provider: z.enum(PROVIDER_TYPES).describe('the provider that realizes the zone (spec.provider.type)'),
    tenants: Count.describe('tenants with at least one resource recorded in the zone'),
    resources: Count.describe('resources recorded in the zone, of every type'),
    clusters: z.array(ClusterReport).describe('compute clusters, in spec order'),
    storageTiers: z.array(StorageTierReport).describe('storage tiers, in spec order'),
    segments: z
      .object({
        vlan: SegmentPoolReport('VLAN ID').describe('VLAN IDs (802.1Q) for tenant networks'),
        vxlan: SegmentPoolReport('VXLAN VNI').describe('VXLAN network identifiers for tenant networks'),
      })
      .describe('the VLAN and VXLAN pools tenant networks get their segments from'),
    publicIpPools: z.array(PublicIpPoolReport).describe('public IP pools, in spec order'),
    publicIpsOutsidePools: Count.describe(
      "addresses recorded public IPs hold that no pool hands out: outside every pool's range, or a pool's gateway, network or broadcast address (verify reports each)",
    ),
  })
  .meta({ id: 'ZoneReport', description: "A zone's inventory and capacity against what its recorded resources take" });

export type ZoneReport = z.infer<typeof ZoneReportSchema>;

/** An attribute by a name of its type's contract (attributes.ts): a renamed attribute fails to compile here. */
const attribute = <T>(attributes: Attributes, key: keyof T & string): AttrValue | undefined => attributes[key];

const free = (capacity: number, used: number): number => Math.max(0, capacity - used);

/**
 * Inventory and capacity of `zone` against the resources state recorded and the
 * segments and public IPs they hold. Resources and allocations of other zones are
 * ignored; a VM on a cluster, or a disk on a tier, the zone does not have is counted on
 * none (the zone's resources still count it).
 */
export function zoneReport(zone: ZoneDoc, recorded: Iterable<RecordedResource>, allocations: readonly Allocation[]): ZoneReport {
  const name = zone.metadata.name;
  const clusterUse = new Map(zone.spec.clusters.map((c) => [c.name, { vms: 0, cpu: 0, memoryMiB: 0 }]));
  const tierUse = new Map(zone.spec.storageTiers.map((t) => [t.name, { disks: 0, gib: 0 }]));
  const onTier = (tier: string, sizeGiB: number): void => {
    const use = tierUse.get(tier);
    if (!use) return;
    use.disks++;
    use.gib += sizeGiB;
  };

  const tenants = new Set<string>();
  let resources = 0;
  for (const r of recorded) {
    if (r.zone !== name) continue;
    resources++;
    tenants.add(r.tenant);
    if (r.type === 'vm') {
      const use = clusterUse.get(textOf(attribute<VmAttributes>(r.attributes, 'cluster')));
      if (use) {
        use.vms++;
        use.cpu += numberOf(attribute<VmAttributes>(r.attributes, 'cpu'));
        use.memoryMiB += numberOf(attribute<VmAttributes>(r.attributes, 'memoryMiB'));
      }
      const root = recordOf(attribute<VmAttributes>(r.attributes, 'rootDisk'));
      onTier(textOf(attribute<VmAttributes['rootDisk']>(root, 'tier')), numberOf(attribute<VmAttributes['rootDisk']>(root, 'sizeGiB')));
    } else if (r.type === 'disk') {
      onTier(textOf(attribute<DiskAttributes>(r.attributes, 'tier')), numberOf(attribute<DiskAttributes>(r.attributes, 'sizeGiB')));
    }
  }

  const capacities = new Map(clusterCapacities(zone).map((c) => [c.name, c]));
  const clusters = zone.spec.clusters.map((c) => {
    const capacity = capacities.get(c.name)!;
    const use = clusterUse.get(c.name)!;
    return {
      name: c.name,
      hypervisor: c.hypervisor,
      hosts: c.hosts,
      cpuOvercommit: c.cpuOvercommit ?? 1,
      vms: use.vms,
      cpu: { capacity: capacity.cpu, used: use.cpu, free: free(capacity.cpu, use.cpu) },
      memoryMiB: { capacity: capacity.memoryMiB, used: use.memoryMiB, free: free(capacity.memoryMiB, use.memoryMiB) },
    };
  });

  const storageTiers = zone.spec.storageTiers.map((t) => {
    const use = tierUse.get(t.name)!;
    const capacityGiB = Math.floor(t.capacity / GiB);
    return { name: t.name, media: t.media, disks: use.disks, capacityGiB, usedGiB: use.gib, freeGiB: free(capacityGiB, use.gib) };
  });

  const held = (kind: Allocation['kind']): Set<string> => new Set(allocations.filter((a) => a.zone === name && a.kind === kind).map((a) => a.value));
  // The pool readers take a loaded zone; they read only its value.
  const loaded = { zone: { file: '', doc: 0, value: zone } };
  const segmentRanges = segmentPools(loaded);
  const segments = {
    vlan: segmentUse(segmentRanges.vlan, held('vlan')),
    vxlan: segmentUse(segmentRanges.vxlan, held('vxlan')),
  };

  const pools = zonePools(loaded);
  const poolUse = new Map<Pool, number>(pools.map((p) => [p, 0]));
  let publicIpsOutsidePools = 0;
  for (const text of held('public-ip')) {
    const ip = parseIpv4(text);
    const pool = ip === undefined ? undefined : poolOf(pools, ip);
    if (pool && ip !== undefined && !reserved(pool, ip)) poolUse.set(pool, poolUse.get(pool)! + 1);
    else publicIpsOutsidePools++;
  }
  const publicIpPools = zone.spec.publicIpPools.map((p) => {
    // A range that does not parse (verify reports it) is a pool of no addresses.
    const pool = pools.find((q) => q.name === p.name);
    const size = pool ? assignableSize(pool) : 0;
    const used = pool ? poolUse.get(pool)! : 0;
    return { name: p.name, cidr: p.cidr, gateway: p.gateway, range: p.range, size, used, free: free(size, used) };
  });

  return {
    name,
    provider: zone.spec.provider.type,
    tenants: tenants.size,
    resources,
    clusters,
    storageTiers,
    segments,
    publicIpPools,
    publicIpsOutsidePools,
  };
}

/** One segment pool against the IDs recorded networks hold (each ID once, however many hold it). */
function segmentUse(ranges: Ranges, held: ReadonlySet<string>): ZoneReport['segments']['vlan'] {
  let used = 0;
  let outsidePool = 0;
  for (const id of new Set([...held].map(Number))) {
    if (Number.isInteger(id) && inRanges(ranges, id)) used++;
    else outsidePool++;
  }
  const size = ranges.reduce((n, r) => n + rangeSize(r), 0);
  return { ranges: ranges.map((r) => formatRanges([r])), size, used, free: free(size, used), outsidePool };
}
