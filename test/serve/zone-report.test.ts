/**
 * The zone report an operator reads off GET /api/v1/zones: capacities as the spec gives
 * them, use as state recorded it, over-commit visible, and nothing that is not this
 * zone's (another zone's resources, a cluster or tier the zone no longer has) counted.
 */
import { resolve } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { zoneReport, ZoneReportSchema, type ZoneReport } from '../../engine/serve/zone-report.js';
import { loadSpecs } from '../../specs/load.js';
import type { Attributes, RecordedResource, ResourceTypeName } from '../../specs/model/resource.js';
import { ZoneDocument, type ZoneDoc } from '../../specs/schema.js';
import type { Allocation } from '../../state/allocations.js';

/** Listed out of name order on purpose: the report keeps the spec's order. */
const zone: ZoneDoc = ZoneDocument.parse({
  apiVersion: 'netfirst/v1',
  kind: 'Zone',
  metadata: { name: 'z1' },
  spec: {
    provider: { type: 'sim' },
    segments: { vlans: ['200', '100-109'], vxlans: ['5000-5099'] },
    publicIpPools: [
      // The range takes in the block's network, gateway and broadcast address: 16 - 3 = 13 to hand out.
      { name: 'pool-b', cidr: '203.0.113.0/28', gateway: '203.0.113.1', range: '203.0.113.0-203.0.113.15' },
      { name: 'pool-a', cidr: '198.51.100.0/24', gateway: '198.51.100.1', range: '198.51.100.10-198.51.100.19' },
    ],
    clusters: [
      { name: 'xen-a', hypervisor: 'xenserver', hosts: 1, cpuPerHost: 8, memoryPerHost: '64GiB' },
      { name: 'kvm-a', hypervisor: 'kvm', hosts: 2, cpuPerHost: 16, memoryPerHost: '128GiB', cpuOvercommit: 2 },
    ],
    storageTiers: [
      { name: 'ssd', media: 'ssd', capacity: '1TiB' },
      { name: 'hdd', media: 'sata-7k2', capacity: '10TiB' },
    ],
  },
});

const emptyZone: ZoneDoc = ZoneDocument.parse({
  apiVersion: 'netfirst/v1',
  kind: 'Zone',
  metadata: { name: 'z1' },
  spec: { provider: { type: 'sim' }, segments: {} },
});

function resource(address: string, type: ResourceTypeName, attributes: Attributes, zoneName = 'z1'): RecordedResource {
  return {
    address,
    type,
    tenant: address.split('/')[0]!,
    zone: zoneName,
    providerId: `id-${address}`,
    attributes,
    dependsOn: [],
    boundTo: [],
    protect: false,
    sensitive: [],
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
}

const vm = (address: string, cluster: string, cpu: number, memoryMiB: number, root: { sizeGiB: number; tier: string }, zoneName?: string): RecordedResource =>
  resource(address, 'vm', {
    name: address.split('/')[2]!,
    hypervisor: cluster.startsWith('xen') ? 'xenserver' : 'kvm',
    cluster,
    cpu,
    memoryMiB,
    template: 'ubuntu-24.04',
    nics: [],
    rootDisk: root,
  }, zoneName);

const disk = (vmAddress: string, name: string, sizeGiB: number, tier: string): RecordedResource =>
  resource(`${vmAddress}/disk/${name}`, 'disk', { name, vm: vmAddress, sizeGiB, tier });

const held = (kind: Allocation['kind'], value: string, address: string, zoneName = 'z1'): Allocation => ({ zone: zoneName, kind, value, address });

const idle = { vms: 0, cpuUsed: 0, memoryUsed: 0 };
/** The cluster lines of the test zone, with what is used on each. */
const clusterLines = (xen = idle, kvm = idle): ZoneReport['clusters'] => [
  { name: 'xen-a', hypervisor: 'xenserver', hosts: 1, cpuOvercommit: 1, vms: xen.vms, cpu: { capacity: 8, used: xen.cpuUsed, free: Math.max(0, 8 - xen.cpuUsed) }, memoryMiB: { capacity: 65536, used: xen.memoryUsed, free: Math.max(0, 65536 - xen.memoryUsed) } },
  { name: 'kvm-a', hypervisor: 'kvm', hosts: 2, cpuOvercommit: 2, vms: kvm.vms, cpu: { capacity: 64, used: kvm.cpuUsed, free: Math.max(0, 64 - kvm.cpuUsed) }, memoryMiB: { capacity: 262144, used: kvm.memoryUsed, free: Math.max(0, 262144 - kvm.memoryUsed) } },
];
/** The tier lines of the test zone, with disks and GiB used on each. */
const tierLines = (ssd = { disks: 0, usedGiB: 0 }, hdd = { disks: 0, usedGiB: 0 }): ZoneReport['storageTiers'] => [
  { name: 'ssd', media: 'ssd', disks: ssd.disks, capacityGiB: 1024, usedGiB: ssd.usedGiB, freeGiB: Math.max(0, 1024 - ssd.usedGiB) },
  { name: 'hdd', media: 'sata-7k2', disks: hdd.disks, capacityGiB: 10240, usedGiB: hdd.usedGiB, freeGiB: Math.max(0, 10240 - hdd.usedGiB) },
];
const unusedSegments: ZoneReport['segments'] = {
  vlan: { ranges: ['100-109', '200'], size: 11, used: 0, free: 11, outsidePool: 0 },
  vxlan: { ranges: ['5000-5099'], size: 100, used: 0, free: 100, outsidePool: 0 },
};
const unusedPools: ZoneReport['publicIpPools'] = [
  { name: 'pool-b', cidr: '203.0.113.0/28', gateway: '203.0.113.1', range: '203.0.113.0-203.0.113.15', size: 13, used: 0, free: 13 },
  { name: 'pool-a', cidr: '198.51.100.0/24', gateway: '198.51.100.1', range: '198.51.100.10-198.51.100.19', size: 10, used: 0, free: 10 },
];

interface JsonSchema {
  readonly $ref?: string;
  readonly $defs?: Readonly<Record<string, JsonSchema>>;
  readonly description?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly items?: JsonSchema;
}

interface Case {
  readonly reason: string;
  readonly given: { readonly zone?: ZoneDoc; readonly recorded?: readonly RecordedResource[]; readonly allocations?: readonly Allocation[] };
  readonly want: Partial<ZoneReport>;
}

const cases: Case[] = [
  {
    reason: 'an empty zone reports no clusters, tiers or pools, and nothing used',
    given: { zone: emptyZone },
    want: {
      name: 'z1',
      provider: 'sim',
      tenants: 0,
      resources: 0,
      clusters: [],
      storageTiers: [],
      segments: { vlan: { ranges: [], size: 0, used: 0, free: 0, outsidePool: 0 }, vxlan: { ranges: [], size: 0, used: 0, free: 0, outsidePool: 0 } },
      publicIpPools: [],
      publicIpsOutsidePools: 0,
    },
  },
  {
    reason: 'with nothing recorded, every capacity is free and listed in spec order (cpuOvercommit multiplies the vCPUs sold)',
    given: {},
    want: { tenants: 0, resources: 0, clusters: clusterLines(), storageTiers: tierLines(), segments: unusedSegments, publicIpPools: unusedPools, publicIpsOutsidePools: 0 },
  },
  {
    reason: "VMs take their cluster's vCPUs and memory and their root disk's tier; data disks take their tier",
    given: {
      recorded: [
        vm('acme/vm/web-1', 'kvm-a', 4, 8192, { sizeGiB: 40, tier: 'ssd' }),
        vm('acme/vm/db-1', 'kvm-a', 8, 16384, { sizeGiB: 60, tier: 'ssd' }),
        disk('acme/vm/db-1', 'data', 500, 'hdd'),
      ],
    },
    want: {
      tenants: 1,
      resources: 3,
      clusters: clusterLines(idle, { vms: 2, cpuUsed: 12, memoryUsed: 24576 }),
      storageTiers: tierLines({ disks: 2, usedGiB: 100 }, { disks: 1, usedGiB: 500 }),
    },
  },
  {
    reason: 'over-commit shows as used above capacity, with free at 0, never negative',
    given: {
      recorded: [
        vm('acme/vm/big-1', 'xen-a', 8, 40960, { sizeGiB: 600, tier: 'ssd' }),
        vm('baker/vm/big-2', 'xen-a', 4, 40960, { sizeGiB: 600, tier: 'ssd' }),
      ],
    },
    want: {
      tenants: 2,
      clusters: clusterLines({ vms: 2, cpuUsed: 12, memoryUsed: 81920 }),
      storageTiers: tierLines({ disks: 2, usedGiB: 1200 }),
    },
  },
  {
    reason: 'a VM on a cluster the zone does not have is counted on no cluster (its root disk still takes its tier), and nothing fails',
    given: { recorded: [vm('acme/vm/old-1', 'gone-a', 4, 8192, { sizeGiB: 40, tier: 'ssd' })] },
    want: { resources: 1, clusters: clusterLines(), storageTiers: tierLines({ disks: 1, usedGiB: 40 }) },
  },
  {
    reason: 'a disk on a tier the zone does not have is counted on no tier',
    given: { recorded: [vm('acme/vm/web-1', 'kvm-a', 2, 4096, { sizeGiB: 40, tier: 'ssd' }), disk('acme/vm/web-1', 'cold', 900, 'archive')] },
    want: { resources: 2, clusters: clusterLines(idle, { vms: 1, cpuUsed: 2, memoryUsed: 4096 }), storageTiers: tierLines({ disks: 1, usedGiB: 40 }) },
  },
  {
    reason: "another zone's resources and allocations are not this zone's use, even on clusters, tiers and values of the same names",
    given: {
      recorded: [vm('other/vm/web-1', 'kvm-a', 16, 65536, { sizeGiB: 100, tier: 'ssd' }, 'z2')],
      allocations: [held('vlan', '100', 'other/network/lan', 'z2'), held('vxlan', '5000', 'other/network/lan2', 'z2'), held('public-ip', '203.0.113.5', 'other/public-ip/web', 'z2')],
    },
    want: { tenants: 0, resources: 0, clusters: clusterLines(), storageTiers: tierLines(), segments: unusedSegments, publicIpPools: unusedPools, publicIpsOutsidePools: 0 },
  },
  {
    reason: 'segments and public IPs count each held value once against its pool; values no pool hands out are counted apart',
    given: {
      allocations: [
        held('vlan', '100', 'acme/network/lan'),
        held('vlan', '100', 'baker/network/lan'), // a collision verify reports: one VLAN, used once
        held('vlan', '200', 'acme/network/dmz'),
        held('vlan', '300', 'cole/network/lan'), // outside the pool (narrowed since)
        held('vxlan', '5000', 'acme/network/overlay'),
        held('ip', 'acme/network/lan:10.0.0.1', 'acme/network/lan'), // private addresses are no pool's
        held('public-ip', '203.0.113.5', 'acme/public-ip/web'),
        held('public-ip', '203.0.113.1', 'baker/public-ip/gw'), // pool-b's gateway: not an address it hands out
        held('public-ip', '198.51.100.12', 'cole/public-ip/web'),
        held('public-ip', '192.0.2.7', 'cole/public-ip/old'), // in no pool
      ],
    },
    want: {
      segments: {
        vlan: { ranges: ['100-109', '200'], size: 11, used: 2, free: 9, outsidePool: 1 },
        vxlan: { ranges: ['5000-5099'], size: 100, used: 1, free: 99, outsidePool: 0 },
      },
      publicIpPools: [
        { ...unusedPools[0]!, used: 1, free: 12 },
        { ...unusedPools[1]!, used: 1, free: 9 },
      ],
      publicIpsOutsidePools: 2,
    },
  },
  {
    reason: 'tenants are those with a resource recorded in the zone; resources count every type',
    given: {
      recorded: [
        resource('acme/network/lan', 'network', { name: 'lan', cidr: '10.0.0.0/24', gateway: '10.0.0.1', segment: { type: 'vlan', id: 100 }, sourceNatIp: null, colocationHandoff: null }),
        resource('acme/public-ip/web', 'public-ip', { name: 'web', address: '203.0.113.5', pool: 'pool-b' }),
        resource('baker/vpn-user/alice', 'vpn-user', { name: 'alice', password: 'hmac-sha256:00' }),
      ],
    },
    want: { tenants: 2, resources: 3, clusters: clusterLines(), storageTiers: tierLines() },
  },
];

describe('zoneReport', () => {
  it.each(cases)('$reason', ({ given, want }) => {
    const report = zoneReport(given.zone ?? zone, given.recorded ?? [], given.allocations ?? []);
    expect(report).toMatchObject(want);
    // What the route returns is what its response schema (and the OpenAPI document) promises.
    expect(ZoneReportSchema.parse(report)).toEqual(report);
  });

  it('reads recorded resources from any iterable, once', () => {
    function* fromState(): Generator<RecordedResource> {
      yield vm('acme/vm/web-1', 'kvm-a', 2, 4096, { sizeGiB: 40, tier: 'ssd' });
    }
    expect(zoneReport(zone, fromState(), []).clusters[1]).toMatchObject({ vms: 1, cpu: { used: 2 } });
  });

  it('reports the example zone as its spec reads: kvm-a sells 6 hosts × 32 cores × 2 = 384 vCPUs', () => {
    const file = resolve(import.meta.dirname, '../../examples/iswest/zone.yaml');
    const specs = loadSpecs([file], { parallel: false });
    expect(specs.diagnostics).toEqual([]);
    const report = zoneReport(specs.zones.get('iswest-1')!.value, [], []);
    expect(report).toMatchInlineSnapshot(`
      {
        "clusters": [
          {
            "cpu": {
              "capacity": 384,
              "free": 384,
              "used": 0,
            },
            "cpuOvercommit": 2,
            "hosts": 6,
            "hypervisor": "kvm",
            "memoryMiB": {
              "capacity": 1572864,
              "free": 1572864,
              "used": 0,
            },
            "name": "kvm-a",
            "vms": 0,
          },
          {
            "cpu": {
              "capacity": 72,
              "free": 72,
              "used": 0,
            },
            "cpuOvercommit": 1,
            "hosts": 3,
            "hypervisor": "xenserver",
            "memoryMiB": {
              "capacity": 589824,
              "free": 589824,
              "used": 0,
            },
            "name": "xen-a",
            "vms": 0,
          },
          {
            "cpu": {
              "capacity": 144,
              "free": 144,
              "used": 0,
            },
            "cpuOvercommit": 1.5,
            "hosts": 4,
            "hypervisor": "vmware",
            "memoryMiB": {
              "capacity": 786432,
              "free": 786432,
              "used": 0,
            },
            "name": "vmw-a",
            "vms": 0,
          },
        ],
        "name": "iswest-1",
        "provider": "sim",
        "publicIpPools": [
          {
            "cidr": "203.0.113.0/24",
            "free": 241,
            "gateway": "203.0.113.1",
            "name": "pool-a",
            "range": "203.0.113.10-203.0.113.250",
            "size": 241,
            "used": 0,
          },
          {
            "cidr": "198.51.100.0/24",
            "free": 241,
            "gateway": "198.51.100.1",
            "name": "pool-b",
            "range": "198.51.100.10-198.51.100.250",
            "size": 241,
            "used": 0,
          },
        ],
        "publicIpsOutsidePools": 0,
        "resources": 0,
        "segments": {
          "vlan": {
            "free": 900,
            "outsidePool": 0,
            "ranges": [
              "100-999",
            ],
            "size": 900,
            "used": 0,
          },
          "vxlan": {
            "free": 10000,
            "outsidePool": 0,
            "ranges": [
              "10000-19999",
            ],
            "size": 10000,
            "used": 0,
          },
        },
        "storageTiers": [
          {
            "capacityGiB": 20480,
            "disks": 0,
            "freeGiB": 20480,
            "media": "ssd",
            "name": "performance",
            "usedGiB": 0,
          },
          {
            "capacityGiB": 61440,
            "disks": 0,
            "freeGiB": 61440,
            "media": "sas-15k",
            "name": "standard",
            "usedGiB": 0,
          },
          {
            "capacityGiB": 204800,
            "disks": 0,
            "freeGiB": 204800,
            "media": "sata-7k2",
            "name": "capacity",
            "usedGiB": 0,
          },
        ],
        "tenants": 0,
      }
    `);
  });

  it('describes every field, so the OpenAPI document explains each number', () => {
    const json = z.toJSONSchema(ZoneReportSchema) as JsonSchema;
    const fields: string[] = [];
    const undescribed: string[] = [];
    const walk = (node: JsonSchema, path: string): void => {
      const schema = node.$ref !== undefined ? json.$defs?.[node.$ref.replace('#/$defs/', '')] ?? {} : node;
      for (const [key, child] of Object.entries(schema.properties ?? {})) {
        fields.push(`${path}.${key}`);
        if (typeof child.description !== 'string') undescribed.push(`${path}.${key}`);
        walk(child, `${path}.${key}`);
      }
      if (schema.items) walk(schema.items, `${path}[]`);
    };
    walk(json, 'ZoneReport');
    expect(fields).toContain('ZoneReport.clusters[].memoryMiB.free');
    expect(fields).toContain('ZoneReport.segments.vxlan.outsidePool');
    expect(undescribed).toEqual([]);
  });

  it('types the provider as the spec language names it', () => {
    expectTypeOf<ZoneReport['provider']>().toEqualTypeOf<ZoneDoc['spec']['provider']['type']>();
  });
});
