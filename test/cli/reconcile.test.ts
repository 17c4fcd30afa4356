/**
 * Continuous reconciliation through the real CLI: `netfirst reconcile` judges every
 * tenant each round (drift injected straight into the sim's world is seen within one
 * round, and `--self-heal` puts it back), a broken tenant file fails only that tenant,
 * `netfirst status` shows the last results after the loop has gone, and SIGTERM stops
 * the loop cleanly — between rounds and in the middle of an apply.
 */
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordToJson } from '../../engine/reconcile/index.js';
import { acquireLock, openState } from '../../state/index.js';
import { REPO, sandbox, type Sandbox } from './harness.js';

interface StatusEntry {
  tenant: string;
  status: string;
  summary: string;
  drifted: number;
  pending: number;
  action: string;
  actionDetail: string;
  lastError: { message: string; at: string } | null;
  checkedAt: string;
  statusSince: string;
  lastSyncedAt: string | null;
  roundId: string;
  drift: { address: string; kind: string; attributes?: string[] }[];
  changes: { address: string; action: string; cause: string }[];
}

const world = (sb: Sandbox): Database.Database => new Database(join(sb.dir, '.netfirst', 'sim-iswest-1.db'));
const simMemory = (sb: Sandbox, address: string): number | undefined => {
  const db = world(sb);
  try {
    const row = db.prepare<[string], { m: number }>("SELECT json_extract(attributes, '$.memoryMiB') AS m FROM objects WHERE address = ?").get(address);
    return row?.m;
  } finally {
    db.close();
  }
};
const injectDrift = (sb: Sandbox): void => {
  const db = world(sb);
  db.prepare("UPDATE objects SET attributes = json_set(attributes, '$.memoryMiB', 16384) WHERE address = 'acme-dental/vm/pms-1'").run();
  db.prepare("DELETE FROM objects WHERE address = 'cole-accounting/vm/files-1/disk/shares'").run();
  db.close();
};
const statuses = (sb: Sandbox, ...args: string[]): Record<string, StatusEntry> => {
  const r = sb.run('status', ...args, '--json');
  expect(r.code, r.stderr).toBe(0);
  const json = JSON.parse(r.stdout) as { format: string; tenants: StatusEntry[] };
  expect(json.format).toBe('netfirst-status/1');
  return Object.fromEntries(json.tenants.map((t) => [t.tenant, t]));
};
/** The status rows as `status --json` shows them, read in this process (one CLI start less). */
const recorded = (sb: Sandbox): Record<string, StatusEntry> => {
  const state = openState(join(sb.dir, '.netfirst', 'state.db'));
  try {
    return Object.fromEntries(state.listTenantStatus().map((r) => [r.tenant, recordToJson(r) as unknown as StatusEntry]));
  } finally {
    state.close();
  }
};
const statusOf = (s: Record<string, StatusEntry>): Record<string, string> => Object.fromEntries(Object.entries(s).map(([t, e]) => [t, e.status]));

describe('netfirst reconcile and status', () => {
  const sb = sandbox();
  afterAll(() => sb.remove());

  it('status before any round says so, and a first round on a fresh state finds everything OutOfSync', () => {
    expect(sb.run('status').stdout).toContain('No reconciliation has run yet');
    const r = sb.run('reconcile', 'iswest', '--once');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(3);
    expect(r.stdout).toMatch(/acme-dental +OutOfSync +the spec asks for 10 to add/);
    expect(statusOf(recorded(sb))).toEqual({ 'acme-dental': 'OutOfSync', 'baker-law': 'OutOfSync', 'cole-accounting': 'OutOfSync' });
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
  });

  it('detects drift made outside netfirst within one round, heals it with --self-heal, and is Synced the round after', () => {
    expect(sb.run('reconcile', 'iswest', '--once', '--detailed-exitcode').code).toBe(0);
    injectDrift(sb);

    const seen = sb.run('reconcile', 'iswest', '--once', '--detailed-exitcode');
    expect(seen.code).toBe(2);
    expect(seen.stdout).toMatch(/acme-dental +Drifted +1 changed outside netfirst \(acme-dental\/vm\/pms-1: memoryMiB\)\n/);
    expect(seen.stdout).toMatch(/cole-accounting +Drifted +1 deleted outside netfirst \(cole-accounting\/vm\/files-1\/disk\/shares\)\n/);
    expect(seen.stdout).toMatch(/baker-law +Synced/);
    expect(simMemory(sb, 'acme-dental/vm/pms-1')).toBe(16384); // without --self-heal nothing is touched

    const s = statuses(sb);
    expect(statusOf(s)).toEqual({ 'acme-dental': 'Drifted', 'baker-law': 'Synced', 'cole-accounting': 'Drifted' });
    expect(s['acme-dental']).toMatchObject({
      drifted: 1, pending: 0, action: 'none', lastError: null,
      drift: [{ address: 'acme-dental/vm/pms-1', kind: 'changed', attributes: ['memoryMiB'] }],
      changes: [{ address: 'acme-dental/vm/pms-1', action: 'update', cause: 'drift' }],
    });
    expect(s['baker-law']!.statusSince < s['baker-law']!.checkedAt).toBe(true); // Synced since an earlier round

    const healed = sb.run('reconcile', 'iswest', '--once', '--self-heal', '--json');
    expect(healed.code, healed.stderr).toBe(0);
    const lines = healed.stdout.trim().split('\n').map((l) => JSON.parse(l) as StatusEntry & { round: number });
    expect(lines.map((l) => [l.tenant, l.status, l.action, l.actionDetail])).toEqual([
      ['acme-dental', 'Drifted', 'healed', '1 change applied'],
      ['baker-law', 'Synced', 'none', ''],
      ['cole-accounting', 'Drifted', 'healed', '1 change applied'],
    ]);
    expect(lines.every((l) => l.round === 1 && l.roundId === lines[0]!.roundId)).toBe(true);

    const after = sb.run('reconcile', 'iswest', '--once', '--detailed-exitcode');
    expect(after.code).toBe(0);
    expect(statusOf(recorded(sb))).toEqual({ 'acme-dental': 'Synced', 'baker-law': 'Synced', 'cole-accounting': 'Synced' });
    // The sim zone equals the spec again.
    expect(simMemory(sb, 'acme-dental/vm/pms-1')).toBe(8192);
    expect(simMemory(sb, 'cole-accounting/vm/files-1')).toBeDefined();
    const db = world(sb);
    expect(db.prepare("SELECT count(*) FROM objects WHERE address = 'cole-accounting/vm/files-1/disk/shares'").pluck().get()).toBe(1);
    db.close();
    expect(sb.run('plan', 'iswest', '--refresh', '--detailed-exitcode').code).toBe(0);
  });

  it('reports a spec edit as OutOfSync; --self-heal leaves it, --sync applies it', () => {
    sb.edit('iswest/acme-dental.yaml', 'memory: 8GiB', 'memory: 12GiB');
    const r = sb.run('reconcile', 'iswest', '--once', '--self-heal');
    expect(r.stdout).toMatch(/acme-dental +OutOfSync +the spec asks for 1 to change \(acme-dental\/vm\/pms-1\)\n/);
    expect(recorded(sb)['acme-dental']).toMatchObject({ status: 'OutOfSync', pending: 1, drifted: 0, action: 'none', changes: [{ address: 'acme-dental/vm/pms-1', action: 'update', cause: 'spec' }] });
    expect(simMemory(sb, 'acme-dental/vm/pms-1')).toBe(8192);

    const synced = sb.run('reconcile', 'iswest', '--once', '--sync');
    expect(synced.stdout).toMatch(/acme-dental +OutOfSync .* → synced: 1 change applied/);
    expect(simMemory(sb, 'acme-dental/vm/pms-1')).toBe(12288);
    expect(sb.run('reconcile', 'iswest', '--once', '--detailed-exitcode').code).toBe(0);
  });

  it('fails only the tenant whose file is broken: the others are still judged and healed', () => {
    const good = sb.read('iswest/baker-law.yaml');
    sb.write('iswest/baker-law.yaml', 'apiVersion: netfirst/v1\nkind: Tenant\nmetadata: { name: baker-law }\nspec:\n  zone: [oops\n');
    injectDrift(sb);
    const r = sb.run('reconcile', 'iswest', '--once', '--self-heal', '--detailed-exitcode');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/baker-law +Error +iswest\/baker-law\.yaml:6:1: error: /);
    expect(r.stdout).toMatch(/acme-dental +Drifted .* → healed: 1 change applied/);
    expect(r.stdout).toMatch(/cole-accounting +Drifted .* → healed: 1 change applied/);
    const s = recorded(sb);
    expect(s['baker-law']).toMatchObject({ status: 'Error', action: 'none', lastError: { message: expect.stringContaining('iswest/baker-law.yaml:6:1') } });
    expect(simMemory(sb, 'acme-dental/vm/pms-1')).toBe(12288);

    // A plan error (here: a VM on a network the tenant does not have) is the tenant's too.
    sb.write('iswest/baker-law.yaml', good.replace(/network: ([a-z-]+)/, 'network: nowhere'));
    const planned = sb.run('reconcile', 'iswest', '--once');
    expect(planned.stdout).toMatch(/baker-law +Error +.*nowhere/);
    expect(planned.stdout).toMatch(/acme-dental +Synced/);

    sb.write('iswest/baker-law.yaml', good);
    expect(sb.run('reconcile', 'iswest', '--once', '--detailed-exitcode').code).toBe(0);
    const text = sb.run('status').stdout;
    expect(text).toMatch(/^TENANT +STATUS +SINCE +CHECKED +LAST SYNCED +SUMMARY$/m);
    expect(text).toMatch(/^baker-law +Synced /m);
    expect(text).toContain('Last errors:'); // kept after the tenant recovered
    expect(recorded(sb)['baker-law']!.lastError?.message).toContain('nowhere');
  });

  it('status --tenant shows one tenant; status DIR lists spec tenants no round has seen', () => {
    expect(Object.keys(statuses(sb, '--tenant', 'cole-accounting'))).toEqual(['cole-accounting']);
    sb.write('iswest/dunn-dental.yaml', sb.read('iswest/acme-dental.yaml').replace(/name: acme-dental/, 'name: dunn-dental').replace(/cidr: 10\.(\d+)\./g, 'cidr: 10.2$1.'));
    const s = statuses(sb, 'iswest');
    expect(s['dunn-dental']).toMatchObject({ status: 'Unknown', checkedAt: null });
    expect(sb.run('status', 'iswest').stdout).toMatch(/^dunn-dental +Unknown .* not reconciled yet$/m);
  });
});

describe('reconcile and the state lock', () => {
  const sb = sandbox();
  beforeAll(() => {
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
  });
  afterAll(() => sb.remove());

  it('does not correct while another run holds the lock: it says so and retries next round', async () => {
    injectDrift(sb);
    const lock = await acquireLock({ path: join(sb.dir, '.netfirst', 'state.db') }, { command: 'apply iswest (test)', heartbeatMs: 0 });
    try {
      const r = sb.run('reconcile', 'iswest', '--once', '--self-heal');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/acme-dental +Drifted .* → deferred: not applied: the state is locked by .*apply iswest \(test\).*; retrying next round/);
      expect(simMemory(sb, 'acme-dental/vm/pms-1')).toBe(16384);
    } finally {
      lock.release();
    }
    const r = sb.run('reconcile', 'iswest', '--once', '--self-heal');
    expect(r.stdout).toMatch(/acme-dental +Drifted .* → healed/);
    expect(simMemory(sb, 'acme-dental/vm/pms-1')).toBe(8192);
  });
});

/** The CLI as a long-running child process, its output collected as it comes. */
function start(sb: Sandbox, ...args: string[]): { child: ChildProcess; out: () => string; err: () => string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, [join(REPO, 'bin', 'netfirst.js'), ...args], {
    cwd: sb.dir,
    env: { ...process.env, NO_COLOR: '1', NETFIRST_STATE: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
  child.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, out: () => out, err: () => err, exited };
}

async function until(what: string, ok: () => boolean, timeoutMs = 45_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('reconcile as a long-running loop', () => {
  it('sees drift made while it runs within a round, and stops on SIGTERM between rounds: exit 0, results kept', async () => {
    const sb = sandbox();
    try {
      expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
      const loop = start(sb, 'reconcile', 'iswest', '--interval', '200ms', '--json');
      try {
        await until('the first round', () => loop.out().split('\n').filter(Boolean).length >= 3);
        injectDrift(sb);
        await until('the drift to be seen', () => /"tenant":"acme-dental","status":"Drifted"/.test(loop.out()));
        loop.child.kill('SIGTERM');
        const exit = await loop.exited;
        expect(exit).toEqual({ code: 0, signal: null });
        expect(loop.err()).toMatch(/SIGTERM received: finishing the round in flight/);
        expect(loop.err()).toMatch(/Stopped after \d+ rounds?/);
        // Every line is one tenant of one round, rounds counting up.
        const lines = loop.out().trim().split('\n').map((l) => JSON.parse(l) as { round: number; tenant: string });
        expect(lines.length % 3).toBe(0);
        expect(lines.at(-1)!.round).toBe(lines.length / 3);
      } finally {
        if (loop.child.exitCode === null) loop.child.kill('SIGKILL');
      }
      expect(statusOf(recorded(sb))).toEqual({ 'acme-dental': 'Drifted', 'baker-law': 'Synced', 'cole-accounting': 'Drifted' });
      expect(JSON.parse(sb.run('state', 'lock', '--json').stdout)).toEqual([]);
    } finally {
      sb.remove();
    }
  });

  it('on SIGTERM in the middle of an apply finishes the calls in flight, records them, releases the lock and exits 0', async () => {
    const sb = sandbox();
    try {
      // Slow provider calls, one at a time: the apply of a fresh state takes far longer than the test waits.
      sb.edit('iswest/zone.yaml', 'latency: 5ms', 'latency: 700ms');
      const loop = start(sb, 'reconcile', 'iswest', '--interval', '200ms', '--sync', '--parallelism', '1');
      const stateDb = join(sb.dir, '.netfirst', 'state.db');
      const count = (sql: string): number => {
        const db = new Database(stateDb, { readonly: true, fileMustExist: true });
        try {
          return db.prepare(sql).pluck().get() as number;
        } finally {
          db.close();
        }
      };
      try {
        await until('the apply to be under way', () => {
          try {
            return count('SELECT count(*) FROM resources') >= 1;
          } catch {
            return false; // not created yet
          }
        });
        loop.child.kill('SIGTERM');
        const exit = await loop.exited;
        expect(exit).toEqual({ code: 0, signal: null });
        expect(loop.err()).toMatch(/SIGTERM received/);
      } finally {
        if (loop.child.exitCode === null) loop.child.kill('SIGKILL');
      }
      // Nothing was abandoned half-way: no operation is left in flight, and state holds exactly what the sim holds.
      expect(count("SELECT count(*) FROM journal WHERE status = 'pending'")).toBe(0);
      expect(count('SELECT count(*) FROM locks')).toBe(0);
      const inState = count('SELECT count(*) FROM resources');
      const db = world(sb);
      const inWorld = db.prepare('SELECT count(*) FROM objects').pluck().get() as number;
      db.close();
      expect(inState).toBeGreaterThan(0);
      expect(inState).toBe(inWorld);
      expect(inState).toBeLessThan(41);
      const s = recorded(sb);
      expect(Object.values(s).some((e) => e.action === 'deferred' && /not started \(the loop is stopping\)/.test(e.actionDetail))).toBe(true);
      // The next run finishes the rest.
      sb.edit('iswest/zone.yaml', 'latency: 700ms', 'latency: 5ms');
      expect(sb.run('reconcile', 'iswest', '--once', '--sync').code).toBe(0);
      expect(sb.run('reconcile', 'iswest', '--once', '--detailed-exitcode').code).toBe(0);
    } finally {
      sb.remove();
    }
  });
});
