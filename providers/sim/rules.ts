/**
 * The rules a real zone enforces, as the sim checks them: pools (VLANs, VNIs, public
 * IPs), uniqueness (claims), references (NIC networks, a disk's VM, a rule's public
 * IP), templates per hypervisor, and what each object consumes (its footprint) for
 * capacity. Every check throws a `ProviderError` shaped like the cloud's own refusal.
 */
import type { Attributes, ResourceTypeName } from '../../specs/model/resource.js';
import type {
  DiskAttributes, FirewallRuleAttributes, NetworkAttributes, PortForwardAttributes, PublicIpAttributes,
  StaticNatAttributes, VmAttributes, VpnConnectionAttributes, VpnUserAttributes,
} from '../../specs/model/attributes.js';
import { ProviderError } from '../contract.js';
import type { Claim, SimObject, World } from './world.js';
import { cidrContains, formatRanges, inRanges, ipv4ToInt, type SimZone } from './zone-model.js';
import { assertNever } from '../../specs/model/never.js';

/** What an object takes from the zone: unique values, cluster compute, tier storage. */
export interface Footprint {
  readonly claims: readonly Claim[];
  readonly compute?: { readonly cluster: string; readonly cpu: number; readonly memoryMiB: number };
  readonly storage: readonly { readonly tier: string; readonly gib: number }[];
}

type Refs = { readonly [address: string]: string };

/** The id of dependency `address`; the engine passes the IDs of everything a resource depends on. */
function refId(refs: Refs, address: string, what: string): string {
  const id = refs[address];
  if (id === undefined) throw new ProviderError('not-found', `Unable to find ${what} ${address}: no provider ID was passed for it`);
  return id;
}

/** The object `address` refers to, which must exist and be of `type`. */
function referenced(world: World, refs: Refs, address: string, type: ResourceTypeName, what: string): SimObject {
  const id = refId(refs, address, what);
  const obj = world.get(id);
  if (!obj || obj.type !== type) throw new ProviderError('not-found', `Unable to find ${what} with id ${id} (${address})`);
  return obj;
}

export function footprintOf(type: ResourceTypeName, tenant: string, id: string, attributes: Attributes, refs: Refs): Footprint {
  switch (type) {
    case 'network': {
      const a = attributes as unknown as NetworkAttributes;
      return {
        claims: [
          { kind: a.segment.type, value: String(a.segment.id), label: `${a.segment.type === 'vlan' ? 'VLAN' : 'VXLAN VNI'} ${a.segment.id}` },
          { kind: 'ip', value: `${id}:${a.gateway}`, label: `IP ${a.gateway}` },
        ],
        storage: [],
      };
    }
    case 'public-ip': {
      const a = attributes as unknown as PublicIpAttributes;
      return { claims: [{ kind: 'public-ip', value: a.address, label: `public IP ${a.address}` }], storage: [] };
    }
    case 'static-nat': {
      const a = attributes as unknown as StaticNatAttributes;
      return { claims: [{ kind: 'static-nat', value: a.address, label: `static NAT on ${a.address}` }], storage: [] };
    }
    case 'port-forward': {
      const a = attributes as unknown as PortForwardAttributes;
      const value = `${a.address}:${a.protocol}:${a.publicPort}`;
      return { claims: [{ kind: 'port-forward', value, label: `port forward ${a.protocol}/${a.publicPort} on ${a.address}` }], storage: [] };
    }
    case 'vpn-connection': {
      const a = attributes as unknown as VpnConnectionAttributes;
      return { claims: [{ kind: 'vpn-peer', value: `${a.localAddress}>${a.peer}`, label: `VPN from ${a.localAddress} to peer ${a.peer}` }], storage: [] };
    }
    case 'vpn-user': {
      const a = attributes as unknown as VpnUserAttributes;
      return { claims: [{ kind: 'vpn-user', value: `${tenant}:${a.name}`, label: `VPN user ${a.name}` }], storage: [] };
    }
    case 'vm': {
      const a = attributes as unknown as VmAttributes;
      return {
        claims: a.nics.map((n) => ({ kind: 'ip' as const, value: `${refs[n.network] ?? n.network}:${n.ip}`, label: `IP ${n.ip} on ${n.network}` })),
        compute: { cluster: a.cluster, cpu: a.cpu, memoryMiB: a.memoryMiB },
        storage: [{ tier: a.rootDisk.tier, gib: a.rootDisk.sizeGiB }],
      };
    }
    case 'disk': {
      const a = attributes as unknown as DiskAttributes;
      return { claims: [], storage: [{ tier: a.tier, gib: a.sizeGiB }] };
    }
    case 'firewall-rule':
      return { claims: [], storage: [] };
    default:
      return assertNever(type);
  }
}

/** Checks what the zone itself offers (pools, clusters, tiers, templates) and what the object points at. */
export function checkPlacement(zone: SimZone, world: World, type: ResourceTypeName, attributes: Attributes, refs: Refs): void {
  switch (type) {
    case 'network': {
      const a = attributes as unknown as NetworkAttributes;
      const ranges = a.segment.type === 'vlan' ? zone.vlans : zone.vxlans;
      if (!inRanges(ranges, a.segment.id)) {
        const what = a.segment.type === 'vlan' ? 'VLAN' : 'VXLAN VNI';
        throw new ProviderError('invalid', `${what} ${a.segment.id} is outside the ${what} ranges of zone ${zone.name} (${formatRanges(ranges)})`);
      }
      if (!cidrContains(a.cidr, a.gateway)) throw new ProviderError('invalid', `Gateway ${a.gateway} is not inside network ${a.cidr}`);
      if (a.sourceNatIp !== null && world.holder('public-ip', a.sourceNatIp) === undefined) {
        throw new ProviderError('not-found', `Unable to find public IP ${a.sourceNatIp} for source NAT: it is not allocated in zone ${zone.name}`);
      }
      return;
    }
    case 'public-ip': {
      const a = attributes as unknown as PublicIpAttributes;
      const pool = zone.publicIpPools.get(a.pool);
      if (!pool) throw new ProviderError('not-found', `Unable to find public IP pool ${a.pool} in zone ${zone.name}`);
      const n = ipv4ToInt(a.address);
      if (n === undefined || n < pool.lo || n > pool.hi) {
        throw new ProviderError('invalid', `Public IP ${a.address} is outside the range of pool ${a.pool}`);
      }
      return;
    }
    case 'static-nat': {
      const a = attributes as unknown as StaticNatAttributes;
      referenced(world, refs, a.publicIp, 'public-ip', 'public IP');
      referenced(world, refs, a.vm, 'vm', 'VM');
      return;
    }
    case 'port-forward': {
      const a = attributes as unknown as PortForwardAttributes;
      referenced(world, refs, a.publicIp, 'public-ip', 'public IP');
      referenced(world, refs, a.vm, 'vm', 'VM');
      return;
    }
    case 'firewall-rule': {
      const a = attributes as unknown as FirewallRuleAttributes;
      referenced(world, refs, a.publicIp, 'public-ip', 'public IP');
      return;
    }
    case 'vpn-connection': {
      const a = attributes as unknown as VpnConnectionAttributes;
      if (world.holder('public-ip', a.localAddress) === undefined) {
        throw new ProviderError('not-found', `Unable to find public IP ${a.localAddress} for the VPN gateway: it is not allocated in zone ${zone.name}`);
      }
      return;
    }
    case 'vpn-user':
      return;
    case 'vm': {
      const a = attributes as unknown as VmAttributes;
      const cluster = zone.clusters.get(a.cluster);
      if (!cluster) throw new ProviderError('not-found', `Unable to find cluster ${a.cluster} in zone ${zone.name}`);
      if (cluster.hypervisor !== a.hypervisor) {
        throw new ProviderError('invalid', `Cluster ${a.cluster} runs ${cluster.hypervisor}, not ${a.hypervisor}`);
      }
      const hypervisors = zone.templates.get(a.template);
      if (!hypervisors) throw new ProviderError('not-found', `Unable to find template ${a.template} in zone ${zone.name}`);
      if (!hypervisors.has(a.hypervisor)) {
        throw new ProviderError('invalid', `Template ${a.template} is not available for hypervisor ${a.hypervisor}`);
      }
      checkTier(zone, a.rootDisk.tier);
      for (const nic of a.nics) {
        const network = referenced(world, refs, nic.network, 'network', 'network');
        const cidr = (network.attributes as unknown as NetworkAttributes).cidr;
        if (!cidrContains(cidr, nic.ip)) throw new ProviderError('invalid', `IP ${nic.ip} is not inside network ${nic.network} (${cidr})`);
      }
      return;
    }
    case 'disk': {
      const a = attributes as unknown as DiskAttributes;
      checkTier(zone, a.tier);
      referenced(world, refs, a.vm, 'vm', 'VM');
      return;
    }
    default:
      return assertNever(type);
  }
}

function checkTier(zone: SimZone, tier: string): void {
  if (!zone.tiers.has(tier)) throw new ProviderError('not-found', `Unable to find storage tier ${tier} in zone ${zone.name}`);
}

/** Claims must be free, or already held by `selfId` (an update keeping its values). */
export function checkClaims(world: World, claims: readonly Claim[], selfId: string, zoneName: string): void {
  for (const c of claims) {
    const holderId = world.holder(c.kind, c.value);
    if (holderId !== undefined && holderId !== selfId) {
      const holder = world.get(holderId);
      throw new ProviderError('conflict', `${capitalize(c.label)} is already in use in zone ${zoneName}${holder ? ` by ${holder.address}` : ''}`);
    }
  }
}

/** A network with NICs on it can't go, as in CloudStack. */
export function checkNetworkDeletable(world: World, network: SimObject): void {
  const holders = world.nicHolders(network.id, 3);
  if (holders.length === 0) return;
  const names = holders.map((id) => world.get(id)?.address ?? id);
  throw new ProviderError('conflict', `Network ${network.address} has active VMs (${names.join(', ')}): delete them or their NICs first`);
}

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

