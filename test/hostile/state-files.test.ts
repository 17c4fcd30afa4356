/**
 * The state's files, as a careless or hostile hand on the operator's host meets them:
 * `rm .netfirst/state.db*` (or another file moved over it) while an apply runs stops the
 * run with exit 1 and names every completed call it could not record — never "Apply
 * complete" over a state that is gone; the state, the simulated zone, the linux
 * provider's registry and a saved plan are their owner's only (0600, directories 0700),
 * also when an older netfirst or the user left them readable; and a lock that cannot
 * be released is one line with the ID to force-unlock, never a stack trace.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from '../../providers/linux/registry.js';
import { openState } from '../../state/index.js';
import { REPO, sandbox, type Sandbox } from '../cli/harness.js';

const boxes: Sandbox[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const b of boxes.splice(0)) b.remove();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function box(): Sandbox {
  const sb = sandbox('iswest');
  boxes.push(sb);
  return sb;
}

const modeOf = (path: string): string => (statSync(path).mode & 0o777).toString(8).padStart(4, '0');
const STACK_FRAME = /^\s+at /m;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the CLI without waiting, so the test can act while it runs. */
function start(sb: Sandbox, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(REPO, 'bin', 'netfirst.js'), ...args], {
    cwd: sb.dir, env: { ...process.env, NO_COLOR: '1', NETFIRST_STATE: '' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => void (stdout += t));
  child.stderr.setEncoding('utf8').on('data', (t: string) => void (stderr += t));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** Waits until the run has journalled provider calls that are now in flight (the sim is slow). */
async function untilCallsInFlight(statePath: string): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    if (existsSync(statePath)) {
      const db = new Database(statePath, { readonly: true, fileMustExist: true });
      try {
        const pending = db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'journal'").pluck().get() === 1
          ? (db.prepare("SELECT count(*) FROM journal WHERE status = 'pending'").pluck().get() as number)
          : 0;
        if (pending > 0) return;
      } catch {
        // The schema is being created: look again.
      } finally {
        db.close();
      }
    }
    await sleep(20);
  }
  throw new Error('the apply never started a provider call');
}

/** Addresses of every object the simulated zone holds. */
function worldAddresses(sb: Sandbox): string[] {
  const db = new Database(join(sb.dir, '.netfirst', 'sim-iswest-1.db'), { readonly: true });
  try {
    return (db.prepare('SELECT address FROM objects ORDER BY address').pluck().all() as string[]);
  } finally {
    db.close();
  }
}

describe('the state file removed or replaced while an apply runs', () => {
  type Swap = (statePath: string, sb: Sandbox) => void;
  const removeAll: Swap = (statePath) => {
    for (const f of [statePath, `${statePath}-wal`, `${statePath}-shm`]) rmSync(f, { force: true });
  };
  /** Another, empty state moved over it (a restore gone wrong); returns nothing, checked after. */
  const moveAnotherOver: Swap = (statePath, sb) => {
    const other = openState(join(sb.dir, 'other.db'));
    other.close();
    renameSync(join(sb.dir, 'other.db'), statePath);
  };

  it.each([
    { reason: 'rm .netfirst/state.db*', swap: removeAll, found: 'it no longer exists' },
    { reason: 'another state moved over it', swap: moveAnotherOver, found: 'another file has taken its name' },
  ])('$reason: exit 1, every completed call named, nothing more started, no "Apply complete"', async ({ swap, found }) => {
    const sb = box();
    // Each provider call takes 1.5 s: the first batch is surely in flight when the file goes.
    sb.edit('iswest/zone.yaml', 'latency: 5ms', 'latency: 1500ms');
    const statePath = join(sb.dir, '.netfirst', 'state.db');
    const run = start(sb, 'apply', 'iswest', '--auto-approve');
    await untilCallsInFlight(statePath);
    swap(statePath, sb);
    const r = await run;

    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('Apply complete');
    expect(r.stderr).not.toMatch(STACK_FRAME);
    const error = r.stderr.split('\n').filter((l) => l.startsWith('Error: '));
    expect(error).toHaveLength(1);
    const m = /^Error: the state database \.netfirst\/state\.db was removed or replaced during the run: (.*?); (\d+) operations?(?:'s outcome|s' outcomes) could not be recorded: (.*)\. Nothing more was started, and everything the state recorded went with the file: restore it from a backup, or adopt what exists in the provider with: netfirst import provider iswest-1$/.exec(error[0]!);
    expect(m, error[0]).not.toBeNull();
    expect(m![1]).toBe(found);
    const named = m![3]!.split(', ').map((s) => s.replace(/ \(create\)$/, ''));
    expect(named).toHaveLength(Number(m![2]));
    expect(named.length).toBeGreaterThan(0);
    // What the zone holds is exactly what was in flight: all named, and nothing started after.
    expect(named).toEqual(worldAddresses(sb));
  });

  it('the state moved over it is left exactly as it was put there', async () => {
    const sb = box();
    sb.edit('iswest/zone.yaml', 'latency: 5ms', 'latency: 1500ms');
    const statePath = join(sb.dir, '.netfirst', 'state.db');
    const run = start(sb, 'apply', 'iswest', '--auto-approve');
    await untilCallsInFlight(statePath);
    const other = openState(join(sb.dir, 'other.db'));
    const lineage = other.lineage;
    other.close();
    renameSync(join(sb.dir, 'other.db'), statePath);
    expect((await run).code).toBe(1);

    const after = openState(statePath);
    try {
      expect(after.lineage, 'no WAL of the old file was replayed onto it').toBe(lineage);
      expect(after.listResources()).toEqual([]);
      expect(after.pendingOperations()).toEqual([]);
    } finally {
      after.close();
    }
  });
});

describe('files only their owner may read', () => {
  it('plan --out over an existing 0644 file, then apply: state 0600, zone 0600, plan 0600, .netfirst 0700', () => {
    const sb = box();
    writeFileSync(join(sb.dir, 'p.json'), 'an older plan\n');
    chmodSync(join(sb.dir, 'p.json'), 0o644);

    const planned = sb.run('plan', 'iswest', '--out', 'p.json');
    expect(planned.code, planned.stderr).toBe(0);
    expect(modeOf(join(sb.dir, 'p.json'))).toBe('0600');
    expect(JSON.parse(sb.read('p.json'))).toHaveProperty('changes');
    expect(modeOf(join(sb.dir, '.netfirst'))).toBe('0700');
    expect(modeOf(join(sb.dir, '.netfirst', 'state.db'))).toBe('0600');

    const applied = sb.run('apply', 'p.json');
    expect(applied.code, applied.stderr).toBe(0);
    for (const f of ['state.db', 'sim-iswest-1.db']) {
      for (const side of ['', '-wal', '-shm']) {
        const path = join(sb.dir, '.netfirst', f + side);
        if (side === '' || existsSync(path)) expect(modeOf(path), f + side).toBe('0600');
      }
    }
    expect(modeOf(join(sb.dir, '.netfirst', 'cache'))).toBe('0700');
  });

  it('an older netfirst left the state and the zone 0644: the next run tightens them to 0600', () => {
    const sb = box();
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
    const files = ['state.db', 'sim-iswest-1.db'].map((f) => join(sb.dir, '.netfirst', f));
    for (const f of files) chmodSync(f, 0o644);
    const r = sb.run('plan', 'iswest', '--refresh');
    expect(r.code, r.stderr).toBe(0);
    expect(files.map(modeOf)).toEqual(['0600', '0600']);
  });

  const tmpFile = `.registry.${process.pid}.tmp`;
  it.each([
    { reason: 'a new registry in a new directory (0700)', seed: undefined },
    { reason: 'a registry an older netfirst wrote 0644', seed: { file: 'registry.json', text: '{"routers":{},"vms":{},"objects":{}}' } },
    { reason: 'a leftover temporary file of a crashed run, 0644', seed: { file: tmpFile, text: 'x' } },
  ])("the linux provider's registry is written 0600: $reason", ({ seed }) => {
    const root = mkdtempSync(join(tmpdir(), 'netfirst-registry-'));
    dirs.push(root);
    const dir = join(root, 'linux-lab-1');
    if (seed) {
      // A directory the operator made, holding what an older run left.
      mkdirSync(dir, { mode: 0o755 });
      writeFileSync(join(dir, seed.file), seed.text);
      chmodSync(join(dir, seed.file), 0o644);
    }
    const registry = new Registry(join(dir, 'registry.json'));
    registry.claimRouter('acme');
    registry.save();
    expect(modeOf(join(dir, 'registry.json'))).toBe('0600');
    expect(modeOf(dir)).toBe(seed ? '0755' : '0700');
    expect(new Registry(join(dir, 'registry.json')).routerIndex('acme')).toBe(1);
  });
});

describe('a lock that cannot be released, through the CLI', () => {
  it('apply completes, then one line names every lock ID to force-unlock; exit 1; no stack trace', () => {
    const sb = box();
    expect(sb.run('plan', 'iswest').code).toBe(0);
    const statePath = join(sb.dir, '.netfirst', 'state.db');
    const db = new Database(statePath);
    db.exec("CREATE TRIGGER release_refused BEFORE DELETE ON locks BEGIN SELECT RAISE(ABORT, 'disk is full'); END");
    db.close();

    const r = sb.run('apply', 'iswest', '--auto-approve');
    expect(r.stdout).toContain('Apply complete!');
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(r.stderr).not.toContain('this is a bug');
    const m = /^Error: could not release the state lock: disk is full \(SQLITE_CONSTRAINT_TRIGGER\); run netfirst force-unlock ([0-9a-f]{8}) and netfirst force-unlock ([0-9a-f]{8}) once the state database can be written again\n$/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    expect(r.code).toBe(1);

    const fix = new Database(statePath);
    fix.exec('DROP TRIGGER release_refused');
    fix.close();
    for (const id of [m![1]!, m![2]!]) expect(sb.run('force-unlock', id).code).toBe(0);
    expect(sb.run('plan', 'iswest', '--detailed-exitcode').code, 'everything the apply did was recorded').toBe(0);
  });
});
