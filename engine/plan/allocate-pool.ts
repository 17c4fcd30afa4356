/**
 * The bookkeeping every allocator shares: pools of integers (VLAN IDs, VNIs, IPv4
 * addresses as integers) handed out lowest-first, and the rule for reusing what state
 * recorded. Values are claimed by spec (fixed), by state (recorded for an address) or
 * by this run (taken); a new allocation never takes a claimed value.
 */
import type { Ranges } from '../../specs/model/net/ranges.js';
import type { Draft } from './expand.js';

export { formatRanges, inRanges, parseRanges, type Ranges } from '../../specs/model/net/ranges.js';

/** Who claims each value: addresses by value (one string for the usual single owner). */
export class Claims {
  private readonly owners = new Map<number, string | string[]>();

  add(value: number, address: string): void {
    const owner = this.owners.get(value);
    if (owner === undefined) this.owners.set(value, address);
    else if (typeof owner === 'string') this.owners.set(value, [owner, address]);
    else owner.push(address);
  }

  has(value: number): boolean {
    return this.owners.has(value);
  }

  get(value: number): readonly string[] {
    const owner = this.owners.get(value);
    return owner === undefined ? [] : typeof owner === 'string' ? [owner] : owner;
  }

  /** True when nobody but the draft itself (under its address or its previous one) claims the value. */
  onlyBy(value: number, draft: Pick<Draft, 'address' | 'previously'>): boolean {
    const owner = this.owners.get(value);
    if (owner === undefined) return true;
    const self = (a: string): boolean => a === draft.address || a === draft.previously;
    return typeof owner === 'string' ? self(owner) : owner.every(self);
  }
}

/**
 * Hands out the lowest value of `ranges` that is not in use, ascending. The cursor only
 * moves forward: within one run, values are only ever claimed, never released, so
 * anything behind it stays in use. Linear in the pool size over a whole run.
 */
export class LowestFree {
  private index = 0;
  private next: number;

  constructor(
    private readonly ranges: Ranges,
    private readonly inUse: (value: number) => boolean,
  ) {
    this.next = ranges[0]?.first ?? 0;
  }

  take(): number | undefined {
    while (this.index < this.ranges.length) {
      const range = this.ranges[this.index]!;
      if (this.next < range.first) this.next = range.first;
      while (this.next <= range.last) {
        const value = this.next++;
        if (!this.inUse(value)) return value;
      }
      this.index++;
    }
    return undefined;
  }
}
