/**
 * The console's charts render on the server from plain values: what an operator reads
 * next to a bar, what a screen reader hears, and that a hostile name stays text.
 */
import { h } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import { formatNumber, timeTicks, valueTicks } from '../../engine/serve/console/chart-ticks.js';
import { CapacityBar, capacityFigures, capacityLevel, TimeSeriesChart, type Series } from '../../engine/serve/console/charts.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 2, 1); // 2025-03-01T00:00Z
const hourly = (values: readonly number[], from = T0): Series['points'] =>
  values.map((value, i) => ({ start: from + i * HOUR, end: from + (i + 1) * HOUR, value }));

const HOSTILE = '<script>alert(1)</script>"&\'';

const bar = (props: Parameters<typeof CapacityBar>[0]): string => renderToString(h(CapacityBar, props));
const chart = (props: Parameters<typeof TimeSeriesChart>[0]): string => renderToString(h(TimeSeriesChart, props));

describe('capacity bar', () => {
  it.each([
    { reason: 'the figures an operator reads', used: 412, capacity: 640, unit: 'GiB', want: '412 of 640 GiB (64%)', level: 'ok' },
    { reason: 'rounded down below capacity, so 84.9% does not read as the warning threshold', used: 849, capacity: 1000, unit: 'GiB', want: '849 of 1,000 GiB (84%)', level: 'ok' },
    { reason: '85% is the warning threshold', used: 85, capacity: 100, unit: 'vCPUs', want: '85 of 100 vCPUs (85%)', level: 'warning' },
    { reason: 'full is 100% and still a warning, not over', used: 64, capacity: 64, unit: 'vCPUs', want: '64 of 64 vCPUs (100%)', level: 'warning' },
    { reason: 'over-commit shows above 100%', used: 96, capacity: 64, unit: 'vCPUs', want: '96 of 64 vCPUs (150%)', level: 'over' },
    { reason: 'a little use never reads as none', used: 3, capacity: 900, unit: 'VLAN IDs', want: '3 of 900 VLAN IDs (<1%)', level: 'ok' },
    { reason: 'an empty pool is no capacity, not a division by zero', used: 0, capacity: 0, unit: 'addresses', want: '0 of 0 addresses (no capacity)', level: 'none' },
    { reason: 'use of a pool of nothing is over capacity', used: 2, capacity: 0, unit: 'addresses', want: '2 of 0 addresses (no capacity)', level: 'over' },
    { reason: 'memory in GiB keeps one decimal', used: 1.5, capacity: 16, unit: 'GiB', want: '1.5 of 16 GiB (9%)', level: 'ok' },
  ])('$reason', ({ used, capacity, unit, want, level }) => {
    expect(capacityFigures(used, capacity, unit)).toBe(want);
    expect(capacityLevel(used, capacity)).toBe(level);
    const html = bar({ label: 'Storage', used, capacity, unit });
    expect(html).toContain(`capacity-${level}`);
    expect(html).toContain(want.replace('<', '&lt;'));
  });

  it('is an image named by its figures, with the figures and state also as text', () => {
    const html = bar({ label: 'CPU', used: 90, capacity: 100, unit: 'vCPUs', decimals: 0 });
    expect(html).toContain('role="img"');
    expect(html).toContain('aria-label="CPU: 90 of 100 vCPUs (90%), nearly full"');
    expect(html).toContain('<title>CPU: 90 of 100 vCPUs (90%), nearly full</title>');
    expect(html).toContain('90 of 100 vCPUs (90%) — 10 vCPUs free, nearly full');
  });

  it('over capacity fills the bar, marks where capacity ends and says by how much', () => {
    const html = bar({ label: 'Memory', used: 150, capacity: 100, unit: 'GiB' });
    expect(html).toContain('over capacity by 50 GiB');
    // Scale is what is used: the bar is full, capacity ends at two thirds (133.3 of 200).
    expect(html).toMatch(/<rect x="0" y="0" width="200" height="12" fill="#c53030"/);
    expect(html).toMatch(/<rect x="132.3" y="0" width="2"/);
  });

  it('escapes a hostile label in text, title and aria-label', () => {
    const html = bar({ label: HOSTILE, used: 1, capacity: 2, unit: HOSTILE });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script>alert(1)&lt;/script>');
    expect(html).toContain('aria-label="&lt;script>alert(1)&lt;/script>&quot;&amp;\'');
  });
});

describe('time series chart', () => {
  const day = { from: T0, to: T0 + 24 * HOUR };

  it('says there is no usage instead of drawing empty axes', () => {
    for (const series of [[], [{ name: 'vm-hours', points: [] }]]) {
      const html = chart({ title: 'Storage', unit: 'GiB-hours', ...day, series });
      expect(html).not.toContain('<svg');
      expect(html).toContain('No storage usage from 2025-03-01 00:00 UTC to 2025-03-02 00:00 UTC.');
    }
  });

  it('draws one point as a marker (a line of one point is invisible) and lists it in the table', () => {
    const html = chart({ title: 'VMs', unit: 'hours', from: T0, to: T0 + HOUR, series: [{ name: 'acme', points: hourly([1]) }] });
    expect(html).not.toContain('<path');
    expect(html).toMatch(/<circle cx="\d+(\.\d)?" cy="\d+(\.\d)?" r="3"/);
    expect(html).toContain('<th scope="row">2025-03-01 00:00 UTC</th><td>1</td>');
    expect(html).toContain('aria-label="VMs in hours, 2025-03-01 00:00 UTC to 2025-03-01 01:00 UTC: 1 series; highest 1 hours (acme, period from 2025-03-01 00:00 UTC)."');
  });

  it('has value ticks up to a round value above the peak, time ticks, a legend and a table row per period', () => {
    const html = chart({
      title: 'Storage',
      unit: 'GiB-hours',
      ...day,
      series: [
        { name: 'ssd', points: hourly(Array.from({ length: 24 }, (_, i) => i * 10)) },
        { name: 'hdd', points: hourly([5, 5, 5]) },
      ],
    });
    // The peak is 230: ticks every 50 up to 250.
    for (const label of ['0', '50', '100', '150', '200', '250']) expect(html).toContain(`text-anchor="end" fill="#1a202c">${label}</text>`);
    expect(html).not.toContain('>300</text>');
    // Every 3 hours, with the date where the day changes.
    expect(html).toContain('>00:00</text>');
    expect(html).toContain('>Mar 1</text>');
    expect(html).toContain('>03:00</text>');
    expect(html).toContain('>Mar 2</text>');
    expect(html.match(/<path /g)).toHaveLength(2);
    expect(html).toContain('<li>');
    expect(html).toContain(' ssd</li>');
    expect(html.match(/<th scope="row">/g)).toHaveLength(24);
    // hdd has no point after 02:00: its cells are empty rather than 0.
    expect(html).toContain('<th scope="row">2025-03-01 03:00 UTC</th><td>30</td><td></td>');
  });

  it('escapes hostile series names and titles everywhere they appear', () => {
    const html = chart({ title: HOSTILE, unit: HOSTILE, ...day, series: [{ name: HOSTILE, points: hourly([1, 2]) }] });
    expect(html).not.toContain('<script>');
    expect(html).not.toMatch(/"&'/);
    expect(html).toContain('&lt;script>alert(1)&lt;/script>');
  });

  it('tells the ninth series from the first by its dash, not only by colour', () => {
    const series = Array.from({ length: 9 }, (_, i) => ({ name: `t${i}`, points: hourly([i, i + 1]) }));
    const html = chart({ title: 'VMs', unit: 'hours', ...day, series });
    expect(html.match(/stroke-dasharray="6 3"/g)).toHaveLength(2); // the ninth's line and its legend swatch
  });
});

describe('axis ticks', () => {
  it.each([
    { reason: 'round steps up to just above the peak', max: 230, want: ['0', '50', '100', '150', '200', '250'] },
    { reason: 'an axis of zeros still runs 0 to 1', max: 0, want: ['0', '0.2', '0.4', '0.6', '0.8', '1'] },
    { reason: 'small fractions keep their places', max: 0.9, want: ['0', '0.2', '0.4', '0.6', '0.8', '1'] },
    { reason: '2.5 steps print their half', max: 11, want: ['0', '2.5', '5', '7.5', '10', '12.5'] },
    { reason: 'thousands are grouped', max: 4200, want: ['0', '1,000', '2,000', '3,000', '4,000', '5,000'] },
  ])('value: $reason', ({ max, want }) => {
    expect(valueTicks(max).map((t) => t.label)).toEqual(want);
  });

  it.each([
    { reason: 'one hour: a tick at each end', from: T0, to: T0 + HOUR, want: ['00:00 Mar 1', '01:00'] },
    { reason: 'a day: every 3 hours, the date where the day changes', from: T0, to: T0 + 24 * HOUR, want: ['00:00 Mar 1', '03:00', '06:00', '09:00', '12:00', '15:00', '18:00', '21:00', '00:00 Mar 2'] },
    { reason: 'a week: daily', from: T0, to: T0 + 7 * 24 * HOUR, want: ['Mar 1', 'Mar 2', 'Mar 3', 'Mar 4', 'Mar 5', 'Mar 6', 'Mar 7', 'Mar 8'] },
    { reason: 'a year: every other month', from: Date.UTC(2025, 0, 1), to: Date.UTC(2026, 0, 1), want: ['Jan 2025', 'Mar 2025', 'May 2025', 'Jul 2025', 'Sep 2025', 'Nov 2025', 'Jan 2026'] },
  ])('time: $reason', ({ from, to, want }) => {
    const ticks = timeTicks(from, to).map((t) => (t.date ? `${t.label} ${t.date}` : t.label));
    expect(ticks.length).toBeLessThanOrEqual(9);
    expect(ticks).toEqual(want);
  });

  it('never ticks closer than the data is measured: daily points get daily ticks', () => {
    expect(timeTicks(T0, T0 + 3 * 24 * HOUR, 9, 24 * HOUR).map((t) => t.label)).toEqual(['Mar 1', 'Mar 2', 'Mar 3', 'Mar 4']);
    expect(timeTicks(Date.UTC(2025, 0, 1), Date.UTC(2025, 3, 1), 9, 31 * 24 * HOUR).map((t) => t.label)).toEqual(['Jan 2025', 'Feb 2025', 'Mar 2025', 'Apr 2025']);
  });

  it('formats numbers without float noise or trailing zeros', () => {
    expect([formatNumber(0.1 + 0.2), formatNumber(1234567.891), formatNumber(-0.001), formatNumber(2, 0)]).toEqual(['0.3', '1,234,567.89', '0', '2']);
  });
});
