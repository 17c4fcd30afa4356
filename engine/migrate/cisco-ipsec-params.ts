/**
 * IPsec parameters, normalised to the spec's vocabulary: IKE policies (IOS `crypto isakmp
 * policy`, ASA `crypto ikev1|ikev2 policy`), transform sets and ASA IKEv2 proposals, IOS IPsec
 * profiles and the global SA lifetime. A value outside the vocabulary (DES, GCM) is left unset
 * and listed in `unsupported` so the peer's report can say so.
 */
import type { ImportedIpsecPolicy } from './model.js';
import { tokens, type ConfigBlock, type ConfigLine } from './cisco-config.js';

export interface Policy extends ImportedIpsecPolicy {
  readonly unsupported: readonly string[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const ENCRYPTION: Readonly<Record<string, string>> = {
  aes: 'aes128', 'aes-128': 'aes128', 'aes-192': 'aes192', 'aes-256': 'aes256', 'aes-cbc-128': 'aes128', 'aes-cbc-192': 'aes192',
  'aes-cbc-256': 'aes256', '3des': '3des', 'esp-3des': '3des', 'esp-aes': 'aes128', 'esp-aes-128': 'aes128', 'esp-aes-192': 'aes192', 'esp-aes-256': 'aes256',
};

const HASH: Readonly<Record<string, string>> = {
  md5: 'md5', sha: 'sha1', sha1: 'sha1', 'sha-1': 'sha1', sha256: 'sha256', 'sha-256': 'sha256', sha384: 'sha384', 'sha-384': 'sha384',
  sha512: 'sha512', 'sha-512': 'sha512', 'esp-md5-hmac': 'md5', 'esp-sha-hmac': 'sha1', 'esp-sha256-hmac': 'sha256', 'esp-sha384-hmac': 'sha384', 'esp-sha512-hmac': 'sha512',
};

/** `aes` followed by a key size (`encr aes 256`, `esp-aes 192`) names that size. */
function encryptionOf(words: readonly string[], at: number): string | undefined {
  const w = words[at]?.toLowerCase();
  if (w === undefined) return undefined;
  const size = words[at + 1];
  if ((w === 'aes' || w === 'esp-aes') && (size === '128' || size === '192' || size === '256')) return `aes${size}`;
  return ENCRYPTION[w];
}

const groupOf = (word: string | undefined): number | undefined => {
  const m = /^(?:group)?(\d+)$/.exec(word ?? '');
  return m ? Number(m[1]) : undefined;
};

/** IKE policy children: `encr|encryption …`, `hash|integrity …`, `group N`, `lifetime [seconds] N`. */
function readIkePolicy(children: readonly ConfigLine[]): Policy {
  const p: Mutable<ImportedIpsecPolicy> = {};
  const unsupported: string[] = [];
  for (const c of children) {
    const w = tokens(c);
    if (w[0] === 'encr' || w[0] === 'encryption') {
      const e = encryptionOf(w, 1);
      if (e) p.encryption = e;
      else unsupported.push(`IKE encryption ${w.slice(1).join(' ')}`);
    } else if (w[0] === 'hash' || w[0] === 'integrity') {
      const h = HASH[w[1]?.toLowerCase() ?? ''];
      if (h) p.hash = h;
      else unsupported.push(`IKE hash ${w.slice(1).join(' ')}`);
    } else if (w[0] === 'group' && groupOf(w[1]) !== undefined) p.group = groupOf(w[1])!;
    else if (w[0] === 'lifetime') {
      const n = Number(w[1] === 'seconds' ? w[2] : w[1]);
      if (Number.isFinite(n)) p.lifetimeSeconds = n;
    }
  }
  return { ...p, unsupported };
}

/** Transform words (`esp-aes 256 esp-sha-hmac`) → encryption and hash. */
function readTransforms(words: readonly string[]): Policy {
  const p: Mutable<ImportedIpsecPolicy> = {};
  const unsupported: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!.toLowerCase();
    if (/^\d+$/.test(w) || w === 'comp-lzs' || w === 'mode' || w === 'tunnel') continue;
    const e = encryptionOf(words, i);
    if (e) p.encryption = e;
    else if (HASH[w]) p.hash = HASH[w];
    else unsupported.push(`transform ${w}`);
  }
  return { ...p, unsupported };
}

/** ASA `crypto ipsec ikev2 ipsec-proposal N` children: `protocol esp encryption …` / `integrity …` (first listed wins). */
function readProposal(children: readonly ConfigLine[]): Policy {
  const p: Mutable<ImportedIpsecPolicy> = {};
  const unsupported: string[] = [];
  for (const c of children) {
    const w = tokens(c);
    if (w[0] !== 'protocol' || w[1] !== 'esp') continue;
    if (w[2] === 'encryption') {
      const e = encryptionOf(w, 3);
      if (e) p.encryption = e;
      else unsupported.push(`ESP encryption ${w[3] ?? ''}`);
    } else if (w[2] === 'integrity') {
      const h = HASH[w[3]?.toLowerCase() ?? ''];
      if (h) p.hash = h;
      else unsupported.push(`ESP integrity ${w[3] ?? ''}`);
    }
  }
  return { ...p, unsupported };
}

export interface IpsecCatalog {
  /** IKE policies by priority, lowest (tried first) first. */
  readonly ikePolicies: readonly { readonly priority: number; readonly version: string; readonly policy: Policy; readonly block: ConfigBlock }[];
  readonly transformSets: ReadonlyMap<string, Policy>;
  readonly profiles: ReadonlyMap<string, ProfileSettings>;
  readonly saLifetimeSeconds?: number;
  /** Blocks read here, for claiming. */
  readonly blocks: readonly ConfigBlock[];
}

/** `set …` lines shared by IOS crypto map entries and IPsec profiles. */
export interface ProfileSettings {
  transformSets: string[];
  pfsGroup?: number;
  lifetimeSeconds?: number;
  isakmpProfile?: string;
  readonly notes: string[];
}

/** One `set …` sub-command; returns false when it is not one of ours. */
export function readSetLine(s: ProfileSettings, w: readonly string[]): boolean {
  if (w[0] !== 'set') return false;
  if (w[1] === 'transform-set') s.transformSets = w.slice(2);
  else if (w[1] === 'ikev1' && w[2] === 'transform-set') s.transformSets = w.slice(3);
  else if (w[1] === 'ikev2' && w[2] === 'ipsec-proposal') s.transformSets = w.slice(3);
  else if (w[1] === 'pfs') s.pfsGroup = groupOf(w[2]) ?? 1;
  else if (w[1] === 'isakmp-profile' || w[1] === 'ikev2-profile') s.isakmpProfile = w[2];
  else if (w[1] === 'security-association' && w[2] === 'lifetime') {
    const at = w.indexOf('seconds');
    if (at > 0) s.lifetimeSeconds = Number(w[at + 1]);
    if (w.includes('kilobytes')) s.notes.push('a volume-based SA lifetime (kilobytes) is not in the spec');
  } else return false;
  return true;
}

export const newSettings = (): ProfileSettings => ({ transformSets: [], notes: [] });

interface CatalogDraft {
  readonly ikePolicies: IpsecCatalog['ikePolicies'][number][];
  readonly transformSets: Map<string, Policy>;
  readonly profiles: Map<string, ProfileSettings>;
  saLifetimeSeconds?: number;
}

/** `crypto …` heads (without `crypto`) and what each adds to the catalog. */
const CATALOG_READERS: readonly (readonly [RegExp, (m: RegExpExecArray, b: ConfigBlock, c: CatalogDraft) => void])[] = [
  [/^(isakmp|ikev1|ikev2) policy (\d+)$/, (m, b, c) => void c.ikePolicies.push({ priority: Number(m[2]), version: m[1] === 'ikev2' ? 'ikev2' : 'ikev1', policy: readIkePolicy(b.children), block: b })],
  // IOS IKEv2: named proposals hold the algorithms (tried after numbered policies); named policies only list proposals.
  [/^ikev2 proposal \S+$/, (_m, b, c) => void c.ikePolicies.push({ priority: Number.MAX_SAFE_INTEGER, version: 'ikev2', policy: readIkePolicy(b.children), block: b })],
  [/^ikev2 policy \S+$/, () => undefined],
  [/^ipsec (?:ikev1 )?transform-set (\S+) (.+)$/, (m, _b, c) => void c.transformSets.set(m[1]!, readTransforms(m[2]!.split(/\s+/)))],
  [/^ipsec ikev2 ipsec-proposal (\S+)$/, (m, b, c) => void c.transformSets.set(m[1]!, readProposal(b.children))],
  [/^ipsec profile (\S+)$/, (m, b, c) => {
    const s = newSettings();
    for (const l of b.children) readSetLine(s, tokens(l));
    c.profiles.set(m[1]!, s);
  }],
  [/^ipsec security-association lifetime seconds (\d+)/, (m, _b, c) => void (c.saLifetimeSeconds = Number(m[1]))],
];

export function readIpsecCatalog(blocks: readonly ConfigBlock[]): IpsecCatalog {
  const draft: CatalogDraft = { ikePolicies: [], transformSets: new Map(), profiles: new Map() };
  const read: ConfigBlock[] = [];
  for (const b of blocks) {
    const w = tokens(b.head);
    if (w[0] !== 'crypto') continue;
    const tail = w.slice(1).join(' ');
    for (const [re, apply] of CATALOG_READERS) {
      const m = re.exec(tail);
      if (!m) continue;
      apply(m, b, draft);
      read.push(b);
      break;
    }
  }
  draft.ikePolicies.sort((a, b) => a.priority - b.priority);
  const { saLifetimeSeconds, ...rest } = draft;
  return { ...rest, ...(saLifetimeSeconds === undefined ? {} : { saLifetimeSeconds }), blocks: read };
}
