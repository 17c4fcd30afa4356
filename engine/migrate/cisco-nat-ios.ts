/**
 * IOS NAT: `ip nat inside source static …` (1:1 and port forwards, also through `interface X`)
 * and `ip nat inside source list|route-map … pool|interface … [overload]` (source NAT). Rules
 * that are conditional (route-map on a static), translate whole subnets, or work on the
 * outside source are reported: the spec's NAT is unconditional and per address.
 */
import { tokens, type ConfigBlock, type ConfigLine } from './cisco-config.js';
import type { FileContext } from './cisco-context.js';
import { formatIpv4, isIpv4, parseIpv4 } from './cisco-ipv4.js';
import { aclSources, candidateOf, matchSources, routeMapAcls, type Candidate, type NatSources } from './cisco-nat-sources.js';
import { portNumber } from './cisco-ports.js';
import { addressTarget, interfaceTarget, type NatTarget, type Outcome } from './cisco-public-ips.js';

interface Pool {
  readonly name: string;
  readonly first: string;
  readonly size: number;
  readonly head: ConfigLine;
}

function poolRange(first: string | undefined, last: string | undefined): { first: string; size: number } | undefined {
  const a = first === undefined ? undefined : parseIpv4(first);
  const b = last === undefined ? undefined : parseIpv4(last);
  return a === undefined || b === undefined || b < a ? undefined : { first: formatIpv4(a), size: b - a + 1 };
}

/** `ip nat pool P A B netmask|prefix-length X`, or the block form with `range A B` lines. */
function readPools(cx: FileContext): Map<string, Pool> {
  const pools = new Map<string, Pool>();
  for (const b of cx.config.blocks) {
    const w = tokens(b.head);
    if (w[0] !== 'ip' || w[1] !== 'nat' || w[2] !== 'pool' || !w[3]) continue;
    cx.f.claim(b);
    const rangeLine = b.children.map(tokens).find((c) => c[0] === 'range' || c[0] === 'address');
    const range = isIpv4(w[4] ?? '') ? poolRange(w[4], w[5]) : poolRange(rangeLine?.[1], rangeLine?.[2]);
    if (!range) cx.f.report(b.head, 'could not parse', `NAT pool ${w[3]}: no address range could be read`);
    else if (pools.has(w[3])) cx.f.report(b.head, 'NAT pool redefined', `pool ${w[3]} is defined again (first at line ${pools.get(w[3])!.head.line}); only the first range (${pools.get(w[3])!.first}) is imported — add ${range.first} by hand if it is used`);
    else pools.set(w[3], { name: w[3], ...range, head: b.head });
  }
  return pools;
}

const HARMLESS = new Set(['extendable', 'no-alias', 'no-payload', 'reversible', 'add-route', 'overload', 'egress-interface']);

/** Options after the translation that change its meaning, as report notes. */
function optionNotes(words: readonly string[]): string[] {
  const notes: string[] = [];
  for (let k = 0; k < words.length; k++) {
    const w = words[k]!;
    if (w === 'vrf') notes.push(`in VRF ${words[++k] ?? '?'} (VRFs are not in the spec)`);
    else if (w === 'redundancy' || w === 'mapping-id') notes.push(`${w} ${words[++k] ?? ''} (NAT high availability is not in the spec)`);
    else if (w === 'egress-interface') k++;
    else if (!HARMLESS.has(w)) notes.push(`option ${w} ignored`);
  }
  return notes;
}

function mapStatic(cx: FileContext, line: ConfigLine, w: readonly string[]): void {
  let k = 5;
  const protocol = w[k] === 'tcp' || w[k] === 'udp' ? w[k++]! as 'tcp' | 'udp' : undefined;
  if (w[k] === 'network') {
    cx.f.report(line, 'subnet static NAT', 'translates a whole subnet; the spec maps single addresses — add the hosts you need as public IPs');
    return;
  }
  const local = w[k++];
  const localPort = protocol ? w[k++] : undefined;
  const viaInterface = w[k] === 'interface';
  const global = viaInterface ? w[++k] : w[k];
  k++;
  const globalPort = protocol ? w[k++] : undefined;
  const rest = w.slice(k);
  if (!local || !isIpv4(local) || !global || (!viaInterface && !isIpv4(global))) {
    cx.f.report(line, 'could not parse', 'static NAT line could not be read; check it by hand');
    return;
  }
  if (rest.includes('route-map')) {
    cx.f.report(line, 'conditional static NAT', `applies only to traffic matching route-map ${rest[rest.indexOf('route-map') + 1] ?? ''}; the spec's NAT is unconditional — recreate by hand if needed`);
    return;
  }
  const target = viaInterface ? interfaceTarget(global, cx.interfaceNamed(global)) : addressTarget(global);
  const outcome = protocol ? forward(cx, line, target, protocol, local, localPort, globalPort) : cx.publicIps.staticNat(target, local, line);
  const notes = optionNotes(rest);
  if (outcome === 'added' && notes.length > 0) cx.f.report(line, 'NAT options', `${notes.join('; ')}; the translation itself is imported`);
}

function forward(cx: FileContext, line: ConfigLine, target: NatTarget, protocol: 'tcp' | 'udp', local: string, localPort?: string, globalPort?: string): Outcome | 'skipped' {
  const privatePort = portNumber(localPort ?? '', protocol);
  const publicPort = portNumber(globalPort ?? '', protocol);
  if (privatePort === undefined || publicPort === undefined) {
    cx.f.report(line, 'could not parse', `port forward ports ${localPort ?? '?'} / ${globalPort ?? '?'} are not port numbers`);
    return 'skipped';
  }
  return cx.publicIps.portForward(target, { protocol, publicPort, privateIp: local, privatePort }, line);
}

const insideOf = new WeakMap<FileContext, readonly Candidate[]>();

/** The `ip nat inside` networks, found once per file. */
function insideCandidates(cx: FileContext): readonly Candidate[] {
  let inside = insideOf.get(cx);
  if (!inside) insideOf.set(cx, (inside = cx.ifaces.filter((i) => i.natInside).map(candidateOf).filter((c): c is Candidate => c !== undefined)));
  return inside;
}

function sourcesOf(cx: FileContext, kind: string, name: string): NatSources {
  if (kind === 'list') {
    cx.aclUse.set(name, 'NAT');
    return aclSources(cx.acls.get(name), name);
  }
  const acls = routeMapAcls(cx.config.blocks, name);
  if (acls.length === 0) return { prefixes: [], caveats: [`route-map ${name} names no ACL that could be resolved`] };
  let known = routeMapSources.get(cx);
  if (!known) routeMapSources.set(cx, (known = new Map()));
  let sources = known.get(name);
  if (!sources) {
    const parts = acls.map((a) => sourcesOf(cx, 'list', a));
    known.set(name, (sources = { prefixes: parts.flatMap((p) => p.prefixes), caveats: parts.flatMap((p) => p.caveats) }));
  }
  return sources;
}

/** A route-map's sources, joined once per file (matchSources remembers answers per list). */
const routeMapSources = new WeakMap<FileContext, Map<string, NatSources>>();

function mapDynamic(cx: FileContext, line: ConfigLine, w: readonly string[], pools: ReadonlyMap<string, Pool>, used: Set<string>): void {
  const [kind, name, via, viaName] = w.slice(4);
  if (!name || !viaName || (via !== 'pool' && via !== 'interface')) {
    cx.f.report(line, 'could not parse', 'source NAT line could not be read; check it by hand');
    return;
  }
  const notes: string[] = [];
  let target: NatTarget;
  if (via === 'interface') target = interfaceTarget(viaName, cx.interfaceNamed(viaName));
  else {
    const pool = pools.get(viaName);
    used.add(viaName);
    if (!pool) {
      cx.f.report(line, 'source NAT to an undefined pool', `pool ${viaName} is not defined in this file; add the public address by hand`);
      return;
    }
    target = addressTarget(pool.first, [pool.name]);
    if (pool.size > 1) notes.push(`pool ${pool.name} has ${pool.size} addresses; only the first (${pool.first}) is imported`);
  }
  const match = matchSources(sourcesOf(cx, kind!, name), insideCandidates(cx), '`ip nat inside`');
  for (const x of match.notes) notes.push(x);
  if (!w.includes('overload')) notes.push('dynamic NAT without overload: imported as source NAT to one address');
  for (const n of optionNotes(w.slice(8))) if (!n.startsWith('option overload')) notes.push(n);
  cx.publicIps.sourceNat(target, match.keys, line);
  if (notes.length > 0) cx.f.report(line, 'source NAT details', `${notes.join('; ')}`);
}

const OTHER_NAT: readonly (readonly [RegExp, string, string])[] = [
  [/^ip nat outside source\s/, 'outside source NAT', 'translates remote (outside) addresses; not in the spec — recreate by hand if inside hosts rely on it'],
  [/^ip nat translation\s/, 'NAT timeouts', 'translation timers are not in the spec; the cloud uses its own'],
  [/^ip nat route\s/, 'NAT route', 'routing through NAT between VRFs is not in the spec'],
  [/^ip nat settings\s/, 'NAT settings', 'platform NAT setting; not in the spec'],
];

export function mapIosNat(cx: FileContext): void {
  const pools = readPools(cx);
  const used = new Set<string>();
  for (const b of cx.config.blocks) {
    const w = tokens(b.head);
    if (w[0] !== 'ip' || w[1] !== 'nat' || w[2] === 'pool') continue;
    cx.f.claim(b);
    cx.f.countNatRule();
    if (w[2] === 'inside' && w[3] === 'source' && w[4] === 'static') mapStatic(cx, b.head, w);
    else if (w[2] === 'inside' && w[3] === 'source' && (w[4] === 'list' || w[4] === 'route-map')) mapDynamic(cx, b.head, w, pools, used);
    else if (w[2] === 'outside' && w[3] === 'source' && w.includes('pool') && w[w.indexOf('pool') + 1]) {
      used.add(w[w.indexOf('pool') + 1]!);
      reportOther(cx, b);
    } else reportOther(cx, b);
  }
  for (const p of pools.values()) {
    if (!used.has(p.name)) cx.f.report(p.head, 'unused NAT pool', `pool ${p.name} (${p.first}, ${p.size} addresses) is used by no inside source NAT rule; nothing imported`);
  }
}

function reportOther(cx: FileContext, b: ConfigBlock): void {
  const hit = OTHER_NAT.find(([re]) => re.test(b.head.text));
  if (hit) cx.f.report(b.head, hit[1], hit[2]);
  else cx.f.report(b.head, tokens(b.head).slice(0, 4).join(' '), 'NAT command not understood; check it by hand');
}
