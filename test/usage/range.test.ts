/**
 * What an operator may type for --from, --to and --granularity, and what they are told
 * when it is wrong: every problem at once, in one line each.
 */
import { describe, expect, it } from 'vitest';
import { parseInstant, parseRange } from '../../engine/usage/range.js';
import { periodsBetween, formatInstant } from '../../engine/usage/period.js';

describe('parseInstant', () => {
  it.each([
    { reason: 'a month is its first day at midnight UTC', given: '2025-03', want: '2025-03-01T00:00:00Z' },
    { reason: 'a date is midnight UTC', given: '2025-03-10', want: '2025-03-10T00:00:00Z' },
    { reason: 'Z is UTC', given: '2025-03-10T10:00Z', want: '2025-03-10T10:00:00Z' },
    { reason: 'milliseconds are kept', given: '2025-03-10T10:15:30.250Z', want: '2025-03-10T10:15:30.250Z' },
    { reason: 'an offset is converted to UTC', given: '2025-03-10T12:00:00+02:00', want: '2025-03-10T10:00:00Z' },
    { reason: 'a negative offset too', given: '2025-03-09T17:00:00-07:00', want: '2025-03-10T00:00:00Z' },
  ])('$reason', ({ given, want }) => {
    const parsed = parseInstant(given);
    expect('ms' in parsed && formatInstant(parsed.ms)).toBe(want);
  });

  it.each([
    { reason: 'a time without a zone is ambiguous', given: '2025-03-10T10:00', want: 'has no time zone' },
    { reason: 'February has no 30th', given: '2025-02-30', want: 'is not a valid date' },
    { reason: 'there is no hour 24', given: '2025-03-10T24:00Z', want: 'is not a valid date' },
    { reason: 'free text is not a date', given: 'yesterday', want: 'is not an ISO 8601 date' },
  ])('refuses: $reason', ({ given, want }) => {
    const parsed = parseInstant(given);
    expect('problem' in parsed && parsed.problem).toContain(want);
  });
});

describe('parseRange', () => {
  it.each([
    { reason: 'a day of hours', given: { from: '2025-03-10', to: '2025-03-11' }, want: { granularity: 'hour', periods: 24 } },
    { reason: 'a month of days', given: { from: '2025-02-01', to: '2025-03-01', granularity: 'day' }, want: { granularity: 'day', periods: 28 } },
    { reason: 'a leap February in hours', given: { from: '2024-02', to: '2024-03' }, want: { granularity: 'hour', periods: 29 * 24 } },
    { reason: 'a year of months', given: { from: '2025-01', to: '2026-01', granularity: 'month' }, want: { granularity: 'month', periods: 12 } },
  ])('$reason', ({ given, want }) => {
    const r = parseRange(given);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.range.granularity).toBe(want.granularity);
    expect([...periodsBetween(r.range.from, r.range.to, r.range.granularity)]).toHaveLength(want.periods);
  });

  it.each([
    { reason: 'both ends are required', given: {}, want: ['--from is required', '--to is required'] },
    { reason: 'the range must not be empty or reversed', given: { from: '2025-03-11', to: '2025-03-10' }, want: ['--from (2025-03-11T00:00:00Z) must be before --to (2025-03-10T00:00:00Z); the range is [from, to)'] },
    { reason: 'hourly periods start on the hour', given: { from: '2025-03-10T10:15Z', to: '2025-03-11' }, want: ['--from 2025-03-10T10:15:00Z is not at the start of an hour: use a whole hour (UTC)'] },
    {
      reason: 'monthly periods start on the first',
      given: { from: '2025-03-10', to: '2025-04-15', granularity: 'month' },
      want: [
        '--from 2025-03-10T00:00:00Z is not at the start of a month: use the first of a month, midnight UTC',
        '--to 2025-04-15T00:00:00Z is not at the start of a month: use the first of a month, midnight UTC',
      ],
    },
    { reason: 'an unknown granularity', given: { from: '2025-03-10', to: '2025-03-11', granularity: 'week' }, want: ['--granularity must be one of hour, day, month, not "week"'] },
  ])('refuses: $reason', ({ given, want }) => {
    const r = parseRange(given);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual(want);
  });
});
