/**
 * The tenant router's nftables: one table `inet nf` with NAT and filter chains made when
 * the router is, and rules added per resource, each carrying the resource's address as
 * its comment — the comment is how `read` finds a resource's rules (a rule deleted by
 * hand is drift) and how `delete` removes exactly them. Scripts go to `nft -f -` on stdin.
 */
import { run } from './exec.js';
import { IF } from './names.js';

export const TABLE = 'nf';

/** Chains of the router table, and what they hold. */
export const CHAIN = {
  /** DNAT: static NAT and port forwards. */
  pre: 'prerouting',
  /** SNAT: static NAT first (inserted), then source NAT of networks (appended). */
  post: 'postrouting',
  /** Forwarded traffic from the Internet: only what a rule admits. */
  fwdExt: 'ext_forward',
  /** Traffic from the Internet to the router itself: IKE from VPN peers only. */
  inExt: 'ext_input',
  /** Forwarded traffic leaving to the Internet: a VPN's remote networks are dropped here, so they never leave in clear when the tunnel is down. */
  outExt: 'ext_output',
} as const;

/** The router's base ruleset: everything inbound from ext0 is dropped unless a resource's rule admits it. */
export function baseRuleset(): string {
  const ext = IF.external;
  return `table inet ${TABLE} {
  chain ${CHAIN.pre} { type nat hook prerouting priority dstnat; policy accept; }
  chain ${CHAIN.post} { type nat hook postrouting priority srcnat; policy accept; }
  chain forward {
    type filter hook forward priority filter; policy drop;
    tcp flags syn tcp option maxseg size set rt mtu
    oifname "${ext}" jump ${CHAIN.outExt}
    ct state established,related accept
    iifname != "${ext}" accept
    iifname "${ext}" jump ${CHAIN.fwdExt}
  }
  chain ${CHAIN.fwdExt} { }
  chain ${CHAIN.outExt} { }
  chain input {
    type filter hook input priority filter; policy accept;
    iifname != "${ext}" udp dport { 500, 4500 } drop
    iifname "${ext}" ct state established,related accept
    iifname "${ext}" jump ${CHAIN.inExt}
    iifname "${ext}" drop
  }
  chain ${CHAIN.inExt} { }
}
`;
}

export async function nft(netns: string, script: string): Promise<void> {
  await run('nft', ['-f', '-'], { netns, input: script });
}

export async function tableExists(netns: string): Promise<boolean> {
  try {
    await run('nft', ['list', 'table', 'inet', TABLE], { netns });
    return true;
  } catch {
    return false;
  }
}

export async function ensureBaseRuleset(netns: string): Promise<void> {
  if (!(await tableExists(netns))) await nft(netns, baseRuleset());
}

export interface RuleSpec {
  readonly chain: string;
  /** The rule's statements, e.g. `ip daddr 203.0.113.20 dnat ip to 10.20.0.5`. */
  readonly rule: string;
  /** `insert` puts it first in its chain (static NAT SNAT before a network's). */
  readonly position?: 'add' | 'insert';
}

interface NftJson { nftables: { rule?: { chain: string; handle: number; comment?: string } }[] }

/** Rules of the router table by comment (resource address). */
export async function rulesByComment(netns: string): Promise<Map<string, { chain: string; handle: number }[]>> {
  const out = new Map<string, { chain: string; handle: number }[]>();
  let text: string;
  try {
    text = await run('nft', ['-j', 'list', 'table', 'inet', TABLE], { netns });
  } catch {
    return out;
  }
  for (const item of (JSON.parse(text) as NftJson).nftables) {
    const rule = item.rule;
    if (!rule?.comment) continue;
    const list = out.get(rule.comment) ?? [];
    list.push({ chain: rule.chain, handle: rule.handle });
    out.set(rule.comment, list);
  }
  return out;
}

/** Replaces the rules of `address` with `rules`, in one nft transaction. */
export async function setRules(netns: string, address: string, rules: readonly RuleSpec[]): Promise<void> {
  const existing = (await rulesByComment(netns)).get(address) ?? [];
  const lines = [
    ...existing.map((r) => `delete rule inet ${TABLE} ${r.chain} handle ${r.handle}`),
    ...rules.map((r) => `${r.position === 'insert' ? 'insert' : 'add'} rule inet ${TABLE} ${r.chain} ${r.rule} comment ${quote(address)}`),
  ];
  if (lines.length > 0) await nft(netns, lines.join('\n') + '\n');
}

export async function removeRules(netns: string, address: string): Promise<void> {
  await setRules(netns, address, []);
}

/** Addresses are DNS labels joined by "/": quoting is for nft's syntax, not for safety. */
const quote = (text: string): string => {
  if (!/^[a-z0-9/.:-]+$/.test(text)) throw new Error(`not a resource address: ${JSON.stringify(text)}`);
  return `"${text}"`;
};
