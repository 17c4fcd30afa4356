/**
 * Which imported networks a source-NAT rule covers. A rule names its sources by ACL, route-map,
 * object or address; they are compared with the candidate networks (IOS: `ip nat inside`
 * interfaces; ASA: networks behind the rule's real interface). When the sources cannot be
 * resolved, every candidate is assumed and the caller says so.
 */
import type { Acl } from './cisco-acl.js';
import { tokens, type ConfigBlock } from './cisco-config.js';
import { cidrOf, type Prefix } from './cisco-ipv4.js';
import { listed, LISTED } from './cisco-plural.js';
import { PrefixIndex } from './cisco-prefix-index.js';
import type { CiscoInterface } from './cisco-interfaces.js';
import type { AddressSet } from './cisco-objects.js';

export interface NatSources {
  readonly prefixes: readonly Prefix[];
  /** Why the sources are not (fully) known, for the report; empty when they are. */
  readonly caveats: readonly string[];
}

const isAny = (s: AddressSet): boolean => s.kind === 'prefixes' && s.prefixes.length === 1 && s.prefixes[0]!.len === 0;

const sourcesOfAcl = new WeakMap<Acl, NatSources>();

/**
 * Permit entries' sources; entries that also match a destination make it policy NAT.
 * Read once per ACL: every NAT rule naming it gets the same answer.
 */
export function aclSources(acl: Acl | undefined, name: string): NatSources {
  if (!acl) return { prefixes: [], caveats: [`ACL ${name} is not defined in this file`] };
  let known = sourcesOfAcl.get(acl);
  if (!known) sourcesOfAcl.set(acl, (known = readAclSources(acl, name)));
  return known;
}

function readAclSources(acl: Acl, name: string): NatSources {
  const caveats: string[] = [];
  const out: Prefix[] = [];
  for (const e of acl.entries.filter((x) => x.action === 'permit')) {
    if (e.src.kind === 'unresolved') caveats.push(`ACL ${name} line ${e.line.line}: ${e.src.why}`);
    else for (const x of e.src.prefixes) out.push(x);
    if (!isAny(e.dst)) caveats.push(`ACL ${name} line ${e.line.line} only translates traffic to some destinations (policy NAT); imported as if it covered all traffic`);
  }
  if (acl.entries.some((e) => e.action === 'deny')) caveats.push(`ACL ${name} has deny entries (exempted sources), which the spec cannot express`);
  if (acl.broken.length > 0) caveats.push(`ACL ${name} has ${acl.broken.length} entries that could not be parsed`);
  return { prefixes: out, caveats: listed(caveats, `caveats about ACL ${name}`) };
}

const routeMapsOf = new WeakMap<readonly ConfigBlock[], Map<string, string[]>>();

/** IOS `route-map RM` → the ACLs its `match ip address` clauses name. The file's route-maps are read once. */
export function routeMapAcls(blocks: readonly ConfigBlock[], name: string): string[] {
  let maps = routeMapsOf.get(blocks);
  if (!maps) {
    maps = new Map();
    for (const b of blocks) {
      const [cmd, map] = tokens(b.head);
      if (cmd !== 'route-map' || map === undefined) continue;
      const acls = maps.get(map) ?? [];
      maps.set(map, acls);
      for (const w of b.children.map(tokens)) {
        if (w[0] === 'match' && w[1] === 'ip' && w[2] === 'address' && w[3] !== 'prefix-list') for (const acl of w.slice(3)) acls.push(acl);
      }
    }
    routeMapsOf.set(blocks, maps);
  }
  return maps.get(name) ?? [];
}

export interface Candidate {
  readonly key: string;
  readonly prefix: Prefix;
}

export const candidateOf = (i: CiscoInterface): Candidate | undefined =>
  i.address && i.kind === 'lan' ? { key: i.name, prefix: i.address.prefix } : undefined;

export interface SourceMatch {
  /** The same list for the same sources and candidates: callers may skip a list they have seen. */
  readonly keys: readonly string[];
  readonly notes: string[];
}

/** Networks overlapping the sources; all candidates when the sources are unknown. */
export function matchSources(sources: NatSources, candidates: readonly Candidate[], what: string): SourceMatch {
  const notes = [...sources.caveats];
  if (candidates.length === 0) notes.push(`no ${what} network was imported, so this source NAT covers no network`);
  if (sources.prefixes.length === 0 && sources.caveats.length > 0) {
    if (candidates.length > 0) notes.push(`sources unknown: assumed every ${what} network`);
    let all = allKeys.get(candidates);
    if (!all) allKeys.set(candidates, (all = candidates.map((c) => c.key)));
    return { keys: all, notes };
  }
  const { keys, stray } = overlapsOf(sources.prefixes, candidates);
  const strays = `${stray.slice(0, LISTED).map(cidrOf).join(', ')}${stray.length > LISTED ? ` and ${stray.length - LISTED} more` : ''}`;
  if (stray.length > 0 && candidates.length > 0) notes.push(`sources ${strays} match no ${what} network (behind a router, or a DHCP scope?); add them by hand if they must be NATed`);
  return { keys, notes };
}

/**
 * Which candidates the prefixes overlap (in candidate order), and which prefixes
 * overlap none. The last answer is kept per candidate list: NAT rules in a row often
 * name the same ACL or object, and the same answer lets PublicIpTable skip the keys it
 * has already added.
 */
function overlapsOf(prefixes: readonly Prefix[], candidates: readonly Candidate[]): { readonly keys: readonly string[]; readonly stray: readonly Prefix[] } {
  const last = lastAnswer.get(candidates);
  if (last?.prefixes === prefixes) return last;
  let index = candidateIndexes.get(candidates);
  if (!index) candidateIndexes.set(candidates, (index = new PrefixIndex(candidates.map((c) => c.prefix))));
  const hit = new Uint8Array(candidates.length);
  const stray: Prefix[] = [];
  for (const p of prefixes) if (!index.overlapping(p, (at) => void (hit[at] = 1))) stray.push(p);
  const keys: string[] = [];
  hit.forEach((h, at) => void (h === 1 && keys.push(candidates[at]!.key)));
  const answer = { prefixes, keys, stray };
  lastAnswer.set(candidates, answer);
  return answer;
}

const allKeys = new WeakMap<readonly Candidate[], readonly string[]>();
const lastAnswer = new WeakMap<readonly Candidate[], { readonly prefixes: readonly Prefix[]; readonly keys: readonly string[]; readonly stray: readonly Prefix[] }>();
const candidateIndexes = new WeakMap<readonly Candidate[], PrefixIndex>();
