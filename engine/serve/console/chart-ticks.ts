/**
 * Where a chart's axes put their ticks: round quantities on the value axis, whole UTC
 * hours, days or months on the time axis, few enough that labels never overlap. Pure
 * and deterministic (no clock, no locale): the same data draws the same SVG.
 */

/** A tick on the value axis: where it sits and its label. */
export interface ValueTick {
  readonly value: number;
  readonly label: string;
}

/** A tick on the time axis; `date` is set where the day changes (or on the first tick), to print under `time`. */
export interface TimeTick {
  readonly t: number;
  /** `10:00` for ticks inside a day; the date itself (`Mar 3`, `Mar 2025`) when the step is a day or more. */
  readonly label: string;
  readonly date?: string;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** Numbers as people read them on an axis or next to a bar: grouped thousands, at most `decimals` places, no trailing zeros. */
export function formatNumber(value: number, decimals = 2): string {
  const places = Math.abs(value).toFixed(decimals);
  const fixed = places.includes('.') ? places.replace(/\.?0+$/, '') : places;
  const [whole = '0', fraction] = fixed.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const sign = value < 0 && fixed !== '0' ? '-' : '';
  return `${sign}${grouped}${fraction ? `.${fraction}` : ''}`;
}

/** A step of 1, 2, 2.5 or 5 × 10ⁿ no smaller than `rough`. */
function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * power >= rough) return m * power;
  return 10 * power;
}

/**
 * Ticks from 0 up to a round value at or above `max`, at most `count + 1` of them. A
 * chart of nothing but zeros (or of nothing) still gets an axis, 0 to 1.
 */
export function valueTicks(max: number, count = 5): ValueTick[] {
  const top = Number.isFinite(max) && max > 0 ? max : 1;
  const step = niceStep(top / count);
  // One place more than the step's magnitude: enough for 2.5 and 0.25 steps.
  const decimals = Math.max(0, 1 - Math.floor(Math.log10(step)));
  const ticks: ValueTick[] = [];
  // Multiplying (not adding) keeps 0.1 steps free of accumulated float error.
  for (let i = 0; ; i++) {
    const value = Number((i * step).toFixed(decimals));
    ticks.push({ value, label: formatNumber(value, decimals) });
    if (value >= top) break;
  }
  return ticks;
}

const pad = (n: number): string => String(n).padStart(2, '0');
const dayLabel = (d: Date): string => `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
const monthLabel = (d: Date): string => `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;

/** Tick steps from the finest up; a chart takes the first that leaves at most `count` ticks. */
const STEPS: readonly ({ kind: 'fixed'; ms: number } | { kind: 'months'; months: number })[] = [
  ...[1, 2, 3, 6, 12].map((h) => ({ kind: 'fixed' as const, ms: h * HOUR })),
  ...[1, 2, 7, 14].map((d) => ({ kind: 'fixed' as const, ms: d * DAY })),
  ...[1, 2, 3, 6, 12].map((months) => ({ kind: 'months' as const, months })),
];

/**
 * Ticks on whole UTC hours, days or months inside [from, to], at most `count` (for
 * very long ranges, the yearly step may leave fewer), none closer than `shortest` ms. Hour steps label the time and
 * add the date where the day changes; day steps label the date; month steps the month.
 */
export function timeTicks(from: number, to: number, count = 9, shortest = 0): TimeTick[] {
  if (!(to > from)) return [];
  // A step below the data's own period (hour ticks on daily points) would mark times nothing was measured at.
  const steps = STEPS.filter((step) => (step.kind === 'fixed' ? step.ms : step.months * 31 * DAY) >= shortest);
  for (const step of steps) {
    const instants = step.kind === 'fixed' ? fixedInstants(from, to, step.ms) : monthInstants(from, to, step.months);
    if (instants.length > count && step !== steps[steps.length - 1]) continue;
    if (step.kind === 'months') return instants.map((t) => ({ t, label: monthLabel(new Date(t)) }));
    if (step.ms >= DAY) return instants.map((t) => ({ t, label: dayLabel(new Date(t)) }));
    let lastDay = '';
    return instants.map((t) => {
      const d = new Date(t);
      const day = dayLabel(d);
      const tick: TimeTick = { t, label: `${pad(d.getUTCHours())}:00`, ...(day !== lastDay ? { date: day } : {}) };
      lastDay = day;
      return tick;
    });
  }
  return [];
}

/** Multiples of `step` since the epoch in [from, to] (days and weeks therefore fall on midnight UTC). */
function fixedInstants(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) out.push(t);
  return out;
}

/** First days of months in [from, to] whose month index is a multiple of `months` (quarters start in Jan, Apr…). */
function monthInstants(from: number, to: number, months: number): number[] {
  const out: number[] = [];
  const start = new Date(from);
  let y = start.getUTCFullYear();
  let m = start.getUTCMonth();
  for (;;) {
    const t = Date.UTC(y, m, 1);
    if (t > to) break;
    if (t >= from && m % months === 0) out.push(t);
    m++;
    if (m === 12) {
      m = 0;
      y++;
    }
  }
  return out;
}

/** An instant as the table and summaries print it: `2025-03-01 10:00 UTC`. */
export function formatTime(t: number): string {
  const d = new Date(t);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}
