/**
 * Billing periods: half-open UTC intervals [start, end) of one hour, one day or one
 * calendar month. An export range is a whole number of periods, so every instant of
 * the range lies in exactly one period and nothing is counted twice or lost at a seam.
 * Times are integer milliseconds since the epoch; nothing here reads the clock.
 */

export const GRANULARITIES = ['hour', 'day', 'month'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

export const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface Period {
  /** Inclusive, ms since the epoch (UTC). */
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
}

/** The start of the period holding `t`. */
export function periodFloor(t: number, granularity: Granularity): number {
  switch (granularity) {
    case 'hour':
      return Math.floor(t / HOUR_MS) * HOUR_MS;
    case 'day':
      return Math.floor(t / DAY_MS) * DAY_MS;
    case 'month': {
      const d = new Date(t);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    }
  }
}

/** The start of the period after the one starting at `start`. */
export function periodAfter(start: number, granularity: Granularity): number {
  switch (granularity) {
    case 'hour':
      return start + HOUR_MS;
    case 'day':
      return start + DAY_MS;
    case 'month': {
      const d = new Date(start);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    }
  }
}

export const isAligned = (t: number, granularity: Granularity): boolean => periodFloor(t, granularity) === t;

/** The periods of [from, to) that overlap [since, until), in order. `from` must be aligned. */
export function* periodsBetween(from: number, to: number, granularity: Granularity, since = from, until = to): Generator<Period> {
  let start = Math.max(from, periodFloor(since, granularity));
  const last = Math.min(to, until);
  while (start < last) {
    const end = periodAfter(start, granularity);
    yield { start, end };
    start = end;
  }
}

/** `2025-03-01T10:00:00Z`: ISO 8601 UTC, without milliseconds when there are none. */
export function formatInstant(t: number): string {
  const iso = new Date(t).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}
