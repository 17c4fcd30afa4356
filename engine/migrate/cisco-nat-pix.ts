/**
 * PIX / ASA-before-8.3 NAT: `static (real_if,mapped_if) …` for 1:1 and port statics, and
 * `global (if) ID …` + `nat (if) ID …` for source NAT pools. A pool becomes one public IP at
 * its first outside address (the spec has one source-NAT address); `nat … 0` is NAT exemption,
 * and a policy static (`access-list` as the real side) is conditional — both are reported.
 */
import { tokens, type ConfigBlock, type ConfigLine } from './cisco-config.js';
import type { FileContext } from './cisco-context.js';
import { formatIpv4, isIpv4, netmaskLength, parseIpv4, prefixOf } from './cisco-ipv4.js';
import { candidatesBehind, ifacePair, isOutsideName, reportNonOutside } from './cisco-nat-asa.js';
import { aclSources, matchSources, type NatSources } from './cisco-nat-sources.js';
import { portNumber } from './cisco-ports.js';
import { addressTarget, interfaceTarget, type NatTarget } from './cisco-public-ips.js';

const singleIface = (word: string | undefined): string | undefined => /^\(([^,()]+)\)$/.exec(word ?? '')?.[1];

/** `static (real,mapped) [tcp|udp] MAPPED [mport] REAL [rport] [netmask M] …`. */
function mapStatic(cx: FileContext, line: ConfigLine): void {
  const w = tokens(line);
  const pair = ifacePair(w[1]);
  if (!pair) return cx.f.report(line, 'could not parse', 'static NAT line could not be read');
  if (reportNonOutside(cx, line, pair)) return;
  let k = 2;
  const protocol = w[k] === 'tcp' || w[k] === 'udp' ? (w[k++] as 'tcp' | 'udp') : undefined;
  const mapped = w[k++];
  const mappedPort = protocol ? w[k++] : undefined;
  const real = w[k++];
  if (real === 'access-list') {
    return cx.f.report(line, 'policy static NAT', `applies only to traffic matching access-list ${w[k] ?? ''}; the spec's NAT is unconditional — recreate by hand if needed`);
  }
  const realPort = protocol ? w[k++] : undefined;
  const mask = w[k] === 'netmask' ? w[k + 1] : undefined;
  if (mask !== undefined && netmaskLength(mask) !== 32) {
    return cx.f.report(line, 'subnet static NAT', `translates a /${netmaskLength(mask) ?? '?'} block; the spec maps single addresses — add the hosts you need as public IPs`);
  }
  if (!mapped || !real || !isIpv4(real) || (mapped !== 'interface' && !isIpv4(mapped))) return cx.f.report(line, 'could not parse', 'static NAT addresses could not be read');
  const target = mapped === 'interface' ? interfaceTarget(pair.mapped, cx.interfaceNamed(pair.mapped)) : addressTarget(mapped);
  if (!protocol) {
    cx.publicIps.staticNat(target, real, line);
    return;
  }
  const privatePort = portNumber(realPort ?? '', protocol);
  const publicPort = portNumber(mappedPort ?? '', protocol);
  if (privatePort === undefined || publicPort === undefined) return cx.f.report(line, 'could not parse', `ports ${mappedPort ?? '?'} / ${realPort ?? '?'} are not known port numbers or names`);
  cx.publicIps.portForward(target, { protocol, publicPort, privateIp: real, privatePort }, line);
}

interface Global {
  readonly iface: string;
  readonly id: string;
  readonly line: ConfigLine;
  readonly target?: NatTarget;
  readonly size: number;
}

/** `global (if) ID interface | A | A-B | A netmask M`. */
function readGlobal(cx: FileContext, line: ConfigLine): Global | undefined {
  const w = tokens(line);
  const iface = singleIface(w[1]);
  const id = w[2];
  const spec = w[3];
  if (!iface || !id || !spec) return undefined;
  if (spec === 'interface') return { iface, id, line, target: interfaceTarget(iface, cx.interfaceNamed(iface)), size: 1 };
  const [a, b] = spec.split('-');
  const first = parseIpv4(a ?? '');
  const last = b === undefined ? first : parseIpv4(b);
  if (first === undefined || last === undefined) return { iface, id, line, size: 0 };
  return { iface, id, line, target: addressTarget(formatIpv4(first), [`global ${id}`]), size: last - first + 1 };
}

/** `nat (if) ID access-list ACL | A M | 0 0 [outside] …` → its sources. */
function natSources(cx: FileContext, w: readonly string[]): NatSources {
  if (w[3] === 'access-list' && w[4]) {
    cx.aclUse.set(w[4], 'NAT');
    return aclSources(cx.acls.get(w[4]), w[4]);
  }
  // `nat (if) N 0 0` is PIX shorthand for 0.0.0.0 0.0.0.0.
  const ip = parseIpv4(w[3] === '0' ? '0.0.0.0' : (w[3] ?? ''));
  const len = netmaskLength(w[4] === '0' ? '0.0.0.0' : (w[4] ?? ''));
  if (ip === undefined || len === undefined) return { prefixes: [], caveats: [`sources ${w.slice(3, 5).join(' ')} could not be read`] };
  return { prefixes: [prefixOf(ip, len)], caveats: [] };
}

function mapPools(cx: FileContext, globals: readonly Global[], nats: readonly ConfigBlock[]): void {
  const chosen = new Map<string, Global>();
  for (const g of globals) {
    if (!isOutsideName(cx, g.iface)) cx.f.report(g.line, 'NAT pool on an internal interface', `global on ${g.iface}: NAT between internal interfaces is not in the spec`);
    else if (!g.target) cx.f.report(g.line, 'could not parse', 'global pool address could not be read');
    else if (chosen.has(g.id)) cx.f.report(g.line, 'additional NAT pool address', `pool ${g.id} already uses ${chosen.get(g.id)!.target!.address ?? 'the interface address'} (line ${chosen.get(g.id)!.line.line}); the spec has one source-NAT address per pool — this range is not imported`);
    else chosen.set(g.id, g);
    if (g.target && chosen.get(g.id) === g && g.size > 1) cx.f.report(g.line, 'NAT pool size', `${g.size} addresses; only the first (${g.target.address ?? ''}) is imported`);
  }
  for (const b of nats) {
    const w = tokens(b.head);
    const iface = singleIface(w[1])!;
    if (w[2] === '0') {
      cx.f.report(b.head, 'NAT exemption (nat 0)', 'these sources are not translated (usually VPN traffic); the spec has no NAT exemption — check the VPN still works');
      if (w[3] === 'access-list' && w[4]) cx.aclUse.set(w[4], 'NAT exemption');
      continue;
    }
    const pool = chosen.get(w[2] ?? '');
    if (!pool?.target) {
      cx.f.report(b.head, 'NAT without an outside pool', `no global (outside) ${w[2] ?? '?'} was imported for this rule`);
      continue;
    }
    const match = matchSources(natSources(cx, w), candidatesBehind(cx, iface), iface);
    cx.publicIps.sourceNat(pool.target, match.keys, b.head);
    const extra = w.slice(5).filter((x) => !/^\d+$/.test(x));
    const notes = [...match.notes, ...(extra.length > 0 ? [`options ${extra.join(' ')} ignored`] : [])];
    if (notes.length > 0) cx.f.report(b.head, 'source NAT details', notes.join('; '));
  }
}

export function mapPixNat(cx: FileContext): void {
  const globals: Global[] = [];
  const nats: ConfigBlock[] = [];
  for (const b of cx.config.blocks) {
    const w = tokens(b.head);
    if (w[0] === 'static' && w[1]?.startsWith('(')) {
      cx.f.claim(b);
      cx.f.countNatRule();
      mapStatic(cx, b.head);
    } else if (w[0] === 'global' && singleIface(w[1])) {
      cx.f.claim(b);
      const g = readGlobal(cx, b.head);
      if (g) globals.push(g);
      else cx.f.report(b.head, 'could not parse', 'global pool line could not be read');
    } else if (w[0] === 'nat' && singleIface(w[1])) {
      cx.f.claim(b);
      cx.f.countNatRule();
      nats.push(b);
    }
  }
  mapPools(cx, globals, nats);
}
