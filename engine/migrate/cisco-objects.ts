/**
 * ASA/PIX address names: `name A N`, `object network` (host/subnet/range) and `object-group
 * network`, resolved to prefixes so ACLs and NAT rules can be compared with imported networks.
 * An `fqdn` object or an IPv6 member cannot be resolved; it says why instead.
 */
import { tokens, type ConfigBlock, type ConfigLine } from './cisco-config.js';
import { formatIpv4, hostPrefix, netmaskLength, parseIpv4, prefixOf, rangePrefixes, type Prefix } from './cisco-ipv4.js';
import { MAX_FILE_GROUP_BLOCKS, MAX_GROUP_BLOCKS } from './limits.js';

export type AddressSet =
  | { readonly kind: 'prefixes'; readonly prefixes: readonly Prefix[] }
  | { readonly kind: 'unresolved'; readonly why: string };

export const prefixes = (...ps: Prefix[]): AddressSet => ({ kind: 'prefixes', prefixes: ps });
export const unresolved = (why: string): AddressSet => ({ kind: 'unresolved', why });

export interface NetworkObjects {
  readonly names: ReadonlyMap<string, number>;
  readonly objects: ReadonlyMap<string, AddressSet>;
  readonly groups: ReadonlyMap<string, AddressSet>;
}

/** The one address a set holds, when it is exactly one host. */
export const singleHost = (set: AddressSet | undefined): string | undefined =>
  set?.kind === 'prefixes' && set.prefixes.length === 1 && set.prefixes[0]!.len === 32 ? formatIpv4(set.prefixes[0]!.base) : undefined;

/** An address word: a dotted quad or an ASA `name`. */
export function resolveHost(word: string | undefined, names: ReadonlyMap<string, number>): number | undefined {
  if (word === undefined) return undefined;
  return parseIpv4(word) ?? names.get(word);
}

function objectAddress(children: readonly ConfigLine[], names: ReadonlyMap<string, number>): AddressSet | undefined {
  for (const c of children) {
    const [kind, a, b] = tokens(c);
    if (kind === 'host') {
      const ip = resolveHost(a, names);
      return ip === undefined ? unresolved(`host ${a ?? ''} is not an IPv4 address`) : prefixes(hostPrefix(ip));
    }
    if (kind === 'subnet') {
      const ip = resolveHost(a, names);
      const len = b === undefined ? undefined : netmaskLength(b);
      return ip === undefined || len === undefined ? unresolved(`subnet ${a ?? ''} is not an IPv4 subnet`) : prefixes(prefixOf(ip, len));
    }
    if (kind === 'range') {
      const first = resolveHost(a, names);
      const last = resolveHost(b, names);
      return first === undefined || last === undefined || last < first ? unresolved('range is not an IPv4 range') : { kind: 'prefixes', prefixes: rangePrefixes(first, last) };
    }
    if (kind === 'fqdn') return unresolved(`fqdn object ${a ?? ''} has no fixed address`);
  }
  return undefined;
}

type Member = { readonly set: AddressSet } | { readonly group: string };

function groupMembers(children: readonly ConfigLine[], names: ReadonlyMap<string, number>, objects: ReadonlyMap<string, AddressSet>): Member[] {
  const out: Member[] = [];
  for (const c of children) {
    const [kind, a, b] = tokens(c);
    if (kind === 'description') continue;
    if (kind === 'group-object' && a) out.push({ group: a });
    else if (kind === 'network-object' && a === 'object' && b) out.push({ set: objects.get(b) ?? unresolved(`object ${b} is not defined`) });
    else if (kind === 'network-object' && a === 'host') {
      const ip = resolveHost(b, names);
      out.push({ set: ip === undefined ? unresolved(`host ${b ?? ''} is not IPv4`) : prefixes(hostPrefix(ip)) });
    } else if (kind === 'network-object') {
      const ip = resolveHost(a, names);
      const len = b === undefined ? undefined : netmaskLength(b);
      out.push({ set: ip === undefined || len === undefined ? unresolved(`member ${c.text} is not an IPv4 subnet`) : prefixes(prefixOf(ip, len)) });
    } else out.push({ set: unresolved(`member ${c.text} is not understood`) });
  }
  return out;
}

/**
 * Every object-group resolved to its address blocks, without recursion (a chain of
 * groups as long as the file would overflow the stack) and each group once (a group
 * named by many others is not expanded again for each). A group that contains itself,
 * names an unknown group, or would expand past MAX_GROUP_BLOCKS blocks (nesting can
 * double a group per level), or past MAX_FILE_GROUP_BLOCKS for the file, is unresolved
 * with the reason; so is every group that contains it.
 */
function resolveGroups(members: ReadonlyMap<string, readonly Member[]>): Map<string, AddressSet> {
  const done = new Map<string, AddressSet>();
  const onPath = new Set<string>();
  let budget = MAX_FILE_GROUP_BLOCKS;
  for (const root of members.keys()) {
    if (done.has(root)) continue;
    const stack: { name: string; list: readonly Member[]; next: number; out: Prefix[]; failed?: AddressSet }[] = [];
    const enter = (name: string): void => {
      onPath.add(name);
      stack.push({ name, list: members.get(name)!, next: 0, out: [] });
    };
    enter(root);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      let descend: string | undefined;
      while (top.failed === undefined && top.next < top.list.length) {
        const m = top.list[top.next]!;
        let set: AddressSet | undefined;
        if ('group' in m) {
          set = memberGroup(m.group, members, onPath, done);
          if (set === undefined) {
            descend = m.group;
            break;
          }
        } else set = m.set;
        top.next++;
        if (set.kind === 'unresolved') top.failed = set;
        else if (top.out.length + set.prefixes.length > MAX_GROUP_BLOCKS) top.failed = unresolved(`object-group ${top.name} expands to more than ${MAX_GROUP_BLOCKS} address blocks`);
        else if ((budget -= set.prefixes.length) < 0) top.failed = unresolved(`the object-groups of this file expand to more than ${MAX_FILE_GROUP_BLOCKS} address blocks in all`);
        else for (const p of set.prefixes) top.out.push(p);
      }
      if (descend !== undefined) {
        enter(descend);
        continue;
      }
      stack.pop();
      onPath.delete(top.name);
      done.set(top.name, top.failed ?? { kind: 'prefixes', prefixes: top.out });
    }
  }
  return done;
}

/** A member group's set when known; undefined when it still has to be resolved. */
function memberGroup(name: string, members: ReadonlyMap<string, readonly Member[]>, onPath: ReadonlySet<string>, done: ReadonlyMap<string, AddressSet>): AddressSet | undefined {
  if (!members.has(name)) return unresolved(`object-group ${name} is not defined`);
  if (onPath.has(name)) return unresolved(`object-group ${name} contains itself`);
  return done.get(name);
}

export function readObjects(blocks: readonly ConfigBlock[]): NetworkObjects {
  const names = new Map<string, number>();
  for (const b of blocks) {
    const [cmd, address, name] = tokens(b.head);
    const ip = parseIpv4(address ?? '');
    if (cmd === 'name' && name && ip !== undefined) names.set(name, ip);
  }
  const objects = new Map<string, AddressSet>();
  const groupDefs: [string, ConfigBlock][] = [];
  for (const b of blocks) {
    const [cmd, kind, name] = tokens(b.head);
    if (kind !== 'network' || !name) continue;
    if (cmd === 'object-group') groupDefs.push([name, b]);
    // An object may be opened again later for its `nat` line; the first block with an address defines it.
    if (cmd !== 'object' || objects.has(name)) continue;
    const set = objectAddress(b.children, names);
    if (set) objects.set(name, set);
  }
  const members = new Map(groupDefs.map(([n, b]) => [n, groupMembers(b.children, names, objects)] as const));
  const groups = resolveGroups(members);
  return { names, objects, groups };
}
