/**
 * The attributes of each resource type, as `expand` + `allocate` produce them and as
 * every provider receives them. This is the engine-side half of the provider contract:
 * providers declare the same types and may add computed attributes of their own.
 * Sizes are integers in MiB (memory) and GiB (disks); durations in seconds.
 * References to other resources are addresses; the engine hands providers the IDs.
 */
import { z } from 'zod';
import type { ResourceTypeName } from './resource.js';

const Address = z.string();
const Ip = z.string();

export const NetworkAttrs = z.strictObject({
  name: z.string(),
  cidr: z.string(),
  gateway: Ip,
  segment: z.strictObject({ type: z.enum(['vlan', 'vxlan']), id: z.number().int() }),
  /** Public IP address this network egresses through (source NAT), or null. */
  sourceNatIp: Ip.nullable(),
  colocationHandoff: z.string().nullable(),
});

export const PublicIpAttrs = z.strictObject({
  name: z.string(),
  address: Ip,
  pool: z.string(),
});

export const StaticNatAttrs = z.strictObject({
  publicIp: Address,
  address: Ip,
  vm: Address,
  vmIp: Ip,
});

export const PortForwardAttrs = z.strictObject({
  publicIp: Address,
  address: Ip,
  protocol: z.enum(['tcp', 'udp']),
  publicPort: z.number().int(),
  vm: Address,
  vmIp: Ip,
  privatePort: z.number().int(),
});

export const FirewallRuleAttrs = z.strictObject({
  publicIp: Address,
  address: Ip,
  protocol: z.enum(['tcp', 'udp', 'icmp']),
  ports: z.array(z.number().int()),
  from: z.array(z.string()),
});

const IpsecPolicy = z.strictObject({
  encryption: z.string(),
  hash: z.string(),
  group: z.number().int().nullable(),
  lifetimeSeconds: z.number().int(),
});

export const VpnConnectionAttrs = z.strictObject({
  name: z.string(),
  peer: Ip,
  peerCidrs: z.array(z.string()),
  localNetworks: z.array(Address),
  localCidrs: z.array(z.string()),
  /** Public IP the tunnel terminates on (the tenant's first source-NAT address). */
  localAddress: Ip,
  ike: IpsecPolicy,
  esp: IpsecPolicy,
  dpd: z.boolean(),
  /** `hmac-sha256:…` digest of the pre-shared key, never the key. */
  preSharedKey: z.string(),
});

export const VpnUserAttrs = z.strictObject({
  name: z.string(),
  /** `hmac-sha256:…` digest of the password, never the password. */
  password: z.string(),
});

export const VmAttrs = z.strictObject({
  name: z.string(),
  hypervisor: z.enum(['kvm', 'xenserver', 'vmware']),
  cluster: z.string(),
  cpu: z.number().int(),
  memoryMiB: z.number().int(),
  template: z.string(),
  nics: z.array(z.strictObject({ network: Address, ip: Ip })),
  rootDisk: z.strictObject({ sizeGiB: z.number().int(), tier: z.string() }),
  /**
   * Desired (and observed) power state; a change is a stop or a start, in place. Absent
   * in what was planned before the attribute existed: those VMs run (attribute-defaults.ts).
   */
  power: z.enum(['running', 'stopped']).default('running'),
});

export const DiskAttrs = z.strictObject({
  name: z.string(),
  vm: Address,
  sizeGiB: z.number().int(),
  tier: z.string(),
});

export interface AttributeContract {
  readonly schema: z.ZodType;
  /** Attributes whose change forces a replacement (delete + create). */
  readonly forceNew: readonly string[];
  /** Attributes holding digests of secrets: rendered as (sensitive). */
  readonly sensitive: readonly string[];
}

export const ATTRIBUTES: { readonly [T in ResourceTypeName]: AttributeContract } = {
  network: { schema: NetworkAttrs, forceNew: ['cidr', 'segment'], sensitive: [] },
  'public-ip': { schema: PublicIpAttrs, forceNew: ['address', 'pool'], sensitive: [] },
  'static-nat': { schema: StaticNatAttrs, forceNew: ['publicIp', 'address', 'vm', 'vmIp'], sensitive: [] },
  'port-forward': { schema: PortForwardAttrs, forceNew: ['publicIp', 'address', 'protocol', 'publicPort', 'vm', 'vmIp', 'privatePort'], sensitive: [] },
  'firewall-rule': { schema: FirewallRuleAttrs, forceNew: ['publicIp', 'address', 'protocol'], sensitive: [] },
  'vpn-connection': { schema: VpnConnectionAttrs, forceNew: ['peer', 'localAddress'], sensitive: ['preSharedKey'] },
  'vpn-user': { schema: VpnUserAttrs, forceNew: [], sensitive: ['password'] },
  vm: { schema: VmAttrs, forceNew: ['hypervisor', 'cluster', 'template', 'nics'], sensitive: [] },
  disk: { schema: DiskAttrs, forceNew: ['vm'], sensitive: [] },
};

export type NetworkAttributes = z.infer<typeof NetworkAttrs>;
export type PublicIpAttributes = z.infer<typeof PublicIpAttrs>;
export type StaticNatAttributes = z.infer<typeof StaticNatAttrs>;
export type PortForwardAttributes = z.infer<typeof PortForwardAttrs>;
export type FirewallRuleAttributes = z.infer<typeof FirewallRuleAttrs>;
export type VpnConnectionAttributes = z.infer<typeof VpnConnectionAttrs>;
export type VpnUserAttributes = z.infer<typeof VpnUserAttrs>;
export type VmAttributes = z.infer<typeof VmAttrs>;
export type DiskAttributes = z.infer<typeof DiskAttrs>;
