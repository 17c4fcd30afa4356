/**
 * A libvirt `<network>`: one network keyed by its name, known also by its bridge's
 * name (what `<interface type='bridge'>` points at). Its first IPv4 `<ip>` is the
 * subnet, the bridge address its gateway; forward mode `nat` NATs it out. Portgroups
 * with a VLAN are networks of their own (`NET/PORTGROUP`), because a VLAN is a
 * separate segment. DHCP, DNS, extra subnets, IPv6 and routes have no place in the
 * spec and are reported.
 */
import type { Element } from '@xmldom/xmldom';
import { formatCidr, parseCidr, parseIpv4 } from '../../specs/model/net/index.js';
import type { ImportedNetwork, SourceLine, Unmapped } from './model.js';
import { attr, child, children, childText, sourceOf, type XmlFile } from './libvirt-xml.js';
import { readVlan, type Note } from './libvirt-vlan.js';

export interface NetworkFact {
  readonly name: string;
  readonly source: SourceLine;
  /** The network itself first, then one per portgroup with a VLAN. */
  readonly networks: readonly ImportedNetwork[];
  /** Portgroup name → key of the network a NIC on that portgroup joins. */
  readonly portgroupKeys: ReadonlyMap<string, string>;
  /** The portgroup a NIC naming no portgroup gets (`default='yes'`). */
  readonly defaultPortgroup: string | undefined;
  readonly unmapped: readonly Unmapped[];
}

/** What each forward mode means for the tenant, where nothing in the spec says it. */
const FORWARD_NOTES: Readonly<Record<string, string>> = {
  route: 'routed to the host LAN without NAT: the upstream router needs a route to this subnet through the tenant router',
  open: 'libvirt adds no firewall or NAT rules: traffic is routed as the host itself is set up',
  bridge: 'the guests join a bridge the host already has: the LAN and its subnet are defined outside libvirt',
  passthrough: 'macvtap straight onto host interfaces: the guests sit on the physical LAN, which libvirt does not describe',
  private: 'macvtap straight onto host interfaces: the guests sit on the physical LAN, which libvirt does not describe',
  vepa: 'macvtap straight onto host interfaces: the guests sit on the physical LAN, which libvirt does not describe',
  hostdev: 'a pool of SR-IOV functions of a host NIC: bound to host hardware, nothing to create',
};

/** The network, or what to report when it has no name. */
export function readNetwork(xml: XmlFile, element: Element): NetworkFact | Unmapped {
  const source = sourceOf(xml, element);
  const name = childText(element, 'name');
  if (name === undefined) return { source, construct: '<network> without a name', reason: 'nothing to key the network by: libvirt itself rejects it' };
  const unmapped: Unmapped[] = [];
  const note: Note = (el, construct, reason) => {
    unmapped.push({ source: sourceOf(xml, el), construct: `${construct} of network ${name}`, reason });
  };

  const forward = child(element, 'forward');
  // libvirt's default: a <forward> without a mode is NAT, no <forward> is isolated.
  const mode = forward === undefined ? 'none' : (attr(forward, 'mode') ?? 'nat');
  if (forward !== undefined && FORWARD_NOTES[mode] !== undefined) note(forward, `forward mode ${mode}`, FORWARD_NOTES[mode]);

  const subnet = readSubnets(element, note);
  const vlan = readVlan(child(element, 'vlan'), note);
  const bridge = attr(child(element, 'bridge'), 'name');
  readServices(element, note);

  const network: ImportedNetwork = {
    key: name,
    nameHints: [name],
    ...subnet,
    ...(vlan !== undefined && { vlan }),
    ...(bridge !== undefined && bridge !== name && { aliases: [bridge] }),
    ...(mode === 'nat' && { natInside: true }),
    source,
  };
  const portgroups = readPortgroups(xml, element, name, note);
  return { name, source, networks: [network, ...portgroups.networks], portgroupKeys: portgroups.keys, defaultPortgroup: portgroups.defaultName, unmapped };
}

/** The first IPv4 `<ip>` is the network's subnet; every other `<ip>` is reported. */
function readSubnets(network: Element, note: Note): { cidr?: string; gateway?: string } {
  let subnet: { cidr?: string; gateway?: string } = {};
  let taken = false;
  for (const ip of children(network, 'ip')) {
    const address = attr(ip, 'address') ?? '';
    const ipv6 = attr(ip, 'family') === 'ipv6' || address.includes(':');
    if (ipv6) {
      note(ip, `IPv6 subnet ${address}/${attr(ip, 'prefix') ?? '?'}`, 'the spec is IPv4-only: the guests lose IPv6 on this network');
      continue;
    }
    if (attr(ip, 'via') !== undefined) {
      note(ip, `route to ${address} via ${attr(ip, 'via')}`, 'a static route behind a guest: add it to the tenant router by hand');
      continue;
    }
    const prefix = prefixOf(ip, address);
    if (taken) {
      note(ip, `additional IPv4 subnet ${address}/${prefix ?? '?'}`, 'the spec has one subnet per network: add a separate network for it if guests use it');
      continue;
    }
    taken = true;
    if (prefix === undefined || parseIpv4(address) === undefined) {
      note(ip, `IPv4 address ${address}`, 'no valid address and prefix: the network is imported without a subnet');
      continue;
    }
    if (attr(ip, 'prefix') === undefined && attr(ip, 'netmask') === undefined) {
      note(ip, `subnet ${address} without a netmask`, `libvirt takes the classful /${prefix} then, and so does this import: check it is what the guests use`);
    }
    const block = parseCidr(`${address}/${prefix}`);
    subnet = block === undefined ? {} : { cidr: formatCidr(block), gateway: address };
  }
  for (const ip of children(network, 'ip')) readDhcp(ip, attr(ip, 'address') ?? '', note);
  return subnet;
}

/** `prefix='24'`, `netmask='255.255.255.0'`, or, like libvirt, the classful prefix of the address. */
function prefixOf(ip: Element, address: string): number | undefined {
  const prefix = attr(ip, 'prefix');
  if (prefix !== undefined) return /^\d+$/.test(prefix) && Number(prefix) <= 32 ? Number(prefix) : undefined;
  const netmask = attr(ip, 'netmask');
  if (netmask !== undefined) return maskLength(netmask);
  const first = parseIpv4(address);
  if (first === undefined) return undefined;
  const octet = first >>> 24;
  return octet < 128 ? 8 : octet < 192 ? 16 : octet < 224 ? 24 : undefined;
}

function maskLength(netmask: string): number | undefined {
  const mask = parseIpv4(netmask);
  if (mask === undefined) return undefined;
  const bits = mask.toString(2).padStart(32, '0');
  return /^1*0*$/.test(bits) ? bits.indexOf('0') === -1 ? 32 : bits.indexOf('0') : undefined;
}

/** DHCP has no place in the spec; static leases are worth a line each, as fixed IPs to give. */
function readDhcp(ip: Element, address: string, note: Note): void {
  for (const dhcp of children(ip, 'dhcp')) {
    const ranges = children(dhcp, 'range').map((r) => `${attr(r, 'start') ?? '?'}-${attr(r, 'end') ?? '?'}`);
    if (ranges.length > 0) note(dhcp, `DHCP range ${ranges.join(', ')}`, 'the spec has no DHCP settings: the target assigns addresses its own way');
    for (const host of children(dhcp, 'host')) {
      const who = attr(host, 'mac') ?? attr(host, 'id') ?? attr(host, 'name') ?? '?';
      note(host, `DHCP reservation ${who} → ${attr(host, 'ip') ?? '?'}${attr(host, 'name') ? ` (${attr(host, 'name')})` : ''}`, 'a fixed lease: give that VM this address as its static IP');
    }
    const boot = child(dhcp, 'bootp');
    if (boot !== undefined) note(boot, `PXE boot file ${attr(boot, 'file') ?? ''}`.trim(), 'network boot is not part of the spec');
  }
  const tftp = child(ip, 'tftp');
  if (tftp !== undefined) note(tftp, `TFTP server on ${address}`, 'network boot is not part of the spec');
}

/** DNS, routes, QoS and MTU of the network: reported, none has a field. */
function readServices(network: Element, note: Note): void {
  const domain = child(network, 'domain');
  if (domain !== undefined) note(domain, `DNS domain ${attr(domain, 'name') ?? ''}`.trim(), 'the spec has no DNS settings: set the domain in the guests or the target DNS');
  const dns = child(network, 'dns');
  if (dns !== undefined) note(dns, 'DNS settings (hosts, forwarders, records)', 'the spec has no DNS settings: recreate the records in the target DNS');
  for (const route of children(network, 'route')) {
    const destination = `${attr(route, 'address') ?? '?'}/${attr(route, 'prefix') ?? attr(route, 'netmask') ?? '?'}`;
    note(route, `route to ${destination} via ${attr(route, 'gateway') ?? '?'}`, 'a static route behind a guest: add it to the tenant router by hand');
  }
  const bandwidth = child(network, 'bandwidth');
  if (bandwidth !== undefined) note(bandwidth, 'bandwidth limits', 'the spec has no QoS: the limits are not carried over');
  const mtu = child(network, 'mtu');
  if (mtu !== undefined) note(mtu, `MTU ${attr(mtu, 'size') ?? ''}`.trim(), 'the spec has no MTU setting: the target uses its own');
}

/** Portgroups with a VLAN become `NET/PORTGROUP` networks; without one, a NIC on them simply joins NET. */
function readPortgroups(xml: XmlFile, network: Element, name: string, note: Note): { networks: ImportedNetwork[]; keys: Map<string, string>; defaultName: string | undefined } {
  const networks: ImportedNetwork[] = [];
  const keys = new Map<string, string>();
  let defaultName: string | undefined;
  for (const portgroup of children(network, 'portgroup')) {
    const pg = attr(portgroup, 'name');
    if (pg === undefined) continue;
    if (attr(portgroup, 'default') === 'yes') defaultName = pg;
    const vlan = readVlan(child(portgroup, 'vlan'), (el, construct, reason) => note(el, `${construct} of portgroup ${pg}`, reason));
    if (vlan === undefined) {
      keys.set(pg, name);
      continue;
    }
    const key = `${name}/${pg}`;
    keys.set(pg, key);
    networks.push({ key, nameHints: [pg, name], vlan, source: sourceOf(xml, portgroup) });
  }
  return { networks, keys, defaultName };
}
