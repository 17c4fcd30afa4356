/**
 * Generates a large, realistic workload: one zone and N tenant files, each with 3
 * networks (one on VXLAN), 15 VMs with data disks, 3 public IPs (source NAT, static NAT,
 * port forwards), firewall rules, a site-to-site VPN peer and remote-access users —
 * about 50 resources per tenant.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Workload {
  readonly dir: string;
  readonly files: string[];
}

export function zoneYaml(name: string, latency: string): string {
  return `apiVersion: netfirst/v1
kind: Zone
metadata: { name: ${name} }
spec:
  provider: { type: sim, latency: ${latency} }
  segments:
    vlans: [ "100-3999" ]
    vxlans: [ "10000-99999" ]
  publicIpPools:
    - { name: bench, cidr: 198.18.0.0/15, gateway: 198.18.0.1, range: 198.18.0.10-198.19.255.250 }
  clusters:
    - { name: kvm-a, hypervisor: kvm, hosts: 400, cpuPerHost: 64, memoryPerHost: 1TiB, cpuOvercommit: 4 }
    - { name: xen-a, hypervisor: xenserver, hosts: 200, cpuPerHost: 64, memoryPerHost: 1TiB, cpuOvercommit: 4 }
    - { name: vmw-a, hypervisor: vmware, hosts: 200, cpuPerHost: 64, memoryPerHost: 1TiB, cpuOvercommit: 4 }
  storageTiers:
    - { name: performance, media: ssd, capacity: 4PiB }
    - { name: standard, media: sas-15k, capacity: 4PiB }
    - { name: capacity, media: sata-7k2, capacity: 8PiB }
  templates:
    - { name: ubuntu-24.04, hypervisors: [kvm, xenserver, vmware] }
    - { name: windows-2022, hypervisors: [kvm, vmware] }
`;
}

const HYPERVISORS = ['kvm', 'xenserver', 'vmware'] as const;

export function tenantYaml(i: number, zone: string, vmCount = 15): string {
  const name = `tenant-${String(i).padStart(4, '0')}`;
  const a = Math.floor(i / 250);
  const b = i % 250;
  const nets = [
    { name: 'office', cidr: `10.${a}.${b}.0/24`, segment: '{ vlan: auto }', nat: 'sourceNat: nat' },
    { name: 'servers', cidr: `10.${100 + a}.${b}.0/24`, segment: '{ vlan: auto }', nat: 'sourceNat: nat' },
    { name: 'backup', cidr: `10.${200 + a}.${b}.0/24`, segment: '{ vxlan: auto }', nat: '' },
  ];
  const vms: string[] = [];
  for (let v = 0; v < vmCount; v++) {
    const hv = HYPERVISORS[(i + v) % 3];
    const net = nets[v % 3]!.name;
    const disks = v % 3 === 0
      ? `[ { name: data, size: 200GiB, tier: capacity }, { name: logs, size: 50GiB, tier: standard } ]`
      : `[ { name: data, size: 100GiB, tier: standard } ]`;
    vms.push(`    - name: vm-${v}
      hypervisor: ${hv}
      cpu: ${1 + (v % 4)}
      memory: ${2 ** (1 + (v % 3))}GiB
      template: ubuntu-24.04
      nics: [ { network: ${net}, ip: auto } ]
      rootDisk: { size: 40GiB, tier: performance }
      disks: ${disks}`);
  }
  return `apiVersion: netfirst/v1
kind: Tenant
metadata: { name: ${name}, partner: bench-partner }
spec:
  zone: ${zone}
  networks:
${nets.map((n) => `    - { name: ${n.name}, cidr: ${n.cidr}, segment: ${n.segment}${n.nat ? `, ${n.nat}` : ''} }`).join('\n')}
  publicIps:
    - { name: nat }
    - { name: web, staticNat: { vm: vm-1 } }
    - name: mail
      portForwards:
        - { protocol: tcp, port: 25, vm: vm-2 }
        - { protocol: tcp, port: 587, vm: vm-2 }
  firewall:
    - { publicIp: web, protocol: tcp, ports: [80, 443], from: [0.0.0.0/0] }
    - { publicIp: mail, protocol: tcp, ports: [25, 587] }
  vpn:
    siteToSite:
      - name: hq
        peer: 192.0.2.${1 + (i % 250)}
        peerCidrs: [ 172.${16 + (i % 16)}.${b}.0/24 ]
        localNetworks: [ office, servers ]
        ike: { encryption: aes256, hash: sha256, dhGroup: 14, lifetime: 8h }
        esp: { encryption: aes256, hash: sha256, pfsGroup: 14, lifetime: 1h }
        preSharedKey: { file: secrets/psk }
    remoteAccess:
      users:
        - { name: admin, password: { file: secrets/admin-pw } }
        - { name: backup, password: { file: secrets/admin-pw } }
  vms:
${vms.join('\n')}
`;
}

export function generateWorkload(dir: string, tenants: number, latency = '0ms', zone = 'bench-1'): Workload {
  mkdirSync(join(dir, 'tenants'), { recursive: true });
  mkdirSync(join(dir, 'tenants', 'secrets'), { recursive: true });
  writeFileSync(join(dir, 'tenants', 'secrets', 'psk'), 'bench-pre-shared-key\n');
  writeFileSync(join(dir, 'tenants', 'secrets', 'admin-pw'), 'bench-password\n');
  const files = [join(dir, 'zone.yaml')];
  writeFileSync(files[0]!, zoneYaml(zone, latency));
  for (let i = 0; i < tenants; i++) {
    const f = join(dir, 'tenants', `tenant-${String(i).padStart(4, '0')}.yaml`);
    writeFileSync(f, tenantYaml(i, zone));
    files.push(f);
  }
  return { dir, files };
}
