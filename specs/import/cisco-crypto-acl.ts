/**
 * A crypto ACL read as the traffic a tunnel protects: sources are local CIDRs, destinations
 * the peer's. Configs often list each pair twice, once per direction; the mirror entry is
 * skipped, and an entry written remote→local (destination on an imported network, source not)
 * is read the other way round.
 */
import type { Acl } from './cisco-acl.js';
import { cidrOf, overlaps, type Prefix } from './cisco-ipv4.js';

export interface CryptoCidrs {
  readonly local: string[];
  readonly peer: string[];
  readonly notes: string[];
}

export function cryptoAclCidrs(acl: Acl | undefined, name: string, localNetworks: readonly Prefix[]): CryptoCidrs {
  if (!acl) return { local: [], peer: [], notes: [`crypto ACL ${name} is not defined in this file: the protected networks are unknown`] };
  const local = new Set<string>();
  const peer = new Set<string>();
  /** Pair (local>peer) → protocols seen and the first line, so a protocol note is only given when no `ip` entry covers the pair. */
  const pairs = new Map<string, { protocols: Set<string>; line: number }>();
  const notes: string[] = [];
  const isLocal = (ps: readonly Prefix[]): boolean => ps.some((p) => p.len > 0 && localNetworks.some((n) => overlaps(n, p)));
  for (const e of acl.entries) {
    if (e.action === 'deny') {
      notes.push(`crypto ACL ${name} line ${e.line.line} denies some traffic; the spec protects whole CIDRs`);
      continue;
    }
    if (e.src.kind === 'unresolved' || e.dst.kind === 'unresolved') {
      notes.push(`crypto ACL ${name} line ${e.line.line}: ${e.src.kind === 'unresolved' ? e.src.why : e.dst.kind === 'unresolved' ? e.dst.why : ''}`);
      continue;
    }
    let [src, dst] = [e.src.prefixes, e.dst.prefixes];
    if (!isLocal(src) && isLocal(dst)) [src, dst] = [dst, src];
    const key = (a: readonly Prefix[], b: readonly Prefix[]): string => `${a.map(cidrOf).join(',')}>${b.map(cidrOf).join(',')}`;
    const known = pairs.get(key(src, dst)) ?? pairs.get(key(dst, src));
    if (known) {
      known.protocols.add(e.protocol);
      continue;
    }
    pairs.set(key(src, dst), { protocols: new Set([e.protocol]), line: e.line.line });
    for (const p of src) local.add(cidrOf(p));
    for (const p of dst) peer.add(cidrOf(p));
  }
  for (const [pair, seen] of pairs) {
    if (!seen.protocols.has('ip')) notes.push(`crypto ACL ${name} line ${seen.line} (${pair}) matches only ${[...seen.protocols].join('/')}; the tunnel will carry all IP traffic between these CIDRs`);
  }
  if (acl.broken.length > 0) notes.push(`crypto ACL ${name} has ${acl.broken.length} entries that could not be parsed`);
  return { local: [...local], peer: [...peer], notes };
}
