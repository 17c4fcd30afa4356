/**
 * Which imported networks a source-NAT rule covers. A rule names its sources by ACL, route-map,
 * object or address; they are compared with the candidate networks (IOS: `ip nat inside`
 * interfaces; ASA: networks behind the rule's real interface). When the sources cannot be
 * resolved, every candidate is assumed and the caller says so.
 */
import type { Acl } from './cisco-acl.js';
import { tokens, type ConfigBlock } from './cisco-config.js';
import { cidrOf, overlaps, type Prefix } from './cisco-ipv4.js';
import type { CiscoInterface } from './cisco-interfaces.js';
import type { AddressSet } from './cisco-objects.js';

export interface NatSources {
  readonly prefixes: readonly Prefix[];
  /** Why the sources are not (fully) known, for the report; empty when they are. */
  readonly caveats: readonly string[];
}

const isAny = (s: AddressSet): boolean => s.kind === 'prefixes' && s.prefixes.length === 1 && s.prefixes[0]!.len === 0;

/** Permit entries' sources; entries that also match a destination make it policy NAT. */
export function aclSources(acl: Acl | undefined, name: string): NatSources {
  if (!acl) return { prefixes: [], caveats: [`ACL ${name} is not defined in this file`] };
  const caveats: string[] = [];
  const out: Prefix[] = [];
  for (const e of acl.entries.filter((x) => x.action === 'permit')) {
    if (e.src.kind === 'unresolved') caveats.push(`ACL ${name} line ${e.line.line}: ${e.src.why}`);
    else for (const x of e.src.prefixes) out.push(x);
    if (!isAny(e.dst)) caveats.push(`ACL ${name} line ${e.line.line} only translates traffic to some destinations (policy NAT); imported as if it covered all traffic`);
  }
  if (acl.entries.some((e) => e.action === 'deny')) caveats.push(`ACL ${name} has deny entries (exempted sources), which the spec cannot express`);
  if (acl.broken.length > 0) caveats.push(`ACL ${name} has ${acl.broken.length} entries that could not be parsed`);
  return { prefixes: out, caveats };
}

/** IOS `route-map RM` → the ACLs its `match ip address` clauses name. */
export function routeMapAcls(blocks: readonly ConfigBlock[], name: string): string[] {
  return blocks
    .filter((b) => tokens(b.head)[0] === 'route-map' && tokens(b.head)[1] === name)
    .flatMap((b) => b.children.map(tokens).filter((w) => w[0] === 'match' && w[1] === 'ip' && w[2] === 'address' && w[3] !== 'prefix-list').flatMap((w) => w.slice(3)));
}

export interface Candidate {
  readonly key: string;
  readonly prefix: Prefix;
}

export const candidateOf = (i: CiscoInterface): Candidate | undefined =>
  i.address && i.kind === 'lan' ? { key: i.name, prefix: i.address.prefix } : undefined;

export interface SourceMatch {
  readonly keys: string[];
  readonly notes: string[];
}

/** Networks overlapping the sources; all candidates when the sources are unknown. */
export function matchSources(sources: NatSources, candidates: readonly Candidate[], what: string): SourceMatch {
  const notes = [...sources.caveats];
  if (candidates.length === 0) notes.push(`no ${what} network was imported, so this source NAT covers no network`);
  if (sources.prefixes.length === 0 && sources.caveats.length > 0) {
    if (candidates.length > 0) notes.push(`sources unknown: assumed every ${what} network`);
    return { keys: candidates.map((c) => c.key), notes };
  }
  const keys = candidates.filter((c) => sources.prefixes.some((p) => overlaps(p, c.prefix))).map((c) => c.key);
  const stray = sources.prefixes.filter((p) => !candidates.some((c) => overlaps(p, c.prefix)));
  if (stray.length > 0 && candidates.length > 0) notes.push(`sources ${stray.map(cidrOf).join(', ')} match no ${what} network (behind a router, or a DHCP scope?); add them by hand if they must be NATed`);
  return { keys, notes };
}
