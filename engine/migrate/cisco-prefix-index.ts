/**
 * A list of prefixes indexed for overlap questions ("which of these overlap 10.0.0.0/8?"),
 * so that comparing every NAT source or crypto-ACL entry with every imported network
 * costs per question, not questions × networks: a file can hold tens of thousands of
 * each. Two CIDR blocks overlap exactly when one holds the other, so a question looks
 * among the block's own ancestors (at most 33) and among the prefixes starting inside it.
 */
import { cidrOf, prefixOf, type Prefix } from './cisco-ipv4.js';

export class PrefixIndex {
  /** Positions in the list by the prefix's text (`10.0.0.0/24`). */
  private readonly byPrefix = new Map<string, number[]>();
  /** Positions by network address, ascending. */
  private readonly sorted: readonly { readonly base: number; readonly at: number }[];

  constructor(prefixes: readonly Prefix[]) {
    prefixes.forEach((p, at) => {
      const key = cidrOf(p);
      const list = this.byPrefix.get(key);
      if (list) list.push(at);
      else this.byPrefix.set(key, [at]);
    });
    this.sorted = prefixes.map((p, at) => ({ base: p.base, at })).sort((a, b) => a.base - b.base || a.at - b.at);
  }

  /** Calls `hit` with the position of every listed prefix overlapping `p` (a position may come twice); true when there was one. */
  overlapping(p: Prefix, hit: (at: number) => void = () => {}): boolean {
    let found = false;
    for (let len = 0; len <= p.len; len++) {
      for (const at of this.byPrefix.get(cidrOf(prefixOf(p.base, len))) ?? []) {
        hit(at);
        found = true;
      }
    }
    const last = p.base + 2 ** (32 - p.len) - 1;
    for (let k = this.firstAtOrAfter(p.base); k < this.sorted.length && this.sorted[k]!.base <= last; k++) {
      hit(this.sorted[k]!.at);
      found = true;
    }
    return found;
  }

  /** Whether any listed prefix overlaps `p`. */
  overlapsAny(p: Prefix): boolean {
    for (let len = 0; len <= p.len; len++) if (this.byPrefix.has(cidrOf(prefixOf(p.base, len)))) return true;
    const k = this.firstAtOrAfter(p.base);
    return k < this.sorted.length && this.sorted[k]!.base <= p.base + 2 ** (32 - p.len) - 1;
  }

  /** The first sorted position whose base is at least `base` (binary search). */
  private firstAtOrAfter(base: number): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid]!.base < base) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
