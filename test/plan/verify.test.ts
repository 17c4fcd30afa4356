import { describe, expect, it } from 'vitest';
import type { RecordedResource } from '../../specs/model/resource.js';
import { planFixture } from './fixture-plan.js';

const fixture = (name: string): string => `test/fixtures/${name}`;

describe('verify: every rule, on a failing fixture', () => {
  it.each([
    {
      reason: 'networks of one tenant are routed together, so their CIDRs must not overlap',
      given: 'verify-cidr-overlap',
      want: [
        'acme.yaml:8:27: error: spec.networks[1].cidr: network wide (10.0.0.0/16) overlaps network lan (10.0.0.0/24) of the same tenant',
      ],
    },
    {
      reason: 'a cluster is not sold beyond its vCPUs (with overcommit), counting every tenant of the zone',
      given: 'verify-cluster-capacity',
      want: [
        'beta.yaml:12:12: error: spec.vms[0].cpu: cluster vmw-a is over capacity: 40/32 vCPU with cpuOvercommit 2 (all tenants of zone z1)',
      ],
    },
    {
      reason: 'a VM goes only on a cluster of its own hypervisor',
      given: 'verify-cluster-hypervisor',
      want: [
        'acme.yaml:11:16: error: spec.vms[0].cluster: cluster vmw-a runs vmware, not kvm',
      ],
    },
    {
      reason: 'a VM without a cluster needs one of its hypervisor with room',
      given: 'verify-cluster-no-room',
      want: [
        'acme.yaml:10:19: error: spec.vms[0].hypervisor: cannot place vm huge-1: no kvm cluster of zone z1 has room for 40 vCPU and 16 GiB (kvm-a: 0/32 vCPU, 0/128 GiB used)',
        'acme.yaml:17:19: error: spec.vms[1].hypervisor: cannot place vm win-1: zone z1 has no xenserver cluster',
        'acme.yaml:20:17: error: spec.vms[1].template: template ubuntu-24.04 is not offered for xenserver (only kvm, vmware)',
      ],
    },
    {
      reason: 'names are unique within each list of a tenant',
      given: 'verify-duplicate-names',
      want: [
        'acme.yaml:8:15: error: spec.networks[1].name: duplicate network name "office" (already used at spec.networks[0])',
        'acme.yaml:13:15: error: spec.firewall[1].name: duplicate firewall rule name "https" (already used at spec.firewall[0])',
        'acme.yaml:24:19: error: spec.vms[0].disks[1].name: duplicate disk (of vm app-1) name "data" (already used at spec.vms[0].disks[0])',
        'acme.yaml:25:13: error: spec.vms[1].name: duplicate VM name "app-1" (already used at spec.vms[0])',
      ],
    },
    {
      reason: 'a VLAN is used once per zone, across tenants, and both users hear of it',
      given: 'verify-duplicate-vlan',
      want: [
        'acme.yaml:7:56: error: spec.networks[0].segment.vlan: VLAN 150 is already used in zone z1 by network office of tenant beta (beta/network/office)',
        'beta.yaml:7:59: error: spec.networks[0].segment.vlan: VLAN 150 is already used in zone z1 by network lan of tenant acme (acme/network/lan)',
      ],
    },
    {
      reason: 'a gateway is a usable host of its network',
      given: 'verify-gateway',
      want: [
        'acme.yaml:7:48: error: spec.networks[0].gateway: gateway 10.0.1.1 is outside of network lan (10.0.0.0/24)',
        'acme.yaml:8:48: error: spec.networks[1].gateway: gateway 10.0.2.0 is the network address of network dmz (10.0.2.0/24)',
      ],
    },
    {
      reason: 'ICMP has no ports',
      given: 'verify-icmp-ports',
      want: [
        'acme.yaml:9:47: error: spec.firewall[0].ports: ports are not allowed on an icmp rule (icmp has no ports)',
      ],
    },
    {
      reason: 'a fixed NIC address is a free host of its network',
      given: 'verify-nic-address',
      want: [
        'acme.yaml:15:35: error: spec.vms[0].nics[0].ip: 10.0.9.5 is outside of network lan (10.0.0.0/24)',
        'acme.yaml:22:35: error: spec.vms[1].nics[0].ip: 10.0.0.255 is the broadcast address of network lan (10.0.0.0/24)',
        'acme.yaml:29:35: error: spec.vms[2].nics[0].ip: 10.0.0.1 is the gateway of network lan (10.0.0.0/24)',
        'acme.yaml:43:35: error: spec.vms[4].nics[0].ip: 10.0.0.7 is already the address of vm app-4 on network lan',
      ],
    },
    {
      reason: 'names are per tenant and zone resources per zone: say who owns a name',
      given: 'verify-other-tenant',
      want: [
        'acme.yaml:11:16: error: spec.vms[0].cluster: unknown cluster "kvm-z2" in zone z1 (cluster "kvm-z2" is in zone z2, not in zone z1 where tenant acme lives)',
        'acme.yaml:15:44: error: spec.vms[0].nics[1].network: unknown network "beta-private" (network "beta-private" belongs to tenant beta; names are per tenant)',
        'acme.yaml:16:38: error: spec.vms[0].rootDisk.tier: unknown storage tier "archive" in zone z1 (storage tier "archive" is in zone z2, not in zone z1 where tenant acme lives)',
      ],
    },
    {
      reason: 'a secret is a reference, and its value is never echoed',
      given: 'verify-plaintext-secret',
      want: [
        'acme.yaml:18:23: error: spec.vpn.siteToSite[0].preSharedKey: plaintext secret: use { env: NAME } or { file: path }; the value is not shown',
        'acme.yaml:21:36: error: spec.vpn.remoteAccess.users[0].password: plaintext secret: use { env: NAME } or { file: path }; the value is not shown',
      ],
    },
    {
      reason: 'an exhausted pool is reported at the item left without a value',
      given: 'verify-pool-exhausted',
      want: [
        'acme.yaml:9:7: error: spec.networks[2].segment.vlan: no free VLAN for network n3: zone z1 pool 100-101 is exhausted',
        'acme.yaml:13:7: error: spec.publicIps[2]: no public IP for ip3: every public IP pool of zone z1 is exhausted',
      ],
    },
    {
      reason: 'a fixed public IP comes from a pool of the zone',
      given: 'verify-public-ip-outside-pools',
      want: [
        'acme.yaml:7:29: error: spec.publicIps[0].address: public IP 192.0.2.5 is outside every public IP pool of zone z1 (pools: pool-a 203.0.113.10-203.0.113.250)',
        'acme.yaml:8:28: error: spec.publicIps[1].address: public IP 203.0.113.1 is outside every public IP pool of zone z1 (pools: pool-a 203.0.113.10-203.0.113.250)',
      ],
    },
    {
      reason: 'a public IP belongs to one tenant',
      given: 'verify-public-ip-twice',
      want: [
        'acme.yaml:7:29: error: spec.publicIps[0].address: public IP 203.0.113.50 is already used by public IP web of tenant beta (beta/public-ip/web)',
        'beta.yaml:7:29: error: spec.publicIps[0].address: public IP 203.0.113.50 is already used by public IP web of tenant acme (acme/public-ip/web)',
      ],
    },
    {
      reason: 'a public IP is used one way: static NAT, port forwards, or source NAT',
      given: 'verify-public-ip-usage',
      want: [
        'acme.yaml:10:18: error: spec.publicIps[0].staticNat: public IP nat is the source NAT of network lan and cannot also be a static NAT',
        'acme.yaml:12:18: error: spec.publicIps[1].staticNat: public IP web has both staticNat and portForwards: static NAT already forwards every port; use one or the other',
        'acme.yaml:18:11: error: spec.publicIps[2].portForwards[1]: port tcp/25 of public IP mail is forwarded twice (also portForwards[0])',
      ],
    },
    {
      reason: 'a secret that cannot be read says which variable or file is missing',
      given: 'verify-secret-unreadable',
      want: [
        'acme.yaml:9:36: error: spec.vpn.remoteAccess.users[0].password: cannot read the password of vpn user alice: environment variable NETFIRST_TEST_UNSET_ALICE_PW is not set',
        'acme.yaml:10:34: error: spec.vpn.remoteAccess.users[1].password: cannot read the password of vpn user bob: file secrets/bob-password does not exist (relative to test/fixtures/verify-secret-unreadable)',
      ],
    },
    {
      reason: 'a fixed segment comes from the zone pool',
      given: 'verify-segment-outside-pool',
      want: [
        'acme.yaml:9:24: error: spec.networks[0].segment.vlan: VLAN 50 is outside the vlan pool of zone z1 (zone has the pool 100-199)',
        'acme.yaml:12:25: error: spec.networks[1].segment.vxlan: VXLAN VNI 20000 is outside the vxlan pool of zone z1 (zone has the pool 10000-10099)',
      ],
    },
    {
      reason: 'a storage tier is not sold beyond capacity, root and data disks together',
      given: 'verify-storage-capacity',
      want: [
        'acme.yaml:18:31: error: spec.vms[0].disks[1].size: storage tier performance is over capacity: 1120/1024 GiB (root and data disks of all tenants of zone z1)',
      ],
    },
    {
      reason: "a template must be offered for the VM's hypervisor",
      given: 'verify-template-hypervisor',
      want: [
        'acme.yaml:13:17: error: spec.vms[0].template: template windows-server-2022 is not offered for kvm (only vmware)',
      ],
    },
    {
      reason: 'every reference is checked, with a did-you-mean',
      given: 'verify-unknown-reference',
      want: [
        'acme.yaml:7:53: error: spec.networks[0].sourceNat: unknown public IP "ofice-nat" (did you mean "office-nat"?)',
        'acme.yaml:9:7: warning: spec.publicIps[0]: public IP office-nat is not used: no network egresses through it and it has no static NAT, port forwards or firewall rules',
        'acme.yaml:9:33: error: spec.publicIps[0].pool: unknown public IP pool "pool-b" in zone z1 (did you mean "pool-a"?)',
        'acme.yaml:11:24: error: spec.publicIps[1].staticNat.vm: unknown VM "web-2" (did you mean "web-1"?)',
        'acme.yaml:13:54: error: spec.publicIps[2].portForwards[0].vm: unknown VM "mail" (did you mean "mail-1"?)',
        'acme.yaml:15:19: error: spec.firewall[0].publicIp: unknown public IP "webb" (did you mean "web"?)',
        'acme.yaml:21:26: error: spec.vpn.siteToSite[0].localNetworks[0]: unknown network "offce" (did you mean "office"?)',
        'acme.yaml:28:16: error: spec.vms[0].cluster: unknown cluster "kvm-b" in zone z1 (did you mean "kvm-a"?)',
        'acme.yaml:31:17: error: spec.vms[0].template: unknown template "ubuntu-24.4" in zone z1 (did you mean "ubuntu-24.04"?)',
        'acme.yaml:32:26: error: spec.vms[0].nics[0].network: unknown network "offic" (did you mean "office"?)',
        'acme.yaml:33:38: error: spec.vms[0].rootDisk.tier: unknown storage tier "performanc" in zone z1 (did you mean "performance"?)',
        'acme.yaml:34:50: error: spec.vms[0].disks[0].tier: unknown storage tier "capacty" in zone z1 (did you mean "capacity"?)',
      ],
    },
    {
      reason: 'a tenant lives in a zone that exists',
      given: 'verify-unknown-zone',
      want: [
        'acme.yaml:5:9: error: spec.zone: unknown zone "z-1" (did you mean "z1"?)',
      ],
    },
    {
      reason: 'unused public IPs and networks without VMs are warnings (colocation networks are in use)',
      given: 'verify-unused',
      want: [
        'acme.yaml:8:7: warning: spec.networks[1]: network spare has no VMs and no colocation handoff',
        'acme.yaml:11:7: warning: spec.publicIps[0]: public IP spare-ip is not used: no network egresses through it and it has no static NAT, port forwards or firewall rules',
      ],
    },
    {
      reason: 'a VPN peer network must not overlap a network of the tenant',
      given: 'verify-vpn-peer-overlap',
      want: [
        'acme.yaml:14:38: error: spec.vpn.siteToSite[0].peerCidrs[1]: peer network 10.0.0.128/25 of vpn hq overlaps network lan (10.0.0.0/24): traffic to it could not be routed to the peer',
      ],
    },
    {
      reason: 'a site-to-site VPN terminates on the source-NAT address of a local network',
      given: 'verify-vpn-without-source-nat',
      want: [
        'acme.yaml:13:24: error: spec.vpn.siteToSite[0].localNetworks: site-to-site VPN needs a local network with sourceNat (vpn hq has none to terminate on)',
      ],
    },
  ])('$reason ($given)', ({ given, want }) => {
    const result = planFixture(fixture(given));
    expect(result.loadErrors).toEqual([]);
    expect(result.messages).toEqual(want);
  });
});

describe('verify: selection and state', () => {
  it('reports only the selected tenants, but still counts the others', () => {
    const result = planFixture(fixture('verify-duplicate-vlan'), { tenants: new Set(['acme']) });
    expect(result.resources.every((r) => r.tenant === 'acme')).toBe(true);
    expect(result.messages).toEqual([
      'acme.yaml:7:56: error: spec.networks[0].segment.vlan: VLAN 150 is already used in zone z1 by network office of tenant beta (beta/network/office)',
    ]);
  });

  it('a fixed VLAN recorded in state for another network is taken, naming that network', () => {
    const recorded: RecordedResource = {
      address: 'gamma/network/lan',
      type: 'network',
      tenant: 'gamma',
      zone: 'z1',
      providerId: 'net-1',
      attributes: { name: 'lan', cidr: '10.9.0.0/24', gateway: '10.9.0.1', segment: { type: 'vlan', id: 150 }, sourceNatIp: null, colocationHandoff: null },
      dependsOn: [],
      boundTo: [],
      protect: false,
      sensitive: [],
      createdAt: '2025-01-01T00:00:00Z',
      updatedAt: '2025-01-01T00:00:00Z',
    };
    const result = planFixture(fixture('verify-duplicate-vlan'), { recorded: new Map([[recorded.address, recorded]]), tenants: new Set(['acme']) });
    expect(result.messages).toEqual([
      'acme.yaml:7:56: error: spec.networks[0].segment.vlan: VLAN 150 is already used in zone z1 by network office of tenant beta (beta/network/office), gamma/network/lan (recorded in state)',
    ]);
  });

  it('never shows a secret value in any message', () => {
    const result = planFixture(fixture('verify-plaintext-secret'));
    const text = JSON.stringify({ resources: result.resources, diagnostics: result.diagnostics });
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('correct-horse-battery-staple');
  });
});
