/**
 * Firewall rules from the ACL that filters traffic coming in on the outside interface: each
 * permit of tcp/udp/icmp to one public address (or, on ASA 8.3+, to the private host it maps
 * 1:1 to) with plain destination ports becomes a rule. Every other entry of that ACL is
 * reported on its own line; other ACLs are reported once each, saying where they apply.
 */
import type { ImportedFirewallRule, ImportedPortForward } from './model.js';
import type { Acl, AclEntry } from './cisco-acl.js';
import { tokens, type ConfigBlock, type ConfigLine } from './cisco-config.js';
import type { FileContext } from './cisco-context.js';
import { cidrOf } from './cisco-ipv4.js';
import { isOutside } from './cisco-interfaces.js';
import { singleHost } from './cisco-objects.js';
import { plural } from './cisco-plural.js';

interface Binding {
  readonly acl: string;
  readonly iface: string;
  readonly direction: string;
  readonly line: ConfigLine;
}

/** IOS `ip access-group A in` on interfaces and ASA `access-group A in interface X`. */
function readBindings(cx: FileContext): Binding[] {
  const out: Binding[] = [];
  for (const i of cx.ifaces) {
    if (i.aclIn) out.push({ acl: i.aclIn.name, iface: i.nameif ?? i.name, direction: 'in', line: i.aclIn.line });
    if (i.aclOut) out.push({ acl: i.aclOut.name, iface: i.nameif ?? i.name, direction: 'out', line: i.aclOut.line });
  }
  for (const b of cx.config.blocks) {
    const w = tokens(b.head);
    if (w[0] !== 'access-group' || !w[1] || !w[2]) continue;
    cx.f.claim(b);
    out.push({ acl: w[1], iface: w[3] === 'interface' ? (w[4] ?? '?') : w[2] === 'global' ? 'global' : '?', direction: w[2], line: b.head });
  }
  return out;
}

const OPTION_BLOCKERS = new Set(['established', 'time-range', 'fragments']);

type RuleOrWhy = { readonly rule: ImportedFirewallRule } | { readonly why: string };

function toRule(cx: FileContext, e: AclEntry): RuleOrWhy {
  if (e.action !== 'permit') return { why: 'deny entry: the spec\'s firewall only admits traffic (everything else is denied); check no later permit relied on this exception' };
  if (e.protocol !== 'tcp' && e.protocol !== 'udp' && e.protocol !== 'icmp') return { why: `protocol ${e.protocol} cannot be a firewall rule (tcp, udp or icmp only)` };
  const host = singleHost(e.dst);
  const match = host === undefined ? undefined : cx.publicIps.publicFor(host);
  if (match === undefined) return { why: 'destination is not one imported public address; recreate by hand if it admits traffic to a service' };
  if (e.srcPort) return { why: 'matches a source port, which a rule cannot express' };
  if (e.dstPort?.op === 'other') return { why: `port condition ${e.dstPort.text} is not a list of ports` };
  const ports = publicPorts(e, match.forwards);
  if (typeof ports === 'string') return { why: ports };
  if (e.src.kind === 'unresolved') return { why: `source: ${e.src.why}` };
  const blocker = e.options.find((o) => OPTION_BLOCKERS.has(o));
  if (blocker) return { why: `option ${blocker} is not in the spec` };
  if (e.protocol === 'icmp' && e.options.some((o) => o !== 'log' && !/^\d+$/.test(o) && o !== 'interval')) return { why: `only some ICMP types (${e.options.join(' ')}) are admitted; a rule admits all ICMP` };
  const rule: ImportedFirewallRule = {
    publicAddress: match.address,
    protocol: e.protocol,
    ...(ports ? { ports } : {}),
    from: e.src.prefixes.map(cidrOf),
    source: cx.f.source(e.line),
  };
  return { rule };
}

/**
 * A host's forwards by `protocol/privatePort` (the first of each), built once per host:
 * every ACL entry naming the host looks its ports up here.
 */
const byPrivatePort = new WeakMap<readonly ImportedPortForward[], Map<string, ImportedPortForward>>();
function forwardTo(forwards: readonly ImportedPortForward[], protocol: string, port: number): ImportedPortForward | undefined {
  let index = byPrivatePort.get(forwards);
  if (!index) {
    index = new Map();
    for (const f of forwards) if (!index.has(`${f.protocol}/${f.privatePort}`)) index.set(`${f.protocol}/${f.privatePort}`, f);
    byPrivatePort.set(forwards, index);
  }
  return index.get(`${protocol}/${port}`);
}

/** The rule's ports as seen from outside; an ACL naming a forwarded private host uses private ports. Returns why not, as text. */
function publicPorts(e: AclEntry, forwards: readonly ImportedPortForward[] | undefined): readonly number[] | undefined | string {
  const ports = e.dstPort?.op === 'eq' ? e.dstPort.ports : undefined;
  if (!forwards) return ports;
  if (!ports) return 'admits every port of a host that is reached only through port forwards; list the ports';
  const out: number[] = [];
  for (const p of ports) {
    const f = forwardTo(forwards, e.protocol, p);
    if (!f) return `port ${p} of ${forwards[0]!.privateIp} is not forwarded from outside`;
    out.push(f.publicPort);
  }
  return out;
}

function mapInbound(cx: FileContext, acl: Acl, iface: string): void {
  for (const e of acl.entries) {
    const r = toRule(cx, e);
    if ('rule' in r) cx.f.addFirewallRule(r.rule);
    else cx.f.report(e.line, `inbound ACL entry (${acl.name} on ${iface})`, r.why);
  }
  for (const l of acl.broken) cx.f.report(l, 'could not parse', `entry of inbound ACL ${acl.name} could not be read; check it by hand`);
}

function reportAcl(cx: FileContext, acl: Acl, bindings: ReadonlyMap<string, readonly Binding[]>): void {
  const where = (bindings.get(acl.name) ?? []).map((b) => `${b.direction} on ${b.iface}`);
  const count = plural(acl.entries.length + acl.broken.length, 'entry', 'entries');
  const reason = where.length > 0
    ? `filters traffic ${where.join(', ')} (${count}); internal filtering is not in the spec (its firewall only admits traffic to public addresses) — recreate by hand if needed`
    : `${count}, used by nothing this importer reads (route-map, class-map, vty or SNMP access, or unused); review whether it matters`;
  cx.f.report(acl.first, `access-list ${acl.name}`, reason);
}

export function mapFirewall(cx: FileContext): void {
  const bindings = readBindings(cx);
  const outsideNames = new Set(cx.ifaces.filter(isOutside).flatMap((i) => [i.name, i.nameif].filter((n): n is string => n !== undefined)));
  const inbound = new Map(bindings.filter((b) => b.direction === 'in' && outsideNames.has(b.iface)).map((b) => [b.acl, b.iface] as const));
  const byAcl = new Map<string, Binding[]>();
  for (const b of bindings) {
    const list = byAcl.get(b.acl);
    if (list) list.push(b);
    else byAcl.set(b.acl, [b]);
  }
  for (const acl of cx.acls.values()) {
    cx.f.claimAll(acl.blocks);
    const iface = inbound.get(acl.name);
    if (iface !== undefined) {
      cx.aclUse.set(acl.name, 'firewall');
      mapInbound(cx, acl, iface);
    } else if (!cx.aclUse.has(acl.name)) reportAcl(cx, acl, byAcl);
  }
  for (const b of bindings) {
    const use = cx.aclUse.get(b.acl);
    if (!cx.acls.has(b.acl)) cx.f.report(b.line, 'undefined access-list', `${b.acl} filters traffic ${b.direction} on ${b.iface} but is not defined in this file; review it on the device`);
    else if (use !== undefined && use !== 'firewall') cx.f.report(b.line, 'interface filter', `${b.acl} (imported for ${use}) also filters traffic ${b.direction} on ${b.iface}; internal filtering is not in the spec`);
  }
}
