/**
 * Watch mode: a save reloads only the file whose bytes changed and plans only the
 * tenants it concerns — and that plan is the one a full plan would show for them.
 * Then the real `netfirst watch` in a child process: it prints the plan of a save,
 * applies it with --apply, and stops cleanly on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretDigester, secretScope } from '../../engine/run/secrets.js';
import { isEffective } from '../../engine/plan/change.js';
import { makePlan } from '../../engine/plan/plan.js';
import { WatchPlanner } from '../../engine/watch/planner.js';
import { SpecWorkspace } from '../../engine/watch/spec-workspace.js';
import { openState, type StateStore } from '../../state/index.js';
import { REPO, sandbox, type Sandbox } from '../cli/harness.js';

const effective = (changes: readonly { action: string; address: string }[]): string[] =>
  changes.filter((c) => isEffective(c as never)).map((c) => `${c.action} ${c.address}`).sort();

describe('planning again after a save', () => {
  let sb: Sandbox;
  let state: StateStore;
  let workspace: SpecWorkspace;
  let planner: WatchPlanner;
  beforeAll(() => {
    sb = sandbox('iswest');
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
    state = openState(join(sb.dir, '.netfirst', 'state.db'));
    workspace = new SpecWorkspace([join(sb.dir, 'iswest')]);
    planner = new WatchPlanner({ specs: () => workspace.specs(), snapshot: () => state.snapshot(), serial: () => state.serial(), digestSecret: secretDigester(state.secretKey, secretScope(workspace.specs())) });
  });
  afterAll(() => {
    state?.close();
    sb?.remove();
  });
  const file = (name: string): string => join(sb.dir, 'iswest', name);
  const fullPlan = () => {
    const snap = state.snapshot();
    return makePlan({ specs: workspace.specs(), lineage: snap.lineage, serial: snap.serial, recorded: snap.resources, digestSecret: secretDigester(state.secretKey, secretScope(workspace.specs())) }).plan;
  };

  it('starts with a full plan: everything applied, No changes', () => {
    const first = planner.plan();
    expect(first.full).toBe(true);
    expect(effective(first.plan.changes)).toEqual([]);
  });

  it('a tenant file edited: only that tenant is planned, and its plan is what a full plan shows', () => {
    sb.edit('iswest/acme-dental.yaml', 'memory: 8GiB', 'memory: 12GiB');
    const touched = workspace.reload(file('acme-dental.yaml'));
    expect([...touched!.tenants]).toEqual(['acme-dental']);
    const result = planner.plan(touched);
    expect(result.full).toBe(false);
    expect([...result.tenants]).toEqual(['acme-dental']);
    expect(effective(result.plan.changes)).toEqual(['update acme-dental/vm/pms-1']);
    expect(effective(result.plan.changes)).toEqual(effective(fullPlan().changes));
  });

  it('a save of the same bytes reads nothing new and plans nothing', () => {
    sb.write('iswest/cole-accounting.yaml', sb.read('iswest/cole-accounting.yaml'));
    expect(workspace.reload(file('cole-accounting.yaml'))).toBeUndefined();
  });

  it('another tenant edited: planned with the unsettled zone-mate, whose change stays shown', () => {
    sb.edit('iswest/cole-accounting.yaml', 'memory: 32GiB', 'memory: 28GiB');
    const result = planner.plan(workspace.reload(file('cole-accounting.yaml')));
    expect([...result.tenants].sort()).toEqual(['acme-dental', 'cole-accounting']);
    expect(effective(result.plan.changes)).toEqual(['update acme-dental/vm/pms-1', 'update cole-accounting/vm/ledger-1']);
    expect(effective(result.plan.changes)).toEqual(effective(fullPlan().changes));
  });

  it('a broken file is reported at its line; fixing it plans again', () => {
    const good = sb.read('iswest/baker-law.yaml');
    sb.write('iswest/baker-law.yaml', good.replace('cpu: 2', 'cpu: two'));
    const broken = planner.plan(workspace.reload(file('baker-law.yaml')));
    const errors = broken.plan.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]!.file).toContain('baker-law.yaml');
    expect(errors[0]!.line).toBeGreaterThan(0);
    sb.write('iswest/baker-law.yaml', good);
    const fixed = planner.plan(workspace.reload(file('baker-law.yaml')));
    expect(fixed.plan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('the zone file edited: every tenant of the zone is planned', () => {
    sb.edit('iswest/zone.yaml', 'latency: 5ms', 'latency: 6ms');
    const touched = workspace.reload(file('zone.yaml'));
    expect([...touched!.zones]).toEqual(['iswest-1']);
    expect([...planner.plan(touched).tenants].sort()).toEqual(['acme-dental', 'baker-law', 'cole-accounting']);
  });

  it('state moved (an apply): the next plan is a full one again', () => {
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
    const after = planner.plan({ tenants: new Set(['acme-dental']), zones: new Set(), partners: false });
    expect(after.full).toBe(true);
    expect(effective(after.plan.changes)).toEqual([]);
  });
});

describe('netfirst watch', () => {
  const BIN = join(REPO, 'bin', 'netfirst.js');
  let sb: Sandbox;
  let child: ChildProcess | undefined;
  beforeAll(() => {
    sb = sandbox('iswest');
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
  });
  afterAll(() => {
    child?.kill('SIGKILL');
    sb?.remove();
  });

  /** Starts watch; resolves with a function waiting for output matching a pattern. */
  async function start(args: string[]): Promise<{ out: () => string; until: (re: RegExp, from?: number) => Promise<void>; exit: Promise<number> }> {
    child = spawn(process.execPath, [BIN, 'watch', 'iswest', ...args], { cwd: sb.dir, env: { ...process.env, NO_COLOR: '1', NETFIRST_STATE: '' } });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exit = new Promise<number>((resolve) => child!.on('exit', (code) => resolve(code ?? -1)));
    /** Waits for `re` in what was printed after offset `from`. */
    const until = async (re: RegExp, from = 0): Promise<void> => {
      for (let i = 0; i < 600 && !re.test(out.slice(from)); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      if (!re.test(out.slice(from))) throw new Error(`watch never printed ${re}:\n${out}`);
    };
    await until(/Watching iswest/);
    return { out: () => out, until, exit };
  }

  it('prints the plan of a save, for the tenant saved, and stops on SIGTERM with exit 0', async () => {
    const w = await start([]);
    sb.edit('iswest/acme-dental.yaml', 'memory: 8GiB', 'memory: 10GiB');
    await w.until(/planned acme-dental in [\d.]+ ms[\s\S]*Plan: 0 to add, 1 to change/);
    expect(w.out()).toContain('memoryMiB = 8192 -> 10240');
    child!.kill('SIGTERM');
    expect(await w.exit).toBe(0);
  });

  it('--apply applies each plan', async () => {
    const w = await start(['--apply']);
    const before = w.out().length;
    sb.edit('iswest/cole-accounting.yaml', 'memory: 32GiB', 'memory: 30GiB');
    // The apply at start moved state: this plan is a full one again.
    await w.until(/cole-accounting\.yaml: planned (all tenants|cole-accounting) in [\d.]+ ms[\s\S]*Apply complete! Resources: 0 added, 1 changed/, before);
    child!.kill('SIGTERM');
    expect(await w.exit).toBe(0);
    const plan = sb.run('plan', 'iswest', '--detailed-exitcode');
    expect(plan.code, plan.stdout).toBe(0);
  });
});
