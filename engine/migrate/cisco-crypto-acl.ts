/**
 * A crypto ACL read as the traffic a tunnel protects: sources are local CIDRs, destinations
 * the peer's. Configs often list each pair twice, once per direction; the mirror entry is
 * skipped, and an entry written remote→local (destination on an imported network, source not)
 * is read the other way round.
 */
import type { Acl } from './cisco-acl.js';
import { cidrOf, type Prefix } from './cisco-ipv4.js';
import { listed, LISTED } from './cisco-plural.js';
import type { PrefixIndex } from './cisco-prefix-index.js';

export interface CryptoCidrs {
  readonly local: string[];
  readonly peer: string[];
  readonly notes: string[];
}

const readAcls = new WeakMap<Acl, CryptoCidrs>();

/**
 * The ACL's local and peer CIDRs, read once per ACL (crypto map entries may share one).
 * Address lists are compared by an id per distinct text, and each list is added once:
 * entries reusing a large object-group cost per entry, not per address in the group.
 */
export function cryptoAclCidrs(acl: Acl | undefined, name: string, localNetworks: PrefixIndex): CryptoCidrs {
  if (!acl) return { local: [], peer: [], notes: [`crypto ACL ${name} is not defined in this file: the protected networks are unknown`] };
  let read = readAcls.get(acl);
  if (!read) readAcls.set(acl, (read = readCryptoAcl(acl, name, localNetworks)));
  return read;
}

function readCryptoAcl(acl: Acl, name: string, localNetworks: PrefixIndex): CryptoCidrs {
  const local = new Set<string>();
  const peer = new Set<string>();
  /** Pair (local>peer, by list id) → the lists, protocols seen and the first line, so a protocol note is only given when no `ip` entry covers the pair. */
  const pairs = new Map<string, { src: readonly Prefix[]; dst: readonly Prefix[]; protocols: Set<string>; line: number }>();
  const notes: string[] = [];
  const lists = new ListIds();
  const added = { local: new Set<number>(), peer: new Set<number>() };
  const localLists = new Map<number, boolean>();
  const isLocal = (ps: readonly Prefix[]): boolean => {
    const id = lists.of(ps);
    let known = localLists.get(id);
    if (known === undefined) localLists.set(id, (known = ps.some((p) => p.len > 0 && localNetworks.overlapsAny(p))));
    return known;
  };
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
    const [a, b] = [lists.of(src), lists.of(dst)];
    const known = pairs.get(`${a}>${b}`) ?? pairs.get(`${b}>${a}`);
    if (known) {
      known.protocols.add(e.protocol);
      continue;
    }
    pairs.set(`${a}>${b}`, { src, dst, protocols: new Set([e.protocol]), line: e.line.line });
    if (!added.local.has(a)) for (const p of src) local.add(cidrOf(p));
    if (!added.peer.has(b)) for (const p of dst) peer.add(cidrOf(p));
    added.local.add(a);
    added.peer.add(b);
  }
  const narrow: string[] = [];
  for (const seen of pairs.values()) {
    if (seen.protocols.has('ip')) continue;
    // Only the notes shown are written out: a pair's text can be as long as its object-groups.
    narrow.push(narrow.length >= LISTED ? '' : `crypto ACL ${name} line ${seen.line} (${seen.src.map(cidrOf).join(',')}>${seen.dst.map(cidrOf).join(',')}) matches only ${[...seen.protocols].join('/')}; the tunnel will carry all IP traffic between these CIDRs`);
  }
  for (const n of listed(narrow, `entries of crypto ACL ${name} that match only some protocols`)) if (n !== '') notes.push(n);
  if (acl.broken.length > 0) notes.push(`crypto ACL ${name} has ${acl.broken.length} entries that could not be parsed`);
  return { local: [...local], peer: [...peer], notes: listed(notes, `notes about crypto ACL ${name}`) };
}

/** A small id per distinct address list, by its text; each list's text is made once. */
class ListIds {
  private readonly byList = new WeakMap<readonly Prefix[], number>();
  private readonly byText = new Map<string, number>();

  of(list: readonly Prefix[]): number {
    let id = this.byList.get(list);
    if (id === undefined) {
      const text = list.map(cidrOf).join(',');
      id = this.byText.get(text);
      if (id === undefined) this.byText.set(text, (id = this.byText.size));
      this.byList.set(list, id);
    }
    return id;
  }
}
