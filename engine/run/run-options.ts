/** Flags that apply and reconcile share: how many provider calls at once, and how long one may take. */
import { parseDuration } from '../../specs/units.js';
import { DEFAULT_RETRY } from '../apply/retry.js';
import { UserError } from './errors.js';

/** A positive duration given to `flag` (`200ms`, `30s`, `5m`), refused with the flag's name. */
export function durationOf(flag: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new UserError(`${flag} must be a duration such as 200ms, 30s or 5m, not ${text}`);
  return ms;
}

/** `--operation-timeout`: the longest wait for one provider call (default 10m). */
export function operationTimeoutOf(text: string | undefined): number {
  return text === undefined ? DEFAULT_RETRY.timeoutMs : durationOf('--operation-timeout', text);
}

/** `--parallelism`: provider calls at once (default 10). */
export function parallelismOf(text: string | undefined): number {
  if (text === undefined) return 10;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new UserError(`--parallelism must be a whole number from 1 to 1000, not ${text}`);
  return n;
}
