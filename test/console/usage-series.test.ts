/**
 * The usage page's charts come from the export's own records: one chart per usage type,
 * one series per tenant, every period that has begun filled (0 where nothing was used).
 */
import { describe, expect, it } from 'vitest';
import { usageCharts } from '../../engine/serve/console/usage-series.js';
import type { UsageRecord } from '../../engine/usage/index.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 2, 1);
const iso = (t: number): string => new Date(t).toISOString().replace('.000Z', 'Z');

function record(tenant: string, usageType: UsageRecord['usageType'], hour: number, quantity: string): UsageRecord {
  return {
    tenant, partner: '', zone: 'z1', address: `${tenant}/vm/a`, resourceType: 'vm', usageType, cloudstackUsageType: null,
    hypervisor: '', size: '', tier: '', start: iso(T0 + hour * HOUR), end: iso(T0 + (hour + 1) * HOUR), quantity, unit: 'hours',
  };
}

const range = { from: T0, to: T0 + 4 * HOUR, granularity: 'hour' as const };

describe('usage charts', () => {
  it('sums records per tenant and period, fills periods with no record with 0, and stops at now', () => {
    const charts = usageCharts(
      [record('acme', 'vm-hours', 0, '1'), record('acme', 'vm-hours', 0, '0.5'), record('acme', 'vm-hours', 2, '1'), record('beta', 'storage-gib-hours', 1, '40')],
      range,
      T0 + 3 * HOUR - 1, // the fourth hour has not begun
    );
    expect(charts.map((c) => [c.usageType, c.unit])).toEqual([['vm-hours', 'hours'], ['storage-gib-hours', 'GiB-hours']]);
    expect(charts[0]!.series).toEqual([{ name: 'acme', style: 0, points: [0, 1, 2].map((h) => ({ start: T0 + h * HOUR, end: T0 + (h + 1) * HOUR, value: [1.5, 0, 1][h] })) }]);
  });

  it('keeps the biggest tenants and sums the rest into one series', () => {
    const records = ['a', 'b', 'c', 'd'].flatMap((t, i) => [record(t, 'vm-hours', 0, String(i + 1))]);
    const [chart] = usageCharts(records, range, T0 + HOUR);
    expect(usageCharts(records, range, T0 + HOUR, 4)[0]!.series.map((s) => s.name)).toEqual(['d', 'c', 'b', 'a']);
    const top = usageCharts(records, range, T0 + HOUR, 3)[0]!.series;
    expect(top.map((s) => [s.name, s.points[0]!.value])).toEqual([['d', 4], ['c', 3], ['2 other tenants', 3]]);
    expect(chart!.series).toHaveLength(4);
  });

  it('gives a tenant the same look in every chart, and the other tenants theirs', () => {
    const records = [record('a', 'vm-hours', 0, '1'), record('b', 'vm-hours', 0, '2'), record('c', 'vm-hours', 0, '3'), record('a', 'storage-gib-hours', 0, '9'), record('c', 'storage-gib-hours', 0, '1')];
    const looks = usageCharts(records, range, T0 + HOUR, 2).map((c) => c.series.map((s) => [s.name, s.style]));
    expect(looks).toEqual([[['c', 0], ['2 other tenants', 1]], [['a', 2], ['c', 0]]]);
  });

  it('has no chart when nothing was used, and none for a range that has not begun', () => {
    expect(usageCharts([], range, T0 + HOUR)).toEqual([]);
    expect(usageCharts([record('acme', 'vm-hours', 0, '1')], range, T0 - 1)).toEqual([]);
  });
});
