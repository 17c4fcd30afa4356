/**
 * Hostile input through the real CLI, against a state that already holds the applied
 * iswest example: every case exits 1 with one line per problem naming the file and
 * line (or the path), never a stack trace, and leaves the state exactly as it was —
 * the same `state list --json`, the same bytes in state.db. Spawns are few (each costs
 * about a second): the hostile spec files share one run of `plan`, and one of `apply`
 * last — apply takes the state lock (a row written and deleted in state.db) before it
 * reads specs, so after it only the recorded resources are compared, not the bytes.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, sandbox, type Run, type Sandbox } from '../cli/harness.js';

let box: Sandbox;
let baseline: { list: string; db: string };
let statePath: string;

const fingerprint = (): { list: string; db: string } => {
  const list = box.run('state', 'list', '--json');
  expect(list.code).toBe(0);
  return { list: list.stdout, db: createHash('sha256').update(readFileSync(statePath)).digest('hex') };
};

/** What every refusal looks like: exit 1, no stack, every line a diagnostic or the one `Error:` line. */
function expectRefusal(run: Run): string[] {
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  expect(run.stderr).not.toContain('this is a bug in netfirst');
  const lines = run.stderr.trimEnd().split('\n');
  for (const line of lines) expect(line).toMatch(/^(hostile\/[^:\s]+(:\d+:\d+)?: (error|warning): |Error: )/);
  return lines;
}

/** The first line each hostile file gets, and the summary line. */
function expectHostileDiagnostics(lines: string[]): void {
  const firstLineOf = (file: string): string | undefined => lines.find((line) => line.startsWith(`hostile/${file}`));
  expect(firstLineOf('alias-bomb.yaml')).toBe('hostile/alias-bomb.yaml:12:12: error: alias *e expands the document past 100,000 values; aliases may share a block, not multiply one');
  expect(firstLineOf('deep-flow.yaml')).toBe('hostile/deep-flow.yaml:7:263: error: nested or indented too deeply to parse (beyond 256 levels); specs nest at most 64 levels');
  expect(firstLineOf('duplicate-key.yaml')).toBe('hostile/duplicate-key.yaml:12:7: error: Map keys must be unique');
  expect(firstLineOf('prototype-keys.yaml')).toMatch(/^hostile\/prototype-keys\.yaml:7:3: error: spec\.__proto__: unknown field "__proto__"/);
  expect(firstLineOf('names.yaml')).toMatch(/^hostile\/names\.yaml:4:9: error: metadata\.name: must be a DNS label.*; got "a;rm -rf \/"$/);
  expect(firstLineOf('numbers.yaml')).toBe('hostile/numbers.yaml:10:24: error: spec.networks[0].segment.vlan: must be at most 4094; got 99999');
  expect(firstLineOf('binary.yaml')).toBe('hostile/binary.yaml:2:13: error: not a UTF-8 text file (a NUL byte); spec files are YAML text in UTF-8');
  expect(firstLineOf('big.yaml')).toBe('hostile/big.yaml: error: file is 12.3 MiB; spec files are limited to 4 MiB');
  expect(firstLineOf('fifo.yaml')).toBe('hostile/fifo.yaml: error: not a regular file (a FIFO); spec files are YAML text files');
  expect(lines.at(-1)).toMatch(/^Error: \d+ errors: nothing was planned or changed$/);
}

beforeAll(() => {
  box = sandbox();
  statePath = join(box.dir, '.netfirst', 'state.db');
  const applied = box.run('apply', 'iswest', '--auto-approve');
  expect(applied.code, applied.stderr).toBe(0);
  baseline = fingerprint();
  expect(JSON.parse(baseline.list)).toHaveLength(41);

  const hostile = join(box.dir, 'hostile');
  cpSync(join(REPO, 'test', 'fixtures', 'hostile-specs'), hostile, { recursive: true });
  writeFileSync(join(hostile, 'binary.yaml'), Buffer.from('apiVersion: netfirst/v1\nkind: Tenant\0\0\n'));
  writeFileSync(join(hostile, 'big.yaml'), Buffer.alloc(Math.round(12.3 * 2 ** 20), '#\n'));
  execFileSync('mkfifo', [join(hostile, 'fifo.yaml')]);
});
afterAll(() => box?.remove());

describe('hostile input through the CLI leaves state as it was', () => {
  it('hostile spec files: one diagnostic each with file:line, exit 1, state unchanged', () => {
    const lines = expectRefusal(box.run('plan', 'iswest', 'hostile'));
    expectHostileDiagnostics(lines);
    expect(fingerprint()).toEqual(baseline);
  });

  it('a missing path', () => {
    const lines = expectRefusal(box.run('plan', 'iswest', 'nowhere'));
    expect(lines).toEqual(['Error: nowhere: no such file or directory']);
    expect(fingerprint()).toEqual(baseline);
  });

  it('an unreadable directory', ({ skip }) => {
    if (process.getuid?.() === 0) {
      console.log('skipped "an unreadable directory" through the CLI: running as root, chmod 000 does not stop reads (test/hostile/load.test.ts checks the diagnostic where it can)');
      skip();
    }
    const locked = join(box.dir, 'hostile-locked');
    mkdirSync(locked);
    execFileSync('chmod', ['000', locked]);
    try {
      const lines = expectRefusal(box.run('plan', 'iswest', 'hostile-locked'));
      expect(lines[0]).toMatch(/^hostile-locked: error: cannot read directory: EACCES/);
    } finally {
      execFileSync('chmod', ['755', locked]);
    }
  });
});

describe('a state.db that is no netfirst state: one line, exit 1, file untouched', () => {
  const fileState = (): { sha256: string; mtimeMs: number } => ({
    sha256: createHash('sha256').update(readFileSync(statePath)).digest('hex'),
    mtimeMs: statSync(statePath).mtimeMs,
  });
  /** Replaces state.db (and any WAL beside it) for one case, then puts the applied state back. */
  const withState = (make: (path: string) => void, check: () => void): void => {
    const saved = `${statePath}.saved`;
    copyFileSync(statePath, saved);
    for (const extra of ['-wal', '-shm']) expect(existsSync(statePath + extra)).toBe(false);
    try {
      rmSync(statePath);
      make(statePath);
      check();
    } finally {
      copyFileSync(saved, statePath);
      rmSync(saved);
      for (const extra of ['-wal', '-shm']) rmSync(statePath + extra, { force: true });
    }
  };

  it.each([
    {
      reason: 'random bytes',
      make: (path: string) => writeFileSync(path, Buffer.from(Array.from({ length: 16384 }, (_, i) => (i * 48271 + 11) % 256))),
      args: ['state', 'list'],
      want: 'Error: STATE is not a netfirst state database: it is not an SQLite database (file is not a database)',
    },
    {
      reason: "another program's SQLite database",
      make: (path: string) => {
        const db = new Database(path);
        db.exec("CREATE TABLE foo (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO foo (name) VALUES ('bar')");
        db.close();
      },
      args: ['plan', 'iswest'],
      want: 'Error: STATE is not a netfirst state database: it holds tables netfirst does not know (foo) and no netfirst schema_version',
    },
    {
      reason: 'a state written by a newer netfirst',
      make: (path: string) => {
        copyFileSync(`${path}.saved`, path);
        const db = new Database(path);
        db.exec("INSERT INTO schema_version VALUES (99, 'from the future', '2030-01-01T00:00:00Z')");
        db.close();
      },
      args: ['apply', 'iswest', '--auto-approve'],
      want: /^Error: STATE: it is at schema version 99, newer than this netfirst \(\d+\); upgrade netfirst$/,
    },
  ])('$reason', ({ make, args, want }) => {
    withState(make, () => {
      const before = fileState();
      const lines = expectRefusal(box.run(...args));
      expect(lines).toHaveLength(1);
      const line = lines[0]!.split(statePath).join('STATE');
      if (typeof want === 'string') expect(line).toBe(want);
      else expect(line).toMatch(want);
      expect(fileState()).toEqual(before);
    });
    expect(fingerprint()).toEqual(baseline);
  });
});

describe('apply refuses hostile specs before changing anything', () => {
  it('the same diagnostics, and the same recorded resources', () => {
    const lines = expectRefusal(box.run('apply', 'iswest', 'hostile', '--auto-approve'));
    expectHostileDiagnostics(lines);
    expect(fingerprint().list).toEqual(baseline.list);
  });
});
