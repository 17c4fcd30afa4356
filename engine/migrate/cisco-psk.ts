/**
 * Pre-shared keys and where they apply: IOS keyrings (`pre-shared-key address A key K`),
 * `crypto isakmp key K address A`, IKEv2 keyrings (`peer` blocks), ISAKMP/IKEv2 profiles that
 * bind a keyring to a peer, and ASA tunnel-groups. Type 0 means the key follows in clear; any
 * other type digit, `*****` and `<removed>` mean the file holds no usable value.
 */
import type { ImportedSecret } from './model.js';
import { tokens, type ConfigBlock, type ConfigLine } from './cisco-config.js';
import type { Findings } from './cisco-findings.js';
import { isIpv4 } from './cisco-ipv4.js';

export interface KeyEntry {
  /** Peer address, `0.0.0.0` for a wildcard key, or `hostname X`. */
  readonly peer: string;
  readonly secret: ImportedSecret;
  readonly line: ConfigLine;
  readonly keyring?: string;
}

export interface TunnelGroup {
  readonly name: string;
  type?: string;
  typeLine?: ConfigLine;
  secret?: ImportedSecret;
  secretLine?: ConfigLine;
  readonly blocks: ConfigBlock[];
}

export interface KeyCatalog {
  readonly keys: readonly KeyEntry[];
  /** ISAKMP/IKEv2 profile → keyring it uses. */
  readonly profileKeyrings: ReadonlyMap<string, string>;
  readonly tunnelGroups: ReadonlyMap<string, TunnelGroup>;
  /** Keyring, `crypto isakmp key` and profile blocks, for claiming. */
  readonly blocks: readonly ConfigBlock[];
  /** Keyrings that hold no key at all: reported. */
  readonly emptyKeyrings: readonly ConfigBlock[];
}

/** The words after the key keyword → a secret; undefined when no key is given. */
function secretOf(words: readonly string[], line: ConfigLine, f: Findings): ImportedSecret | undefined {
  const [first, second] = words;
  if (first === undefined) return undefined;
  const source = f.source(line);
  if (/^\d$/.test(first) && second !== undefined) return first === '0' ? { kind: 'value', value: second, source } : { kind: 'masked', source };
  if (/^\*+$/.test(first) || first === '<removed>') return { kind: 'masked', source };
  return { kind: 'value', value: first, source };
}

function readKeyring(b: ConfigBlock, name: string, f: Findings): KeyEntry[] {
  const out: KeyEntry[] = [];
  let ikev2Peer: string | undefined;
  for (const c of b.children) {
    const w = tokens(c);
    if (w[0] === 'pre-shared-key' && (w[1] === 'address' || w[1] === 'hostname') && w[2]) {
      const at = w.indexOf('key', 3);
      const secret = at > 0 ? secretOf(w.slice(at + 1), c, f) : undefined;
      if (secret) out.push({ peer: w[1] === 'address' ? w[2] : `hostname ${w[2]}`, secret, line: c, keyring: name });
    } else if (w[0] === 'peer') ikev2Peer = undefined;
    else if (w[0] === 'address' && w[1]) ikev2Peer = w[1];
    else if (w[0] === 'pre-shared-key' && ikev2Peer !== undefined) {
      const rest = w[1] === 'local' || w[1] === 'remote' ? w.slice(2) : w.slice(1);
      const secret = secretOf(rest, c, f);
      if (secret && w[1] !== 'local') out.push({ peer: ikev2Peer, secret, line: c, keyring: name });
    }
  }
  return out;
}

function readTunnelGroup(groups: Map<string, TunnelGroup>, b: ConfigBlock, w: readonly string[], f: Findings): void {
  const name = w[1]!;
  const g = groups.get(name) ?? { name, blocks: [] };
  groups.set(name, g);
  g.blocks.push(b);
  if (w[2] === 'type') {
    g.type = w[3];
    g.typeLine = b.head;
  }
  if (w[2] !== 'ipsec-attributes') return;
  for (const c of b.children) {
    const cw = tokens(c);
    const at = cw.indexOf('pre-shared-key');
    const remote = cw[0] === 'pre-shared-key' || (cw[0] === 'ikev1' && at === 1) || (cw[0] === 'ikev2' && cw[1] === 'remote-authentication');
    const secret = at >= 0 && remote ? secretOf(cw.slice(at + 1), c, f) : undefined;
    if (secret && !g.secret) {
      g.secret = secret;
      g.secretLine = c;
    }
  }
}

export function readKeys(blocks: readonly ConfigBlock[], f: Findings): KeyCatalog {
  const keys: KeyEntry[] = [];
  const profileKeyrings = new Map<string, string>();
  const tunnelGroups = new Map<string, TunnelGroup>();
  const read: ConfigBlock[] = [];
  const emptyKeyrings: ConfigBlock[] = [];
  for (const b of blocks) {
    const w = tokens(b.head);
    if (w[0] === 'tunnel-group' && w[1]) readTunnelGroup(tunnelGroups, b, w, f);
    if (w[0] !== 'crypto') continue;
    if ((w[1] === 'keyring' || (w[1] === 'ikev2' && w[2] === 'keyring')) && w[w.length - 1]) {
      const found = readKeyring(b, w[w.length - 1]!, f);
      if (found.length === 0) emptyKeyrings.push(b);
      for (const x of found) keys.push(x);
      read.push(b);
    } else if (w[1] === 'isakmp' && w[2] === 'key') {
      const at = w.indexOf('address');
      const host = w.indexOf('hostname');
      const secret = secretOf(w.slice(3, at > 0 ? at : host > 0 ? host : undefined), b.head, f);
      const peer = at > 0 ? w[at + 1] : host > 0 ? `hostname ${w[host + 1] ?? ''}` : undefined;
      if (secret && peer) keys.push({ peer, secret, line: b.head });
      read.push(b);
    } else if ((w[1] === 'isakmp' || w[1] === 'ikev2') && w[2] === 'profile' && w[3]) {
      const ring = b.children.map(tokens).find((c) => c[0] === 'keyring');
      if (ring) profileKeyrings.set(w[3], ring[ring.length - 1]!);
      read.push(b);
    }
  }
  return { keys, profileKeyrings, tunnelGroups, blocks: read, emptyKeyrings };
}

export interface ChosenKey {
  readonly secret?: ImportedSecret;
  readonly notes: string[];
  readonly used: readonly KeyEntry[];
}

const peerIndexes = new WeakMap<KeyCatalog, Map<string, KeyEntry[]>>();

/** The catalog's keys by peer address, in file order, built once: every peer of the file looks its key up. */
function keysByPeer(catalog: KeyCatalog): ReadonlyMap<string, readonly KeyEntry[]> {
  let index = peerIndexes.get(catalog);
  if (!index) {
    index = new Map();
    for (const k of catalog.keys) {
      const list = index.get(k.peer);
      if (list) list.push(k);
      else index.set(k.peer, [k]);
    }
    peerIndexes.set(catalog, index);
  }
  return index;
}

/** The key for a peer: the one its profile's keyring holds, else the only (or first) one for its address. */
export function keyFor(catalog: KeyCatalog, peer: string, profile: string | undefined): ChosenKey {
  const tg = catalog.tunnelGroups.get(peer);
  if (tg?.secret) return { secret: tg.secret, notes: [], used: [] };
  const byPeer = keysByPeer(catalog);
  const exact = byPeer.get(peer) ?? [];
  const wildcard = byPeer.get('0.0.0.0') ?? [];
  const ring = profile === undefined ? undefined : catalog.profileKeyrings.get(profile);
  const viaProfile = exact.find((k) => k.keyring !== undefined && k.keyring === ring);
  const chosen = viaProfile ?? exact[0] ?? wildcard[0];
  const notes: string[] = [];
  if (!chosen) notes.push(`no pre-shared key for ${peer} in this file (certificates, or defined elsewhere): set the key by hand`);
  else if (!viaProfile && exact.length > 1) notes.push(`${exact.length} keyrings hold a key for ${peer}; the one on line ${chosen.line.line} is used — check it`);
  else if (chosen.peer === '0.0.0.0') notes.push(`the key comes from a wildcard entry (address 0.0.0.0) on line ${chosen.line.line}`);
  return { ...(chosen ? { secret: chosen.secret } : {}), notes, used: exact.length > 0 ? exact : chosen ? [chosen] : [] };
}

export const isL2lPeerName = (g: TunnelGroup): boolean => g.type === 'ipsec-l2l' && isIpv4(g.name);
