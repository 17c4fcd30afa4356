/**
 * A synthetic zone of many tenants, each about 50 resources using every kind of item,
 * for timing the planner's front half at provider scale. Plain values, no files.
 */
import type { SpecSet } from '../../specs/model.js';
import { specSet, tenantDoc, zoneDoc } from './spec-set.js';

/** Resources per generated tenant (counted by expand). */
export const RESOURCES_PER_TENANT = 50;

export function workload(tenantCount: number): SpecSet {
  const zone = zoneDoc('z1', {
    segments: { vlans: ['2-4094'], vxlans: ['10000-99999'] },
    publicIpPools: [{ name: 'cgnat', cidr: '100.64.0.0/16', gateway: '100.64.0.1', range: '100.64.0.10-100.64.255.250' }],
    clusters: [{ name: 'kvm-a', hypervisor: 'kvm', hosts: 400, cpuPerHost: 64, memoryPerHost: '1TiB', cpuOvercommit: 2 }],
    storageTiers: [
      { name: 'performance', media: 'ssd', capacity: '2PiB' },
      { name: 'capacity', media: 'sata-7k2', capacity: '20PiB' },
    ],
  });
  const tenants = [];
  for (let t = 0; t < tenantCount; t++) {
    const vms = [];
    for (let v = 0; v < 12; v++) {
      vms.push({
        name: `vm-${v}`,
        hypervisor: 'kvm',
        cpu: 2,
        memory: '4GiB',
        template: 'ubuntu-24.04',
        nics: [{ network: v % 3 === 0 ? 'dmz' : 'lan' }, ...(v === 0 ? [{ network: 'db' }] : [])],
        rootDisk: { size: '20GiB', tier: 'performance' },
        disks: v < 9 ? [{ name: 'data', size: '100GiB', tier: 'capacity' }, ...(v < 9 && v % 3 === 0 ? [] : [])] : [],
      });
    }
    // 9 VMs with one disk each plus 12 more disks spread over the first VMs: 21 disks.
    for (let v = 0; v < 12; v++) vms[v]!.disks.push({ name: 'logs', size: '10GiB', tier: 'performance' });
    tenants.push(
      tenantDoc(`t${String(t).padStart(4, '0')}`, {
        networks: [
          { name: 'lan', cidr: '10.0.0.0/24', sourceNat: 'nat' },
          { name: 'dmz', cidr: '10.0.1.0/24' },
          { name: 'db', cidr: '10.0.2.0/24', segment: { vxlan: 'auto' } },
        ],
        publicIps: [
          { name: 'nat' },
          { name: 'web', staticNat: { vm: 'vm-0' } },
          { name: 'mail', portForwards: [{ protocol: 'tcp', port: 25, vm: 'vm-3' }, { protocol: 'tcp', port: 587, vm: 'vm-3' }] },
        ],
        firewall: [
          { publicIp: 'web', protocol: 'tcp', ports: [80, 443] },
          { publicIp: 'web', protocol: 'icmp' },
          { publicIp: 'mail', protocol: 'tcp', ports: [25] },
          { publicIp: 'mail', protocol: 'tcp', ports: [587] },
        ],
        vpn: {
          siteToSite: [
            {
              name: 'hq',
              peer: '192.0.2.44',
              peerCidrs: ['192.168.1.0/24'],
              localNetworks: ['lan'],
              ike: { encryption: 'aes256', hash: 'sha256', dhGroup: 14 },
              esp: { encryption: 'aes256', hash: 'sha256' },
              preSharedKey: { env: 'PSK' },
            },
          ],
          remoteAccess: { users: ['a', 'b', 'c'].map((name) => ({ name, password: { env: `PW_${name}` } })) },
        },
        vms,
      }),
    );
  }
  return specSet([zone], tenants);
}
