/**
 * Access lists, IOS and ASA, read into entries with resolved address sets. NAT, VPN and the
 * firewall mapper look ACLs up by name; an entry that does not parse is kept as `broken` so it
 * can be reported with its line. IOS writes wildcards (`0.0.0.255`), ASA netmasks.
 */
import { tokens, type CiscoFormat, type ConfigBlock, type ConfigLine } from './cisco-config.js';
import { ANY, hostPrefix, netmaskLength, prefixOf, wildcardLength } from './cisco-ipv4.js';
import { prefixes, resolveHost, unresolved, type AddressSet, type NetworkObjects } from './cisco-objects.js';
import { portNumber } from './cisco-ports.js';

export type PortMatch = { readonly op: 'eq'; readonly ports: readonly number[] } | { readonly op: 'other'; readonly text: string };

export interface AclEntry {
  readonly line: ConfigLine;
  readonly action: 'permit' | 'deny';
  /** `ip`, `tcp`, `udp`, `icmp`, `esp`, … or `object-group NAME` for an ASA service group. */
  readonly protocol: string;
  readonly src: AddressSet;
  readonly dst: AddressSet;
  readonly srcPort?: PortMatch;
  readonly dstPort?: PortMatch;
  /** Words after the match (log, established, time-range …). */
  readonly options: readonly string[];
}

export interface Acl {
  readonly name: string;
  readonly first: ConfigLine;
  readonly entries: AclEntry[];
  readonly broken: ConfigLine[];
  readonly blocks: ConfigBlock[];
}

type MaskStyle = 'wildcard' | 'netmask';

interface Cursor {
  readonly words: readonly string[];
  at: number;
}

function readAddress(c: Cursor, style: MaskStyle, objects: NetworkObjects): AddressSet | undefined {
  const w = c.words[c.at];
  if (w === undefined) return undefined;
  c.at++;
  if (w === 'any' || w === 'any4') return prefixes(ANY);
  if (w === 'any6') return unresolved('IPv6 any');
  const arg = c.words[c.at++];
  if (w === 'host') {
    const ip = resolveHost(arg, objects.names);
    return ip === undefined ? undefined : prefixes(hostPrefix(ip));
  }
  if (w === 'object') return arg === undefined ? undefined : (objects.objects.get(arg) ?? unresolved(`object ${arg} is not defined`));
  if (w === 'object-group') return arg === undefined ? undefined : (objects.groups.get(arg) ?? unresolved(`object-group ${arg} is not defined`));
  if (w === 'interface') return arg === undefined ? undefined : unresolved(`address of interface ${arg}`);
  const ip = resolveHost(w, objects.names);
  const len = arg === undefined ? undefined : style === 'wildcard' ? wildcardLength(arg) : netmaskLength(arg);
  if (ip === undefined) return undefined;
  if (len === undefined) return arg !== undefined && resolveHost(arg, objects.names) !== undefined ? unresolved(`non-contiguous mask ${arg}`) : undefined;
  return prefixes(prefixOf(ip, len));
}

const PORT_OPS = new Set(['eq', 'neq', 'lt', 'gt', 'range']);

function readPort(c: Cursor, protocol: string): PortMatch | undefined {
  const op = c.words[c.at];
  if (op === undefined || !PORT_OPS.has(op) || (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'tcp-udp')) return undefined;
  c.at++;
  if (op === 'range' || op === 'neq' || op === 'lt' || op === 'gt') {
    const n = op === 'range' ? 2 : 1;
    const text = [op, ...c.words.slice(c.at, c.at + n)].join(' ');
    c.at += n;
    return { op: 'other', text };
  }
  const first = portNumber(c.words[c.at] ?? '', protocol);
  if (first === undefined) return { op: 'other', text: `eq ${c.words[c.at++] ?? ''}` };
  c.at++;
  // IOS lets `eq` list several numeric ports (`eq 22 3389`); a name ends the list.
  const ports = [first];
  while (/^\d+$/.test(c.words[c.at] ?? '')) ports.push(Number(c.words[c.at++]));
  return { op: 'eq', ports };
}

/** `permit|deny …` after the ACL name (and `extended`/`standard`); undefined when it does not parse. */
function readEntry(line: ConfigLine, words: readonly string[], standard: boolean, style: MaskStyle, objects: NetworkObjects): AclEntry | undefined {
  const action = words[0];
  if (action !== 'permit' && action !== 'deny') return undefined;
  if (standard) {
    const c: Cursor = { words, at: 1 };
    const only = words[1] !== undefined && words[2] === undefined && resolveHost(words[1], objects.names) !== undefined;
    const src = only ? prefixes(hostPrefix(resolveHost(words[1], objects.names)!)) : readAddress(c, style, objects);
    if (!src) return undefined;
    return { line, action, protocol: 'ip', src, dst: prefixes(ANY), options: only ? [] : words.slice(c.at) };
  }
  const c: Cursor = { words, at: 1 };
  let protocol = words[c.at++];
  if (protocol === 'object-group' || protocol === 'object') protocol = `${protocol} ${words[c.at++] ?? ''}`;
  if (protocol === undefined) return undefined;
  const src = readAddress(c, style, objects);
  const srcPort = readPort(c, protocol);
  const dst = readAddress(c, style, objects);
  const dstPort = readPort(c, protocol);
  if (!src || !dst) return undefined;
  return { line, action, protocol, src, dst, ...(srcPort ? { srcPort } : {}), ...(dstPort ? { dstPort } : {}), options: words.slice(c.at) };
}

const IOS_STANDARD = (n: number): boolean => (n >= 1 && n <= 99) || (n >= 1300 && n <= 1999);

class AclTable {
  readonly acls = new Map<string, Acl>();
  constructor(private readonly objects: NetworkObjects) {}

  private acl(name: string, first: ConfigLine, block: ConfigBlock): Acl {
    const found = this.acls.get(name);
    if (found) {
      // Lines of one ACL arrive in order, so only the last block can be this one.
      if (found.blocks[found.blocks.length - 1] !== block) found.blocks.push(block);
      return found;
    }
    const made: Acl = { name, first, entries: [], broken: [], blocks: [block] };
    this.acls.set(name, made);
    return made;
  }

  add(name: string, block: ConfigBlock, line: ConfigLine, words: readonly string[], standard: boolean, style: MaskStyle): void {
    const acl = this.acl(name, block.head, block);
    if (words[0] === 'remark' || words.length === 0) return;
    const entry = readEntry(line, words, standard, style, this.objects);
    if (entry) acl.entries.push(entry);
    else acl.broken.push(line);
  }
}

function readIosAcl(table: AclTable, b: ConfigBlock, w: readonly string[]): void {
  if (w[0] === 'ip' && w[1] === 'access-list' && (w[2] === 'standard' || w[2] === 'extended') && w[3]) {
    table.add(w[3], b, b.head, [], w[2] === 'standard', 'wildcard');
    for (const c of b.children) {
      const cw = tokens(c);
      table.add(w[3], b, c, /^\d+$/.test(cw[0] ?? '') ? cw.slice(1) : cw, w[2] === 'standard', 'wildcard');
    }
  } else if (w[0] === 'access-list' && w[1] && /^\d+$/.test(w[1])) {
    table.add(w[1], b, b.head, w.slice(2), IOS_STANDARD(Number(w[1])), 'wildcard');
  }
}

function readAsaAcl(table: AclTable, b: ConfigBlock, w: readonly string[]): void {
  if (w[0] !== 'access-list' || !w[1]) return;
  let rest = w.slice(2);
  if (rest[0] === 'line') rest = rest.slice(2);
  const kind = rest[0];
  if (kind === 'extended' || kind === 'standard') table.add(w[1], b, b.head, rest.slice(1), kind === 'standard', 'netmask');
  else if (kind === 'remark') table.add(w[1], b, b.head, rest, false, 'netmask');
  else if (kind === 'permit' || kind === 'deny') table.add(w[1], b, b.head, rest, false, 'netmask');
  else table.add(w[1], b, b.head, ['unsupported', ...rest], false, 'netmask');
}

export function readAcls(blocks: readonly ConfigBlock[], format: CiscoFormat, objects: NetworkObjects): ReadonlyMap<string, Acl> {
  const table = new AclTable(objects);
  for (const b of blocks) {
    const w = tokens(b.head);
    if (format === 'cisco-asa') readAsaAcl(table, b, w);
    else readIosAcl(table, b, w);
  }
  return table.acls;
}
