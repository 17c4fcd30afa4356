/**
 * End to end through the real CLI on examples/iswest and the embedded sim provider:
 * what a user does and sees, from the first plan to destroy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandbox, type Sandbox } from './harness.js';

interface JsonPlan {
  summary: Record<string, number>;
  changes: { address: string; action: string; requiresReplace: string[]; replacedWith?: string[] }[];
}
const DENTAL = 'iswest/acme-dental.yaml';

function effective(plan: JsonPlan): Record<string, string> {
  return Object.fromEntries(plan.changes.filter((c) => c.action !== 'noop').map((c) => [c.address, c.action]));
}

function realityMatchesState(sb: Sandbox): void {
  const inventory = JSON.parse(sb.run('zone', 'inventory', 'iswest-1', 'iswest', '--json').stdout) as { address: string; providerId: string }[];
  const state = JSON.parse(sb.run('state', 'list', '--json').stdout) as { address: string; providerId: string }[];
  const key = (r: { address: string; providerId: string }): string => `${r.address} ${r.providerId}`;
  expect(inventory.map(key).sort()).toEqual(state.map(key).sort());
}

describe('the iswest example, end to end', () => {
  let sb: Sandbox;
  beforeAll(() => { sb = sandbox(); });
  afterAll(() => sb.remove());

  it('plans 41 creations on a fresh machine, exit code 2 with --detailed-exitcode', () => {
    const r = sb.run('plan', 'iswest', '--detailed-exitcode');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('+ resource "network" "acme-dental/network/office" {');
    expect(r.stdout).toContain('password = (sensitive)');
    expect(r.stdout).toContain('Plan: 41 to add, 0 to change, 0 to replace, 0 to destroy.');
  });

  it('the JSON plan is byte-identical when planned twice', () => {
    const a = sb.run('plan', 'iswest', '--json');
    const b = sb.run('plan', 'iswest', '--json');
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const plan = JSON.parse(a.stdout) as JsonPlan & { format: string };
    expect(plan.format).toBe('netfirst-plan/1');
    expect(plan.summary).toEqual({ create: 41, update: 0, replace: 0, delete: 0, noop: 0 });
    expect(a.stdout).not.toContain('demo');
  });

  it('refuses to apply without --auto-approve when there is no terminal to ask on', () => {
    const r = sb.run('apply', 'iswest');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--auto-approve');
    expect(JSON.parse(sb.run('state', 'list', '--json').stdout)).toEqual([]);
  });

  it('applies everything, then a second plan says No changes (exit 0)', () => {
    const r = sb.run('apply', 'iswest', '--auto-approve');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Apply complete! Resources: 41 added, 0 changed, 0 replaced, 0 destroyed/);
    expect(r.stdout).toContain('acme-dental/network/office: Creation complete after');
    const again = sb.run('plan', 'iswest', '--detailed-exitcode');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes.');
    realityMatchesState(sb);
  });

  it('validate, state show, graph and --help answer as documented', () => {
    const valid = sb.run('validate', 'iswest');
    expect(valid.code).toBe(0);
    expect(valid.stdout).toContain('Success! 5 files, 1 zone, 3 tenants');
    const show = sb.run('state', 'show', 'acme-dental/vpn/hq');
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/preSharedKey\s+= \(sensitive\)/);
    expect(show.stdout).not.toContain('sha256:');
    expect(sb.run('state', 'show', 'acme-dental/vm/nope').stderr).toContain('acme-dental/vm/nope is not in state');
    sb.edit(DENTAL, 'memory: 8GiB', 'memory: 10GiB');
    const dot = sb.run('graph', 'iswest');
    expect(dot.stdout).toContain('"acme-dental/vm/pms-1" [label = "~ acme-dental/vm/pms-1"];');
    const mermaid = sb.run('graph', 'iswest', '--format', 'mermaid');
    expect(mermaid.stdout.split('\n')[0]).toBe('flowchart LR');
    sb.edit(DENTAL, 'memory: 10GiB', 'memory: 8GiB');
    for (const cmd of [['plan'], ['apply'], ['destroy'], ['state', 'list'], ['zone', 'inventory'], ['graph'], ['schema'], ['validate']]) {
      const help = sb.run(...cmd, '--help');
      expect(help.code, cmd.join(' ')).toBe(0);
      expect(help.stdout).toContain('Usage: netfirst');
    }
  });

  it('editing a VM memory gives exactly one in-place update', () => {
    sb.edit(DENTAL, 'memory: 8GiB', 'memory: 12GiB');
    const plan = JSON.parse(sb.run('plan', 'iswest', '--json').stdout) as JsonPlan;
    expect(effective(plan)).toEqual({ 'acme-dental/vm/pms-1': 'update' });
    const text = sb.run('plan', 'iswest').stdout;
    expect(text).toContain('~ memoryMiB = 8192 -> 12288');
    expect(text).toContain('Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.');
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
    expect(sb.run('plan', 'iswest', '--detailed-exitcode').code).toBe(0);
  });

  it('changing a network CIDR replaces it and, in order, what depends on it', () => {
    sb.edit(DENTAL, 'cidr: 10.20.0.0/24', 'cidr: 10.21.0.0/24');
    sb.edit(DENTAL, 'ip: 10.20.0.10', 'ip: 10.21.0.10');
    const plan = JSON.parse(sb.run('plan', 'iswest', '--json').stdout) as JsonPlan;
    const changes = effective(plan);
    expect(changes['acme-dental/network/office']).toBe('replace');
    expect(changes['acme-dental/vm/pms-1']).toBe('replace');
    expect(changes['acme-dental/vm/pms-1/disk/data']).toBe('replace');
    expect(Object.values(changes).every((a) => a === 'replace')).toBe(true);
    const network = plan.changes.find((c) => c.address === 'acme-dental/network/office');
    expect(network?.requiresReplace).toEqual(['cidr']);
    expect(sb.run('plan', 'iswest').stdout).toMatch(/~ cidr +?= "10\.20\.0\.0\/24" -> "10\.21\.0\.0\/24" # forces replacement/);

    const applied = sb.run('apply', 'iswest', '--auto-approve', '--parallelism', '1');
    expect(applied.code).toBe(0);
    const log = applied.stdout.split('\n');
    const at = (line: string): number => log.findIndex((l) => l.startsWith(line));
    // Dependents go first, the network is destroyed, created, then dependents come back.
    expect(at('acme-dental/vm/pms-1 (destroy): Destruction complete')).toBeLessThan(at('acme-dental/network/office (destroy): Destruction complete'));
    expect(at('acme-dental/network/office (destroy): Destruction complete')).toBeLessThan(at('acme-dental/network/office: Creation complete'));
    expect(at('acme-dental/network/office: Creation complete')).toBeLessThan(at('acme-dental/vm/pms-1: Creation complete'));
    expect(sb.run('plan', 'iswest', '--detailed-exitcode').code).toBe(0);
    realityMatchesState(sb);
  });

  it('removing a VM deletes it and its disks, nothing else', () => {
    const text = sb.read(DENTAL);
    sb.write(DENTAL, text.slice(0, text.indexOf('    - name: backup-1')));
    const plan = JSON.parse(sb.run('plan', 'iswest', '--json').stdout) as JsonPlan;
    expect(effective(plan)).toEqual({ 'acme-dental/vm/backup-1': 'delete', 'acme-dental/vm/backup-1/disk/vault': 'delete' });
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
    realityMatchesState(sb);
  });

  it('a saved plan applies exactly once; applying it again is refused as stale', () => {
    sb.edit(DENTAL, 'cpu: 4\n      memory: 12GiB', 'cpu: 6\n      memory: 12GiB');
    expect(sb.run('plan', 'iswest', '--out', 'tfplan.json').code).toBe(0);
    const first = sb.run('apply', 'tfplan.json');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('1 changed');
    const again = sb.run('apply', 'tfplan.json');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/stale: the state moved from serial \d+ to \d+/);
  });

  it('a saved plan is refused once a spec file it was made from changed', () => {
    sb.edit(DENTAL, 'cpu: 6\n      memory: 12GiB', 'cpu: 4\n      memory: 12GiB');
    expect(sb.run('plan', 'iswest', '--out', 'again.json').code).toBe(0);
    sb.edit(DENTAL, 'cpu: 4\n      memory: 12GiB', 'cpu: 5\n      memory: 12GiB');
    const r = sb.run('apply', 'again.json');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('again.json is stale: iswest/acme-dental.yaml changed since it was planned. Plan again.');
    sb.edit(DENTAL, 'cpu: 5\n      memory: 12GiB', 'cpu: 6\n      memory: 12GiB');
  });

  it('a broken spec is reported with file:line, exit 1, and state is untouched', () => {
    const before = sb.run('state', 'list', '--json').stdout;
    sb.edit(DENTAL, 'memory: 12GiB', 'memroy: 12GiB');
    const r = sb.run('apply', 'iswest', '--auto-approve');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/iswest\/acme-dental\.yaml:\d+:\d+: error: .*memroy/);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
    expect(sb.run('plan', 'iswest', '--detailed-exitcode').code).toBe(1);
    expect(sb.run('state', 'list', '--json').stdout).toBe(before);
    sb.edit(DENTAL, 'memroy: 12GiB', 'memory: 12GiB');
  });

  it('destroy removes every resource of a tenant, in reverse order', () => {
    const r = sb.run('destroy', 'iswest', '--tenant', 'acme-dental', '--auto-approve');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Destroy complete! Resources: 0 added, 0 changed, 0 replaced, \d+ destroyed/);
    const state = JSON.parse(sb.run('state', 'list', '--json').stdout) as { tenant: string }[];
    expect(state.filter((s) => s.tenant === 'acme-dental')).toEqual([]);
    expect(state.length).toBeGreaterThan(0);
    realityMatchesState(sb);
  });
});

describe('a failure injected mid-apply', () => {
  let sb: Sandbox;
  beforeAll(() => { sb = sandbox(); });
  afterAll(() => sb.remove());

  it('fails that resource, skips its dependents, finishes the rest, and state equals reality', () => {
    sb.edit('iswest/zone.yaml', 'provider: { type: sim, latency: 5ms }', 'provider: { type: sim, latency: 5ms, failOn: [baker-law/vm/mail-1] }');
    const r = sb.run('apply', 'iswest', '--auto-approve');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Apply failed.');
    expect(r.stdout).toMatch(/✗ baker-law\/vm\/mail-1: /);
    expect(r.stdout).toMatch(/- baker-law\/port-forward\/mail-tcp-25: skipped \(depends on baker-law\/vm\/mail-1\)/);
    const state = (JSON.parse(sb.run('state', 'list', '--json').stdout) as { address: string }[]).map((s) => s.address);
    expect(state).toContain('cole-accounting/vm/rds-1');
    expect(state).not.toContain('baker-law/vm/mail-1');
    realityMatchesState(sb);

    sb.edit('iswest/zone.yaml', ', failOn: [baker-law/vm/mail-1]', '');
    const plan = JSON.parse(sb.run('plan', 'iswest', '--json').stdout) as JsonPlan;
    expect(Object.values(effective(plan)).every((a) => a === 'create')).toBe(true);
    expect(effective(plan)['baker-law/vm/mail-1']).toBe('create');
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
    expect(sb.run('plan', 'iswest', '--detailed-exitcode').code).toBe(0);
    realityMatchesState(sb);
  });
});

describe('a busy provider', () => {
  let sb: Sandbox;
  beforeAll(() => { sb = sandbox(); });
  afterAll(() => sb.remove());

  it('is retried with backoff until the apply completes, and the retries are shown', () => {
    sb.edit('iswest/zone.yaml', 'provider: { type: sim, latency: 5ms }', 'provider: { type: sim, latency: 5ms, busyRate: 0.3, seed: 11 }');
    const r = sb.run('apply', 'iswest', '--auto-approve');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const retries = r.stdout.split('\n').filter((l) => /resource busy: .* \(attempt \d+\); retrying in \d+/.test(l));
    expect(retries.length).toBeGreaterThan(3);
    expect(r.stdout).toContain('Apply complete! Resources: 41 added');
    console.log(`busy provider: ${retries.length} retryable faults injected and retried; apply complete`);
    expect(sb.run('plan', 'iswest', '--detailed-exitcode').code).toBe(0);
  });
});

describe('protection and orphans', () => {
  let sb: Sandbox;
  beforeAll(() => { sb = sandbox(); });
  afterAll(() => sb.remove());

  it('refuses a plan that would delete a protected resource, naming it and the spec line', () => {
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
    const law = sb.read('iswest/baker-law.yaml');
    sb.write('iswest/baker-law.yaml', law.slice(0, law.indexOf('    - name: docs-1')));
    const r = sb.run('plan', 'iswest');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: baker-law/vm/docs-1 is protected: the plan would delete it');
    sb.write('iswest/baker-law.yaml', law);
  });

  it('keeps a tenant whose file vanished, reporting it orphaned, and destroys it only with --prune', () => {
    const cole = sb.read('iswest/cole-accounting.yaml');
    sb.write('iswest/cole-accounting.yaml', '');
    const kept = sb.run('plan', 'iswest', '--detailed-exitcode');
    expect(kept.code).toBe(0);
    expect(kept.stderr).toContain('warning: tenant cole-accounting is orphaned: it is in state but no spec describes it');
    expect(kept.stdout).toContain('Orphaned tenants (in state, no spec; kept — use --prune to destroy): cole-accounting');
    const pruned = JSON.parse(sb.run('plan', 'iswest', '--prune', '--json').stdout) as { summary: { delete: number } };
    expect(pruned.summary.delete).toBe(12);
    const applied = sb.run('apply', 'iswest', '--prune', '--auto-approve');
    expect(applied.stdout).toContain('12 destroyed');
    expect((JSON.parse(sb.run('state', 'list', '--json').stdout) as { tenant: string }[]).some((r) => r.tenant === 'cole-accounting')).toBe(false);
    sb.write('iswest/cole-accounting.yaml', cole);
  });
});
