/**
 * The state lock as runs use it: `--lock-timeout` parsing, the command line a lock
 * records, and `withStateLock`, which holds the lock around a piece of work and turns
 * a refusal — or a lock that could not be released — into one UserError line (exit 1)
 * telling the user what to do next.
 */
import { parseDuration } from '../../specs/units.js';
import {
  forceUnlock,
  acquireLock, describeHolder, describeReleaseFailure, formatAge, type LockHandle, LockReleaseError, StateLockedError, type LockableState,
} from '../../state/index.js';
import { UserError } from './errors.js';

/** Waits, take-overs and locks left behind are said on stderr, whichever face runs: they are the process's, not the run's output. */
const noticeOnStderr = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** Milliseconds in a `--lock-timeout` value: `0`, `30s`, `5m`, `1m30s`, `500ms`. Absent means 0. */
export function parseLockTimeout(text: string | undefined): number {
  if (text === undefined) return 0;
  const trimmed = text.trim();
  if (/^0+$/.test(trimmed)) return 0;
  const ms = parseDuration(trimmed);
  if (ms === undefined) throw new UserError(`--lock-timeout: ${JSON.stringify(text)} is not a duration (use 0, 30s, 5m or 1h)`);
  return ms;
}

/** The command line after `netfirst`, as a lock records it: `apply examples/iswest --auto-approve`. */
export function lockCommandLine(argv: readonly string[] = process.argv): string {
  return argv.slice(2).map((a) => (a === '' || /[\s"'\\]/.test(a) ? JSON.stringify(a) : a)).join(' ');
}

/** The refusal as one line, ending with what the user can do about it. */
export function lockRefusalMessage(error: StateLockedError): string {
  const { id } = error.lock;
  switch (error.reason) {
    case 'held':
      return `${error.message}. Wait with --lock-timeout 5m, or break a dead lock with: netfirst force-unlock ${id}`;
    case 'stale':
      return `${error.message}. If it is not running, break the lock with: netfirst force-unlock ${id}`;
    case 'dead':
      return `${error.message}. Break the lock with: netfirst force-unlock ${id}`;
  }
}

/**
 * Takes the lock on `scopes` (default the whole state). A holder on this host whose
 * process is gone provably holds nothing: its lock is taken over, and that is said on
 * stderr; elsewhere only force-unlock breaks a lock. A live or stale holder's refusal is
 * thrown as StateLockedError for the caller to word; with a `timeoutMs` above 0 a wait is
 * announced once on stderr.
 */
export async function acquireTakingOverDead(state: LockableState, command: string, timeoutMs: number, scopes?: readonly string[]): Promise<LockHandle> {
  const acquire = (): Promise<LockHandle> => acquireLock(state, {
    command,
    timeoutMs,
    ...(scopes ? { scopes } : {}),
    onWait: (holder) => noticeOnStderr(`Waiting up to ${formatAge(timeoutMs)} for the lock on ${holder.scope} held by ${describeHolder(holder)} (lock ID ${holder.id})…`),
  });
  try {
    return await acquire();
  } catch (error) {
    if (!(error instanceof StateLockedError) || error.reason !== 'dead') throw error;
    forceUnlock(state, error.lock.id);
    noticeOnStderr(`Took over the lock ${error.lock.id} of ${describeHolder(error.lock)}: that process is no longer running.`);
    return acquire();
  }
}

/** The lock, or a refusal as one UserError line telling the user what to do next. */
export async function takeLockOrRefuse(state: LockableState, command: string, timeoutMs: number, scopes?: readonly string[]): Promise<LockHandle> {
  try {
    return await acquireTakingOverDead(state, command, timeoutMs, scopes);
  } catch (error) {
    if (error instanceof StateLockedError) throw new UserError(lockRefusalMessage(error));
    throw error;
  }
}

/**
 * Runs `fn` holding the state lock; releases it afterwards, whether `fn` returns or
 * throws. `command` is what others see holding it (use `lockCommandLine()`). A lock
 * held by another becomes a UserError; any other failure passes through unchanged.
 */
export async function withStateLock<T>(
  state: LockableState,
  command: string,
  timeoutMs: number,
  fn: (lock: LockHandle) => Promise<T> | T,
  /** The scopes to hold (default the whole state): `tenant:NAME`, `zone:NAME`. */
  scopes?: readonly string[],
): Promise<T> {
  const lock = await takeLockOrRefuse(state, command, timeoutMs, scopes);
  return holding(() => fn(lock), () => releaseLocks([lock]));
}

/**
 * Releases every one of `handles`, whatever fails; the one line to report when some
 * could not be released (their IDs to force-unlock), else undefined.
 */
export function releaseLocks(handles: readonly LockHandle[]): string | undefined {
  const failed: LockReleaseError[] = [];
  for (const handle of handles) {
    try {
      handle.release();
    } catch (error) {
      if (!(error instanceof LockReleaseError)) throw error;
      failed.push(error);
    }
  }
  return failed.length === 0 ? undefined : describeReleaseFailure(failed.map((f) => f.lock), failed[0]!.cause);
}

/**
 * Runs `fn`, then `release` (releaseLocks of what it holds) whatever `fn` did. A lock
 * left behind is one line and exit 1: the error when `fn` returned, printed before
 * `fn`'s own error when it threw — never a stack trace, never hiding why a run failed.
 */
export async function holding<T>(fn: () => Promise<T> | T, release: () => string | undefined): Promise<T> {
  let value: T;
  try {
    value = await fn();
  } catch (error) {
    const left = release();
    if (left !== undefined) noticeOnStderr(`Error: ${left}`);
    throw error;
  }
  const left = release();
  if (left !== undefined) throw new UserError(left);
  return value;
}
