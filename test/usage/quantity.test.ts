/**
 * Quantities are exact: whole hours exactly, partial hours rounded only at the 12th
 * decimal and only when the decimal does not end, and any period is a sum of the same
 * hour slices — so hours add up to days and days to months, to the last digit.
 */
import { describe, expect, it } from 'vitest';
import { formatQuantity, parseQuantity, usageBetween, type Rate } from '../../engine/usage/quantity.js';
import { periodsBetween } from '../../engine/usage/period.js';
import { ms } from './events.js';

const ONE: Rate = { num: 1, den: 1 };
const q = (rate: Rate, a: number, b: number): string => formatQuantity(usageBetween(rate, a, b));

describe('usageBetween', () => {
  it.each([
    { reason: 'a whole hour is one unit-hour', rate: ONE, from: '10:00', to: '11:00', want: '1' },
    { reason: 'a quarter past to the hour is 0.75', rate: ONE, from: '10:15', to: '11:00', want: '0.75' },
    { reason: 'across hours: partial head, whole hours, partial tail', rate: ONE, from: '10:15', to: '14:45', want: '4.5' },
    { reason: 'inside one hour', rate: ONE, from: '10:15', to: '10:45', want: '0.5' },
    { reason: '40 minutes does not terminate: rounded half-up at 12 decimals', rate: ONE, from: '10:20', to: '11:00', want: '0.666666666667' },
    { reason: 'vCPUs multiply', rate: { num: 4, den: 1 }, from: '10:15', to: '11:00', want: '3' },
    { reason: 'memory is MiB/1024 GiB, exactly', rate: { num: 1536, den: 1024 }, from: '10:00', to: '12:00', want: '3' },
    { reason: 'one MiB for an hour is 1/1024 GiB-hour, all ten decimals', rate: { num: 1, den: 1024 }, from: '10:00', to: '11:00', want: '0.0009765625' },
    { reason: 'a millisecond of 1 TiB', rate: { num: 1024, den: 1 }, from: '10:00:00.000', to: '10:00:00.001', want: '0.000284444444' },
    { reason: 'nothing when the interval is empty', rate: ONE, from: '10:00', to: '10:00', want: '0' },
  ])('$reason', ({ rate, from, to, want }) => {
    expect(q(rate, ms(from), ms(to))).toBe(want);
  });

  it('hour slices add up to the day and days to the month, exactly, at any boundaries', () => {
    // Odd boundaries: 7 ms past a third of a minute, on a 5 GiB, 1000 MiB-ish rate.
    const rate: Rate = { num: 5001, den: 1024 };
    const start = Date.parse('2025-03-03T07:20:00.007Z');
    const end = Date.parse('2025-03-29T16:41:13.333Z');
    const month = { start: Date.parse('2025-03-01T00:00:00Z'), end: Date.parse('2025-04-01T00:00:00Z') };
    const sum = (granularity: 'hour' | 'day'): bigint => {
      let total = 0n;
      for (const p of periodsBetween(month.start, month.end, granularity)) total += usageBetween(rate, Math.max(start, p.start), Math.min(end, p.end));
      return total;
    };
    const whole = usageBetween(rate, start, end);
    expect(sum('hour')).toBe(whole);
    expect(sum('day')).toBe(whole);
  });
});

describe('formatQuantity / parseQuantity', () => {
  it.each([
    { reason: 'integers have no point', given: 2_000_000_000_000n, want: '2' },
    { reason: 'trailing zeros go', given: 2_750_000_000_000n, want: '2.75' },
    { reason: 'leading zeros stay', given: 1n, want: '0.000000000001' },
    { reason: 'zero', given: 0n, want: '0' },
    { reason: 'large values stay exact', given: 123_456_789_012_345_678_901_234n, want: '123456789012.345678901234' },
  ])('$reason', ({ given, want }) => {
    expect(formatQuantity(given)).toBe(want);
    expect(parseQuantity(want)).toBe(given);
  });
});
