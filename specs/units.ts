/**
 * Units users write in specs: sizes (`4GiB`, `500GB`, `20TiB`) and durations
 * (`8h`, `30m`, `1h30m`, `20ms`). Parsed once at load time into plain numbers.
 */

const SIZE_FACTORS: Readonly<Record<string, number>> = {
  B: 1,
  KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, PB: 1e15,
  KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40, PiB: 2 ** 50,
};

export const SIZE_PATTERN = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|PB|KiB|MiB|GiB|TiB|PiB)$/;

/** Bytes in a size string, or undefined when it is not one. */
export function parseSize(text: string): number | undefined {
  const m = SIZE_PATTERN.exec(text.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * (SIZE_FACTORS[m[2]!] ?? NaN));
}

const DURATION_FACTORS_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
export const DURATION_PATTERN = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;

/** Milliseconds in a duration string such as `1h30m`, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!DURATION_PATTERN.test(trimmed)) return undefined;
  let total = 0;
  for (const m of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(m[1]) * (DURATION_FACTORS_MS[m[2]!] ?? NaN);
  return total;
}

export const GiB = 2 ** 30;
export const MiB = 2 ** 20;

/** `4294967296` → `4GiB`, for rendering sizes the way users write them. */
export function formatSize(bytes: number): string {
  for (const unit of ['PiB', 'TiB', 'GiB', 'MiB', 'KiB'] as const) {
    const f = SIZE_FACTORS[unit]!;
    if (bytes >= f && bytes % f === 0) return `${bytes / f}${unit}`;
  }
  return `${bytes}B`;
}

/** 28800 → `8h`, 3600 → `1h`, 86400 → `1d`, 90 → `90s`: seconds the way users write durations. */
export function formatSeconds(seconds: number): string {
  if (seconds > 0 && seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds > 0 && seconds % 3_600 === 0) return `${seconds / 3_600}h`;
  if (seconds > 0 && seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
