/**
 * The state lock: one row per locked scope in the `locks` table of the state database
 * itself, so taking it is a transaction on the same file the state lives in. A holder
 * takes a set of scopes at once, all or none: `state` (everything), or `tenant:NAME`
 * and `zone:NAME` (the zone's shared allocations and capacity) — so runs for different
 * tenants proceed side by side, and `state` excludes every other scope. A holder
 * proves it is alive by a heartbeat; a lock is never broken automatically — a stale
 * one (no heartbeat for `staleAfterMs`) or one whose process is gone is reported, and
 * only `forceUnlock` removes another holder's row.
 *
 * Each lock uses its own connection to the state file (with a busy timeout), opened
 * and closed by this module: the store's connection is never shared with a timer.
 * Within one process the two never overlap, because better-sqlite3 is synchronous.
 *
 * Releasing can fail like any write (a full disk): it then throws LockReleaseError, one
 * line naming the lock ID to force-unlock, and never a raw SqliteError — at process
 * exit, where no caller is left, that line is printed and the exit code set to 1.
 */
import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import Database from 'better-sqlite3';
import type { StateStore } from './store.js';
import { assertNever } from '../specs/model/never.js';

/** The scope locking the whole state. Per-tenant scopes (e.g. `tenant:NAME`) can sit beside it. */
export const STATE_SCOPE = 'state';

const DEFAULT_STALE_AFTER_MS = 30_000;
const DEFAULT_HEARTBEAT_MS = 5_000;
const DEFAULT_POLL_MS = 200;
/** How long one lock-table transaction waits for another writer of the file (better-sqlite3's default, made explicit). */
const BUSY_TIMEOUT_MS = 5_000;

/** A lock as recorded; timestamps are ISO 8601 in UTC. */
export interface LockInfo {
  /** Random 8 hex characters: what `netfirst force-unlock ID` names. */
  readonly id: string;
  readonly scope: string;
  /** `user@host` */
  readonly owner: string;
  readonly pid: number;
  readonly host: string;
  /** The command line after `netfirst`, e.g. `apply examples/iswest`. */
  readonly command: string;
  readonly acquiredAt: string;
  readonly heartbeatAt: string;
}

/** Who takes a lock; tests pass another to stand for a process elsewhere. */
export interface LockHolder {
  readonly owner: string;
  readonly pid: number;
  readonly host: string;
}

/**
 * Why a lock could not be taken:
 *
 * | reason  | the holder                                              | waiting helps |
 * |---------|---------------------------------------------------------|---------------|
 * | `held`  | heartbeat is fresh; still held when the timeout ran out | yes           |
 * | `stale` | no heartbeat for `staleAfterMs` (probably died)         | no: fails at once |
 * | `dead`  | on this host, and its pid is not running                | no: fails at once |
 */
export type LockRefusal = 'held' | 'stale' | 'dead';

export class StateLockedError extends Error {
  readonly lock: LockInfo;
  readonly reason: LockRefusal;
  /** Milliseconds since the holder's last heartbeat, when refused. */
  readonly heartbeatAgeMs: number;
  /** How long acquire waited before giving up. */
  readonly waitedMs: number;
  /** How long it was allowed to wait. */
  readonly timeoutMs: number;
  constructor(lock: LockInfo, reason: LockRefusal, times: { heartbeatAgeMs: number; waitedMs: number; timeoutMs: number; staleAfterMs: number }) {
    super(describeRefusal(lock, reason, times));
    this.name = 'StateLockedError';
    this.lock = lock;
    this.reason = reason;
    this.heartbeatAgeMs = times.heartbeatAgeMs;
    this.waitedMs = times.waitedMs;
    this.timeoutMs = times.timeoutMs;
  }
}

export interface AcquireOptions {
  /** The command line after `netfirst`, shown to whoever finds the state locked. */
  readonly command: string;
  /** How long to wait for a live holder to release; 0 (the default) fails at once. */
  readonly timeoutMs?: number;
  /** A holder without a heartbeat for this long is reported stale (default 30 s). */
  readonly staleAfterMs?: number;
  /** Interval of the automatic heartbeat (default 5 s); 0 disables the timer. */
  readonly heartbeatMs?: number;
  /** Interval between attempts while waiting (default 200 ms). */
  readonly pollMs?: number;
  readonly scope?: string;
  /** Several scopes, taken together or not at all (instead of `scope`). */
  readonly scopes?: readonly string[];
  /** Clock for every timestamp and for the timeout (tests inject one). */
  readonly now?: () => Date;
  /** How to wait between attempts (tests inject one that advances their clock). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Called once, when the lock is found held and acquire starts to wait for it. */
  readonly onWait?: (lock: LockInfo) => void;
  /** Defaults to this process on this host. */
  readonly holder?: LockHolder;
  /**
   * Opens the lock's own connection to the state file (default: `new Database(path,
   * { fileMustExist: true })`); tests pass one whose writes fail as on a full disk.
   */
  readonly connect?: (path: string) => Database.Database;
}

export interface LockHandle {
  readonly info: LockInfo;
  /**
   * Records a heartbeat now. False when the lock is no longer ours (it was
   * force-unlocked, or released): from then on this process must not rely on it.
   */
  heartbeat(): boolean;
  /** True until released, or until a heartbeat found the row gone. */
  held(): boolean;
  /**
   * Deletes the row if it is still ours and closes the connection; idempotent. Also runs
   * on process exit. Throws LockReleaseError when the row could not be deleted: the lock
   * then stays until force-unlocked (the connection is closed all the same).
   */
  release(): void;
}

/** A lock whose row could not be deleted: it is held until someone runs `netfirst force-unlock ID`. */
export class LockReleaseError extends Error {
  override readonly name = 'LockReleaseError';
  constructor(
    readonly lock: LockInfo,
    cause: unknown,
  ) {
    super(describeReleaseFailure([lock], cause), { cause });
  }
}

/**
 * `could not release the state lock: disk full (database or disk is full); run netfirst
 * force-unlock 1a2b3c4d once there is room` — one line for one or several locks left behind.
 */
export function describeReleaseFailure(locks: readonly LockInfo[], cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  const code = (cause as { code?: unknown } | null)?.code;
  const unlock = locks.map((l) => `netfirst force-unlock ${l.id}`).join(' and ');
  if (code === 'SQLITE_FULL') return `could not release the state lock: disk full (${message}); run ${unlock} once there is room`;
  return `could not release the state lock: ${message}${typeof code === 'string' ? ` (${code})` : ''}; run ${unlock} once the state database can be written again`;
}

/** What the lock functions need of a store: the file it lives in. */
export type LockableState = Pick<StateStore, 'path'>;

interface LockRow {
  id: string;
  scope: string;
  owner: string;
  pid: number;
  host: string;
  command: string;
  acquired_at: string;
  heartbeat_at: string;
}

/**
 * A holder's rows share its lock ID: the first row has it as is, the others as
 * `ID/1`, `ID/2`… (the column is unique), so force-unlock of the ID removes them all.
 */
const baseId = (rowId: string): string => rowId.replace(/\/\d+$/, '');

function rowToLock(row: LockRow): LockInfo {
  return {
    id: baseId(row.id), scope: row.scope, owner: row.owner, pid: row.pid, host: row.host, command: row.command,
    acquiredAt: row.acquired_at, heartbeatAt: row.heartbeat_at,
  };
}

/** Scopes that exclude each other: the same scope, and `state` against every scope. */
function conflicting(db: Database.Database, scopes: readonly string[]): LockRow | undefined {
  if (scopes.includes(STATE_SCOPE)) return db.prepare<[], LockRow>('SELECT * FROM locks ORDER BY acquired_at LIMIT 1').get();
  const wanted = [...scopes, STATE_SCOPE];
  return db.prepare<string[], LockRow>(`SELECT * FROM locks WHERE scope IN (${wanted.map(() => '?').join(',')}) ORDER BY acquired_at LIMIT 1`).get(...wanted);
}

/** This process, as a lock holder. */
export function thisHolder(): LockHolder {
  const host = hostname();
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): the environment or the uid is all there is.
    user = process.env.USER ?? process.env.USERNAME ?? String(process.getuid?.() ?? 'unknown');
  }
  return { owner: `${user}@${host}`, pid: process.pid, host };
}

/** Whether a process on this host is running: false only when it certainly is not. */
export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function openLockConnection(store: LockableState, connect?: (path: string) => Database.Database): Database.Database {
  if (store.path === ':memory:') throw new Error('an in-memory state cannot be locked: no other process can reach it');
  const db = connect ? connect(store.path) : new Database(store.path, { fileMustExist: true });
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function withConnection<T>(store: LockableState, fn: (db: Database.Database) => T): T {
  const db = openLockConnection(store);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

const selectByScope = 'SELECT * FROM locks WHERE scope = ?';

type Attempt = { readonly taken: true; readonly info: LockInfo } | { readonly taken: false; readonly row: LockRow };

/**
 * Takes the lock on `scope` (the whole state by default). Resolves once the lock is
 * ours; rejects with `StateLockedError` when another holder keeps it past `timeoutMs`,
 * or at once when that holder is stale or known dead.
 */
export async function acquireLock(store: LockableState, options: AcquireOptions): Promise<LockHandle> {
  const now = options.now ?? (() => new Date());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const scopes = [...new Set(options.scopes ?? [options.scope ?? STATE_SCOPE])].sort();
  const timeoutMs = Math.max(0, options.timeoutMs ?? 0);
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const holder = options.holder ?? thisHolder();

  const db = openLockConnection(store, options.connect);
  let handed = false;
  try {
    const insert = db.prepare(`INSERT INTO locks (scope, id, owner, pid, host, command, acquired_at, heartbeat_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    // Check and insert in one write transaction: of two processes racing here, the
    // second sees the first's rows (BEGIN IMMEDIATE serialises them).
    const tryInsert = db.transaction((at: string): Attempt => {
      const existing = conflicting(db, scopes);
      if (existing) return { taken: false, row: existing };
      const info: LockInfo = {
        id: randomBytes(4).toString('hex'), scope: scopes.join(' '), owner: holder.owner, pid: holder.pid, host: holder.host,
        command: options.command, acquiredAt: at, heartbeatAt: at,
      };
      scopes.forEach((scope, i) => insert.run(scope, i === 0 ? info.id : `${info.id}/${i}`, info.owner, info.pid, info.host, info.command, at, at));
      return { taken: true, info };
    });

    const started = now().getTime();
    let announced = false;
    for (;;) {
      // Poll with a plain read (never blocks, never blocks others in WAL mode); only
      // an apparently free lock costs a write transaction.
      const seen = conflicting(db, scopes);
      const attempt: Attempt = seen ? { taken: false, row: seen } : tryInsert.immediate(now().toISOString());
      if (attempt.taken) {
        handed = true;
        return holdLock(db, attempt.info, { now, heartbeatMs: options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS });
      }
      const lock = rowToLock(attempt.row);
      const at = now().getTime();
      const age = Math.max(0, at - Date.parse(lock.heartbeatAt));
      const waited = at - started;
      const refuse = (reason: LockRefusal): StateLockedError =>
        new StateLockedError(lock, reason, { heartbeatAgeMs: age, waitedMs: waited, timeoutMs, staleAfterMs });
      if (lock.host === holder.host && lock.pid !== process.pid && !isProcessRunning(lock.pid)) throw refuse('dead');
      if (age > staleAfterMs) throw refuse('stale');
      if (waited >= timeoutMs) throw refuse('held');
      if (!announced) {
        announced = true;
        options.onWait?.(lock);
      }
      await sleep(Math.min(pollMs, timeoutMs - waited));
    }
  } finally {
    if (!handed) db.close();
  }
}

function holdLock(db: Database.Database, info: LockInfo, { now, heartbeatMs }: { now: () => Date; heartbeatMs: number }): LockHandle {
  const beat = db.prepare("UPDATE locks SET heartbeat_at = ? WHERE id = ? OR id LIKE ? || '/%'");
  const remove = db.prepare("DELETE FROM locks WHERE id = ? OR id LIKE ? || '/%'");
  let held = true;
  let open = true;

  function heartbeat(): boolean {
    if (!held) return false;
    held = beat.run(now().toISOString(), info.id, info.id).changes === info.scope.split(' ').length;
    if (!held) stopTimer();
    return held;
  }

  const timer = heartbeatMs > 0
    ? setInterval(() => {
      try {
        heartbeat();
      } catch {
        // A busy database skips one beat; the next retries. Staleness takes several misses.
      }
    }, heartbeatMs)
    : undefined;
  timer?.unref();
  function stopTimer(): void {
    if (timer) clearInterval(timer);
  }

  function release(): void {
    if (!open) return;
    open = false;
    stopTimer();
    process.off('exit', releaseAtExit);
    let failure: unknown;
    try {
      // Only our own row: a lock force-unlocked and taken by another stays theirs.
      if (held) remove.run(info.id, info.id);
    } catch (error) {
      failure = error;
    }
    held = false;
    try {
      db.close();
    } catch (error) {
      failure ??= error;
    }
    if (failure !== undefined) throw new LockReleaseError(info, failure);
  }

  // At exit no caller is left to word a failure, and a throw here would be an uncaught stack trace.
  function releaseAtExit(): void {
    try {
      release();
    } catch (error) {
      process.stderr.write(`Error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    }
  }
  process.on('exit', releaseAtExit);

  return { info, heartbeat, held: () => held, release };
}

/** The lock on `scope`, if any (for display). */
export function currentLock(store: LockableState, scope: string = STATE_SCOPE): LockInfo | undefined {
  return withConnection(store, (db) => {
    const row = db.prepare<[string], LockRow>(selectByScope).get(scope);
    return row ? rowToLock(row) : undefined;
  });
}

/** Every lock held, one per holder with all its scopes (`scope` lists them, space-separated), oldest first. */
export function listLocks(store: LockableState): LockInfo[] {
  return withConnection(store, (db) => {
    const byId = new Map<string, LockInfo>();
    for (const row of db.prepare<[], LockRow>('SELECT * FROM locks ORDER BY acquired_at, scope').all()) {
      const lock = rowToLock(row);
      const seen = byId.get(lock.id);
      byId.set(lock.id, seen ? { ...seen, scope: `${seen.scope} ${lock.scope}` } : lock);
    }
    return [...byId.values()];
  });
}

/** Deletes the lock with this ID, whoever holds it. Returns what was broken, or undefined when there is no such lock. */
export function forceUnlock(store: LockableState, id: string): LockInfo | undefined {
  return withConnection(store, (db) => {
    const take = db.transaction((lockId: string): LockInfo | undefined => {
      const rows = db.prepare<[string, string], LockRow>("SELECT * FROM locks WHERE id = ? OR id LIKE ? || '/%' ORDER BY scope").all(lockId, lockId);
      if (rows.length === 0) return undefined;
      db.prepare("DELETE FROM locks WHERE id = ? OR id LIKE ? || '/%'").run(lockId, lockId);
      return { ...rowToLock(rows[0]!), scope: rows.map((r) => r.scope).join(' ') };
    });
    return take.immediate(id.trim().toLowerCase());
  });
}

/** `2026-11-24T04:20:01Z`: timestamps to the second, as people read them. */
export function formatInstant(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z');
}

/** `3s`, `4m`, `2h`, `3d`: an age, rounded down to its largest sensible unit. */
export function formatAge(ms: number): string {
  const s = Math.floor(Math.max(0, ms) / 1000);
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

/** `root@host (pid 1234, "netfirst apply examples/iswest") since 2026-11-24T04:20:01Z` */
export function describeHolder(lock: LockInfo): string {
  return `${lock.owner} (pid ${lock.pid}, ${JSON.stringify(`netfirst ${lock.command}`)}) since ${formatInstant(lock.acquiredAt)}`;
}

function describeRefusal(
  lock: LockInfo,
  reason: LockRefusal,
  { heartbeatAgeMs, timeoutMs, staleAfterMs }: { heartbeatAgeMs: number; timeoutMs: number; staleAfterMs: number },
): string {
  const head = `${lock.scope} is locked by ${describeHolder(lock)}, last heartbeat ${formatAge(heartbeatAgeMs)} ago`;
  switch (reason) {
    case 'held':
      return `${head}; lock ID ${lock.id}${timeoutMs > 0 ? ` (still held after waiting ${formatAge(timeoutMs)})` : ''}`;
    case 'stale':
      return `${head}: the lock is stale (no heartbeat for over ${formatAge(staleAfterMs)}), its holder has probably died; lock ID ${lock.id}`;
    case 'dead':
      return `${head}: held by a process that is no longer running; lock ID ${lock.id}`;
    default:
      return assertNever(reason);
  }
}

