import { describe, expect, it } from 'vitest';
import { buildDesired } from '../../engine/plan/desired.js';
import type { RecordedResource } from '../../specs/model/resource.js';
import { fakeDigest, recordAll, specSet, tenantDoc, zoneDoc } from './spec-set.js';

const vm = (name: string, nics: object[], more: object = {}) => ({ name, hypervisor: 'kvm', cpu: 2, memory: '4GiB', template: 'ubuntu-24.04', nics, rootDisk: { size: '20GiB', tier: 'performance' }, ...more });
const net = (name: string, cidr: string, more: object = {}) => ({ name, cidr, ...more });

function plan(tenants: ReturnType<typeof tenantDoc>[], recorded: ReadonlyMap<string, RecordedResource> = new Map(), options: { zone?: Record<string, unknown>; only?: string[] } = {}) {
  const specs = specSet([zoneDoc('z1', options.zone)], tenants);
  const out = buildDesired({ specs, recorded, digestSecret: fakeDigest, ...(options.only ? { tenants: new Set(options.only) } : {}) });
  return { ...out, get: (address: string) => out.resources.find((r) => r.address === address)?.attributes };
}

const errors = (p: { diagnostics: readonly { severity: string }[] }) => p.diagnostics.filter((d) => d.severity === 'error');
const segmentOf = (p: ReturnType<typeof plan>, address: string) => p.get(address)?.segment;

describe('allocate: segments', () => {
  const two = [tenantDoc('a', { networks: [net('lan', '10.0.0.0/24'), net('dmz', '10.0.1.0/24')] }), tenantDoc('b', { networks: [net('lan', '10.0.0.0/24', { segment: { vxlan: 'auto' } })] })];

  it('is deterministic: the same input gives identical output', () => {
    expect(JSON.stringify(plan(two))).toBe(JSON.stringify(plan(two)));
  });

  it.each([
    { reason: 'new networks take the lowest free VLAN in address order', given: new Map<string, RecordedResource>(), want: { 'a/network/dmz': 100, 'a/network/lan': 101 } },
    {
      reason: 'a VLAN recorded in state stays, and is never handed to another network',
      given: recordAll([{ address: 'a/network/lan', type: 'network', tenant: 'a', zone: 'z1', attributes: { segment: { type: 'vlan', id: 100 } }, dependsOn: [], boundTo: [], protect: false, sensitive: [], secrets: {} }]),
      want: { 'a/network/dmz': 101, 'a/network/lan': 100 },
    },
    {
      reason: 'a recorded VLAN outside the pool is replaced by the lowest free one',
      given: recordAll([{ address: 'a/network/lan', type: 'network', tenant: 'a', zone: 'z1', attributes: { segment: { type: 'vlan', id: 4000 } }, dependsOn: [], boundTo: [], protect: false, sensitive: [], secrets: {} }]),
      want: { 'a/network/dmz': 100, 'a/network/lan': 101 },
    },
    {
      reason: 'VLANs recorded for networks no longer in any spec stay taken until deleted',
      given: recordAll([{ address: 'gone/network/x', type: 'network', tenant: 'gone', zone: 'z1', attributes: { segment: { type: 'vlan', id: 100 } }, dependsOn: [], boundTo: [], protect: false, sensitive: [], secrets: {} }]),
      want: { 'a/network/dmz': 101, 'a/network/lan': 102 },
    },
  ])('$reason', ({ given, want }) => {
    const p = plan(two, given);
    expect(errors(p)).toEqual([]);
    expect({ 'a/network/dmz': (segmentOf(p, 'a/network/dmz') as { id: number }).id, 'a/network/lan': (segmentOf(p, 'a/network/lan') as { id: number }).id }).toEqual(want);
    expect(segmentOf(p, 'b/network/lan')).toEqual({ type: 'vxlan', id: 10000 });
  });

  it('a new network gets the lowest free VLAN and existing ones keep theirs', () => {
    const before = plan([tenantDoc('m', { networks: [net('n1', '10.0.1.0/24'), net('n3', '10.0.3.0/24')] })]);
    const recorded = recordAll(before.resources);
    const after = plan([tenantDoc('m', { networks: [net('n0', '10.0.0.0/24'), net('n1', '10.0.1.0/24'), net('n3', '10.0.3.0/24')] })], recorded);
    expect([segmentOf(after, 'm/network/n0'), segmentOf(after, 'm/network/n1'), segmentOf(after, 'm/network/n3')]).toEqual([
      { type: 'vlan', id: 102 },
      { type: 'vlan', id: 100 },
      { type: 'vlan', id: 101 },
    ]);
  });

  it('skips VLANs fixed by other tenants, also when only one tenant is selected', () => {
    const tenants = [tenantDoc('a', { networks: [net('lan', '10.0.0.0/24', { segment: { vlan: 100 } })] }), tenantDoc('b', { networks: [net('lan', '10.0.0.0/24')] })];
    const p = plan(tenants, new Map(), { only: ['b'] });
    expect(p.resources.map((r) => r.address)).toEqual(['b/network/lan']);
    expect(segmentOf(p, 'b/network/lan')).toEqual({ type: 'vlan', id: 101 });
  });

  it('gives a new value when another tenant now fixes the recorded one', () => {
    const recorded = recordAll(plan([tenantDoc('b', { networks: [net('lan', '10.0.0.0/24')] })]).resources);
    const p = plan([tenantDoc('a', { networks: [net('lan', '10.0.0.0/24', { segment: { vlan: 100 } })] }), tenantDoc('b', { networks: [net('lan', '10.0.0.0/24')] })], recorded, { only: ['b'] });
    expect(segmentOf(p, 'b/network/lan')).toEqual({ type: 'vlan', id: 101 });
  });

  it('keeps the VLAN of a renamed network (previously:)', () => {
    const recorded = recordAll(plan([tenantDoc('a', { networks: [net('x', '10.0.0.0/24'), net('office', '10.0.1.0/24')] })]).resources);
    const p = plan([tenantDoc('a', { networks: [net('x', '10.0.0.0/24'), net('lan', '10.0.1.0/24', { previously: 'office' })] })], recorded);
    expect(segmentOf(p, 'a/network/lan')).toEqual({ type: 'vlan', id: 100 });
  });

  it('reports an exhausted pool at the network that did not get a segment', () => {
    const p = plan([tenantDoc('a', { networks: [net('n1', '10.0.1.0/24'), net('n2', '10.0.2.0/24'), net('n3', '10.0.3.0/24')] })], new Map(), { zone: { segments: { vlans: ['100-101'], vxlans: [] } } });
    expect(errors(p)).toEqual([
      { severity: 'error', summary: 'no free VLAN for network n3: zone z1 pool 100-101 is exhausted', file: 'tenants/a.yaml', doc: 0, path: ['spec', 'networks', 2, 'segment', 'vlan'], address: 'a/network/n3' },
    ]);
  });
});

describe('allocate: addresses inside networks', () => {
  it.each([
    { reason: 'the gateway is the first host and NICs take the next free hosts', given: [vm('v1', [{ network: 'lan' }]), vm('v2', [{ network: 'lan' }])], want: { gateway: '10.0.0.1', v1: '10.0.0.2', v2: '10.0.0.3' } },
    { reason: 'auto NICs skip fixed addresses of other VMs', given: [vm('v1', [{ network: 'lan' }]), vm('v2', [{ network: 'lan', ip: '10.0.0.2' }])], want: { gateway: '10.0.0.1', v1: '10.0.0.3', v2: '10.0.0.2' } },
  ])('$reason', ({ given, want }) => {
    const p = plan([tenantDoc('a', { networks: [net('lan', '10.0.0.0/24')], vms: given })]);
    const ips = (name: string) => (p.get(`a/vm/${name}`)!.nics as { ip: string }[])[0]!.ip;
    expect({ gateway: p.get('a/network/lan')!.gateway, v1: ips('v1'), v2: ips('v2') }).toEqual(want);
  });

  it('skips a given gateway, and keeps recorded NIC addresses while new VMs take the lowest free', () => {
    const first = plan([tenantDoc('a', { networks: [net('lan', '10.0.0.0/24', { gateway: '10.0.0.2' })], vms: [vm('v1', [{ network: 'lan' }]), vm('v2', [{ network: 'lan' }]), vm('v3', [{ network: 'lan' }])] })]);
    expect(first.resources.filter((r) => r.type === 'vm').map((r) => (r.attributes.nics as { ip: string }[])[0]!.ip)).toEqual(['10.0.0.1', '10.0.0.3', '10.0.0.4']);
    const recorded = recordAll(first.resources);
    recorded.delete('a/vm/v1');
    const second = plan([tenantDoc('a', { networks: [net('lan', '10.0.0.0/24', { gateway: '10.0.0.2' })], vms: [vm('v0', [{ network: 'lan' }]), vm('v2', [{ network: 'lan' }]), vm('v3', [{ network: 'lan' }])] })], recorded);
    expect(second.resources.filter((r) => r.type === 'vm').map((r) => `${r.address} ${(r.attributes.nics as { ip: string }[])[0]!.ip}`)).toEqual(['a/vm/v0 10.0.0.1', 'a/vm/v2 10.0.0.3', 'a/vm/v3 10.0.0.4']);
  });

  it('re-allocates the gateway and NIC addresses inside a changed CIDR, and links follow', () => {
    const spec = (cidr: string) => tenantDoc('a', { networks: [net('lan', cidr, { sourceNat: 'nat' })], publicIps: [{ name: 'nat' }, { name: 'web', staticNat: { vm: 'v1' } }], vms: [vm('v1', [{ network: 'lan' }])] });
    const recorded = recordAll(plan([spec('10.0.0.0/24')]).resources);
    const p = plan([spec('10.9.0.0/24')], recorded);
    expect(p.get('a/network/lan')).toMatchObject({ cidr: '10.9.0.0/24', gateway: '10.9.0.1', segment: { type: 'vlan', id: 100 }, sourceNatIp: '203.0.113.10' });
    expect(p.get('a/vm/v1')!.nics).toEqual([{ network: 'a/network/lan', ip: '10.9.0.2' }]);
    expect(p.get('a/static-nat/web')).toEqual({ publicIp: 'a/public-ip/web', address: '203.0.113.11', vm: 'a/vm/v1', vmIp: '10.9.0.2' });
  });

  it('reports a full network at the NIC that found no address', () => {
    const p = plan([tenantDoc('a', { networks: [net('tiny', '10.0.0.0/30')], vms: [vm('v1', [{ network: 'tiny' }]), vm('v2', [{ network: 'tiny' }])] })]);
    expect(p.diagnostics.map((d) => [d.path, d.summary])).toEqual([[['spec', 'vms', 1, 'nics', 0, 'ip'], 'no free address left in network tiny (10.0.0.0/30) for vm v2']]);
  });
});

describe('allocate: public IPs and clusters', () => {
  it('takes the lowest free public address, skipping fixed and recorded ones of any tenant; recorded ones stay', () => {
    const recorded = recordAll(plan([tenantDoc('old', { publicIps: [{ name: 'x' }], firewall: [{ publicIp: 'x', protocol: 'icmp' }] })]).resources);
    const p = plan(
      [
        tenantDoc('a', { publicIps: [{ name: 'p1' }, { name: 'p2' }], firewall: [{ publicIp: 'p1', protocol: 'icmp' }, { publicIp: 'p2', protocol: 'icmp' }] }),
        tenantDoc('b', { publicIps: [{ name: 'fixed', address: '203.0.113.11' }], firewall: [{ publicIp: 'fixed', protocol: 'icmp' }] }),
        tenantDoc('old', { publicIps: [{ name: 'x' }], firewall: [{ publicIp: 'x', protocol: 'icmp' }] }),
      ],
      recorded,
    );
    expect(p.diagnostics).toEqual([]);
    expect(['a/public-ip/p1', 'a/public-ip/p2', 'b/public-ip/fixed', 'old/public-ip/x'].map((a) => p.get(a)!.address)).toEqual(['203.0.113.12', '203.0.113.13', '203.0.113.11', '203.0.113.10']);
  });

  it('uses the named pool, and the next pool when the first is full', () => {
    const zone = {
      publicIpPools: [
        { name: 'small', cidr: '203.0.113.0/24', gateway: '203.0.113.1', range: '203.0.113.10-203.0.113.10' },
        { name: 'big', cidr: '198.51.100.0/24', gateway: '198.51.100.1', range: '198.51.100.10-198.51.100.250' },
      ],
    };
    const p = plan([tenantDoc('a', { publicIps: [{ name: 'p1' }, { name: 'p2' }, { name: 'p3', pool: 'big' }], firewall: ['p1', 'p2', 'p3'].map((publicIp) => ({ publicIp, protocol: 'icmp' })) })], new Map(), { zone });
    expect(['p1', 'p2', 'p3'].map((n) => p.get(`a/public-ip/${n}`))).toEqual([
      { name: 'p1', address: '203.0.113.10', pool: 'small' },
      { name: 'p2', address: '198.51.100.10', pool: 'big' },
      { name: 'p3', address: '198.51.100.11', pool: 'big' },
    ]);
  });

  it('places VMs on the first cluster of their hypervisor with room, keeping recorded placements', () => {
    const zone = {
      clusters: [
        { name: 'kvm-a', hypervisor: 'kvm', hosts: 1, cpuPerHost: 4, memoryPerHost: '64GiB' },
        { name: 'kvm-b', hypervisor: 'kvm', hosts: 1, cpuPerHost: 8, memoryPerHost: '64GiB' },
      ],
    };
    const tenant = (names: string[]) => tenantDoc('a', { networks: [net('lan', '10.0.0.0/24')], vms: names.map((n) => vm(n, [{ network: 'lan' }])) });
    const p = plan([tenant(['v1', 'v2', 'v3'])], new Map(), { zone });
    expect(['v1', 'v2', 'v3'].map((n) => p.get(`a/vm/${n}`)!.cluster)).toEqual(['kvm-a', 'kvm-a', 'kvm-b']);
    const recorded = recordAll(p.resources);
    const again = plan([tenant(['v0', 'v1', 'v2', 'v3'])], recorded, { zone });
    expect(['v0', 'v1', 'v2', 'v3'].map((n) => again.get(`a/vm/${n}`)!.cluster)).toEqual(['kvm-b', 'kvm-a', 'kvm-a', 'kvm-b']);
  });
});
