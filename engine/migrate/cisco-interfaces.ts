/**
 * Interfaces as the config states them: addresses, VLAN tags, ASA nameif and security level,
 * NAT role, HSRP, tunnel settings. This module only reads; cisco-networks.ts decides which
 * interfaces are networks and reports the rest. Sub-commands that only tune hardware or
 * protocol timers are `quiet`; those with network meaning and no reader here land in `other`.
 */
import { tokens, type ConfigBlock, type ConfigLine } from './cisco-config.js';
import { interfaceAddress, parseIpv4, type Prefix } from './cisco-ipv4.js';

export type InterfaceKind = 'lan' | 'wan' | 'loopback' | 'tunnel' | 'null' | 'other';

export interface InterfaceAddress {
  readonly ip: number;
  readonly prefix: Prefix;
  readonly line: ConfigLine;
}

export interface CiscoInterface {
  readonly block: ConfigBlock;
  readonly name: string;
  readonly kind: InterfaceKind;
  description?: string;
  nameif?: string;
  securityLevel?: number;
  address?: InterfaceAddress;
  readonly secondaries: InterfaceAddress[];
  /** `ip address dhcp`, `negotiated`, `pppoe`: an address the device learns at run time. */
  dynamicAddress?: ConfigLine;
  vlan?: { readonly id: number; readonly line: ConfigLine };
  qinq?: { readonly outer: number; readonly inner: number; readonly line: ConfigLine };
  accessVlan?: { readonly id: number; readonly line: ConfigLine };
  natInside?: ConfigLine;
  natOutside?: ConfigLine;
  /** HSRP/VRRP virtual address of the primary subnet: what hosts use as gateway. */
  virtualGateway?: { readonly ip: number; readonly line: ConfigLine };
  aclIn?: { readonly name: string; readonly line: ConfigLine };
  aclOut?: { readonly name: string; readonly line: ConfigLine };
  cryptoMap?: string;
  tunnelDestination?: { readonly ip: string; readonly line: ConfigLine };
  tunnelProfile?: { readonly name: string; readonly line: ConfigLine };
  tunnelMode?: ConfigLine;
  shutdown: boolean;
  /** Sub-commands with network meaning that nothing maps: reported on their own lines. */
  readonly other: ConfigLine[];
}

const WAN = /^(atm|serial|dialer|cellular|virtual-template|virtual-access|async|bri|multilink|pos|virtual-ppp|mfr|hssi)/i;

function kindOf(name: string): InterfaceKind {
  if (/^loopback/i.test(name)) return 'loopback';
  if (/^tunnel/i.test(name)) return 'tunnel';
  if (/^null/i.test(name)) return 'null';
  if (WAN.test(name)) return 'wan';
  if (/^nvi/i.test(name)) return 'other';
  return 'lan';
}

/** Sub-commands that only tune the port or the IP stack; nothing to migrate. */
const QUIET = /^(no\s+)?(duplex|speed|negotiation|load-interval|ip redirects|ip unreachables|ip proxy-arp|ip directed-broadcast|ip route-cache|ip mroute-cache|cdp|carrier-delay|hold-queue|keepalive|arp timeout|ip virtual-reassembly|ip tcp adjust-mss|mop|snmp trap|spanning-tree|port monitor|bandwidth|fair-queue|half-duplex|full-duplex|media-type|mdix|max-reserved-bandwidth|ip accounting|ip flow|ip verify|atm ilmi-keepalive|dsl operating-mode|bundle-enable|shutdown|description|nameif|security-level|ip address|logging event|lldp|flowcontrol|storm-control|channel-group|switchport nonegotiate|switchport trunk|switchport mode|mac-address|management-only|ip mtu|mtu|exit|endpoint-tracker|ip nat (inside|outside))\b/i;

type SubReader = (i: CiscoInterface, w: readonly string[], l: ConfigLine) => boolean;

function readAddress(i: CiscoInterface, w: readonly string[], l: ConfigLine): boolean {
  if (w[0] !== 'ip' || w[1] !== 'address') return false;
  if (w[2] === 'dhcp' || w[2] === 'negotiated' || w[2] === 'pppoe') {
    i.dynamicAddress = l;
    return true;
  }
  const parsed = w[2] && w[3] ? interfaceAddress(w[2], w[3]) : undefined;
  if (!parsed) return false;
  const addr = { ...parsed, line: l };
  if (w[4] === 'secondary') i.secondaries.push(addr);
  else {
    i.address = addr;
    // ASA `standby` is the failover peer's address: nothing to migrate, but worth a line.
    if (w[4] === 'standby') i.other.push(l);
  }
  return true;
}

function readVlan(i: CiscoInterface, w: readonly string[], l: ConfigLine): boolean {
  if (w[0] === 'encapsulation' && /^dot1q$/i.test(w[1] ?? '') && w[2]) {
    if (w[3] === 'second-dot1q' && w[4]) i.qinq = { outer: Number(w[2]), inner: Number(w[4]), line: l };
    else i.vlan = { id: Number(w[2]), line: l };
    return true;
  }
  if (w[0] === 'vlan' && w[1] && /^\d+$/.test(w[1])) {
    i.vlan = { id: Number(w[1]), line: l };
    return true;
  }
  if (w[0] === 'switchport' && w[1] === 'access' && w[2] === 'vlan' && w[3]) {
    i.accessVlan = { id: Number(w[3]), line: l };
    return true;
  }
  return false;
}

function readRoles(i: CiscoInterface, w: readonly string[], l: ConfigLine): boolean {
  const text = w.join(' ');
  if (text === 'ip nat inside') i.natInside = l;
  else if (text === 'ip nat outside') i.natOutside = l;
  else if (w[0] === 'nameif' && w[1]) i.nameif = w[1];
  else if (w[0] === 'security-level' && w[1]) i.securityLevel = Number(w[1]);
  else if (w[0] === 'description') i.description = l.text.replace(/^description\s*/, '') || undefined;
  else if (w[0] === 'shutdown') i.shutdown = true;
  else if (w[0] === 'ip' && w[1] === 'access-group' && w[2] && (w[3] === 'in' || w[3] === 'out')) {
    if (w[3] === 'in') i.aclIn = { name: w[2], line: l };
    else i.aclOut = { name: w[2], line: l };
  } else if (w[0] === 'crypto' && w[1] === 'map' && w[2]) i.cryptoMap = w[2];
  else return false;
  return true;
}

function readRedundancy(i: CiscoInterface, w: readonly string[], l: ConfigLine): boolean {
  // `standby N ip A` / `vrrp N ip A`: the virtual gateway; `… secondary` and timers are reported.
  if ((w[0] === 'standby' || w[0] === 'vrrp') && w[2] === 'ip' && w[3] && w[4] !== 'secondary' && !i.virtualGateway) {
    const ip = parseIpv4(w[3]);
    if (ip === undefined) return false;
    i.virtualGateway = { ip, line: l };
    return true;
  }
  return false;
}

function readTunnel(i: CiscoInterface, w: readonly string[], l: ConfigLine): boolean {
  if (w[0] !== 'tunnel') return false;
  if (w[1] === 'destination' && w[2]) i.tunnelDestination = { ip: w[2], line: l };
  else if (w[1] === 'protection' && w[2] === 'ipsec' && w[3] === 'profile' && w[4]) i.tunnelProfile = { name: w[4], line: l };
  else if (w[1] === 'mode') i.tunnelMode = l;
  else if (w[1] === 'source') return true;
  else return false;
  return true;
}

const READERS: readonly SubReader[] = [readAddress, readVlan, readRoles, readRedundancy, readTunnel];

function readInterface(block: ConfigBlock): CiscoInterface {
  const name = tokens(block.head).slice(1).join(' ').replace(/\s+(point-to-point|multipoint)$/, '');
  const i: CiscoInterface = { block, name, kind: kindOf(name), secondaries: [], shutdown: false, other: [] };
  for (const l of block.children) {
    const w = tokens(l);
    if (READERS.some((read) => read(i, w, l))) continue;
    if (QUIET.test(l.text) && !/^(no )?(ip address|mtu|ip mtu)\b/.test(l.text)) continue;
    if (/^no (ip address|nameif|security-level)$/.test(l.text)) continue;
    if (/^(ip mtu|mtu) 1500$/.test(w.join(' '))) continue;
    i.other.push(l);
  }
  return i;
}

export function readInterfaces(blocks: readonly ConfigBlock[]): CiscoInterface[] {
  return blocks.filter((b) => /^interface\s+\S/i.test(b.head.text)).map(readInterface);
}

/** The interface NAT and firewall treat as the Internet side. */
export function isOutside(i: CiscoInterface): boolean {
  return i.natOutside !== undefined || i.securityLevel === 0 || /^outside$/i.test(i.nameif ?? '');
}

/** Look-up by interface name or ASA nameif, case-insensitive (NAT and crypto lines use either). */
export function interfaceLookup(all: readonly CiscoInterface[]): (name: string) => CiscoInterface | undefined {
  const byName = new Map<string, CiscoInterface>();
  for (const i of all) {
    if (i.nameif !== undefined && !byName.has(i.nameif.toLowerCase())) byName.set(i.nameif.toLowerCase(), i);
  }
  for (const i of all) byName.set(i.name.toLowerCase(), i);
  return (name) => byName.get(name.toLowerCase());
}
