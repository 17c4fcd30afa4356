/**
 * Networks: every LAN-side interface with a fixed IPv4 address (SVI, routed port, dot1Q or
 * ASA VLAN subinterface) and every VLAN that exists only at layer 2 (declared with `vlan N` or
 * used by access ports, with no SVI). Loopbacks, WAN links, tunnels and address-less ports
 * are reported instead. Secondary addresses are reported, not imported: a network has one CIDR
 * and one VLAN, and a second network on the same VLAN is a decision for a person.
 */
import type { ImportedNetwork } from './model.js';
import { tokens, type ConfigBlock, type ConfigLine } from './cisco-config.js';
import type { Findings } from './cisco-findings.js';
import { explainInterfaceLine } from './cisco-interface-lines.js';
import { cidrOf, formatIpv4, overlaps, hostPrefix } from './cisco-ipv4.js';
import { isOutside, type CiscoInterface } from './cisco-interfaces.js';

interface VlanDefinition {
  readonly id: number;
  readonly name?: string;
  readonly block: ConfigBlock;
}

/** 802.1Q tags are 12 bits: ids beyond are not VLANs, and a range is read only within them. */
const VLAN_ID_SPACE = 4096;

/**
 * Top-level `vlan N` / `vlan 10,20-22` blocks with their `name`; a later definition of
 * an id wins. Read from the last block back, each id is set once: ranges are walked
 * through the ids still undefined (a "next undefined id" table with path halving), so
 * a file repeating `vlan 1-4094` costs one pass over the VLAN space, not one per line.
 */
function readVlanDefinitions(blocks: readonly ConfigBlock[]): Map<number, VlanDefinition> {
  const out = new Map<number, VlanDefinition>();
  // next[i] leads to the first undefined id >= i; VLAN_ID_SPACE is never defined.
  const next = Int32Array.from({ length: VLAN_ID_SPACE + 1 }, (_, i) => i);
  const undefinedFrom = (i: number): number => {
    while (next[i] !== i) i = next[i] = next[next[i]!]!;
    return i;
  };
  for (let k = blocks.length - 1; k >= 0 && out.size < VLAN_ID_SPACE; k--) {
    const b = blocks[k]!;
    const m = /^vlan\s+([\d,-]+)$/.exec(b.head.text);
    if (!m) continue;
    const name = b.children.map(tokens).find((w) => w[0] === 'name')?.[1];
    for (const part of m[1]!.split(',')) {
      const [from = NaN, to = from] = part.split('-').map(Number);
      if (!(from >= 0 && from <= to)) continue;
      const last = Math.min(to, VLAN_ID_SPACE - 1);
      for (let id = undefinedFrom(from >= VLAN_ID_SPACE ? VLAN_ID_SPACE : from); id <= last; id = undefinedFrom(id + 1)) {
        out.set(id, { id, block: b, ...(name ? { name } : {}) });
        next[id] = id + 1;
      }
    }
  }
  return out;
}

const sviVlan = (i: CiscoInterface): number | undefined => {
  const m = /^vlan\s*(\d+)$/i.exec(i.name);
  return m ? Number(m[1]) : undefined;
};

const unique = (xs: readonly (string | undefined)[]): string[] => [...new Set(xs.filter((x): x is string => x !== undefined && x.trim() !== ''))];

function reportDetails(i: CiscoInterface, f: Findings): void {
  for (const s of i.secondaries) {
    f.report(s.line, 'secondary address', `${cidrOf(s.prefix)} is a second subnet on ${i.name}; the spec has one CIDR per network — add a network for it by hand if hosts still use it`);
  }
  if (i.qinq) {
    f.report(i.qinq.line, 'QinQ (second-dot1q)', `outer VLAN ${i.qinq.outer}, inner ${i.qinq.inner}: the spec has one VLAN tag per network, so ${i.name} is imported without a VLAN — set it by hand if the cloud supports QinQ`);
  }
  if (i.virtualGateway && i.address) {
    f.report(i.virtualGateway.line, 'HSRP/VRRP virtual address', `hosts use ${formatIpv4(i.virtualGateway.ip)} as gateway, so it is imported as the gateway; the router's own address ${formatIpv4(i.address.ip)} and the redundancy group are not in the spec`);
  }
  if (i.shutdown && i.address) f.report(i.block.head, 'shut-down interface', `${i.name} is administratively down; its network is imported anyway — drop it if it is unused`);
  for (const l of i.other) {
    const e = explainInterfaceLine(l);
    f.report(l, e.construct, e.reason);
  }
}

function toNetwork(i: CiscoInterface, vlans: ReadonlyMap<number, VlanDefinition>, f: Findings): ImportedNetwork {
  const address = i.address!;
  const vlan = sviVlan(i) ?? i.vlan?.id;
  const vip = i.virtualGateway && overlaps(hostPrefix(i.virtualGateway.ip), address.prefix) ? i.virtualGateway.ip : address.ip;
  return {
    key: i.name,
    nameHints: unique([vlan === undefined ? undefined : vlans.get(vlan)?.name, i.nameif, i.description, i.name]),
    cidr: cidrOf(address.prefix),
    gateway: formatIpv4(vip),
    ...(vlan === undefined ? {} : { vlan }),
    ...(i.natInside ? { natInside: true } : {}),
    ...(i.description ? { description: i.description } : {}),
    source: f.source(i.block.head),
  };
}

function explainNonNetwork(i: CiscoInterface, parents: ReadonlySet<string>): { construct: string; reason: string } | undefined {
  const addr = i.address ? `${formatIpv4(i.address.ip)}/${i.address.prefix.len}` : undefined;
  if (i.kind === 'null') return undefined;
  if (i.kind === 'tunnel') {
    if (i.tunnelDestination && i.tunnelProfile) return { construct: 'IPsec tunnel interface', reason: `imported as a VPN peer; the tunnel's inside address${addr ? ` ${addr}` : ''} and any routing over it (BGP) are not in the spec` };
    return { construct: 'tunnel interface', reason: `${i.tunnelMode?.text ?? 'GRE tunnel'}: only IPsec-protected tunnels become VPN peers; recreate this overlay by hand if it is still needed` };
  }
  if (i.kind === 'loopback') return { construct: 'loopback interface', reason: `${addr ?? 'no address'}: a router's own address, not a network; nothing to migrate unless services listen on it` };
  if (i.kind === 'wan') return { construct: 'WAN interface', reason: `${i.name}${addr ? ` (${addr})` : ''} is an uplink (ATM/serial/dialer); the cloud provides the Internet side` };
  if (i.dynamicAddress) return { construct: 'interface with a dynamic address', reason: `${i.dynamicAddress.text}: an uplink whose address is learned at run time; NAT through it is imported with no fixed public address` };
  if (i.accessVlan) return { construct: 'switch port', reason: `access port in VLAN ${i.accessVlan.id}; ports are not in the spec, the VLAN is imported as a network` };
  if (parents.has(i.name)) return { construct: 'parent interface', reason: `physical port under subinterfaces of ${i.name}; nothing to migrate` };
  return { construct: 'interface without an IPv4 address', reason: `${i.name} has no address; nothing to migrate unless it carries traffic another way (trunk, bridge group, port-channel member)` };
}

/** Layer-2-only VLANs: declared or used by access ports, with no SVI. */
function l2Networks(ifaces: readonly CiscoInterface[], vlans: ReadonlyMap<number, VlanDefinition>, f: Findings): ImportedNetwork[] {
  const withSvi = new Set(ifaces.map(sviVlan).filter((v): v is number => v !== undefined));
  const firstUse = new Map<number, ConfigLine>();
  for (const v of vlans.values()) firstUse.set(v.id, v.block.head);
  for (const i of ifaces) if (i.accessVlan && !firstUse.has(i.accessVlan.id)) firstUse.set(i.accessVlan.id, i.accessVlan.line);
  return [...firstUse.entries()]
    .filter(([id]) => !withSvi.has(id))
    .sort(([a], [b]) => a - b)
    .map(([id, line]) => ({ key: `vlan${id}`, nameHints: unique([vlans.get(id)?.name, `vlan${id}`]), vlan: id, source: f.source(line) }));
}

/** Ports with nothing to migrate are listed together, one entry per kind (and VLAN), at the first one. */
class PortSummary {
  private readonly groups = new Map<string, { readonly first: ConfigLine; readonly names: string[]; readonly reason: string }>();

  add(construct: string, reason: string, i: CiscoInterface): void {
    const g = this.groups.get(construct);
    if (g) g.names.push(i.name);
    else this.groups.set(construct, { first: i.block.head, names: [i.name], reason });
  }

  report(f: Findings): void {
    for (const [construct, g] of this.groups) f.report(g.first, construct, `${g.names.join(', ')}: ${g.reason}`);
  }
}

export function mapNetworks(blocks: readonly ConfigBlock[], ifaces: readonly CiscoInterface[], f: Findings): void {
  const vlans = readVlanDefinitions(blocks);
  const ports = new PortSummary();
  const parents = new Set(ifaces.filter((i) => i.name.includes('.')).map((i) => i.name.slice(0, i.name.lastIndexOf('.'))));
  for (const v of vlans.values()) f.claim(v.block);
  for (const i of ifaces) {
    f.claim(i.block);
    if (i.address && i.kind === 'lan' && isOutside(i)) {
      // The Internet side belongs to the zone: its addresses come in as public IPs
      // (NAT through the interface), not as one of the tenant's private networks.
      const vlan = sviVlan(i) ?? i.vlan?.id;
      f.report(i.block.head, 'outside interface', `${i.name} (${formatIpv4(i.address.ip)}/${i.address.prefix.len}${vlan === undefined ? '' : `, VLAN ${vlan}`}) faces the Internet (NAT outside / security-level 0): the zone provides the uplink, so it is not a tenant network; NAT through it is imported as public IPs`);
      continue;
    }
    if (i.address && i.kind === 'lan') {
      f.addNetwork(toNetwork(i, vlans, f));
      reportDetails(i, f);
      continue;
    }
    if (i.accessVlan && !i.address) ports.add(`switch ports in VLAN ${i.accessVlan.id}`, 'access ports; ports are not in the spec, the VLAN is imported as a network', i);
    else if (i.kind === 'lan' && !i.address && !i.dynamicAddress && !parents.has(i.name)) {
      ports.add('interfaces without an IPv4 address', 'no address, so nothing to migrate unless they carry traffic another way (trunk, bridge group, port-channel member)', i);
    } else {
      const e = explainNonNetwork(i, parents);
      if (e) f.report(i.block.head, e.construct, e.reason);
    }
    // Address-less LAN ports keep their own lines (unnumbered, VRF…); IPv6 is reported everywhere.
    for (const l of i.other.filter((o) => i.kind === 'lan' || /^ipv6\s/.test(o.text))) {
      const x = explainInterfaceLine(l);
      f.report(l, x.construct, x.reason);
    }
  }
  ports.report(f);
  for (const n of l2Networks(ifaces, vlans, f)) f.addNetwork(n);
}
