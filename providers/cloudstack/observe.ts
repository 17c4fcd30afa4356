/**
 * What CloudStack runs, in netfirst's terms: every object netfirst made carries the tag
 * `netfirst-address`, so one list per CloudStack object type across all projects
 * (`projectid=-1`) finds them all, for refresh (drift) and adoption alike. Attributes
 * come from what CloudStack shows — addresses, segments, sizes, CPU, memory, rules —
 * and, for the few decisions CloudStack keeps no field for (the cluster a VM was placed
 * on, a network's colocation hand-off), from further tags netfirst wrote beside the
 * address. A VPN connection's local networks are netfirst's alone: they are reported
 * unobserved and kept from state.
 */
import { textOf as str } from '../../specs/model/attribute-values.js';
import { contains, parseIpv4, parseIpv4Range } from '../../specs/model/net/ipv4.js';
import type { Attributes, ResourceTypeName } from '../../specs/model/resource.js';
import type { ZoneDoc } from '../../specs/schema.js';
import type { Observed } from '../contract.js';
import { ADDRESS_TAG } from './api.js';
import { ALL_PROJECTS, type Obj, tagOf, type Tenancy } from './tenancy.js';

/** Tags beside the address, for what CloudStack keeps no field of. */
export const TAGS = {
  cluster: 'netfirst-cluster',
  colocationHandoff: 'netfirst-colocation-handoff',
  sourceNat: 'netfirst-source-nat',
  publicIp: 'netfirst-public-ip',
  /** On an address CloudStack chose itself (a VPC's first source NAT): netfirst gives it back to the zone. */
  release: 'netfirst-release',
} as const;

export const HYPERVISOR = { kvm: 'KVM', xenserver: 'XenServer', vmware: 'VMware' } as const;
export const DH = { 2: 'modp1024', 5: 'modp1536', 14: 'modp2048', 15: 'modp3072', 16: 'modp4096' } as const;
const GiB = 2 ** 30;

/** `aes256-sha256;modp2048` (IKE), `aes256-sha256` or `aes256-sha256;modp2048` with PFS (ESP). */
export function cloudstackPolicy(p: Attributes): string {
  const group = typeof p['group'] === 'number' ? DH[p['group'] as keyof typeof DH] : undefined;
  return `${str(p['encryption'])}-${str(p['hash'])}${group ? `;${group}` : ''}`;
}

/** The inverse of cloudstackPolicy, with the lifetime CloudStack keeps beside it. */
export function policyOf(text: string, lifetimeSeconds: number): Attributes {
  const [suite = '', group] = text.split(',')[0]!.split(';');
  const dash = suite.indexOf('-');
  const number = Object.entries(DH).find(([, name]) => name === group)?.[0];
  return { encryption: suite.slice(0, dash), hash: suite.slice(dash + 1), group: number === undefined ? null : Number(number), lifetimeSeconds };
}

const lastPart = (address: string): string => address.slice(address.lastIndexOf('/') + 1);
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const cidrs = (v: unknown): string[] => str(v).split(',').map((c) => c.trim()).filter((c) => c !== '');

/** One look at the zone: each CloudStack list fetched at most once, when first needed. */
export function createSnapshot(tenancy: Tenancy, zone: ZoneDoc['spec'], tierOfOffering: (name: string) => string, known: ReadonlyMap<string, string> = new Map()) {
  const lists = new Map<string, Promise<Obj[]>>();
  const fetch = (command: Parameters<Tenancy['all']>[0], params: Record<string, string | number | boolean> = ALL_PROJECTS): Promise<Obj[]> => {
    const key = `${command}?${JSON.stringify(params)}`;
    let p = lists.get(key);
    if (!p) lists.set(key, (p = tenancy.all(command, params)));
    return p;
  };
  // An object is netfirst's by its tag, or because the caller knows its id (reading a
  // recorded resource whose tagging was interrupted).
  const addressOf = (o: Obj): string | undefined => tagOf(o, ADDRESS_TAG) ?? known.get(str(o['id']));
  const tagged = (objects: Obj[]): Obj[] => objects.filter((o) => addressOf(o) !== undefined);
  /** Without netfirst's tags, what they would have said is not observed. */
  const fromTags = (o: Obj, keys: readonly string[]): { unobserved?: readonly string[] } =>
    tagOf(o, ADDRESS_TAG) === undefined ? { unobserved: keys } : {};
  const addressById = async (command: Parameters<Tenancy['all']>[0]): Promise<Map<string, string>> =>
    new Map(tagged(await fetch(command)).map((o) => [str(o['id']), addressOf(o)!]));
  const tenantOf = (address: string): string => address.slice(0, address.indexOf('/'));
  const poolOf = (ip: string): string => {
    const at = parseIpv4(ip);
    return zone.publicIpPools.find((p) => {
      const range = parseIpv4Range(p.range);
      return at !== undefined && range !== undefined && contains(range, at);
    })?.name ?? '';
  };

  async function networks(): Promise<Observed[]> {
    const sourceNat = new Map((await fetch('listPublicIpAddresses')).filter((ip) => ip['issourcenat'] === true).map((ip) => [str(ip['vpcid']), str(ip['ipaddress'])]));
    return tagged(await fetch('listNetworks')).map((o) => {
      const address = addressOf(o)!;
      const [kind, id] = str(o['broadcasturi']).split('://');
      return observed(o, 'network', address, {
        name: str(o['name']), cidr: str(o['cidr']), gateway: str(o['gateway']),
        segment: { type: kind === 'vxlan' ? 'vxlan' : 'vlan', id: num(id) },
        sourceNatIp: tagOf(o, TAGS.sourceNat) !== undefined ? (sourceNat.get(str(o['vpcid'])) ?? null) : null,
        colocationHandoff: tagOf(o, TAGS.colocationHandoff) ?? null,
      }, fromTags(o, ['sourceNatIp', 'colocationHandoff']));
    });
  }

  async function publicIps(): Promise<Observed[]> {
    return tagged(await fetch('listPublicIpAddresses')).map((o) => {
      const address = addressOf(o)!;
      return observed(o, 'public-ip', address, { name: lastPart(address), address: str(o['ipaddress']), pool: poolOf(str(o['ipaddress'])) });
    });
  }

  async function staticNats(): Promise<Observed[]> {
    const vms = await addressById('listVirtualMachines');
    return tagged(await fetch('listPublicIpAddresses')).filter((o) => o['isstaticnat'] === true).map((o) => {
      const ipAddress = addressOf(o)!;
      const address = `${tenantOf(ipAddress)}/static-nat/${lastPart(ipAddress)}`;
      return { providerId: `staticnat:${str(o['id'])}`, address, type: 'static-nat', tenant: tenantOf(ipAddress), attributes: {
        publicIp: ipAddress, address: str(o['ipaddress']), vm: vms.get(str(o['virtualmachineid'])) ?? '', vmIp: str(o['vmipaddress']),
      } };
    });
  }

  async function portForwards(): Promise<Observed[]> {
    const vms = await addressById('listVirtualMachines');
    const ips = await addressById('listPublicIpAddresses');
    return tagged(await fetch('listPortForwardingRules')).map((o) => observed(o, 'port-forward', addressOf(o)!, {
      publicIp: ips.get(str(o['ipaddressid'])) ?? '', address: str(o['ipaddress']), protocol: str(o['protocol']).toLowerCase(),
      publicPort: num(o['publicport']), vm: vms.get(str(o['virtualmachineid'])) ?? '', vmIp: str(o['vmguestip']), privatePort: num(o['privateport']),
    }));
  }

  /** A firewall rule is one ACL item per port, in the order they were made (their numbers). */
  async function firewallRules(): Promise<Observed[]> {
    const ips = tagged(await fetch('listPublicIpAddresses'));
    const ipAddress = new Map(ips.map((o) => [addressOf(o)!, str(o['ipaddress'])]));
    const ipId = new Map(ips.map((o) => [addressOf(o)!, str(o['id'])]));
    const forwards = await fetch('listPortForwardingRules');
    /** Items allow private ports behind a port forward: the rule's ports are the public ones. */
    const publicPort = (publicIp: string, protocol: string, port: number): number =>
      num(forwards.find((f) => str(f['ipaddressid']) === ipId.get(publicIp) && str(f['protocol']).toLowerCase() === protocol && num(f['privateport']) === port)?.['publicport'] ?? port);
    const byAddress = new Map<string, Obj[]>();
    for (const item of tagged(await fetch('listNetworkACLs', {}))) {
      const address = addressOf(item)!;
      byAddress.set(address, [...(byAddress.get(address) ?? []), item]);
    }
    return [...byAddress].map(([address, items]) => {
      items.sort((a, b) => num(a['number']) - num(b['number']));
      const firstItem = items[0]!;
      const protocol = str(firstItem['protocol']).toLowerCase();
      const allPorts = items.length === 1 && num(firstItem['startport']) === 1 && num(firstItem['endport']) === 65535;
      const publicIp = tagOf(firstItem, TAGS.publicIp) ?? '';
      return {
        providerId: items.map((i) => str(i['id'])).join(','), address, type: 'firewall-rule', tenant: tenantOf(address),
        ...fromTags(firstItem, ['publicIp', 'address']),
        attributes: {
          publicIp, address: ipAddress.get(publicIp) ?? '', protocol,
          ports: protocol === 'icmp' || allPorts ? [] : items.map((i) => publicPort(publicIp, protocol, num(i['startport']))), from: cidrs(firstItem['cidrlist']),
        },
      };
    });
  }

  async function vpnConnections(): Promise<Observed[]> {
    const customers = new Map((await fetch('listVpnCustomerGateways')).map((g) => [str(g['id']), g]));
    const vpcOfGateway = new Map((await fetch('listVpnGateways')).map((g) => [str(g['id']), str(g['vpcid'])]));
    const tiers = tagged(await fetch('listNetworks'));
    // CloudStack's tunnel serves the whole VPC: its local networks, as netfirst names them, are a best guess (all tiers).
    const localOf = (vpcid: string): Obj[] => tiers.filter((n) => str(n['vpcid']) === vpcid).sort((x, y) => str(x['cidr']).localeCompare(str(y['cidr'])));
    return (await fetch('listVpnConnections')).flatMap((c): Observed[] => {
      const customer = customers.get(str(c['s2scustomergatewayid']));
      const tenant = str(c['project']);
      if (!customer || !tenant || !str(customer['name']).startsWith(`${tenant}-`)) return [];
      const name = str(customer['name']).slice(tenant.length + 1);
      return [{
        providerId: `${str(c['id'])}/${str(customer['id'])}`, address: `${tenant}/vpn/${name}`, type: 'vpn-connection', tenant,
        attributes: {
          name, peer: str(customer['gateway']), peerCidrs: cidrs(customer['cidrlist']),
          localNetworks: localOf(vpcOfGateway.get(str(c['s2svpngatewayid'])) ?? '').map((n) => addressOf(n)!),
          localCidrs: localOf(vpcOfGateway.get(str(c['s2svpngatewayid'])) ?? '').map((n) => str(n['cidr'])),
          localAddress: str(c['publicip']),
          ike: policyOf(str(customer['ikepolicy']), num(customer['ikelifetime'])), esp: policyOf(str(customer['esppolicy']), num(customer['esplifetime'])),
          dpd: customer['dpd'] === true,
        },
        unobserved: ['localNetworks', 'localCidrs'],
      }];
    });
  }

  async function vpnUsers(): Promise<Observed[]> {
    return (await fetch('listVpnUsers')).filter((u) => str(u['project']) !== '').map((u) => {
      const tenant = str(u['project']);
      const name = str(u['username']);
      return { providerId: str(u['id']), address: `${tenant}/vpn-user/${name}`, type: 'vpn-user', tenant, attributes: { name } };
    });
  }

  /**
   * A VM's power as CloudStack's state says: running while Running, or on its way to or
   * between hosts (Starting, Migrating); every other state (Stopped, Stopping, Error…)
   * runs nothing.
   */
  const powerOf = (state: string): 'running' | 'stopped' => (state === 'Running' || state === 'Starting' || state === 'Migrating' ? 'running' : 'stopped');

  async function vms(): Promise<Observed[]> {
    const networkAt = await addressById('listNetworks');
    const roots = new Map((await fetch('listVolumes')).filter((v) => str(v['type']) === 'ROOT').map((v) => [str(v['virtualmachineid']), v]));
    return tagged(await fetch('listVirtualMachines')).map((o) => {
      const root = roots.get(str(o['id']));
      const hypervisor = Object.entries(HYPERVISOR).find(([, name]) => name.toLowerCase() === str(o['hypervisor']).toLowerCase())?.[0] ?? str(o['hypervisor']).toLowerCase();
      const nics = (Array.isArray(o['nic']) ? (o['nic'] as Obj[]) : []).map((n) => ({ network: networkAt.get(str(n['networkid'])) ?? '', ip: str(n['ipaddress']) }));
      return observed(o, 'vm', addressOf(o)!, {
        name: str(o['name']), hypervisor, cluster: tagOf(o, TAGS.cluster) ?? '', cpu: num(o['cpunumber']), memoryMiB: num(o['memory']),
        template: str(o['templatename']), nics,
        rootDisk: { sizeGiB: root ? Math.round(num(root['size']) / GiB) : 0, tier: root ? tierOfOffering(str(root['diskofferingname'])) : '' },
        power: powerOf(str(o['state'])),
      }, fromTags(o, ['cluster']));
    });
  }

  async function disks(): Promise<Observed[]> {
    const vmAt = await addressById('listVirtualMachines');
    return tagged(await fetch('listVolumes')).filter((v) => str(v['type']) !== 'ROOT').map((o) => {
      const address = addressOf(o)!;
      return observed(o, 'disk', address, {
        name: lastPart(address), vm: vmAt.get(str(o['virtualmachineid'])) ?? '', sizeGiB: Math.round(num(o['size']) / GiB),
        tier: tierOfOffering(str(o['diskofferingname'])),
      });
    });
  }

  const byType: Record<ResourceTypeName, () => Promise<Observed[]>> = {
    network: networks, 'public-ip': publicIps, 'static-nat': staticNats, 'port-forward': portForwards, 'firewall-rule': firewallRules,
    'vpn-connection': vpnConnections, 'vpn-user': vpnUsers, vm: vms, disk: disks,
  };
  return { of: (type: ResourceTypeName): Promise<Observed[]> => byType[type]() };
}

function observed(o: Obj, type: ResourceTypeName, address: string, attributes: Attributes, extra: { unobserved?: readonly string[] } = {}): Observed {
  return { providerId: str(o['id']), address, type, tenant: address.slice(0, address.indexOf('/')), attributes, ...extra };
}

export type Snapshot = ReturnType<typeof createSnapshot>;
