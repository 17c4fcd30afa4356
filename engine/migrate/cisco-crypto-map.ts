/**
 * Crypto map entries, from IOS blocks (`crypto map M 10 ipsec-isakmp` + indented `set …`) and
 * from ASA one-liners (`crypto map M 10 set peer …`), grouped by map and sequence, with the
 * interfaces each map is applied to.
 */
import { tokens, type ConfigBlock, type ConfigLine } from './cisco-config.js';
import type { CiscoInterface } from './cisco-interfaces.js';
import { newSettings, readSetLine, type ProfileSettings } from './cisco-ipsec-params.js';

export interface CryptoMapEntry {
  readonly map: string;
  readonly seq: number;
  readonly head: ConfigLine;
  readonly peers: { readonly ip: string; readonly line: ConfigLine }[];
  acl?: string;
  readonly settings: ProfileSettings;
  /** `ipsec-isakmp dynamic DM`: the peer is whoever connects. */
  dynamic?: string;
  manual: boolean;
  description?: string;
  /** Sub-commands not read, reported with the peer. */
  readonly other: ConfigLine[];
}

export interface CryptoMaps {
  readonly entries: readonly CryptoMapEntry[];
  /** Map name → interfaces it is applied to. */
  readonly appliedTo: ReadonlyMap<string, readonly string[]>;
  /** Other `crypto map M …` lines (local-address, client, isakmp authorization): reported by the caller. */
  readonly otherLines: readonly ConfigLine[];
  readonly blocks: readonly ConfigBlock[];
}

const QUIET_SET = /^set (connection-type|ikev1 phase1-mode|ikev2 mode|nat-t-disable|reverse-route|security-association replay|tfc-packets)\b|^reverse-route\b|^qos pre-classify\b|^mode tunnel\b/;

function readSub(e: CryptoMapEntry, w: readonly string[], l: ConfigLine): void {
  if (w[0] === 'set' && w[1] === 'peer') {
    for (const ip of w.slice(2)) if (ip !== 'default') e.peers.push({ ip, line: l });
  } else if (w[0] === 'match' && w[1] === 'address' && w[2]) e.acl = w[2];
  else if (w[0] === 'description') e.description = w.slice(1).join(' ');
  else if (w[0] === 'ipsec-isakmp' && w[1] === 'dynamic' && w[2]) e.dynamic = w[2];
  else if (w[0] === 'ipsec-isakmp') return;
  else if (readSetLine(e.settings, w) || QUIET_SET.test(w.join(' '))) return;
  else e.other.push(l);
}

export function readCryptoMaps(blocks: readonly ConfigBlock[], ifaces: readonly CiscoInterface[]): CryptoMaps {
  const entries = new Map<string, CryptoMapEntry>();
  const appliedTo = new Map<string, string[]>();
  const otherLines: ConfigLine[] = [];
  const read: ConfigBlock[] = [];
  const apply = (map: string, iface: string): void => {
    const list = appliedTo.get(map);
    if (list) list.push(iface);
    else appliedTo.set(map, [iface]);
  };
  for (const i of ifaces) if (i.cryptoMap) apply(i.cryptoMap, i.name);
  for (const b of blocks) {
    const w = tokens(b.head);
    if (w[0] !== 'crypto' || w[1] !== 'map' || !w[2]) continue;
    read.push(b);
    if (w[3] === 'interface' && w[4]) {
      apply(w[2], w[4]);
      continue;
    }
    if (!/^\d+$/.test(w[3] ?? '')) {
      otherLines.push(b.head);
      continue;
    }
    const id = `${w[2]} ${w[3]}`;
    const e = entries.get(id) ?? { map: w[2], seq: Number(w[3]), head: b.head, peers: [], settings: newSettings(), manual: false, other: [] };
    entries.set(id, e);
    if (w[4] === 'ipsec-manual' || w[4] === 'gdoi') e.manual = true;
    readSub(e, w.slice(4), b.head);
    for (const c of b.children) readSub(e, tokens(c), c);
  }
  return { entries: [...entries.values()], appliedTo, otherLines, blocks: read };
}
