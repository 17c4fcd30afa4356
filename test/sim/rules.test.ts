import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Observed, Provider } from '../../providers/contract.js';
import { disk, network, openSim, publicIp, rejection, tempDir, vm } from './fixture.js';

const open: { provider: Provider; dir: string }[] = [];
afterEach(() => {
  for (const { provider, dir } of open.splice(0)) {
    provider.close?.();
    rmSync(dir, { recursive: true, force: true });
  }
});
function sim(): Provider {
  const dir = tempDir();
  const provider = openSim(dir);
  open.push({ provider, dir });
  return provider;
}

/** Creates `office` (VLAN 100, 10.0.0.0/24) and returns a ref map for VMs on it. */
async function withOffice(p: Provider) {
  const office = await p.create(network('office'));
  return { office, refs: { 'acme/network/office': office.providerId } };
}

async function withVm(p: Provider, name = 'web-1', o: Parameters<typeof vm>[1] = {}) {
  const { refs } = await withOffice(p);
  const created = await p.create(vm(name, { refs, ...o }));
  return { refs, vm: created, vmRefs: { [`acme/vm/${name}`]: created.providerId } };
}

describe('the sim refuses what a real zone refuses', () => {
  it.each([
    {
      reason: 'a VLAN can be used only once in the zone',
      given: async (p: Provider) => { await p.create(network('a', { vlan: 100 })); return p.create(network('b', { vlan: 100, cidr: '10.1.0.0/24', gateway: '10.1.0.1' })); },
      want: { code: 'conflict', message: /VLAN 100 is already in use in zone z1 by acme\/network\/a/ },
    },
    {
      reason: 'a VXLAN VNI can be used only once in the zone, even by another tenant',
      given: async (p: Provider) => { await p.create(network('a', { vxlan: 10000 })); return p.create(network('b', { vxlan: 10000, tenant: 'beta' })); },
      want: { code: 'conflict', message: /VXLAN VNI 10000 is already in use/ },
    },
    {
      reason: 'a VLAN must come from the guest VLAN pool',
      given: (p: Provider) => p.create(network('a', { vlan: 102 })),
      want: { code: 'invalid', message: /VLAN 102 is outside the VLAN ranges of zone z1 \(100-101\)/ },
    },
    {
      reason: 'a VNI must come from the VXLAN pool',
      given: (p: Provider) => p.create(network('a', { vxlan: 9999 })),
      want: { code: 'invalid', message: /VXLAN VNI 9999 is outside/ },
    },
    {
      reason: 'a gateway must sit inside its network',
      given: (p: Provider) => p.create(network('a', { gateway: '10.9.0.1' })),
      want: { code: 'invalid', message: /Gateway 10.9.0.1 is not inside network 10.0.0.0\/24/ },
    },
    {
      reason: 'source NAT needs an allocated public IP',
      given: (p: Provider) => p.create(network('a', { sourceNatIp: '203.0.113.10' })),
      want: { code: 'not-found', message: /public IP 203.0.113.10 for source NAT/ },
    },
    {
      reason: 'a public IP must lie inside its pool range',
      given: (p: Provider) => p.create(publicIp('web', '203.0.113.12')),
      want: { code: 'invalid', message: /Public IP 203.0.113.12 is outside the range of pool pool-a/ },
    },
    {
      reason: 'a public IP comes from a pool of the zone',
      given: (p: Provider) => p.create(publicIp('web', '203.0.113.10', 'pool-z')),
      want: { code: 'not-found', message: /public IP pool pool-z/ },
    },
    {
      reason: 'a public IP can be allocated only once',
      given: async (p: Provider) => { await p.create(publicIp('web', '203.0.113.10')); return p.create(publicIp('mail', '203.0.113.10')); },
      want: { code: 'conflict', message: /Public IP 203.0.113.10 is already in use in zone z1 by acme\/public-ip\/web/ },
    },
    {
      reason: "a cluster's vCPUs (hosts × cpuPerHost × overcommit) can't be exceeded",
      given: async (p: Provider) => { const { refs } = await withVm(p, 'a', { cpu: 3 }); return p.create(vm('b', { cpu: 2, refs, nics: [{ network: 'acme/network/office', ip: '10.0.0.11' }] })); },
      want: { code: 'capacity', message: /cluster kvm-a: 1 of 4 vCPUs free, 2 more requested/ },
    },
    {
      reason: 'cpuOvercommit multiplies vCPUs a cluster can sell',
      given: async (p: Provider) => { const { refs } = await withOffice(p); return p.create(vm('big', { hypervisor: 'vmware', cluster: 'vmw-a', cpu: 9, refs })); },
      want: { code: 'capacity', message: /cluster vmw-a: 8 of 8 vCPUs free/ },
    },
    {
      reason: "a cluster's memory can't be exceeded",
      given: async (p: Provider) => { const { refs } = await withOffice(p); return p.create(vm('a', { memoryMiB: 8193, refs })); },
      want: { code: 'capacity', message: /cluster kvm-a: 8192 of 8192 MiB of memory free, 8193 MiB more requested/ },
    },
    {
      reason: 'root disks and data disks share their storage tier capacity',
      given: async (p: Provider) => { const { vmRefs } = await withVm(p, 'a', { rootGiB: 60 }); return p.create(disk('a', 'data', { sizeGiB: 41, refs: vmRefs })); },
      want: { code: 'capacity', message: /storage tier performance: 40 of 100 GiB free, 41 GiB more requested/ },
    },
    {
      reason: "a VM's template must list its hypervisor",
      given: async (p: Provider) => { const { refs } = await withOffice(p); return p.create(vm('a', { template: 'win-2022', refs })); },
      want: { code: 'invalid', message: /Template win-2022 is not available for hypervisor kvm/ },
    },
    {
      reason: "a VM's cluster must run its hypervisor",
      given: async (p: Provider) => { const { refs } = await withOffice(p); return p.create(vm('a', { hypervisor: 'vmware', refs })); },
      want: { code: 'invalid', message: /Cluster kvm-a runs kvm, not vmware/ },
    },
    {
      reason: "a VM's NIC network must exist",
      given: (p: Provider) => p.create(vm('a', { refs: { 'acme/network/office': '00000000-0000-4000-8000-000000000000' } })),
      want: { code: 'not-found', message: /Unable to find network with id 0000/ },
    },
    {
      reason: "a VM's NIC network must be passed as a ref",
      given: (p: Provider) => p.create(vm('a')),
      want: { code: 'not-found', message: /no provider ID was passed/ },
    },
    {
      reason: "a NIC's IP must be inside the network's CIDR",
      given: async (p: Provider) => { const { refs } = await withOffice(p); return p.create(vm('a', { refs, nics: [{ network: 'acme/network/office', ip: '10.0.1.5' }] })); },
      want: { code: 'invalid', message: /IP 10.0.1.5 is not inside network acme\/network\/office/ },
    },
    {
      reason: "a NIC's IP must be unique in its network",
      given: async (p: Provider) => { const { refs } = await withVm(p, 'a'); return p.create(vm('b', { refs })); },
      want: { code: 'conflict', message: /IP 10.0.0.10 on acme\/network\/office is already in use in zone z1 by acme\/vm\/a/ },
    },
    {
      reason: "a NIC can't take the network's gateway",
      given: async (p: Provider) => { const { refs } = await withOffice(p); return p.create(vm('a', { refs, nics: [{ network: 'acme/network/office', ip: '10.0.0.1' }] })); },
      want: { code: 'conflict', message: /IP 10.0.0.1 .* by acme\/network\/office/ },
    },
    {
      reason: "a disk's VM must exist",
      given: (p: Provider) => p.create(disk('ghost', 'data', { refs: { 'acme/vm/ghost': 'nope' } })),
      want: { code: 'not-found', message: /Unable to find VM with id nope/ },
    },
    {
      reason: 'attributes must match the contract of their type',
      given: (p: Provider) => p.create({ ...network('a'), attributes: { name: 'a' } }),
      want: { code: 'invalid', message: /Invalid network attributes: cidr:/ },
    },
    {
      reason: 'the provider simulates one zone only',
      given: (p: Provider) => p.create({ ...network('a'), zone: 'elsewhere' }),
      want: { code: 'invalid', message: /Unable to find zone elsewhere/ },
    },
    {
      reason: 'a network with VMs on it cannot be deleted',
      given: async (p: Provider) => { await withVm(p); const office = (await p.inventory!()).find((o) => o.type === 'network')!; return p.delete(recordedOf(office)); },
      want: { code: 'conflict', message: /Network acme\/network\/office has active VMs \(acme\/vm\/web-1\)/ },
    },
    {
      reason: 'growing a VM beyond its cluster is refused',
      given: async (p: Provider) => { const { refs, vm: created } = await withVm(p, 'a', { cpu: 2 }); return p.update(recordedOf(created), vm('a', { cpu: 5, refs }), ['cpu']); },
      want: { code: 'capacity', message: /3 more requested/ },
    },
    {
      reason: 'a disk cannot shrink',
      given: async (p: Provider) => { const { vmRefs } = await withVm(p); const d = await p.create(disk('web-1', 'data', { sizeGiB: 20, refs: vmRefs })); return p.update(recordedOf(d), disk('web-1', 'data', { sizeGiB: 10, refs: vmRefs }), ['sizeGiB']); },
      want: { code: 'invalid', message: /Disk can't be shrunk: 20 GiB to 10 GiB/ },
    },
    {
      reason: 'moving a disk to a full tier is refused',
      given: async (p: Provider) => { const { vmRefs } = await withVm(p, 'web-1', { tier: 'capacity', rootGiB: 10 }); const d = await p.create(disk('web-1', 'data', { sizeGiB: 200, tier: 'capacity', refs: vmRefs })); return p.update(recordedOf(d), disk('web-1', 'data', { sizeGiB: 200, tier: 'performance', refs: vmRefs }), ['tier']); },
      want: { code: 'capacity', message: /storage tier performance: 100 of 100 GiB free, 200 GiB more requested/ },
    },
    {
      reason: 'an attribute that forces replacement cannot change in place',
      given: async (p: Provider) => { const { office } = await withOffice(p); return p.update(recordedOf(office), network('office', { vlan: 101 }), ['segment']); },
      want: { code: 'invalid', message: /Cannot change segment of a network in place/ },
    },
    {
      reason: 'updating something that is gone says so',
      given: (p: Provider) => p.update(recordedOf({ providerId: 'gone', address: 'acme/network/office', type: 'network', tenant: 'acme', attributes: {} }), network('office'), []),
      want: { code: 'not-found', message: /Unable to find network with id gone/ },
    },
  ])('$reason', async ({ given, want }) => {
    const got = await rejection(given(sim()));
    expect(got).toMatchObject({ code: want.code });
    expect(got === 'resolved' ? 'resolved' : got.message).toMatch(want.message);
  });
});

function recordedOf(o: Observed) {
  return { ...o, zone: 'z1' };
}

describe('what the sim allows', () => {
  it('deletes what is already gone without complaint', async () => {
    const p = sim();
    await expect(p.delete(recordedOf({ providerId: 'never-existed', address: 'acme/vm/x', type: 'vm', tenant: 'acme', attributes: {} }))).resolves.toBeUndefined();
  });

  it('deletes a VM without touching its data disks, and frees its capacity, IPs and the network', async () => {
    const p = sim();
    const { refs, vm: web, vmRefs } = await withVm(p, 'web-1', { cpu: 4 });
    const data = await p.create(disk('web-1', 'data', { refs: vmRefs }));
    await p.delete(recordedOf(web));
    expect(await p.read(recordedOf(data))).toEqual(data);
    expect(await p.read(recordedOf(web))).toBeUndefined();
    // The vCPUs and the IP are free again.
    await expect(p.create(vm('web-2', { cpu: 4, refs }))).resolves.toMatchObject({ address: 'acme/vm/web-2' });
    await p.delete(recordedOf((await p.inventory!()).find((o) => o.address === 'acme/vm/web-2')!));
    const office = (await p.inventory!()).find((o) => o.type === 'network')!;
    await expect(p.delete(recordedOf(office))).resolves.toBeUndefined();
  });

  it.each([
    { reason: 'resize a VM within its cluster', given: { cpu: 4, memoryMiB: 8192 }, want: { cpu: 4, memoryMiB: 8192 } },
    { reason: 'grow the root disk', given: { rootGiB: 50 }, want: { rootDisk: { sizeGiB: 50, tier: 'performance' } } },
  ])('updates in place: $reason', async ({ given, want }) => {
    const p = sim();
    const { refs, vm: web } = await withVm(p);
    const updated = await p.update(recordedOf(web), vm('web-1', { refs, ...given }), Object.keys(want));
    expect(updated.providerId).toBe(web.providerId);
    expect(updated.attributes).toMatchObject(want);
    expect((await p.read(recordedOf(web)))?.attributes).toMatchObject(want);
  });

  it('moves a disk to another tier and gives the old tier its space back', async () => {
    const p = sim();
    const { vmRefs } = await withVm(p, 'web-1', { rootGiB: 10 });
    const d = await p.create(disk('web-1', 'data', { sizeGiB: 90, refs: vmRefs }));
    await p.update(recordedOf(d), disk('web-1', 'data', { sizeGiB: 90, tier: 'capacity', refs: vmRefs }), ['tier']);
    await expect(p.create(disk('web-1', 'more', { sizeGiB: 90, refs: vmRefs }))).resolves.toMatchObject({ type: 'disk' });
  });

  it('changes firewall ports and sources, and a VPN user password digest, in place', async () => {
    const p = sim();
    const ip = await p.create(publicIp('web', '203.0.113.10'));
    const refs = { 'acme/public-ip/web': ip.providerId };
    const rule = (ports: number[], from: string[]) => ({
      address: 'acme/firewall-rule/web-tcp', type: 'firewall-rule' as const, tenant: 'acme', zone: 'z1', refs, secrets: {},
      attributes: { publicIp: 'acme/public-ip/web', address: '203.0.113.10', protocol: 'tcp', ports, from },
    });
    const fw = await p.create(rule([80], ['0.0.0.0/0']));
    const fw2 = await p.update(recordedOf(fw), rule([80, 443], ['198.51.100.0/24']), ['ports', 'from']);
    expect(fw2.attributes).toMatchObject({ ports: [80, 443], from: ['198.51.100.0/24'] });

    const user = (password: string) => ({
      address: 'acme/vpn-user/alice', type: 'vpn-user' as const, tenant: 'acme', zone: 'z1', refs: {}, secrets: {}, attributes: { name: 'alice', password },
    });
    const alice = await p.create(user('sha256:aaa'));
    expect((await p.update(recordedOf(alice), user('sha256:bbb'), ['password'])).attributes['password']).toBe('sha256:bbb');
    expect(await rejection(p.create({ ...user('sha256:ccc'), address: 'acme/vpn-user/alice-again' }))).toMatchObject({ code: 'conflict', message: /VPN user alice/ });
  });

  it('lets a network switch its source NAT IP in place', async () => {
    const p = sim();
    await p.create(publicIp('nat', '203.0.113.10'));
    const { office } = await withOffice(p);
    const updated = await p.update(recordedOf(office), network('office', { sourceNatIp: '203.0.113.10' }), ['sourceNatIp']);
    expect(updated.attributes['sourceNatIp']).toBe('203.0.113.10');
  });

  it('lists by zone and tenant, and inventories everything by type then address', async () => {
    const p = sim();
    await p.create(network('b', { vlan: 100 }));
    await p.create(network('a', { vlan: 101, tenant: 'beta' }));
    await p.create(publicIp('web', '203.0.113.10'));
    const listed: string[] = [];
    for await (const o of p.list!('network', { zone: 'z1', tenant: 'acme' })) listed.push(o.address);
    expect(listed).toEqual(['acme/network/b']);
    expect((await p.inventory!()).map((o) => `${o.type} ${o.address}`)).toEqual(['network acme/network/b', 'network beta/network/a', 'public-ip acme/public-ip/web']);
    expect((await p.inventory!())[0]!.providerId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('refuses all but one of 32 concurrent creates racing for the same VLAN', async () => {
    const p = sim();
    const results = await Promise.allSettled(
      Array.from({ length: 32 }, (_, i) => p.create(network(`n${i}`, { vlan: 100, cidr: `10.${i}.0.0/24`, gateway: `10.${i}.0.1` }))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(Array(31).fill('conflict'));
  });
});
