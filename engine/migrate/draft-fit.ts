/**
 * The choices an import makes to fit foreign facts to the spec language and the zone:
 * CIDRs for networks the source does not address, the template for a guest OS, the
 * hypervisor a zone offers, IPsec parameters the product offers. Pure helpers of draft.ts.
 */
import { contains, formatIpv4, parseCidr, parseIpv4, type Ipv4Block } from '../../specs/model/net/ipv4.js';
import type { Ranges } from '../../specs/model/net/ranges.js';
import type { ZoneDoc } from '../../specs/schema.js';
import { formatSeconds } from '../../specs/units.js';
import type { ImportedIpsecPolicy, ImportedVm, ImportResult } from './model.js';

/** Where placeholder /24s come from, in order: private space imported networks rarely use. */
const PLACEHOLDER_SPACES = ['10.254.0.0/16', '172.31.0.0/16', '192.168.248.0/21', '100.64.0.0/10'].map((c) => parseCidr(c)!);
export const DEFAULT_IKE = { encryption: 'aes256', hash: 'sha256', group: 14, lifetimeSeconds: 28_800 } as const;
export const DEFAULT_ESP = { encryption: 'aes256', hash: 'sha256', lifetimeSeconds: 3_600 } as const;
const ENCRYPTIONS = new Set(['aes128', 'aes192', 'aes256', '3des']);
const HASHES = new Set(['md5', 'sha1', 'sha256', 'sha384', 'sha512']);
const DH_GROUPS = new Set([2, 5, 14, 15, 16, 19, 20, 21]);

export function parseIpv4Range(text: string): { first: number; last: number } | undefined {
  const [from = '', to = ''] = text.split('-').map((s) => s.trim());
  const first = parseIpv4(from);
  const last = parseIpv4(to);
  return first !== undefined && last !== undefined && first <= last ? { first, last } : undefined;
}

export const describeRanges = (r: Ranges): string => (r.length === 0 ? 'no VLAN pool' : r.map((x) => (x.first === x.last ? `${x.first}` : `${x.first}-${x.last}`)).join(', '));

/** The smallest block, /24 to /16, holding every address with room for `hosts` (and a gateway). */
export function coveringBlock(ips: readonly number[], hosts: number): Ipv4Block | undefined {
  for (let prefix = Math.min(24, prefixFor(hosts)); prefix >= 16; prefix--) {
    const block = parseCidr(`${formatIpv4(ips[0]!)}/${prefix}`)!;
    if (ips.every((ip) => contains(block, ip))) return block;
  }
  return undefined;
}

/** The longest prefix whose block has `hosts` host addresses besides a gateway. */
const prefixFor = (hosts: number): number => 32 - Math.max(8, Math.ceil(Math.log2(hosts + 3)));

const vpnBlocksOf = new WeakMap<ImportResult, readonly Ipv4Block[]>();

/** The result's VPN CIDRs as blocks, by first address; made once per result. */
function vpnBlocks(result: ImportResult): readonly Ipv4Block[] {
  let blocks = vpnBlocksOf.get(result);
  if (!blocks) {
    const list: Ipv4Block[] = [];
    for (const p of result.vpnPeers) {
      for (const c of [...p.peerCidrs, ...p.localCidrs]) {
        const b = parseCidr(c);
        if (b) list.push(b);
      }
    }
    vpnBlocksOf.set(result, (blocks = list.sort((a, b) => a.first - b.first)));
  }
  return blocks;
}

/**
 * A free block with room for `hosts` (10.254.0.0/16 first), overlapping nothing imported
 * (networks, VPN CIDRs). One sweep over the candidate blocks and the taken ones in
 * address order, jumping past whatever a candidate overlaps: an import may ask for
 * thousands of placeholders among thousands of blocks.
 */
export function freeBlock(taken: readonly Ipv4Block[], result: ImportResult, hosts: number): Ipv4Block {
  const lists = [[...taken].sort((a, b) => a.first - b.first), vpnBlocks(result)];
  const prefix = Math.max(16, prefixFor(hosts));
  const size = 2 ** (32 - prefix);
  for (const space of PLACEHOLDER_SPACES) {
    const at = lists.map(() => 0);
    // The furthest last address of the blocks starting at or before the candidate's end.
    let reach = -1;
    for (let base = space.first; base + size - 1 <= space.last; ) {
      const last = base + size - 1;
      lists.forEach((list, k) => {
        for (; at[k]! < list.length && list[at[k]!]!.first <= last; at[k]!++) reach = Math.max(reach, list[at[k]!]!.last);
      });
      if (reach < base) return { first: base, last, prefix };
      base = space.first + (Math.floor((reach - space.first) / size) + 1) * size;
    }
  }
  // Only when imported networks cover all of that space: the zone's validation says what overlaps.
  return { first: PLACEHOLDER_SPACES[0]!.first, last: PLACEHOLDER_SPACES[0]!.first + size - 1, prefix };
}

export function pickHypervisor(vm: ImportedVm, available: ReadonlySet<string>): ImportedVm['hypervisor'] {
  if (available.has(vm.hypervisor) || available.size === 0) return vm.hypervisor;
  for (const h of ['kvm', 'vmware', 'xenserver'] as const) if (available.has(h)) return h;
  return vm.hypervisor;
}

/** Template families by the words guest OS names use. */
const OS_FAMILIES: readonly { readonly words: RegExp; readonly prefixes: readonly string[] }[] = [
  { words: /windows/i, prefixes: ['windows'] },
  { words: /ubuntu/i, prefixes: ['ubuntu'] },
  { words: /debian/i, prefixes: ['debian'] },
  { words: /rocky|red ?hat|rhel|centos|alma|oracle linux|fedora/i, prefixes: ['rocky', 'rhel', 'alma', 'centos'] },
  { words: /suse|sles/i, prefixes: ['sles', 'opensuse', 'suse'] },
];

export function pickTemplate(guestOs: string | undefined, hypervisor: string, templates: ZoneDoc['spec']['templates']): { name: string; guessed: boolean } {
  const usable = templates.filter((t) => (t.hypervisors as readonly string[]).includes(hypervisor));
  const family = guestOs === undefined ? undefined : OS_FAMILIES.find((f) => f.words.test(guestOs));
  const match = family && usable.find((t) => family.prefixes.some((p) => t.name.startsWith(p)));
  if (match) return { name: match.name, guessed: false };
  return { name: usable[0]?.name ?? templates[0]?.name ?? 'imported', guessed: true };
}

export function ipsec(
  policy: ImportedIpsecPolicy,
  fallback: { encryption: string; hash: string; group?: number; lifetimeSeconds: number },
  label: string,
  note: (reason: string) => void,
): { encryption: string; hash: string; group?: number; lifetime: string } {
  const encryption = policy.encryption !== undefined && ENCRYPTIONS.has(policy.encryption) ? policy.encryption : fallback.encryption;
  const hash = policy.hash !== undefined && HASHES.has(policy.hash) ? policy.hash : fallback.hash;
  if (policy.encryption !== encryption) note(policy.encryption === undefined ? `${label} encryption not in the source: ${encryption} written` : `${label} encryption ${policy.encryption} is not offered: ${encryption} written; reconfigure the peer`);
  if (policy.hash !== hash) note(policy.hash === undefined ? `${label} hash not in the source: ${hash} written` : `${label} hash ${policy.hash} is not offered: ${hash} written; reconfigure the peer`);
  let group = policy.group;
  if (group !== undefined && !DH_GROUPS.has(group)) {
    note(`${label} DH group ${group} is not offered: ${fallback.group ?? 14} written; reconfigure the peer`);
    group = fallback.group ?? 14;
  }
  if (group === undefined && fallback.group !== undefined) {
    note(`${label} DH group not in the source: ${fallback.group} written`);
    group = fallback.group;
  }
  const seconds = policy.lifetimeSeconds !== undefined && policy.lifetimeSeconds > 0 ? policy.lifetimeSeconds : fallback.lifetimeSeconds;
  return { encryption, hash, ...(group !== undefined ? { group } : {}), lifetime: formatSeconds(Math.min(seconds, 24 * 86_400)) };
}


