/**
 * Usage records folded into what the usage page charts: per usage type, one series per
 * tenant of the quantity in each period. Pure: the page hands in the records of the
 * export the caller may have (engine/usage's selectedUsageRecords), so a chart never
 * shows a tenant the download would not hold.
 *
 * Invariants: every series of a chart has a point for every period of the range that
 * has begun (a period with no record is 0, not a gap), and none for periods after now;
 * past `maxSeries` tenants the smallest are summed into one "other tenants" series, so
 * a chart of a thousand tenants stays readable and small.
 */
import { HOUR_MS, periodsBetween, type Period, type UsageRange, USAGE_TYPE_NAMES, USAGE_TYPES, type UsageRecord } from '../../usage/index.js';
import type { Series } from './charts.js';

export interface UsageChart {
  /** The usage type, as the export names it (`vm-hours`). */
  readonly usageType: string;
  readonly unit: string;
  /** What the type meters, for people. */
  readonly meters: string;
  /** Biggest tenant first; an "other tenants" series last. */
  readonly series: readonly Series[];
}

/** Hourly for a month is the longest chart: longer ranges take a coarser granularity. */
export const MAX_PERIODS = 31 * 24;

/** The periods of `range` that have begun by `now`. */
export function periodsSoFar(range: UsageRange, now: number): Period[] {
  return [...periodsBetween(range.from, range.to, range.granularity, range.from, Math.min(range.to, now))];
}

/** How many periods `range` has, counted without walking them (a range may span centuries), to refuse a chart too long to draw before reading any record. */
export function periodCount(range: UsageRange): number {
  if (range.granularity === 'month') {
    const from = new Date(range.from), to = new Date(range.to);
    return (to.getUTCFullYear() - from.getUTCFullYear()) * 12 + to.getUTCMonth() - from.getUTCMonth();
  }
  return Math.ceil((range.to - range.from) / (range.granularity === 'hour' ? HOUR_MS : 24 * HOUR_MS));
}

const typeOrder = (type: string): number => {
  const i = (USAGE_TYPE_NAMES as readonly string[]).indexOf(type);
  return i === -1 ? USAGE_TYPE_NAMES.length : i;
};

const describe = (type: string): { unit: string; meters: string } | undefined =>
  type in USAGE_TYPES ? USAGE_TYPES[type as keyof typeof USAGE_TYPES] : undefined;

/** One chart per usage type that has records, in the export's order of types. */
export function usageCharts(records: Iterable<UsageRecord>, range: UsageRange, now: number, maxSeries = 8): UsageChart[] {
  const periods = periodsSoFar(range, now);
  const index = new Map(periods.map((p, i) => [p.start, i]));
  const byType = new Map<string, { unit: string; tenants: Map<string, Float64Array> }>();
  for (const r of records) {
    const i = index.get(Date.parse(r.start));
    if (i === undefined) continue;
    let type = byType.get(r.usageType);
    if (!type) byType.set(r.usageType, (type = { unit: r.unit, tenants: new Map() }));
    let values = type.tenants.get(r.tenant);
    if (!values) type.tenants.set(r.tenant, (values = new Float64Array(periods.length)));
    values[i]! += Number(r.quantity);
  }
  const charts = [...byType]
    .sort(([a], [b]) => typeOrder(a) - typeOrder(b) || (a < b ? -1 : a > b ? 1 : 0))
    .map(([usageType, { unit, tenants }]) => ({
      usageType,
      unit: describe(usageType)?.unit ?? unit,
      meters: describe(usageType)?.meters ?? '',
      series: tenantSeries(tenants, periods, maxSeries),
    }));
  // One look per tenant on the whole page, in the order tenants first appear; "other tenants" looks like itself everywhere too.
  const styles = new Map<string, number>();
  for (const chart of charts) for (const s of chart.series) if (!styles.has(styleKey(s.name))) styles.set(styleKey(s.name), styles.size);
  return charts.map((c) => ({ ...c, series: c.series.map((s) => ({ ...s, style: styles.get(styleKey(s.name))! })) }));
}

const OTHERS = / other tenants$/;
const styleKey = (name: string): string => (OTHERS.test(name) ? ' others' : name);

function tenantSeries(tenants: ReadonlyMap<string, Float64Array>, periods: readonly Period[], maxSeries: number): Series[] {
  const total = (values: Float64Array): number => values.reduce((a, b) => a + b, 0);
  const ranked = [...tenants]
    .map(([name, values]) => ({ name, values, total: total(values) }))
    .sort((a, b) => b.total - a.total || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const shown = ranked.length > maxSeries ? ranked.slice(0, Math.max(1, maxSeries - 1)) : ranked;
  const rest = ranked.slice(shown.length);
  const series = shown.map(({ name, values }) => ({ name, points: pointsOf(values, periods) }));
  if (rest.length > 0) {
    const sum = new Float64Array(periods.length);
    for (const { values } of rest) values.forEach((v, i) => (sum[i]! += v));
    series.push({ name: `${rest.length} other tenants`, points: pointsOf(sum, periods) });
  }
  return series;
}

/** Sums of exact decimals as floats: charts need 3 significant places, the download keeps the exact text. */
const pointsOf = (values: Float64Array, periods: readonly Period[]): Series['points'] =>
  periods.map((p, i) => ({ start: p.start, end: p.end, value: Math.round(values[i]! * 1e6) / 1e6 }));
