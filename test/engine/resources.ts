/** Plain-value builders for desired and recorded resources in pure engine tests. */
import type { Attributes, DesiredResource, RecordedResource, ResourceTypeName } from '../../specs/model/resource.js';

export function desired(address: string, type: ResourceTypeName, attributes: Attributes, more: Partial<DesiredResource> = {}): DesiredResource {
  return {
    address,
    type,
    tenant: address.split('/')[0]!,
    zone: 'z1',
    attributes,
    dependsOn: [],
    boundTo: [],
    protect: false,
    sensitive: [],
    secrets: {},
    ...more,
  };
}

export function recorded(d: DesiredResource, more: Partial<RecordedResource> = {}): RecordedResource {
  return {
    address: d.address,
    type: d.type,
    tenant: d.tenant,
    zone: d.zone,
    providerId: `id-${d.address}`,
    attributes: d.attributes,
    dependsOn: d.dependsOn,
    boundTo: d.boundTo,
    protect: d.protect,
    sensitive: d.sensitive,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...more,
  };
}

export const net = (name: string, cidr = '10.0.0.0/24', more: Partial<DesiredResource> = {}): DesiredResource =>
  desired(`t/network/${name}`, 'network', { name, cidr, gateway: cidr.replace(/0\/\d+$/, '1'), segment: { type: 'vlan', id: 100 }, sourceNatIp: null, colocationHandoff: null }, more);

export const vm = (name: string, network: string, memoryMiB = 4096, ip = '10.0.0.10', power: 'running' | 'stopped' = 'running'): DesiredResource =>
  desired(`t/vm/${name}`, 'vm', {
    name, hypervisor: 'kvm', cluster: 'kvm-a', cpu: 2, memoryMiB, template: 'ubuntu', nics: [{ network: `t/network/${network}`, ip }],
    rootDisk: { sizeGiB: 40, tier: 'ssd' }, power,
  }, { dependsOn: [`t/network/${network}`], boundTo: [`t/network/${network}`] });

export const disk = (vmName: string, name: string, sizeGiB = 100): DesiredResource =>
  desired(`t/vm/${vmName}/disk/${name}`, 'disk', { name, vm: `t/vm/${vmName}`, sizeGiB, tier: 'ssd' }, { dependsOn: [`t/vm/${vmName}`], boundTo: [`t/vm/${vmName}`] });

export const byAddress = (rs: readonly RecordedResource[]): Map<string, RecordedResource> => new Map(rs.map((r) => [r.address, r]));
