/**
 * A state file that is not netfirst's to migrate — random bytes, another program's
 * SQLite database, a newer netfirst's, a damaged one — makes `openState` throw one
 * clear line naming the path, and leaves the file byte for byte as it was.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openState } from '../../state/store.js';

let dir: string;
let healthy: Buffer;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'netfirst-hostile-state-'));
  const store = openState(join(dir, 'healthy.db'));
  store.close();
  healthy = readFileSync(join(dir, 'healthy.db'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a file for one case and returns its path. */
type Make = (path: string) => void;

const bytes = (content: Buffer): Make => (path) => writeFileSync(path, content);
const sqlite = (sql: string): Make => (path) => {
  const db = new Database(path);
  db.exec(sql);
  db.close();
};
const healthyThen = (sql: string): Make => (path) => {
  writeFileSync(path, healthy);
  sqlite(sql)(path);
};
/** The healthy file with `length` bytes at `offset` overwritten. */
const damaged = (offset: number, length: number): Make => (path) => {
  const copy = Buffer.from(healthy);
  copy.fill(0x41, offset, offset + length);
  writeFileSync(path, copy);
};

const fingerprint = (path: string): { sha256: string; mtimeMs: number; size: number } => {
  const stat = statSync(path);
  return { sha256: createHash('sha256').update(readFileSync(path)).digest('hex'), mtimeMs: stat.mtimeMs, size: stat.size };
};

describe('openState on a file that is no netfirst state', () => {
  it.each([
    { reason: 'random bytes', make: bytes(Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 48271 + 11) % 256))), want: /^PATH is not a netfirst state database: it is not an SQLite database \(file is not a database\)$/ },
    { reason: 'a text file', make: bytes(Buffer.from('apiVersion: netfirst/v1\n')), want: /^PATH is not a netfirst state database: it is not an SQLite database/ },
    { reason: "another program's SQLite database", make: sqlite('CREATE TABLE foo (x); INSERT INTO foo VALUES (1)'), want: /^PATH is not a netfirst state database: it holds tables netfirst does not know \(foo\) and no netfirst schema_version$/ },
    { reason: 'one that merely has a meta table', make: sqlite('CREATE TABLE meta (key TEXT, value TEXT)'), want: /^PATH is not a netfirst state database: it holds tables netfirst does not know \(meta\)/ },
    { reason: 'a newer netfirst', make: healthyThen("INSERT INTO schema_version VALUES (99, 'future', '2030-01-01')"), want: /^PATH: it is at schema version 99, newer than this netfirst \(\d+\); upgrade netfirst$/ },
    { reason: 'a netfirst state without its meta table', make: healthyThen('DROP TABLE meta'), want: /^PATH is corrupt: it is at schema version \d+ but has no meta table$/ },
    { reason: 'one without a lineage', make: healthyThen("DELETE FROM meta WHERE key = 'lineage'"), want: /^PATH is corrupt: meta has no lineage$/ },
    { reason: 'a damaged page', make: damaged(4096, 4096), want: /^PATH is corrupt: database disk image is malformed$/ },
    { reason: 'a truncated file', make: (path: string) => writeFileSync(path, healthy.subarray(0, 4096)), want: /^PATH is corrupt: database disk image is malformed$/ },
  ])('$reason: one line, file untouched', ({ make, want }) => {
    const path = join(dir, `${Math.random().toString(36).slice(2)}.db`);
    make(path);
    const before = fingerprint(path);
    let message = '';
    try {
      openState(path).close();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.split(path).join('PATH')).toMatch(want);
    expect(message).not.toContain('\n');
    expect(fingerprint(path)).toEqual(before);
  });

  it('a directory, a FIFO or a device is refused without opening it', () => {
    mkdirSync(join(dir, 'a-directory.db'));
    execFileSync('mkfifo', [join(dir, 'fifo.db')]);
    for (const path of [join(dir, 'a-directory.db'), join(dir, 'fifo.db'), '/dev/zero']) {
      expect(() => openState(path)).toThrow(`${path} is not a netfirst state database: it is not a regular file`);
    }
  });

  it('an empty file is a new state', () => {
    const path = join(dir, 'empty.db');
    writeFileSync(path, '');
    const store = openState(path);
    expect(store.serial()).toBe(0);
    store.close();
  });
});
