/**
 * Exact usage quantities. Time is integer milliseconds; a rate is units per hour as an
 * exact fraction (whole vCPUs, GiB, or MiB/1024 for memory). Usage is cut into hour
 * slices — the part of a usage line inside one UTC hour — and each slice is one exact
 * integer of pico-units (10⁻¹² of a unit-hour): a whole hour is exact by construction,
 * and a partial hour (a resource created at 10:14) is rounded half-up at the 12th
 * decimal only when its decimal does not terminate. Every period's quantity is a sum of
 * whole slices, so 24 hourly records add up to the daily record exactly, and the days
 * of a month to the month.
 */
import { HOUR_MS } from './period.js';

/** Decimal places of every quantity. */
export const QUANTITY_DECIMALS = 12;
const SCALE = 10n ** BigInt(QUANTITY_DECIMALS);

/** Units per hour, exactly `num / den`; `den` divides 10¹² (1, or 1024 for MiB → GiB). */
export interface Rate {
  readonly num: number;
  readonly den: number;
}

/** An amount in pico-units (unit-hours × 10¹²). */
export type Quantity = bigint;

export const sameRate = (a: Rate, b: Rate): boolean => a.num * b.den === b.num * a.den;

/** What one whole hour at `rate` adds up to; exact because `den` divides 10¹². */
export function perHour(rate: Rate): Quantity {
  if ((SCALE * BigInt(rate.num)) % BigInt(rate.den) !== 0n) throw new Error(`quantity: rate ${rate.num}/${rate.den} is not exact in ${QUANTITY_DECIMALS} decimals`);
  return (SCALE * BigInt(rate.num)) / BigInt(rate.den);
}

/** One hour slice shorter than an hour: `rate × ms / 1 h`, rounded half-up at the 12th decimal. */
export function partialHour(rate: Rate, ms: number): Quantity {
  const num = BigInt(rate.num) * BigInt(ms) * SCALE;
  const den = BigInt(rate.den) * BigInt(HOUR_MS);
  return (2n * num + den) / (2n * den);
}

/**
 * The usage of a line at `rate` over [a, b), as the sum of its hour slices: a partial
 * slice up to the first whole hour, whole hours, a partial slice after the last one.
 * The slices are the same whatever period [a, b) belongs to, which is what makes
 * periods add up.
 */
export function usageBetween(rate: Rate, a: number, b: number, wholeHour: Quantity = perHour(rate)): Quantity {
  if (b <= a) return 0n;
  let q = 0n;
  let t = a;
  const headEnd = Math.min(b, Math.ceil(a / HOUR_MS) * HOUR_MS);
  if (headEnd > t) {
    q += partialHour(rate, headEnd - t);
    t = headEnd;
  }
  const tailStart = Math.max(t, Math.floor(b / HOUR_MS) * HOUR_MS);
  const whole = (tailStart - t) / HOUR_MS;
  if (whole === 1) q += wholeHour;
  else if (whole > 0) q += BigInt(whole) * wholeHour;
  if (b > tailStart) q += partialHour(rate, b - tailStart);
  return q;
}

/** `2750000000000n` → `"2.75"`: the exact decimal, trailing zeros dropped. */
export function formatQuantity(q: Quantity): string {
  const negative = q < 0n;
  const digits = (negative ? -q : q).toString().padStart(QUANTITY_DECIMALS + 1, '0');
  const whole = digits.slice(0, -QUANTITY_DECIMALS);
  const fraction = digits.slice(-QUANTITY_DECIMALS).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** The inverse of `formatQuantity`, for tests and consumers that add quantities up. */
export function parseQuantity(text: string): Quantity {
  const m = /^(-?)(\d+)(?:\.(\d{1,12}))?$/.exec(text);
  if (!m) throw new Error(`not a quantity: ${JSON.stringify(text)}`);
  const q = BigInt(m[2]!) * SCALE + BigInt((m[3] ?? '').padEnd(QUANTITY_DECIMALS, '0'));
  return m[1] ? -q : q;
}
