/**
 * Reading RVTools cell values: counts, MiB sizes (RVTools' `MB` columns are MiB too),
 * power states, booleans and address lists. A value that does not read is undefined;
 * the caller decides whether that is worth a report.
 */
import { parseIpv4 } from '../../specs/model/net/index.js';

export const MIB = 2 ** 20;

/** `4`, `4.0` → 4; '', `0`, `-1`, `n/a` → undefined. */
export function positiveNumber(cell: string): number | undefined {
  if (!/^\d+(\.\d+)?$/.test(cell)) return undefined;
  const n = Number(cell);
  return n > 0 ? n : undefined;
}

export function positiveInteger(cell: string): number | undefined {
  const n = positiveNumber(cell);
  return n !== undefined && Number.isInteger(n) ? n : undefined;
}

export function mibToBytes(cell: string): number | undefined {
  const mib = positiveNumber(cell);
  return mib === undefined ? undefined : Math.round(mib * MIB);
}

/** `poweredOn` → true; `poweredOff` and `suspended` → false (not running); anything else unknown. */
export function poweredOn(cell: string): boolean | undefined {
  const state = cell.toLowerCase();
  if (state === 'poweredon') return true;
  if (state === 'poweredoff' || state === 'suspended') return false;
  return undefined;
}

/** RVTools writes `True`/`False`; a re-saved sheet may say `TRUE` or `1`. */
export function isTrue(cell: string): boolean {
  return /^(true|1|yes)$/i.test(cell);
}

export interface AddressList {
  readonly ipv4: readonly string[];
  /** Everything else: IPv6 addresses, link-local noise, typos. */
  readonly other: readonly string[];
}

/** RVTools joins several addresses of one NIC with commas (`10.0.0.5, fe80::1`). */
export function addresses(cell: string): AddressList {
  const tokens = cell.split(/[,;\s]+/).filter((t) => t !== '');
  return {
    ipv4: tokens.filter((t) => parseIpv4(t) !== undefined),
    other: tokens.filter((t) => parseIpv4(t) === undefined),
  };
}

/** `Hard disk 12` / `Network adapter 3` → 12 / 3; no number sorts last. */
export function trailingNumber(label: string): number {
  const match = /(\d+)\s*$/.exec(label);
  return match?.[1] === undefined ? Number.POSITIVE_INFINITY : Number(match[1]);
}
