/**
 * The state file on disk: private to its owner whatever the umask (0600 for the
 * database and the -wal and -shm SQLite makes beside it, 0700 for a directory netfirst
 * creates), and written only while its path still names the file the store opened —
 * a write to a removed or replaced file would vanish without a trace.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openState, type ResourceRecord, StateFileGoneError, type StateStore } from '../../state/index.js';

const dirs: string[] = [];
const stores: StateStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'netfirst-statefile-'));
  dirs.push(dir);
  return dir;
}
function open(path: string): StateStore {
  const store = openState(path);
  stores.push(store);
  return store;
}
const modeOf = (path: string): string => (statSync(path).mode & 0o777).toString(8).padStart(4, '0');

const network = (name: string): ResourceRecord => ({
  address: `acme/network/${name}`, type: 'network', tenant: 'acme', zone: 'z1', providerId: `net-${name}`,
  attributes: { name, cidr: '10.0.0.0/24' }, dependsOn: [], boundTo: [], protect: false, sensitive: [],
});
const intent = (name: string) => ({ address: `acme/network/${name}`, action: 'create', type: 'network', tenant: 'acme', zone: 'z1', runId: 'run-1' }) as const;

/** Opens a state, writes to it (so the -wal and -shm exist), and returns the modes of everything on disk. */
function modesAfterAWrite(path: string): Record<string, string> {
  const store = open(path);
  store.commitCreate(store.beginOperation(intent('office')), network('office'));
  const dir = join(path, '..');
  return Object.fromEntries(readdirSync(dir).map((f) => [f, modeOf(join(dir, f))]));
}

describe('the state file is private to its owner', () => {
  it.each([
    { reason: 'the usual umask 022', umask: 0o022 },
    { reason: 'a permissive umask 000 (a CI image)', umask: 0o000 },
    { reason: 'a umask that would make it read-only, 0277', umask: 0o277 },
  ])('a new state is 0600 with its -wal and -shm, in a new 0700 directory, under $reason', ({ umask }) => {
    const root = tempDir();
    const path = join(root, 'work', '.netfirst', 'state.db');
    const old = process.umask(umask);
    try {
      expect(modesAfterAWrite(path)).toEqual({ 'state.db': '0600', 'state.db-wal': '0600', 'state.db-shm': '0600' });
    } finally {
      process.umask(old);
    }
    expect(modeOf(join(root, 'work', '.netfirst'))).toBe('0700');
    expect(modeOf(join(root, 'work')), 'every directory netfirst creates').toBe('0700');
  });

  it.each([
    { reason: 'a state an older netfirst left 0644', mode: 0o644, want: '0600' },
    { reason: 'a group-writable state', mode: 0o664, want: '0600' },
    { reason: 'a world-readable and executable one (only group and other bits go)', mode: 0o755, want: '0700' },
    { reason: 'one already private stays as it is', mode: 0o600, want: '0600' },
  ])('$reason is tightened on open, with leftover -wal and -shm', ({ mode, want }) => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    const seed = openState(path);
    seed.close();
    chmodSync(path, mode);
    // Side files another run left behind (a crash), readable by all.
    for (const side of ['-wal', '-shm']) writeFileSync(path + side, '');
    for (const side of ['-wal', '-shm']) chmodSync(path + side, 0o644);
    const store = open(path);
    expect(modeOf(path)).toBe(want);
    // SQLite may discard an empty leftover and make its own with the main file's mode.
    expect(modeOf(`${path}-wal`)).toMatch(/^0[67]00$/);
    expect(modeOf(`${path}-shm`)).toMatch(/^0[67]00$/);
    expect(store.listResources(), 'the state itself is untouched').toEqual([]);
  });

  it("another program's database at the state path is refused and keeps its mode", () => {
    const path = join(tempDir(), 'state.db');
    const db = new Database(path);
    db.exec('CREATE TABLE foo (x)');
    db.close();
    chmodSync(path, 0o644);
    expect(() => openState(path)).toThrow(/is not a netfirst state database/);
    expect(modeOf(path)).toBe('0644');
  });

  it('leaves an existing directory as the operator made it', () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    open(join(dir, 'state.db'));
    expect(modeOf(dir)).toBe('0755');
  });
});

describe('a store writes only while its path names the file it opened', () => {
  type Swap = (path: string, dir: string) => void;
  const removeAll: Swap = (path) => {
    for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
  };
  const moveAway: Swap = (path, dir) => renameSync(path, join(dir, 'moved.db'));
  const replaceWithAnother: Swap = (path, dir) => {
    const other = openState(join(dir, 'other.db'));
    other.close();
    renameSync(join(dir, 'other.db'), path);
  };
  const restoreACopy: Swap = (path, dir) => {
    copyFileSync(path, join(dir, 'copy.db'));
    renameSync(join(dir, 'copy.db'), path);
  };

  it.each([
    { reason: 'rm .netfirst/state.db*', swap: removeAll, found: 'it no longer exists' },
    { reason: 'the file moved to another name', swap: moveAway, found: 'it no longer exists' },
    { reason: "another state renamed over it", swap: replaceWithAnother, found: 'another file has taken its name' },
    { reason: 'a copy of itself restored over it (same bytes, another file)', swap: restoreACopy, found: 'another file has taken its name' },
  ])('after $reason: the completed call is named, and nothing new begins', ({ swap, found }) => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    const store = open(path);
    store.commitCreate(store.beginOperation(intent('before')), network('before'));
    const inFlight = store.beginOperation(intent('office'));
    swap(path, dir);

    const refused = catchError(() => store.commitCreate(inFlight, network('office')));
    expect(refused).toBeInstanceOf(StateFileGoneError);
    expect((refused as StateFileGoneError).message).toBe(`the state database ${path} was removed or replaced during the run: ${found}`);
    expect((refused as StateFileGoneError).unrecorded).toEqual({ address: 'acme/network/office', action: 'create', zone: 'z1' });

    const notBegun = catchError(() => store.beginOperations([intent('next')]));
    expect(notBegun).toBeInstanceOf(StateFileGoneError);
    expect((notBegun as StateFileGoneError).unrecorded, 'no provider call was made for it').toBeUndefined();
    expect(() => store.verifyFile()).toThrow(StateFileGoneError);
    expect(() => store.failOperation(inFlight, 'x')).toThrow(StateFileGoneError);
  });

  it.each([
    {
      reason: 'another state renamed over it: its -wal is not replayed onto the newcomer',
      swap: (path: string, dir: string): string | undefined => {
        const other = openState(join(dir, 'other.db'));
        const lineage = other.lineage;
        other.close();
        renameSync(join(dir, 'other.db'), path);
        return lineage;
      },
    },
    {
      reason: 'rm state.db alone (its -wal and -shm left): a new state there starts clean',
      swap: (path: string): string | undefined => {
        rmSync(path);
        return undefined;
      },
    },
  ])('once the store closes, what has the name is untouched by the old file: $reason', ({ swap }) => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    const store = open(path);
    store.commitCreate(store.beginOperation(intent('before')), network('before'));
    const oldLineage = store.lineage;
    const inFlight = store.beginOperation(intent('office'));
    const lineage = swap(path, dir);
    expect(() => store.commitCreate(inFlight, network('office'))).toThrow(StateFileGoneError);
    store.close();
    stores.splice(stores.indexOf(store), 1);
    const reopened = open(path);
    if (lineage !== undefined) expect(reopened.lineage).toBe(lineage);
    expect(reopened.lineage).not.toBe(oldLineage);
    expect(reopened.listResources()).toEqual([]);
    expect(reopened.pendingOperations()).toEqual([]);
  });

  it.each([
    { reason: 'another connection wrote to the same file', touch: (s: StateStore, path: string) => { const o = openState(path); o.commitCreate(o.beginOperation(intent('other')), network('other')); o.close(); } },
    { reason: 'its mode was changed', touch: (_s: StateStore, path: string) => chmodSync(path, 0o600) },
  ])('a file that is still the same one is written as usual: $reason', ({ touch }) => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    const store = open(path);
    const op = store.beginOperation(intent('office'));
    touch(store, path);
    store.commitCreate(op, network('office'));
    expect(store.getResource('acme/network/office')?.providerId).toBe('net-office');
    expect(existsSync(path)).toBe(true);
  });

  it('an in-memory state has no file to lose', () => {
    const store = open(':memory:');
    store.commitCreate(store.beginOperation(intent('office')), network('office'));
    expect(() => store.verifyFile()).not.toThrow();
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected it to throw');
}
