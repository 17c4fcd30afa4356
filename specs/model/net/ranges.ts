/**
 * Inclusive integer ranges (VLAN IDs, VNIs, IPv4 addresses as integers): parsed from the
 * spec's `"100-999"` entries, sorted and merged, tested and printed for messages.
 */
import type { Ipv4Range } from './ipv4.js';

/** Inclusive integer ranges, sorted and merged. */
export type Ranges = readonly Ipv4Range[];

/** `["100-999", 1200, "1300"]` → sorted, merged ranges; malformed entries are skipped. */
export function parseRanges(entries: readonly (string | number)[]): Ranges {
  const ranges: { first: number; last: number }[] = [];
  for (const entry of entries) {
    const [from = '', to = from] = String(entry).split('-').map((s) => s.trim());
    const first = Number(from);
    const last = Number(to);
    if (Number.isInteger(first) && Number.isInteger(last) && first <= last) ranges.push({ first, last });
  }
  ranges.sort((a, b) => a.first - b.first || a.last - b.last);
  const merged: { first: number; last: number }[] = [];
  for (const r of ranges) {
    const prev = merged[merged.length - 1];
    if (prev && r.first <= prev.last + 1) prev.last = Math.max(prev.last, r.last);
    else merged.push({ ...r });
  }
  return merged;
}

export function inRanges(ranges: Ranges, value: number): boolean {
  for (const r of ranges) if (value >= r.first && value <= r.last) return true;
  return false;
}

/** `100-999, 1200` for messages. */
export function formatRanges(ranges: Ranges, format: (n: number) => string = String): string {
  return ranges.map((r) => (r.first === r.last ? format(r.first) : `${format(r.first)}-${format(r.last)}`)).join(', ');
}
