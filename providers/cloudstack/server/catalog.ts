/**
 * What the CloudStack zone offers before anyone creates anything, derived from the
 * netfirst Zone spec (through the sim's zone model): the zone itself, network, VPC,
 * service and disk offerings, templates, public IP ranges and the two built-in network
 * ACL lists. Ids are name-based UUIDs, so they stay the same across restarts of the
 * endpoint and a client may keep them. Pure.
 */
import { createHash } from 'node:crypto';
import { parseCidr, parseIpv4, parseIpv4Range, type Ipv4Range } from '../../../specs/model/net/ipv4.js';
import type { ZoneDoc } from '../../../specs/schema.js';
import { buildSimZone, type SimZone } from '../../sim/zone-model.js';
import { netmaskOfPrefix } from './addressing.js';

export type ZoneSpec = ZoneDoc['spec'];

/** CloudStack's names of the hypervisors netfirst knows. */
export const HYPERVISOR_NAMES = { kvm: 'KVM', xenserver: 'XenServer', vmware: 'VMware' } as const;
export type Hypervisor = keyof typeof HYPERVISOR_NAMES;

/** Storage tags of the disk offerings, by the tier's media (what operators tag primary storage with). */
export const STORAGE_TAGS = { ssd: 'ssd', nvme: 'nvme', 'sas-15k': 'sas15k', 'sas-10k': 'sas10k', 'sata-7k2': 'sata7k' } as const;

export interface NetworkOffering {
  readonly id: string;
  readonly name: string;
  readonly displaytext: string;
  readonly forvpc: boolean;
}

export interface ServiceOffering {
  readonly id: string;
  readonly name: string;
  readonly displaytext: string;
  /** Absent for the custom offering: the VM's details say. */
  readonly cpunumber?: number;
  readonly memory?: number;
  readonly cpuspeed: number;
}

export interface DiskOffering {
  readonly id: string;
  readonly name: string;
  readonly tier: string;
  readonly tags: string;
  readonly media: string;
}

export interface Template {
  readonly id: string;
  readonly name: string;
  readonly hypervisor: Hypervisor;
  /** Virtual size in GiB: the smallest root disk a VM of it may have. */
  readonly sizeGiB: number;
}

export interface PublicPool {
  readonly id: string;
  readonly name: string;
  readonly range: Ipv4Range;
  readonly gateway: string;
  readonly netmask: string;
}

export interface AclList {
  readonly id: string;
  readonly name: 'default_allow' | 'default_deny';
  readonly description: string;
}

export interface Catalog {
  readonly zone: { readonly id: string; readonly name: string };
  /** When the offerings and templates "were created": the endpoint's start. */
  readonly created: string;
  readonly sim: SimZone;
  readonly physicalNetworkId: string;
  readonly publicNetworkId: string;
  readonly networkOfferings: readonly NetworkOffering[];
  readonly vpcOffering: { readonly id: string; readonly name: string; readonly displaytext: string };
  readonly serviceOfferings: readonly ServiceOffering[];
  readonly diskOfferings: readonly DiskOffering[];
  readonly templates: readonly Template[];
  readonly pools: readonly PublicPool[];
  readonly aclLists: readonly AclList[];
}

export const CUSTOM_OFFERING = 'netfirst-custom';
export const ISOLATED_OFFERING = 'DefaultIsolatedNetworkOfferingWithSourceNatService';
export const VPC_TIER_OFFERING = 'DefaultIsolatedNetworkOfferingForVpcNetworks';
/** The guest CIDR CloudStack gives an isolated network created without gateway and netmask. */
export const DEFAULT_GUEST_CIDR = '10.1.1.0/24';
const TEMPLATE_SIZE_GIB = 2;

/** A version-5-style UUID from the zone and a name: stable, distinct per zone. */
export function nameUuid(...parts: string[]): string {
  const h = createHash('sha1').update(parts.join('\0')).digest('hex');
  const variant = ((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

export function buildCatalog(zoneName: string, spec: ZoneSpec, created: string): Catalog {
  const id = (...parts: string[]): string => nameUuid(zoneName, ...parts);
  return {
    zone: { id: id('zone'), name: zoneName },
    created,
    sim: buildSimZone(zoneName, spec),
    physicalNetworkId: id('physical-network'),
    publicNetworkId: id('public-network'),
    networkOfferings: [
      { id: id('network-offering', ISOLATED_OFFERING), name: ISOLATED_OFFERING, displaytext: 'Offering for Isolated networks with Source Nat service enabled', forvpc: false },
      { id: id('network-offering', VPC_TIER_OFFERING), name: VPC_TIER_OFFERING, displaytext: 'Offering for Isolated VPC networks with Source Nat service enabled', forvpc: true },
    ],
    vpcOffering: { id: id('vpc-offering', 'Default VPC offering'), name: 'Default VPC offering', displaytext: 'Default VPC offering' },
    serviceOfferings: [
      { id: id('service-offering', CUSTOM_OFFERING), name: CUSTOM_OFFERING, displaytext: 'netfirst: any CPU count and memory size', cpuspeed: 1000 },
      { id: id('service-offering', 'Small Instance'), name: 'Small Instance', displaytext: 'Small Instance', cpunumber: 1, memory: 1024, cpuspeed: 1000 },
      { id: id('service-offering', 'Medium Instance'), name: 'Medium Instance', displaytext: 'Medium Instance', cpunumber: 2, memory: 4096, cpuspeed: 1000 },
    ],
    diskOfferings: spec.storageTiers.map((t) => ({
      id: id('disk-offering', t.name), name: t.name, tier: t.name, tags: STORAGE_TAGS[t.media], media: t.media,
    })),
    templates: spec.templates.flatMap((t) => t.hypervisors.map((h) => ({ id: id('template', t.name, h), name: t.name, hypervisor: h, sizeGiB: TEMPLATE_SIZE_GIB }))),
    pools: spec.publicIpPools.flatMap((p) => {
      const range = parseIpv4Range(p.range);
      const block = parseCidr(p.cidr);
      if (!range || !block) return [];
      return [{ id: id('vlan-ip-range', p.name), name: p.name, range, gateway: p.gateway, netmask: netmaskOfPrefix(block.prefix) }];
    }),
    aclLists: [
      { id: id('acl', 'default_allow'), name: 'default_allow', description: 'Default Network ACL Allow All' },
      { id: id('acl', 'default_deny'), name: 'default_deny', description: 'Default Network ACL Deny All' },
    ],
  };
}

/** The pool an address belongs to, if any. */
export function poolOf(catalog: Catalog, ip: string): PublicPool | undefined {
  const n = parseIpv4(ip);
  return n === undefined ? undefined : catalog.pools.find((p) => n >= p.range.first && n <= p.range.last);
}
