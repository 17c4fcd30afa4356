import { describe, expect, it } from 'vitest';
import { expandTenant, firewallRuleNames } from '../../engine/plan/expand.js';
import { fakeDigest, tenantDoc } from './spec-set.js';

/** The Tenant of DESIGN.md, as written there. */
const designTenant = tenantDoc('acme-dental', {
  zone: 'agoura-1',
  networks: [
    { name: 'office', cidr: '10.20.0.0/24', segment: { vlan: 'auto' }, sourceNat: 'office-nat' },
    { name: 'colo', cidr: '10.20.9.0/24', segment: { vlan: 310 }, colocation: { handoff: 'rack A12, port Gi1/0/12' } },
  ],
  publicIps: [{ name: 'office-nat' }, { name: 'web', staticNat: { vm: 'web-1' } }, { name: 'mail', portForwards: [{ protocol: 'tcp', port: 25, vm: 'mail-1' }] }],
  firewall: [{ publicIp: 'web', protocol: 'tcp', ports: [80, 443], from: ['0.0.0.0/0'] }],
  vpn: {
    siteToSite: [
      {
        name: 'hq',
        peer: '198.51.100.20',
        peerCidrs: ['192.168.1.0/24'],
        localNetworks: ['office'],
        ike: { encryption: 'aes256', hash: 'sha256', dhGroup: 14, lifetime: '8h' },
        esp: { encryption: 'aes256', hash: 'sha256', pfsGroup: 14, lifetime: '1h' },
        preSharedKey: { env: 'ACME_HQ_PSK' },
      },
    ],
    remoteAccess: { users: [{ name: 'alice', password: { env: 'ACME_ALICE_PW' } }] },
  },
  vms: [
    {
      name: 'web-1',
      hypervisor: 'kvm',
      cpu: 2,
      memory: '4GiB',
      template: 'ubuntu-24.04',
      nics: [{ network: 'office', ip: 'auto' }],
      rootDisk: { size: '40GiB', tier: 'performance' },
      disks: [{ name: 'data', size: '500GiB', tier: 'capacity' }],
    },
  ],
});

const loaded = { file: 'tenants/acme-dental.yaml', doc: 0, value: designTenant };
const { drafts, diagnostics } = expandTenant(loaded, { digestSecret: fakeDigest });
const byAddress = new Map(drafts.map((d) => [d.address, d]));

describe('expand: the DESIGN.md tenant', () => {
  it('gives one resource per item, addressed tenant/kind/name', () => {
    expect(diagnostics).toEqual([]);
    expect(drafts.map((d) => `${d.address} ${d.type}`).sort()).toMatchInlineSnapshot(`
      [
        "acme-dental/firewall/web-tcp-80-443 firewall-rule",
        "acme-dental/network/colo network",
        "acme-dental/network/office network",
        "acme-dental/port-forward/mail-tcp-25 port-forward",
        "acme-dental/public-ip/mail public-ip",
        "acme-dental/public-ip/office-nat public-ip",
        "acme-dental/public-ip/web public-ip",
        "acme-dental/static-nat/web static-nat",
        "acme-dental/vm/web-1 vm",
        "acme-dental/vm/web-1/disk/data disk",
        "acme-dental/vpn-user/alice vpn-user",
        "acme-dental/vpn/hq vpn-connection",
      ]
    `);
  });

  it.each([
    { reason: 'a network egresses through its source-NAT public IP', given: 'acme-dental/network/office', want: { dependsOn: ['acme-dental/public-ip/office-nat'], boundTo: [] } },
    { reason: 'static NAT needs and is bound to its IP and VM', given: 'acme-dental/static-nat/web', want: { dependsOn: ['acme-dental/public-ip/web', 'acme-dental/vm/web-1'], boundTo: ['acme-dental/public-ip/web', 'acme-dental/vm/web-1'] } },
    { reason: 'a port forward needs its IP and VM (even one verify will reject)', given: 'acme-dental/port-forward/mail-tcp-25', want: { dependsOn: ['acme-dental/public-ip/mail', 'acme-dental/vm/mail-1'], boundTo: ['acme-dental/public-ip/mail', 'acme-dental/vm/mail-1'] } },
    { reason: 'a firewall rule sits on its public IP', given: 'acme-dental/firewall/web-tcp-80-443', want: { dependsOn: ['acme-dental/public-ip/web'], boundTo: ['acme-dental/public-ip/web'] } },
    { reason: 'a VPN needs its local networks and the IP it terminates on, but is bound only to the networks', given: 'acme-dental/vpn/hq', want: { dependsOn: ['acme-dental/network/office', 'acme-dental/public-ip/office-nat'], boundTo: ['acme-dental/network/office'] } },
    { reason: 'a VM sits on the networks of its NICs', given: 'acme-dental/vm/web-1', want: { dependsOn: ['acme-dental/network/office'], boundTo: ['acme-dental/network/office'] } },
    { reason: 'a data disk belongs to its VM', given: 'acme-dental/vm/web-1/disk/data', want: { dependsOn: ['acme-dental/vm/web-1'], boundTo: ['acme-dental/vm/web-1'] } },
  ])('$reason', ({ given, want }) => {
    const d = byAddress.get(given)!;
    expect({ dependsOn: d.dependsOn, boundTo: d.boundTo }).toEqual(want);
  });

  it.each([
    { reason: 'memory in MiB, sizes in GiB, allocatable values left auto, power running by default', given: 'acme-dental/vm/web-1', want: { name: 'web-1', hypervisor: 'kvm', cluster: 'auto', cpu: 2, memoryMiB: 4096, template: 'ubuntu-24.04', nics: [{ network: 'acme-dental/network/office', ip: 'auto' }], rootDisk: { sizeGiB: 40, tier: 'performance' }, power: 'running' } },
    { reason: 'a fixed VLAN is kept, the colocation handoff carried', given: 'acme-dental/network/colo', want: { name: 'colo', cidr: '10.20.9.0/24', gateway: 'auto', segment: { type: 'vlan', id: 310 }, sourceNatIp: null, colocationHandoff: 'rack A12, port Gi1/0/12' } },
    { reason: 'a port forward without privatePort forwards to the same port', given: 'acme-dental/port-forward/mail-tcp-25', want: { publicIp: 'acme-dental/public-ip/mail', address: 'auto', protocol: 'tcp', publicPort: 25, vm: 'acme-dental/vm/mail-1', vmIp: 'auto', privatePort: 25 } },
  ])('$reason', ({ given, want }) => {
    expect(byAddress.get(given)!.attributes).toEqual(want);
  });

  it('turns durations into seconds and secrets into digests with a reference beside the spec', () => {
    const vpn = byAddress.get('acme-dental/vpn/hq')!;
    expect(vpn.attributes.ike).toEqual({ encryption: 'aes256', hash: 'sha256', group: 14, lifetimeSeconds: 28_800 });
    expect(vpn.attributes.esp).toEqual({ encryption: 'aes256', hash: 'sha256', group: 14, lifetimeSeconds: 3_600 });
    expect(vpn.attributes.preSharedKey).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(vpn.sensitive).toEqual(['preSharedKey']);
    expect(vpn.secrets).toEqual({ preSharedKey: { env: 'ACME_HQ_PSK', baseDir: 'tenants' } });
    expect(vpn.source).toEqual({ file: 'tenants/acme-dental.yaml', doc: 0, path: ['spec', 'vpn', 'siteToSite', 0] });
  });
});

describe('expand: names and lifecycle', () => {
  it.each([
    { reason: 'generated names say ip-protocol-ports', given: [{ publicIp: 'web', protocol: 'tcp' as const, ports: [80, 443] }], want: ['web-tcp-80-443'] },
    { reason: 'icmp and all-ports rules have no port part', given: [{ publicIp: 'web', protocol: 'icmp' as const }, { publicIp: 'web', protocol: 'udp' as const }], want: ['web-icmp', 'web-udp'] },
    { reason: 'colliding generated names get -2, -3 in spec order', given: [{ publicIp: 'web', protocol: 'tcp' as const, ports: [22] }, { publicIp: 'web', protocol: 'tcp' as const, ports: [22] }, { publicIp: 'web', protocol: 'tcp' as const, ports: [22] }], want: ['web-tcp-22', 'web-tcp-22-2', 'web-tcp-22-3'] },
    { reason: 'given names win over generated ones, wherever they appear', given: [{ publicIp: 'web', protocol: 'tcp' as const, ports: [22] }, { name: 'web-tcp-22', publicIp: 'web', protocol: 'tcp' as const, ports: [2222] }], want: ['web-tcp-22-2', 'web-tcp-22'] },
    { reason: 'a repeated given name is no resource (verify reports it)', given: [{ name: 'ssh', publicIp: 'web', protocol: 'tcp' as const }, { name: 'ssh', publicIp: 'web', protocol: 'udp' as const }], want: ['ssh', undefined] },
  ])('$reason', ({ given, want }) => {
    expect(firewallRuleNames(given.map((r) => ({ from: ['0.0.0.0/0'], ...r })))).toEqual(want);
  });

  it.each([
    { reason: 'protect on the tenant protects everything', given: { protect: true }, want: { 'r/network/n': true, 'r/vm/v': true, 'r/vm/v/disk/d': true } },
    { reason: 'protect on a VM covers its disks', given: { vmProtect: true }, want: { 'r/network/n': false, 'r/vm/v': true, 'r/vm/v/disk/d': true } },
    { reason: 'nothing protected by default', given: {}, want: { 'r/network/n': false, 'r/vm/v': false, 'r/vm/v/disk/d': false } },
  ])('$reason', ({ given, want }) => {
    const t = tenantDoc('r', {
      ...(given.protect ? { protect: true } : {}),
      networks: [{ name: 'n', cidr: '10.0.0.0/24' }],
      vms: [{ name: 'v', hypervisor: 'kvm', cpu: 1, memory: '1GiB', template: 't', nics: [{ network: 'n' }], rootDisk: { size: '10GiB', tier: 's' }, disks: [{ name: 'd', size: '1GiB', tier: 's' }], ...(given.vmProtect ? { protect: true } : {}) }],
    });
    const out = expandTenant({ file: 'r.yaml', doc: 0, value: t }).drafts;
    expect(Object.fromEntries(out.map((d) => [d.address, d.protect]))).toEqual(want);
  });

  it('records the previous address of renamed items, disks included', () => {
    const t = tenantDoc('r', {
      networks: [{ name: 'lan', previously: 'office', cidr: '10.0.0.0/24' }],
      vms: [{ name: 'v2', previously: 'v1', hypervisor: 'kvm', cpu: 1, memory: '1.5GiB', template: 't', nics: [{ network: 'lan' }], rootDisk: { size: '10.2GiB', tier: 's' }, disks: [{ name: 'd', size: '1GB', tier: 's' }] }],
    });
    const out = new Map(expandTenant({ file: 'r.yaml', doc: 0, value: t }).drafts.map((d) => [d.address, d]));
    expect(out.get('r/network/lan')!.previously).toBe('r/network/office');
    expect(out.get('r/vm/v2')!.previously).toBe('r/vm/v1');
    expect(out.get('r/vm/v2/disk/d')!.previously).toBe('r/vm/v1/disk/d');
    // sizes round up: 1.5GiB = 1536MiB, 10.2GiB → 11GiB, 1GB → 1GiB
    expect(out.get('r/vm/v2')!.attributes).toMatchObject({ memoryMiB: 1536, rootDisk: { sizeGiB: 11 } });
    expect(out.get('r/vm/v2/disk/d')!.attributes.sizeGiB).toBe(1);
  });

  it('reports a secret it cannot read, naming what is missing and not the value', () => {
    const t = tenantDoc('r', { vpn: { remoteAccess: { users: [{ name: 'u', password: { env: 'R_U_PW' } }] } } });
    const out = expandTenant({ file: 'r.yaml', doc: 0, value: t }, { digestSecret: () => ({ error: 'environment variable R_U_PW is not set' }) });
    expect(out.diagnostics).toEqual([
      { severity: 'error', summary: 'cannot read the password of vpn user u: environment variable R_U_PW is not set', file: 'r.yaml', doc: 0, path: ['spec', 'vpn', 'remoteAccess', 'users', 0, 'password'], address: 'r/vpn-user/u' },
    ]);
  });
});
