/**
 * The export range as an operator writes it (`--from 2025-03-01 --to 2025-04-01
 * --granularity day`), checked into whole periods. Problems are returned as messages,
 * all at once, for the CLI to print; nothing here throws on user input.
 */
import { type Granularity, GRANULARITIES, isAligned, formatInstant } from './period.js';

export interface UsageRange {
  /** ms since the epoch, aligned to `granularity`. */
  readonly from: number;
  /** Exclusive, aligned to `granularity`, after `from`. */
  readonly to: number;
  readonly granularity: Granularity;
}

export type RangeResult =
  | { readonly ok: true; readonly range: UsageRange; readonly problems?: never }
  | { readonly ok: false; readonly problems: readonly string[]; readonly range?: never };

// YYYY-MM | YYYY-MM-DD | YYYY-MM-DDTHH:MM[:SS[.fff]](Z|±HH:MM)
const INSTANT = /^(\d{4})-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})?)?)?$/;

/** An instant from `--from`/`--to`: ms since the epoch, or why it is not one. */
export function parseInstant(text: string): { ms: number } | { problem: string } {
  const m = INSTANT.exec(text.trim());
  if (!m) return { problem: `${JSON.stringify(text)} is not an ISO 8601 date or time (2025-03, 2025-03-01 or 2025-03-01T10:00:00Z)` };
  const [, y, mo, d = '01', h, mi, s = '00', frac = '0', zone] = m;
  if (h !== undefined && zone === undefined) {
    return { problem: `${JSON.stringify(text)} has no time zone: add Z for UTC (or an offset such as +02:00)` };
  }
  const year = Number(y), month = Number(mo), day = Number(d), hour = Number(h ?? 0), minute = Number(mi ?? 0), second = Number(s);
  const local = Date.UTC(year, month - 1, day, hour, minute, second, Number(frac.padEnd(3, '0')));
  const back = new Date(local);
  if (month < 1 || month > 12 || back.getUTCDate() !== day || back.getUTCMonth() !== month - 1 || hour > 23 || minute > 59 || second > 59) {
    return { problem: `${JSON.stringify(text)} is not a valid date or time` };
  }
  let offsetMinutes = 0;
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    offsetMinutes = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  }
  return { ms: local - offsetMinutes * 60_000 };
}

const UNIT: Record<Granularity, string> = { hour: 'a whole hour (UTC)', day: 'midnight UTC', month: 'the first of a month, midnight UTC' };

/** Checks `--from`, `--to` and `--granularity` together and reports every problem. */
export function parseRange(input: { from?: string; to?: string; granularity?: string }): RangeResult {
  const problems: string[] = [];
  const granularity = (input.granularity ?? 'hour') as Granularity;
  const granularityOk = (GRANULARITIES as readonly string[]).includes(granularity);
  if (!granularityOk) problems.push(`--granularity must be one of ${GRANULARITIES.join(', ')}, not ${JSON.stringify(input.granularity)}`);
  const instant = (name: 'from' | 'to'): number | undefined => {
    const text = input[name];
    if (text === undefined || text === '') {
      problems.push(`--${name} is required`);
      return undefined;
    }
    const parsed = parseInstant(text);
    if ('problem' in parsed) {
      problems.push(`--${name}: ${parsed.problem}`);
      return undefined;
    }
    if (granularityOk && !isAligned(parsed.ms, granularity)) {
      problems.push(`--${name} ${formatInstant(parsed.ms)} is not at the start of ${granularity === 'hour' ? 'an' : 'a'} ${granularity}: use ${UNIT[granularity]}`);
    }
    return parsed.ms;
  };
  const from = instant('from');
  const to = instant('to');
  if (from !== undefined && to !== undefined && from >= to) {
    problems.push(`--from (${formatInstant(from)}) must be before --to (${formatInstant(to)}); the range is [from, to)`);
  }
  if (problems.length > 0 || from === undefined || to === undefined) return { ok: false, problems };
  return { ok: true, range: { from, to, granularity } };
}
