/**
 * Releasing the lock is a write, and writes fail (a full disk, a database that refuses
 * writes): the failure is one line naming the lock ID to force-unlock — never an
 * uncaught SqliteError with a stack trace, never hiding why the run itself failed — and
 * the run exits 1. The lock row stays, so nobody takes the state by mistake.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { CliError } from '../../engine/cli/errors.js';
import { withStateLock } from '../../engine/run/lock.js';
import { takeRunLocks } from '../../engine/run/run-locks.js';
import { acquireLock, currentLock, forceUnlock, listLocks, LockReleaseError, openState, type StateStore } from '../../state/index.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '..', '..');

const dirs: string[] = [];
const stores: StateStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function newState(): StateStore {
  const dir = mkdtempSync(join(tmpdir(), 'netfirst-release-'));
  dirs.push(dir);
  const state = openState(join(dir, 'state.db'));
  stores.push(state);
  return state;
}

/** Runs `sql` on the state file through a connection of its own. */
function onFile(state: StateStore, sql: string): void {
  const db = new Database(state.path);
  db.exec(sql);
  db.close();
}

/** Every delete from `locks` must first write `bytes` more to the file. */
const growOnRelease = (bytes: number): string => `
  CREATE TABLE ballast (b BLOB);
  CREATE TRIGGER release_grows BEFORE DELETE ON locks BEGIN INSERT INTO ballast VALUES (zeroblob(${bytes})); END;`;
/** Every delete from `locks` fails, on any connection (what the CLI-level checks use). */
const refuseRelease = (message: string): string =>
  `CREATE TRIGGER release_refused BEFORE DELETE ON locks BEGIN SELECT RAISE(ABORT, '${message}'); END;`;

/**
 * How the lock's own connection is made to fail its release's write. `connect` opens it
 * (as acquireLock does) and hands back the hook to break it once the lock is taken.
 */
interface Failure {
  readonly reason: string;
  readonly prepare: (state: StateStore) => void;
  readonly breakConnection: (db: Database.Database) => void;
  readonly want: (id: string) => string;
}

const failures: Failure[] = [
  {
    reason: 'a full disk: the file cannot grow by a single page (SQLITE_FULL)',
    prepare: (state) => onFile(state, growOnRelease(100_000)),
    breakConnection: (db) => void db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`),
    want: (id) => `could not release the state lock: disk full (database or disk is full); run netfirst force-unlock ${id} once there is room`,
  },
  {
    reason: 'a database that refuses writes (SQLITE_READONLY)',
    prepare: () => undefined,
    breakConnection: (db) => void db.pragma('query_only = 1'),
    want: (id) => `could not release the state lock: attempt to write a readonly database (SQLITE_READONLY); run netfirst force-unlock ${id} once the state database can be written again`,
  },
];

describe('a lock whose release cannot be written', () => {
  it.each(failures)('$reason: one line naming the ID, and the lock stays for force-unlock', async ({ prepare, breakConnection, want }) => {
    const state = newState();
    prepare(state);
    let connection: Database.Database | undefined;
    const lock = await acquireLock(state, {
      command: 'apply examples/iswest', heartbeatMs: 0,
      connect: (path) => (connection = new Database(path, { fileMustExist: true })),
    });
    breakConnection(connection!);

    let thrown: unknown;
    try {
      lock.release();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(LockReleaseError);
    expect((thrown as Error).message).toBe(want(lock.info.id));
    expect(connection!.open, 'the connection is closed all the same').toBe(false);
    expect(lock.held()).toBe(false);
    expect(() => lock.release(), 'releasing again is a no-op').not.toThrow();
    expect(currentLock(state)?.id, 'the row stays: the state is not free by mistake').toBe(lock.info.id);
    onFile(state, 'DROP TRIGGER IF EXISTS release_grows');
    expect(forceUnlock(state, lock.info.id)?.id).toBe(lock.info.id);
    expect(currentLock(state)).toBeUndefined();
  });
});

/** Collects what is written to stderr while `fn` runs (a fake built from a function). */
async function capturingStderr<T>(fn: () => Promise<T>): Promise<{ result: T | undefined; error: unknown; stderr: string }> {
  const write = process.stderr.write.bind(process.stderr);
  let stderr = '';
  process.stderr.write = ((chunk: string | Uint8Array): boolean => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    return { result: await fn(), error: undefined, stderr };
  } catch (error) {
    return { result: undefined, error, stderr };
  } finally {
    process.stderr.write = write;
  }
}

describe('commands holding a lock that cannot be released', () => {
  const line = /^could not release the state lock: disk is full \(SQLITE_CONSTRAINT_TRIGGER\); run netfirst force-unlock ([0-9a-f]{8}) once the state database can be written again$/;

  it.each([
    {
      reason: 'the work succeeded: the release failure is the error (exit 1)',
      work: () => Promise.resolve(0),
      check: (r: { error: unknown; stderr: string }) => {
        expect(r.error).toBeInstanceOf(CliError);
        expect((r.error as CliError).exitCode).toBe(1);
        expect((r.error as CliError).message).toMatch(line);
        expect(r.stderr).toBe('');
      },
    },
    {
      reason: "the work failed: its own error stays the error, the release's line is printed before it",
      work: () => Promise.reject(new CliError('provider down')),
      check: (r: { error: unknown; stderr: string }) => {
        expect((r.error as Error).message).toBe('provider down');
        expect(r.stderr.slice('Error: '.length).trimEnd()).toMatch(line);
        expect(r.stderr.startsWith('Error: ')).toBe(true);
      },
    },
  ])('withStateLock, when $reason', async ({ work, check }) => {
    const state = newState();
    onFile(state, refuseRelease('disk is full'));
    const r = await capturingStderr(() => withStateLock(state, 'apply x', 0, work));
    check(r);
    expect(currentLock(state)).toBeDefined();
  });

  it("an apply's tenant and zone locks are all released that can be, and every ID left is named", async () => {
    const state = newState();
    const locks = await takeRunLocks({ path: state.path, command: 'apply x', timeoutMs: 0 }, new Set(['acme']));
    await locks.holdZones(new Set(['z1']));
    onFile(state, refuseRelease('disk is full'));
    const left = locks.release();
    const idOf = new Map(listLocks(state).map((l) => [l.scope, l.id]));
    expect([...idOf.keys()].sort()).toEqual(['tenant:acme', 'zone:z1']);
    // Released last taken first: the zone's, then the tenant's.
    expect(left).toBe(`could not release the state lock: disk is full (SQLITE_CONSTRAINT_TRIGGER); run netfirst force-unlock ${idOf.get('zone:z1')} and netfirst force-unlock ${idOf.get('tenant:acme')} once the state database can be written again`);
  });

  it('at process exit, where no caller is left: the line on stderr, exit code 1, no stack trace', () => {
    const state = newState();
    onFile(state, refuseRelease('disk is full'));
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(HERE, 'exit-unreleased.ts'), state.path], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
    const { id } = JSON.parse(r.stdout) as { id: string };
    expect(r.stderr).toBe(`Error: could not release the state lock: disk is full (SQLITE_CONSTRAINT_TRIGGER); run netfirst force-unlock ${id} once the state database can be written again\n`);
    expect(r.status).toBe(1);
    expect(currentLock(state)?.id).toBe(id);
  });
});
