/**
 * ASA 8.3+ NAT: object NAT (`object network X` + `nat (in,out) static|dynamic …`) and twice
 * NAT (`nat (in,out) source static|dynamic REAL MAPPED …`). Translations towards the outside
 * interface become public IPs; NAT between internal interfaces, NAT of outside addresses,
 * identity NAT and destination-conditional NAT (usually VPN exemption) are reported.
 */
import { tokens, type ConfigLine } from './cisco-config.js';
import type { FileContext } from './cisco-context.js';
import { ANY, formatIpv4, isIpv4, parseIpv4, type Prefix } from './cisco-ipv4.js';
import { isOutside, type CiscoInterface } from './cisco-interfaces.js';
import { candidateOf, matchSources, type Candidate } from './cisco-nat-sources.js';
import { singleHost, type AddressSet } from './cisco-objects.js';
import { portNumber } from './cisco-ports.js';
import { addressTarget, interfaceTarget, type NatTarget } from './cisco-public-ips.js';

export interface IfacePair {
  readonly real: string;
  readonly mapped: string;
}

/** `(inside,outside)` → the pair; a missing pair means any,any. */
export function ifacePair(word: string | undefined): IfacePair | undefined {
  const m = /^\(([^,()]+),([^,()]+)\)$/.exec(word ?? '');
  return m ? { real: m[1]!, mapped: m[2]! } : undefined;
}

export function isOutsideName(cx: FileContext, name: string): boolean {
  const i = cx.interfaceNamed(name);
  return i ? isOutside(i) : name === 'any' || /outside/i.test(name);
}

const insideCandidates = new WeakMap<FileContext, readonly Candidate[]>();

/** Networks traffic from interface `real` comes from: that interface's, or every inside one for `any`. */
export function candidatesBehind(cx: FileContext, real: string): readonly Candidate[] {
  if (real !== 'any') {
    const i = cx.interfaceNamed(real);
    const c = i && !isOutside(i) ? candidateOf(i) : undefined;
    return c ? [c] : [];
  }
  // One list per file: matchSources remembers its answers per list.
  let inside = insideCandidates.get(cx);
  if (!inside) insideCandidates.set(cx, (inside = cx.ifaces.filter((i) => !isOutside(i)).map(candidateOf).filter((c): c is Candidate => c !== undefined)));
  return inside;
}

function lookup(cx: FileContext, name: string): AddressSet | undefined {
  if (name === 'any') return { kind: 'prefixes', prefixes: [ANY] };
  const ip = parseIpv4(name);
  if (ip !== undefined) return { kind: 'prefixes', prefixes: [{ base: ip, len: 32 }] };
  return cx.objects.objects.get(name) ?? cx.objects.groups.get(name);
}

interface Mapped {
  readonly target: NatTarget;
  readonly notes: string[];
}

/** The mapped side: `interface`, an address, an object (first address of a range/subnet), `pat-pool X`. */
function mappedTarget(cx: FileContext, words: readonly string[], mappedIf: string): Mapped | undefined {
  const [first, second] = words;
  if (first === 'interface') return { target: interfaceTarget(mappedIf, cx.interfaceNamed(mappedIf)), notes: [] };
  const name = first === 'pat-pool' ? second : first;
  if (!name) return undefined;
  const set = lookup(cx, name);
  if (!set || set.kind === 'unresolved') return undefined;
  const host = singleHost(set);
  if (host) return { target: addressTarget(host, isIpv4(name) ? [] : [name]), notes: [] };
  const start = set.prefixes[0]!;
  return { target: addressTarget(formatIpv4(start.base), [name]), notes: [`mapped object ${name} holds several addresses; only the first (${formatIpv4(start.base)}) is imported`] };
}

export function reportNonOutside(cx: FileContext, line: ConfigLine, pair: IfacePair): boolean {
  if (isOutsideName(cx, pair.real) && !isOutsideName(cx, pair.mapped)) {
    cx.f.report(line, 'NAT of outside addresses', `translates addresses arriving on ${pair.real} as seen from ${pair.mapped}; the spec only translates inside addresses to public ones — recreate by hand if needed`);
    return true;
  }
  if (!isOutsideName(cx, pair.mapped)) {
    cx.f.report(line, 'NAT between internal interfaces', `${pair.real} → ${pair.mapped} is not towards the outside interface; the spec has no NAT between networks`);
    return true;
  }
  return false;
}

function applyStatic(cx: FileContext, line: ConfigLine, real: AddressSet | undefined, mapped: Mapped, service: readonly string[]): void {
  const host = singleHost(real);
  if (!host) {
    cx.f.report(line, 'subnet static NAT', 'translates more than one address; the spec maps single addresses — add the hosts you need as public IPs');
    return;
  }
  if (service.length > 0) {
    const [, proto, realPort, mappedPort] = service;
    const privatePort = portNumber(realPort ?? '', proto ?? '');
    const publicPort = portNumber(mappedPort ?? '', proto ?? '');
    if ((proto !== 'tcp' && proto !== 'udp') || privatePort === undefined || publicPort === undefined) {
      cx.f.report(line, 'could not parse', `service clause ${service.join(' ')} could not be read`);
      return;
    }
    cx.publicIps.portForward(mapped.target, { protocol: proto, publicPort, privateIp: host, privatePort }, line);
  } else cx.publicIps.staticNat(mapped.target, host, line);
  if (mapped.notes.length > 0) cx.f.report(line, 'NAT details', mapped.notes.join('; '));
}

function applyDynamic(cx: FileContext, line: ConfigLine, real: AddressSet | undefined, realName: string, mapped: Mapped, pair: IfacePair): void {
  const sources = real === undefined ? { prefixes: [] as Prefix[], caveats: [`${realName} is not defined in this file`] } : real.kind === 'unresolved' ? { prefixes: [], caveats: [real.why] } : { prefixes: real.prefixes, caveats: [] };
  const match = matchSources(sources, candidatesBehind(cx, pair.real), `${pair.real}`);
  cx.publicIps.sourceNat(mapped.target, match.keys, line);
  const notes = [...mapped.notes, ...match.notes];
  if (notes.length > 0) cx.f.report(line, 'source NAT details', notes.join('; '));
}

/** `nat [(real,mapped)] static|dynamic MAPPED [service tcp R M] …` inside `object network NAME`. */
function objectNat(cx: FileContext, objectName: string, line: ConfigLine): void {
  const w = tokens(line);
  const pair = ifacePair(w[1]) ?? { real: 'any', mapped: 'any' };
  const k = ifacePair(w[1]) ? 2 : 1;
  const kind = w[k];
  if (reportNonOutside(cx, line, pair)) return;
  const mapped = mappedTarget(cx, w.slice(k + 1), pair.mapped);
  if (!mapped || (kind !== 'static' && kind !== 'dynamic')) {
    cx.f.report(line, 'could not parse', `object NAT for ${objectName} could not be read`);
    return;
  }
  const real = cx.objects.objects.get(objectName);
  const service = w.includes('service') ? w.slice(w.indexOf('service')) : [];
  if (kind === 'static') applyStatic(cx, line, real, mapped, service);
  else applyDynamic(cx, line, real, objectName, mapped, pair);
}

/** `nat (real,mapped) [after-auto|line N] source static|dynamic REAL MAPPED [destination …] [service …]`. */
function twiceNat(cx: FileContext, line: ConfigLine): void {
  const w = tokens(line);
  const pair = ifacePair(w[1]) ?? { real: 'any', mapped: 'any' };
  let k = ifacePair(w[1]) ? 2 : 1;
  if (w[k] === 'after-auto') k++;
  if (w[k] === 'line') k += 2;
  const [source, kind, realName, ...rest] = w.slice(k);
  if (source !== 'source' || (kind !== 'static' && kind !== 'dynamic') || !realName || !rest[0]) {
    cx.f.report(line, 'could not parse', 'twice NAT line could not be read');
    return;
  }
  if (rest.includes('destination')) {
    cx.f.report(line, 'twice NAT with destination', 'translates only traffic to certain destinations (usually a VPN NAT exemption); the spec\'s NAT is unconditional');
    return;
  }
  if (rest[0] === realName || rest.includes('inactive')) {
    cx.f.report(line, rest.includes('inactive') ? 'inactive NAT' : 'identity NAT', 'no translation takes place; nothing to import');
    return;
  }
  if (reportNonOutside(cx, line, pair)) return;
  const mapped = mappedTarget(cx, rest, pair.mapped);
  if (!mapped) {
    cx.f.report(line, 'could not parse', `mapped address ${rest[0]} is not defined in this file`);
    return;
  }
  if (rest.includes('service')) cx.f.report(line, 'twice NAT with service objects', 'port translation by service object is not read; add the port forwards by hand');
  else if (kind === 'static') applyStatic(cx, line, lookup(cx, realName), mapped, []);
  else applyDynamic(cx, line, lookup(cx, realName), realName, mapped, pair);
}

export function mapAsaNat(cx: FileContext): void {
  for (const b of cx.config.blocks) {
    const w = tokens(b.head);
    if (w[0] === 'object' && w[1] === 'network' && w[2]) {
      for (const c of b.children.filter((l) => tokens(l)[0] === 'nat')) {
        cx.f.countNatRule();
        objectNat(cx, w[2], c);
      }
      if (b.children.length > 0 && b.children.every((l) => tokens(l)[0] === 'nat')) cx.f.claim(b);
    } else if (w[0] === 'nat' && ifacePair(w[1]) !== undefined && w.includes('source')) {
      cx.f.claim(b);
      cx.f.countNatRule();
      twiceNat(cx, b.head);
    }
  }
}
