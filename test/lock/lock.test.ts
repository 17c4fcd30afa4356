import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { CliError } from '../../engine/cli/errors.js';
import { lockCommandLine, parseLockTimeout, withStateLock } from '../../engine/run/lock.js';
import {
  acquireLock, currentLock, forceUnlock, openState, StateLockedError, type AcquireOptions, type LockHandle,
  type LockHolder, type StateStore,
} from '../../state/index.js';
import { migrate, MIGRATIONS } from '../../state/migrations.js';

const dirs: string[] = [];
const open: StateStore[] = [];
const handles: LockHandle[] = [];
afterEach(() => {
  for (const h of handles.splice(0)) h.release();
  for (const s of open.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'netfirst-lock-'));
  dirs.push(dir);
  return join(dir, 'state.db');
}

function newState(): StateStore {
  const state = openState(tempPath());
  open.push(state);
  return state;
}

/**
 * A clock that only moves when told to, or when acquire sleeps: waiting is instant and
 * `onSleep` lets a test act "while" the second process waits.
 */
function fakeTime(start = '2026-11-24T04:20:01.000Z') {
  let t = Date.parse(start);
  const sleeps: number[] = [];
  let onSleep: (() => void) | undefined;
  return {
    now: () => new Date(t),
    advance: (ms: number) => void (t += ms),
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
      onSleep?.();
    },
    whileSleeping: (fn: () => void) => void (onSleep = fn),
    sleeps,
  };
}

const elsewhere: LockHolder = { owner: 'root@gw-2', pid: 1234, host: 'gw-2' };

async function take(state: StateStore, options: Partial<AcquireOptions> = {}): Promise<LockHandle> {
  const handle = await acquireLock(state, { command: 'apply examples/iswest', heartbeatMs: 0, ...options });
  handles.push(handle);
  return handle;
}

async function refusal(promise: Promise<unknown>): Promise<StateLockedError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof StateLockedError)) throw new Error(`expected a StateLockedError, got ${String(error)}`);
  return error;
}

/** The pid of a process that has certainly exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid!;
}

describe('the locks table', () => {
  it('arrives as migration 2, also on a database created at version 1 (and the later migrations follow)', () => {
    const path = tempPath();
    const v1 = new Database(path);
    expect(migrate(v1, new Date(), MIGRATIONS.slice(0, 1))).toBe(1);
    v1.close();
    const state = openState(path);
    open.push(state);
    expect(state.schemaVersion).toBe(MIGRATIONS.at(-1)!.version);
    expect(currentLock(state)).toBeUndefined();
  });
});

describe('acquiring the state lock', () => {
  it('records who holds it, and releasing removes it', async () => {
    const clock = fakeTime();
    const state = newState();
    const lock = await take(state, { now: clock.now, holder: elsewhere });
    expect(lock.info).toMatchObject({
      scope: 'state', owner: 'root@gw-2', pid: 1234, host: 'gw-2', command: 'apply examples/iswest',
      acquiredAt: '2026-11-24T04:20:01.000Z', heartbeatAt: '2026-11-24T04:20:01.000Z',
    });
    expect(lock.info.id).toMatch(/^[0-9a-f]{8}$/);
    expect(currentLock(state)).toEqual(lock.info);
    lock.release();
    expect(lock.held()).toBe(false);
    expect(currentLock(state)).toBeUndefined();
    lock.release(); // idempotent
  });

  it('defaults to this process as the holder', async () => {
    const lock = await take(newState());
    expect(lock.info).toMatchObject({ pid: process.pid, host: hostname() });
    expect(lock.info.owner).toMatch(new RegExp(`@${hostname()}$`));
  });

  it('fails at once with timeout 0, saying who holds it since when', async () => {
    const clock = fakeTime();
    const state = newState();
    const first = await take(state, { now: clock.now, holder: elsewhere });
    clock.advance(3_000);
    const error = await refusal(take(state, { now: clock.now, sleep: clock.sleep, command: 'plan --out p.json' }));
    expect(error.reason).toBe('held');
    expect(error.lock).toEqual(first.info);
    expect(clock.sleeps).toEqual([]);
    expect(error.message.replace(first.info.id, 'ID')).toMatchInlineSnapshot(
      `"state is locked by root@gw-2 (pid 1234, "netfirst apply examples/iswest") since 2026-11-24T04:20:01Z, last heartbeat 3s ago; lock ID ID"`,
    );
  });

  it('waits for a holder that releases within the timeout, announcing the wait once', async () => {
    const clock = fakeTime();
    const state = newState();
    const first = await take(state, { now: clock.now, holder: elsewhere });
    const waitedFor: string[] = [];
    clock.whileSleeping(() => {
      if (clock.sleeps.length === 3) first.release();
    });
    const second = await take(state, {
      now: clock.now, sleep: clock.sleep, timeoutMs: 5_000, pollMs: 250, onWait: (l) => waitedFor.push(l.id),
    });
    expect(clock.sleeps).toEqual([250, 250, 250]);
    expect(waitedFor).toEqual([first.info.id]);
    expect(second.info.id).not.toBe(first.info.id);
    expect(currentLock(state)?.id).toBe(second.info.id);
  });

  it('gives up after the timeout when the holder keeps it', async () => {
    const clock = fakeTime();
    const state = newState();
    await take(state, { now: clock.now, holder: elsewhere });
    const error = await refusal(take(state, { now: clock.now, sleep: clock.sleep, timeoutMs: 1_000, pollMs: 300 }));
    expect(error.reason).toBe('held');
    expect(clock.sleeps).toEqual([300, 300, 300, 100]);
    expect(error.waitedMs).toBe(1_000);
    expect(error.message).toMatch(/; lock ID [0-9a-f]{8} \(still held after waiting 1s\)$/);
  });

  it('reports a holder without a heartbeat for 30 s as stale at once, and leaves its lock alone', async () => {
    const clock = fakeTime();
    const state = newState();
    const first = await take(state, { now: clock.now, holder: elsewhere });
    clock.advance(31_000);
    const error = await refusal(take(state, { now: clock.now, sleep: clock.sleep, timeoutMs: 60_000 }));
    expect(error.reason).toBe('stale');
    expect(clock.sleeps).toEqual([]);
    expect(error.message.replace(first.info.id, 'ID')).toMatchInlineSnapshot(
      `"state is locked by root@gw-2 (pid 1234, "netfirst apply examples/iswest") since 2026-11-24T04:20:01Z, last heartbeat 31s ago: the lock is stale (no heartbeat for over 30s), its holder has probably died; lock ID ID"`,
    );
    expect(currentLock(state)?.id).toBe(first.info.id);
  });

  it('counts staleness from the last heartbeat, not from acquiring', async () => {
    const clock = fakeTime();
    const state = newState();
    const first = await take(state, { now: clock.now, holder: elsewhere });
    clock.advance(25_000);
    expect(first.heartbeat()).toBe(true);
    clock.advance(25_000);
    const error = await refusal(take(state, { now: clock.now, staleAfterMs: 30_000 }));
    expect(error.reason).toBe('held');
    expect(error.heartbeatAgeMs).toBe(25_000);
  });

  it('says so when the holder is a process on this host that is no longer running', async () => {
    const clock = fakeTime();
    const state = newState();
    const pid = deadPid();
    const first = await take(state, { now: clock.now, holder: { owner: 'ops@here', pid, host: hostname() } });
    clock.advance(2_000);
    const error = await refusal(take(state, { now: clock.now, sleep: clock.sleep, timeoutMs: 60_000 }));
    expect(error.reason).toBe('dead');
    expect(clock.sleeps).toEqual([]);
    expect(error.message).toBe(
      `state is locked by ops@here (pid ${pid}, "netfirst apply examples/iswest") since 2026-11-24T04:20:01Z, last heartbeat 2s ago: held by a process that is no longer running; lock ID ${first.info.id}`,
    );
  });

  it('does not judge the pid of a holder on another host', async () => {
    const state = newState();
    await take(state, { holder: { ...elsewhere, pid: deadPid() } });
    expect((await refusal(take(state))).reason).toBe('held');
  });

  it('keeps the heartbeat going on its own timer', async () => {
    const state = newState();
    const lock = await take(state, { heartbeatMs: 20 });
    const first = lock.info.heartbeatAt;
    await new Promise((r) => setTimeout(r, 120));
    expect(Date.parse(currentLock(state)!.heartbeatAt)).toBeGreaterThan(Date.parse(first));
  });
});

describe('force-unlock', () => {
  it('breaks a lock by ID and says what it broke; the old holder learns it lost the lock', async () => {
    const state = newState();
    const first = await take(state, { holder: elsewhere });
    expect(forceUnlock(state, first.info.id.toUpperCase())).toEqual(first.info);
    expect(currentLock(state)).toBeUndefined();
    expect(first.heartbeat()).toBe(false);
    expect(first.held()).toBe(false);
  });

  it('answers undefined for an unknown ID and leaves the lock', async () => {
    const state = newState();
    const first = await take(state);
    expect(forceUnlock(state, '00000000')).toBeUndefined();
    expect(currentLock(state)?.id).toBe(first.info.id);
  });

  it("lets a broken holder's release leave the next holder's lock alone", async () => {
    const state = newState();
    const first = await take(state, { holder: elsewhere });
    forceUnlock(state, first.info.id);
    const second = await take(state);
    first.release();
    expect(currentLock(state)?.id).toBe(second.info.id);
  });

  it("even before the broken holder's heartbeat noticed", async () => {
    const state = newState();
    const first = await take(state, { holder: elsewhere });
    forceUnlock(state, first.info.id);
    const second = await take(state);
    expect(first.held()).toBe(true); // it has not found out yet
    first.release();
    expect(currentLock(state)?.id).toBe(second.info.id);
  });
});

describe('withStateLock', () => {
  it('holds the lock while the work runs and releases it after success or failure', async () => {
    const state = newState();
    const seen = await withStateLock(state, 'apply x', 0, (lock) => currentLock(state)?.id === lock.info.id);
    expect(seen).toBe(true);
    expect(currentLock(state)).toBeUndefined();
    await expect(withStateLock(state, 'apply x', 0, () => Promise.reject(new Error('provider down')))).rejects.toThrow('provider down');
    expect(currentLock(state)).toBeUndefined();
  });

  it('turns a held lock into one CliError line naming the holder and the way out', async () => {
    const state = newState();
    const first = await take(state, { holder: elsewhere });
    const error = await withStateLock(state, 'apply x', 0, () => 'ran').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(1);
    expect((error as CliError).message).toMatch(new RegExp(
      `^state is locked by root@gw-2 \\(pid 1234, "netfirst apply examples/iswest"\\) since \\S+Z, last heartbeat \\d+s ago; `
      + `lock ID ${first.info.id}\\. Wait with --lock-timeout 5m, or break a dead lock with: netfirst force-unlock ${first.info.id}$`,
    ));
  });
});

describe('--lock-timeout', () => {
  it.each([
    { reason: 'absent means fail at once', given: undefined, want: 0 },
    { reason: 'a bare zero', given: '0', want: 0 },
    { reason: 'seconds', given: '30s', want: 30_000 },
    { reason: 'minutes', given: '5m', want: 300_000 },
    { reason: 'compound', given: '1m30s', want: 90_000 },
    { reason: 'milliseconds', given: '500ms', want: 500 },
  ])('$reason: $given', ({ given, want }) => {
    expect(parseLockTimeout(given)).toBe(want);
  });

  it.each([
    { reason: 'a number without a unit is ambiguous', given: '5' },
    { reason: 'not a duration', given: 'soon' },
    { reason: 'negative', given: '-5s' },
  ])('refuses $given: $reason', ({ given }) => {
    expect(() => parseLockTimeout(given)).toThrow(CliError);
    expect(() => parseLockTimeout(given)).toThrow(`--lock-timeout: "${given}" is not a duration (use 0, 30s, 5m or 1h)`);
  });
});

describe('the command line a lock records', () => {
  it('is argv after netfirst, quoting what needs it', () => {
    expect(lockCommandLine(['node', 'netfirst', 'apply', 'examples/iswest', '--auto-approve'])).toBe('apply examples/iswest --auto-approve');
    expect(lockCommandLine(['node', 'netfirst', 'apply', 'my specs', ''])).toBe('apply "my specs" ""');
  });
});
