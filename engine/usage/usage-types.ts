/**
 * The kinds of usage netfirst meters, in the order records list them, with the number
 * Apache CloudStack's usage service gives the same thing (its UsageTypes: RUNNING_VM 1,
 * ALLOCATED_VM 2, IP_ADDRESS 3, VOLUME 6, PORT_FORWARDING_RULE 12, VPN_USERS 14,
 * NETWORK 30) so a billing system that already reads CloudStack usage can map them; null
 * where CloudStack has no such type. As in CloudStack, a VM is allocated every hour it
 * exists and running only the hours its `power` is running: a stopped VM keeps billing
 * vm-allocated-hours and its storage, not vm-hours, vCPUs or memory. New types go after
 * the ones whose records they sit beside, so existing records keep their order.
 */

export const USAGE_TYPES = {
  'vm-hours': { cloudstack: 1, cloudstackName: 'RUNNING_VM', unit: 'hours', meters: 'a running VM, by hypervisor and size' },
  'vm-allocated-hours': { cloudstack: 2, cloudstackName: 'ALLOCATED_VM', unit: 'hours', meters: 'a VM, running or stopped, by hypervisor and size' },
  'vcpu-hours': { cloudstack: null, cloudstackName: null, unit: 'vCPU-hours', meters: "a running VM's vCPUs, by hypervisor" },
  'memory-gib-hours': { cloudstack: null, cloudstackName: null, unit: 'GiB-hours', meters: "a running VM's memory, by hypervisor" },
  'storage-gib-hours': { cloudstack: 6, cloudstackName: 'VOLUME', unit: 'GiB-hours', meters: "a disk or a VM's root disk, by storage tier" },
  'public-ip-hours': { cloudstack: 3, cloudstackName: 'IP_ADDRESS', unit: 'hours', meters: 'a public IP address held' },
  'port-forward-hours': { cloudstack: 12, cloudstackName: 'PORT_FORWARDING_RULE', unit: 'hours', meters: 'a port-forwarding rule' },
  'network-hours': { cloudstack: 30, cloudstackName: 'NETWORK', unit: 'hours', meters: 'a tenant network (VLAN or VXLAN segment)' },
  'vpn-peer-hours': { cloudstack: null, cloudstackName: null, unit: 'hours', meters: 'a site-to-site VPN peer' },
  'vpn-user-hours': { cloudstack: 14, cloudstackName: 'VPN_USERS', unit: 'hours', meters: 'a remote-access VPN user' },
} as const satisfies Record<string, { cloudstack: number | null; cloudstackName: string | null; unit: string; meters: string }>;

export type UsageTypeName = keyof typeof USAGE_TYPES;
export const USAGE_TYPE_NAMES = Object.keys(USAGE_TYPES) as UsageTypeName[];
/** Position of each type in record order. */
export const USAGE_TYPE_ORDER: { readonly [T in UsageTypeName]: number } = Object.fromEntries(
  USAGE_TYPE_NAMES.map((name, i) => [name, i]),
) as { [T in UsageTypeName]: number };
