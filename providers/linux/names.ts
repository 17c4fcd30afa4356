/**
 * Every kernel name the linux provider uses, derived deterministically: namespaces
 * from a prefix and a short zone id, interfaces (at most 15 characters, the kernel's
 * limit) from segment ids and the registry's small indices. Nothing here comes from
 * free text in a spec, so no name can smuggle anything into a command.
 */
import { createHash } from 'node:crypto';

export const IFNAME_MAX = 15;

export interface ZoneNames {
  /** `nf3a9c`: prefix + 4 hex digits of the zone name's hash. */
  readonly base: string;
  readonly uplink: string;
  readonly fabric: string;
  host(n: number): string;
  router(index: number): string;
  vm(index: number): string;
  /** Every namespace of this zone starts with this. */
  readonly namespacePrefix: string;
}

export function zoneNames(zone: string, prefix = 'nf'): ZoneNames {
  const base = `${prefix}${createHash('sha256').update(zone).digest('hex').slice(0, 4)}`;
  return {
    base,
    uplink: `${base}-up`,
    fabric: `${base}-fab`,
    host: (n) => `${base}-h${n}`,
    router: (i) => `${base}-r${i}`,
    vm: (i) => `${base}-v${i}`,
    namespacePrefix: `${base}-`,
  };
}

/** Interface names inside the namespaces (each short and fixed-format). */
export const IF = {
  uplinkBridge: 'up0',
  fabricBridge: 'fab0',
  /** A host's or router's leg on the fabric (the VXLAN underlay / 802.1Q trunk). */
  underlay: 'ul0',
  /** A router's leg on the uplink: its public addresses live here. */
  external: 'ext0',
  /** Peer of host n's underlay leg, in the fabric namespace. */
  fabricHostPort: (n: number) => `h${n}`,
  /** Peer of router i's underlay leg, in the fabric namespace. */
  fabricRouterPort: (i: number) => `r${i}`,
  /** Peer of router i's external leg, in the uplink namespace. */
  uplinkRouterPort: (i: number) => `r${i}`,
  /** Bridge of a segment (on the router and every host). */
  bridge: (segment: Segment) => `b${segment.type === 'vlan' ? 'v' : 'x'}${segment.id}`,
  /** VXLAN device of a segment. */
  vxlan: (segment: Segment) => `x${segment.type === 'vlan' ? 'v' : 'x'}${segment.id}`,
  /** 802.1Q sub-interface of a segment on the trunk. */
  vlan: (segment: Segment) => `${IF_UNDERLAY}.${segment.id}`,
  /** A VM's NIC i, inside the VM. */
  vmNic: (i: number) => `eth${i}`,
  /** Peer of VM v's NIC i, in its host (enslaved to the segment's bridge). */
  hostVmPort: (v: number, i: number) => `v${v}n${i}`,
} as const;
const IF_UNDERLAY = 'ul0';

export interface Segment {
  readonly type: 'vlan' | 'vxlan';
  readonly id: number;
}

/**
 * The VNI a segment is carried on over VXLAN. VLAN-numbered segments sit at 16,000,000 +
 * VLAN id so that they cannot meet a VXLAN VNI of the zone's pool.
 */
export const vniOf = (s: Segment): number => (s.type === 'vlan' ? 16_000_000 + s.id : s.id);

/** Underlay (fabric) addresses: hosts 172.30.0.1…, routers 172.30.1.0 + index. */
export const hostUnderlayIp = (n: number): string => `172.30.0.${n + 1}`;
export const routerUnderlayIp = (i: number): string => `172.30.${1 + (i >> 8)}.${i & 255}`;
export const UNDERLAY_PREFIX = 16;
/**
 * The whole underlay: every host and router address above lies in it. A tenant network
 * or VPN route there would meet the fabric inside the tenant's router, so planning
 * refuses one (providers/capabilities.ts, engine/plan/verify-ranges.ts).
 */
export const UNDERLAY_CIDR = `172.30.0.0/${UNDERLAY_PREFIX}`;
