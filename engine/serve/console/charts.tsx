/**
 * The console's charts, drawn as plain SVG on the server: a bar of used against
 * capacity (clusters, storage tiers, segment and public-IP pools) and a chart of
 * quantities over time (usage). No script, no library, no external asset.
 *
 * Invariants: every label is text in TSX, so a hostile tenant or zone name is escaped
 * like any other text; every chart is a role="img" with an aria-label saying what it
 * shows, and its figures are also there as text (the bar's sentence, the time chart's
 * table), so nothing is known only from a colour or a shape. Colours carry a word too
 * ("nearly full", "over capacity"), and series differ in dash as well as colour.
 */
import { formatNumber, formatTime, timeTicks, valueTicks } from './chart-ticks.js';

/** Share of capacity at and above which a bar warns: the operator should plan more capacity. */
export const WARNING_SHARE = 0.85;

/** How full a bar is: `none` when there is no capacity and nothing is used. */
export type CapacityLevel = 'ok' | 'warning' | 'over' | 'none';

export function capacityLevel(used: number, capacity: number): CapacityLevel {
  if (used > capacity) return 'over';
  if (capacity <= 0) return 'none';
  return used / capacity >= WARNING_SHARE ? 'warning' : 'ok';
}

/**
 * The percentage a bar prints. Rounded down below capacity, so "100%" means full and
 * the printed figure crosses 85% exactly when the bar turns to warning; "<1%" for a
 * little use, so some use never reads as none.
 */
export function percentUsed(used: number, capacity: number): string {
  if (capacity <= 0) return 'no capacity';
  const share = (used / capacity) * 100;
  if (used > 0 && share < 1) return '<1%';
  return `${used >= capacity ? Math.round(share) : Math.floor(share)}%`;
}

/** "412 of 640 GiB (64%)": the bar's figures as a sentence fragment. */
export function capacityFigures(used: number, capacity: number, unit: string, decimals = 1): string {
  return `${formatNumber(used, decimals)} of ${formatNumber(capacity, decimals)} ${unit} (${percentUsed(used, capacity)})`;
}

// 'none' needs no word: its percentage already reads "no capacity".
const LEVEL_WORDS: Record<CapacityLevel, string> = { ok: '', warning: 'nearly full', over: 'over capacity', none: '' };

/** Fills: dark enough against the light track for the 3:1 contrast non-text graphics need. */
const LEVEL_FILL: Record<CapacityLevel, string> = { ok: '#2b6cb0', warning: '#b45309', over: '#c53030', none: '#2b6cb0' };
const TRACK_FILL = '#e2e8f0';
const TEXT = '#1a202c';
const MUTED = '#4a5568';
const GRID = '#e2e8f0';

export interface CapacityBarProps {
  /** What is measured: "CPU", "Memory", "Tier ssd", "VLAN IDs". */
  readonly label: string;
  readonly used: number;
  readonly capacity: number;
  /** The unit both figures are in, plural: "vCPUs", "GiB", "addresses". */
  readonly unit: string;
  /** Places after the point in the figures (memory in GiB needs one; counts none). */
  readonly decimals?: number;
}

const BAR_WIDTH = 200;
const BAR_HEIGHT = 12;

/**
 * A horizontal bar: used against capacity, with the figures and what they mean as text
 * beside it. Over capacity, the bar fills and a mark shows where capacity ends.
 */
export function CapacityBar({ label, used, capacity, unit, decimals = 1 }: CapacityBarProps) {
  const level = capacityLevel(used, capacity);
  const figures = capacityFigures(used, capacity, unit, decimals);
  const words = LEVEL_WORDS[level];
  const free = Math.max(0, capacity - used);
  const scale = Math.max(capacity, used, 1);
  const usedWidth = round((Math.max(0, used) / scale) * BAR_WIDTH);
  const capacityX = round((capacity / scale) * BAR_WIDTH);
  const sentence = `${label}: ${figures}${words ? `, ${words}` : ''}`;
  return (
    <div class={`capacity capacity-${level}`}>
      <div class="capacity-label">{label}</div>
      <svg
        class="capacity-bar"
        viewBox={`0 0 ${BAR_WIDTH} ${BAR_HEIGHT}`}
        width="100%"
        height={BAR_HEIGHT}
        preserveAspectRatio="none"
        role="img"
        aria-label={sentence}
      >
        <title>{sentence}</title>
        <rect x="0" y="0" width={BAR_WIDTH} height={BAR_HEIGHT} fill={TRACK_FILL} />
        {usedWidth > 0 && <rect x="0" y="0" width={usedWidth} height={BAR_HEIGHT} fill={LEVEL_FILL[level]} />}
        {level === 'over' && capacityX > 0 && <rect x={Math.max(0, capacityX - 1)} y="0" width="2" height={BAR_HEIGHT} fill={TEXT} />}
      </svg>
      <p class="capacity-figures">
        {figures}
        {level === 'over' && ` — over capacity by ${formatNumber(used - capacity, decimals)} ${unit}`}
        {(level === 'ok' || level === 'warning') && ` — ${formatNumber(free, decimals)} ${unit} free`}
        {level === 'warning' && ', nearly full'}
      </p>
    </div>
  );
}

/** One period's quantity: plotted at the middle of [start, end). */
export interface SeriesPoint {
  readonly start: number;
  readonly end: number;
  readonly value: number;
}

export interface Series {
  /** Shown in the legend and the table: a usage type, a tenant. */
  readonly name: string;
  /** In time order. */
  readonly points: readonly SeriesPoint[];
  /** Its colour and dash by position in the palette (default: its position in the chart), so one tenant looks the same in every chart of a page. */
  readonly style?: number;
}

export interface TimeSeriesChartProps {
  /** "Storage", "vCPU": the chart's caption. */
  readonly title: string;
  /** What values are in: "GiB-hours". */
  readonly unit: string;
  /** The range drawn, ms since the epoch: [from, to). */
  readonly from: number;
  readonly to: number;
  readonly series: readonly Series[];
  /** Places after the point in the table and summary (default 4: a few minutes of use is thousandths of an hour). */
  readonly decimals?: number;
}

/** Okabe–Ito colours (told apart with colour-blindness), darkened where white needs it; dashes tell series apart without colour. */
const SERIES_COLOURS = ['#0072b2', '#b35c00', '#007a5a', '#b0478e', '#3a7ca5', '#c24d00', '#5b4b8a', '#000000'] as const;
const SERIES_DASHES = ['', '6 3', '2 3', '8 3 2 3'] as const;

export const seriesColour = (i: number): string => SERIES_COLOURS[i % SERIES_COLOURS.length]!;
/** Dashes change once the colours have all been used, so the first eight series are solid. */
export const seriesDash = (i: number): string => SERIES_DASHES[Math.floor(i / SERIES_COLOURS.length) % SERIES_DASHES.length]!;

const W = 640;
const H = 300;
const M = { top: 28, right: 20, bottom: 52, left: 72 } as const;
/** Series with more points than this are drawn as lines only: markers would run together. */
const MARKERS_UP_TO = 48;

const round = (n: number): number => Math.round(n * 10) / 10;

/** The highest point of the chart and whose it is, for the summary; undefined when there are no points. */
function peak(series: readonly Series[]): { name: string; point: SeriesPoint } | undefined {
  let best: { name: string; point: SeriesPoint } | undefined;
  for (const s of series) for (const p of s.points) if (!best || p.value > best.point.value) best = { name: s.name, point: p };
  return best;
}

/**
 * Quantities over time, one line per series, with value and time axes, a legend and
 * the figures as a table. With no points at all it says so instead of drawing axes
 * around nothing.
 */
export function TimeSeriesChart({ title, unit, from, to, series, decimals = 4 }: TimeSeriesChartProps) {
  const drawn = series.filter((s) => s.points.length > 0);
  const top = peak(drawn);
  const range = `${formatTime(from)} to ${formatTime(to)}`;
  if (!top || !(to > from)) {
    return (
      <figure class="chart chart-empty">
        <figcaption>{title} ({unit})</figcaption>
        <p>No {title.toLowerCase()} usage from {range}.</p>
      </figure>
    );
  }
  const summary =
    `${title} in ${unit}, ${range}: ${drawn.length} series` +
    `; highest ${formatNumber(top.point.value, decimals)} ${unit} (${top.name}, period from ${formatTime(top.point.start)}).`;

  const yTicks = valueTicks(top.point.value);
  const yMax = yTicks[yTicks.length - 1]!.value;
  const x0 = M.left, x1 = W - M.right, y0 = M.top, y1 = H - M.bottom;
  const x = (t: number): number => round(x0 + ((Math.min(Math.max(t, from), to) - from) / (to - from)) * (x1 - x0));
  const y = (v: number): number => round(y1 - (Math.max(0, v) / yMax) * (y1 - y0));
  const mid = (p: SeriesPoint): number => x((p.start + p.end) / 2);
  // The shortest period of the data: time ticks are never closer than that.
  const period = Math.min(...drawn.map((s) => s.points[0]!.end - s.points[0]!.start));

  return (
    <figure class="chart">
      <figcaption>{title} ({unit})</figcaption>
      <svg class="chart-plot" viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={summary} font-family="sans-serif" font-size="13">
        <title>{summary}</title>
        <text x="4" y={M.top - 12} fill={MUTED}>{unit}</text>
        {yTicks.map((tick) => (
          <g>
            <line x1={x0} x2={x1} y1={y(tick.value)} y2={y(tick.value)} stroke={GRID} />
            <text x={x0 - 8} y={y(tick.value) + 4} text-anchor="end" fill={TEXT}>{tick.label}</text>
          </g>
        ))}
        {timeTicks(from, to, undefined, period).map((tick) => (
          <g>
            <line x1={x(tick.t)} x2={x(tick.t)} y1={y1} y2={y1 + 5} stroke={MUTED} />
            <text x={x(tick.t)} y={y1 + 18} text-anchor="middle" fill={TEXT}>{tick.label}</text>
            {tick.date !== undefined && <text x={x(tick.t)} y={y1 + 32} text-anchor="middle" fill={MUTED}>{tick.date}</text>}
          </g>
        ))}
        <line x1={x0} x2={x1} y1={y1} y2={y1} stroke={MUTED} />
        <line x1={x0} x2={x0} y1={y0} y2={y1} stroke={MUTED} />
        <text x={(x0 + x1) / 2} y={H - 4} text-anchor="middle" fill={MUTED}>time (UTC)</text>
        {drawn.map((s, i) => (
          <g class="chart-series" stroke={seriesColour(s.style ?? i)} fill={seriesColour(s.style ?? i)}>
            {s.points.length > 1 && (
              <path
                d={s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${mid(p)} ${y(p.value)}`).join('')}
                fill="none"
                stroke-width="2"
                stroke-linejoin="round"
                {...(seriesDash(s.style ?? i) ? { 'stroke-dasharray': seriesDash(s.style ?? i) } : {})}
              />
            )}
            {s.points.length <= MARKERS_UP_TO && s.points.map((p) => <circle cx={mid(p)} cy={y(p.value)} r="3" />)}
          </g>
        ))}
      </svg>
      <ul class="chart-legend">
        {drawn.map((s, i) => (
          <li>
            <svg width="28" height="10" viewBox="0 0 28 10" aria-hidden="true" focusable="false">
              <line x1="1" x2="27" y1="5" y2="5" stroke={seriesColour(s.style ?? i)} stroke-width="3" {...(seriesDash(s.style ?? i) ? { 'stroke-dasharray': seriesDash(s.style ?? i) } : {})} />
            </svg>{' '}
            {s.name}
          </li>
        ))}
      </ul>
      <SeriesTable title={title} unit={unit} series={drawn} decimals={decimals} />
    </figure>
  );
}

/** The chart's figures: a row per period, a column per series; a period a series has no point in shows as empty. */
function SeriesTable({ title, unit, series, decimals }: { title: string; unit: string; series: readonly Series[]; decimals: number }) {
  const starts = [...new Set(series.flatMap((s) => s.points.map((p) => p.start)))].sort((a, b) => a - b);
  const values = series.map((s) => new Map(s.points.map((p) => [p.start, p.value])));
  return (
    <details class="chart-table">
      <summary>{title}: the figures as a table</summary>
      <table>
        <caption>{title} in {unit}, per period (start, UTC)</caption>
        <thead>
          <tr>
            <th scope="col">Period start</th>
            {series.map((s) => <th scope="col">{s.name}</th>)}
          </tr>
        </thead>
        <tbody>
          {starts.map((start) => (
            <tr>
              <th scope="row">{formatTime(start)}</th>
              {values.map((v) => {
                const value = v.get(start);
                return <td>{value === undefined ? '' : formatNumber(value, decimals)}</td>;
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
