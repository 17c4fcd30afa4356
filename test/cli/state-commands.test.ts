/**
 * Terraform's everyday commands (issue 22, item 3), run as users run them: `version`,
 * `show [PLANFILE]`, `state rm` and `state mv` on examples/iswest applied to the sim
 * (westside-it owns acme-*, lexcore baker-law). Edits of the record never touch the
 * provider, are journalled with who made them, and are refused — nothing changed, exit
 * 1 — for a partner's foreign tenant, a locked tenant, an unknown address (with the
 * nearest one) and an address an interrupted run left pending.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLock, openState, type StateEvent } from '../../state/index.js';
import { STATE_SCHEMA_VERSION } from '../../state/schema-version.js';
import { REPO, sandbox, type Sandbox } from './harness.js';

const NO_PARTNER = { NETFIRST_PARTNER: '' };
const statePathOf = (sb: Sandbox): string => join(sb.dir, '.netfirst', 'state.db');

/** What the sim's zone really holds, byte for byte: a command that asks nothing of the provider leaves it as it was. */
function simWorld(sb: Sandbox): string {
  const dir = join(sb.dir, '.netfirst');
  const files = readdirSync(dir).filter((f) => f.startsWith('sim-')).sort();
  expect(files.length).toBeGreaterThan(0);
  const h = createHash('sha256');
  for (const f of files) h.update(f).update(readFileSync(join(dir, f)));
  return h.digest('hex');
}

function recorded(sb: Sandbox): string[] {
  const r = sb.run('state', 'list');
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim().split('\n');
}

function eventsOf(sb: Sandbox, runIdPrefix: string): StateEvent[] {
  const state = openState(statePathOf(sb));
  try {
    return [...state.events()].filter((e) => e.runId.startsWith(runIdPrefix));
  } finally {
    state.close();
  }
}

describe('netfirst version', () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = sandbox('iswest', NO_PARTNER);
  });
  afterAll(() => sb.remove());

  it('names netfirst, Node, the state schema and the built-in providers, and never creates a state', () => {
    const r = sb.run('version');
    expect(r.code, r.stderr).toBe(0);
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    expect(r.stdout).toContain(`netfirst ${pkg.version}\n`);
    expect(r.stdout).toContain(`node ${process.versions.node}\n`);
    expect(r.stdout).toMatch(new RegExp(`state schema ${STATE_SCHEMA_VERSION}; state here \\(.*state\\.db\\): no state here`));
    expect(r.stdout).toContain('providers built in: sim, linux, cloudstack');
    expect(existsSync(join(sb.dir, '.netfirst'))).toBe(false);

    const j = sb.run('version', '--json');
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({
      netfirst: pkg.version, node: process.versions.node, stateSchema: STATE_SCHEMA_VERSION,
      state: { schema: null }, providers: ['sim', 'linux', 'cloudstack'],
    });
    expect(existsSync(join(sb.dir, '.netfirst'))).toBe(false);
  });

  it("reads the schema of the state here, read-only", () => {
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
    const r = sb.run('version', '--json');
    expect(JSON.parse(r.stdout).state.schema).toBe(STATE_SCHEMA_VERSION);
  });
});

describe('netfirst show', () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = sandbox('iswest', NO_PARTNER);
  });
  afterAll(() => sb.remove());

  it('says there is no state, and creates none', () => {
    const r = sb.run('show');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('No state here');
    expect(existsSync(join(sb.dir, '.netfirst'))).toBe(false);
    const p = sb.run('show', 'nowhere.json');
    expect(p.code).toBe(1);
    expect(p.stderr).toMatch(/^Error: nowhere\.json: not a readable plan file/);
  });

  it('shows the state tenant by tenant, secrets as (sensitive), --json the records', () => {
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
    const r = sb.run('show');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^# acme-dental \(zone iswest-1, \d+ resources\)$/m);
    expect(r.stdout).toMatch(/^ {2}acme-dental\/vm\/pms-1 +id \S+ +cluster="kvm-a" cpu=4 /m);
    expect(r.stdout).toMatch(/preSharedKey="\(sensitive\)"/);
    expect(r.stdout).not.toMatch(/sha256:/);
    expect(r.stdout).toMatch(/\d+ resources in 3 tenants \(serial \d+\)/);

    const j = sb.run('show', '--json');
    const parsed = JSON.parse(j.stdout) as { serial: number; resources: { address: string; attributes: Record<string, unknown> }[] };
    expect(parsed.resources.map((x) => x.address)).toEqual(recorded(sb));
    expect(parsed.resources.find((x) => x.address === 'acme-dental/vpn/hq')?.attributes['preSharedKey']).toBe('(sensitive)');
    expect(j.stdout).not.toMatch(/sha256:/);
  });

  it("a partner sees only its own tenants", () => {
    const r = sb.run('show', '--partner', 'westside-it', '--specs', 'iswest');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('# acme-dental');
    expect(r.stdout).not.toMatch(/baker-law|cole-accounting/);
  });

  it('renders a saved plan exactly as plan printed it; --json is the file; an edited file is refused', () => {
    sb.edit('iswest/acme-dental.yaml', /(name: pms-1[^\n]*\n(?:.*\n)*?\s+cpu:) 4/, '$1 6');
    const planned = sb.run('plan', 'iswest');
    expect(planned.code).toBe(0);
    expect(sb.run('plan', 'iswest', '--out', 'p.json').code).toBe(0);

    const shown = sb.run('show', 'p.json');
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toBe(planned.stdout);
    expect(shown.stdout).toContain('~ cpu = 4 -> 6');

    const json = sb.run('show', 'p.json', '--json');
    expect(JSON.parse(json.stdout)).toEqual(JSON.parse(sb.read('p.json')));

    sb.write('t.json', sb.read('p.json').replace('"cpu": 6', '"cpu": 64'));
    const tampered = sb.run('show', 't.json');
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toBe('Error: t.json was not produced by netfirst or was edited: refused\n');
    expect(tampered.stdout).toBe('');
  });
});

describe('netfirst state rm', () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = sandbox('iswest', NO_PARTNER);
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
  });
  afterAll(() => sb.remove());

  it('--dry-run says what would go and who still points at it, and changes nothing', () => {
    const before = recorded(sb);
    const r = sb.run('state', 'rm', 'baker-law/vm/mail-1', '--dry-run');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Would remove baker-law\/vm\/mail-1 \(vm, id \S+\) from state$/m);
    expect(r.stdout).toContain('Nothing was changed (--dry-run).');
    expect(r.stderr).toContain('Warning: baker-law/port-forward/mail-tcp-25 still depends on baker-law/vm/mail-1');
    expect(r.stderr).toContain('Warning: baker-law/vm/mail-1/disk/mailstore still depends on baker-law/vm/mail-1');
    expect(recorded(sb)).toEqual(before);
  });

  it.each<{ reason: string; args: string[]; env: Record<string, string>; want: string }>([
    {
      reason: 'an unknown address is refused with the nearest recorded one',
      args: ['state', 'rm', 'baker-law/vm/mail-2'],
      env: {},
      want: 'Error: baker-law/vm/mail-2 is not in state (did you mean baker-law/vm/mail-1?): refused, nothing was changed\n',
    },
    {
      reason: "a partner may not remove another partner's resource, and is not told whether it exists",
      args: ['state', 'rm', 'baker-law/vm/mail-1', '--partner', 'westside-it', '--specs', 'iswest'],
      env: {},
      want: 'Error: partner westside-it does not manage tenant baker-law: refused (it manages acme-*)\n',
    },
    {
      reason: 'NETFIRST_PARTNER is the same partner boundary',
      args: ['state', 'rm', 'acme-dental/vm/pms-1', 'baker-law/vm/nothing-here', '--specs', 'iswest'],
      env: { NETFIRST_PARTNER: 'westside-it' },
      want: 'Error: partner westside-it does not manage tenant baker-law: refused (it manages acme-*)\n',
    },
    {
      reason: "the operator is pointed at the nearest address (another partner's here)",
      args: ['state', 'rm', 'acme-law/vm/mail-1'],
      env: {},
      want: 'Error: acme-law/vm/mail-1 is not in state (did you mean baker-law/vm/mail-1?): refused, nothing was changed\n',
    },
    {
      reason: "a partner's suggestion never names another partner's address (acme-law would be westside-it's)",
      args: ['state', 'rm', 'acme-law/vm/mail-1', '--partner', 'westside-it', '--specs', 'iswest'],
      env: {},
      want: 'Error: acme-law/vm/mail-1 is not in state: refused, nothing was changed\n',
    },
  ])('$reason', ({ args, env, want }) => {
    const before = recorded(sb);
    const world = simWorld(sb);
    const r = sandboxRun(sb, args, env);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(want);
    expect(recorded(sb)).toEqual(before);
    expect(simWorld(sb)).toBe(world);
  });

  it('is refused while another run holds the tenant (or the whole state)', async () => {
    const lock = await acquireLock({ path: statePathOf(sb) }, { command: 'apply iswest (test)', scopes: ['tenant:baker-law'], heartbeatMs: 0 });
    try {
      const r = sb.run('state', 'rm', 'baker-law/vm/web-1');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^Error: tenant:baker-law is locked by .*"netfirst apply iswest \(test\)".*; lock ID [0-9a-f]{8}\. Wait with --lock-timeout 5m/);
      expect(recorded(sb)).toContain('baker-law/vm/web-1');
    } finally {
      lock.release();
    }
  });

  it('is refused while an interrupted run left an operation pending on the address', () => {
    const state = openState(statePathOf(sb));
    const op = state.beginOperation({ address: 'baker-law/vm/web-1', action: 'update', type: 'vm', tenant: 'baker-law', zone: 'iswest-1', runId: 'crashed-run' });
    state.close();
    try {
      const r = sb.run('state', 'rm', 'baker-law/vm/web-1');
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('Error: an interrupted run left operations pending on what would be removed (update baker-law/vm/web-1): refused, nothing was changed. Run apply first (it resolves them by reading the provider).\n');
    } finally {
      const again = openState(statePathOf(sb));
      again.failOperation(op, 'test: resolved');
      again.close();
    }
  });

  it('forgets only what is named, asks nothing of the provider, and journals who did it', () => {
    const world = simWorld(sb);
    const r = sb.run('state', 'rm', 'baker-law/vm/mail-1', 'baker-law/vm/mail-1/disk/mailstore', '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { dryRun: boolean; removed: { address: string }[]; dependents: { address: string; pointsAt: string[] }[] };
    expect(out.dryRun).toBe(false);
    expect(out.removed.map((x) => x.address)).toEqual(['baker-law/vm/mail-1', 'baker-law/vm/mail-1/disk/mailstore']);
    expect(out.dependents.map((d) => d.address)).toEqual(['baker-law/port-forward/mail-tcp-25', 'baker-law/port-forward/mail-tcp-443', 'baker-law/port-forward/mail-tcp-587']);
    expect(simWorld(sb)).toBe(world);
    const left = recorded(sb);
    expect(left).not.toContain('baker-law/vm/mail-1');
    expect(left).toContain('baker-law/port-forward/mail-tcp-25');

    const events = eventsOf(sb, 'state-rm-');
    expect(events.map((e) => [e.action, e.address])).toEqual([['delete', 'baker-law/vm/mail-1'], ['delete', 'baker-law/vm/mail-1/disk/mailstore']]);
    for (const e of events) {
      expect(e.actor).toMatch(/^\S+@\S+$/);
      expect(e.command).toBe('state rm baker-law/vm/mail-1 baker-law/vm/mail-1/disk/mailstore --json');
      expect(Date.now() - Date.parse(e.at)).toBeLessThan(120_000);
    }
    // The spec still has it: the next plan creates it anew (the old object is no longer netfirst's).
    expect(sb.run('plan', 'iswest').stdout).toMatch(/# baker-law\/vm\/mail-1 will be created/);
  });

  it("a partner removes its own tenant's resource; the event says it acted as that partner", () => {
    const r = sb.run('state', 'rm', 'acme-dental/vpn-user/dr-lee', '--partner', 'westside-it', '--specs', 'iswest');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Removed acme-dental/vpn-user/dr-lee (vpn-user, id ');
    expect(eventsOf(sb, 'state-rm-').at(-1)).toMatchObject({ address: 'acme-dental/vpn-user/dr-lee', actor: expect.stringMatching(/ as partner westside-it$/) });
  });
});

describe('netfirst state mv', () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = sandbox('iswest', NO_PARTNER);
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
  });
  afterAll(() => sb.remove());

  it.each([
    {
      reason: "another tenant's address is never a valid target",
      args: ['state', 'mv', 'acme-dental/vm/pms-1', 'baker-law/vm/pms-1'],
      want: "Error: baker-law/vm/pms-1 is another tenant's address: a record moves only within its tenant (acme-dental); refused\n",
    },
    {
      reason: 'a record keeps its kind',
      args: ['state', 'mv', 'acme-dental/vm/pms-1', 'acme-dental/network/pms-1'],
      want: 'Error: acme-dental/network/pms-1 is not an address of the same kind as acme-dental/vm/pms-1 (a vm moves to acme-dental/vm/NAME); refused\n',
    },
    {
      reason: 'the target is free',
      args: ['state', 'mv', 'acme-dental/vm/pms-1', 'acme-dental/vm/imaging-1'],
      want: 'Error: acme-dental/vm/imaging-1 is already in state: refused, nothing was moved (state rm it first, or choose another address)\n',
    },
    {
      reason: 'an unknown source is refused with the nearest recorded one',
      args: ['state', 'mv', 'acme-dental/vm/pms-9', 'acme-dental/vm/pms-2'],
      want: 'Error: acme-dental/vm/pms-9 is not in state (did you mean acme-dental/vm/pms-1?): refused, nothing was changed\n',
    },
    {
      reason: "a partner may not move another partner's resource",
      args: ['state', 'mv', 'baker-law/vm/mail-1', 'baker-law/vm/post-1', '--partner', 'westside-it', '--specs', 'iswest'],
      want: 'Error: partner westside-it does not manage tenant baker-law: refused (it manages acme-*)\n',
    },
  ])('$reason', ({ args, want }) => {
    const before = recorded(sb);
    const r = sb.run(...args);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(want);
    expect(recorded(sb)).toEqual(before);
  });

  it('is refused while either address has pending operations, and while the tenant is locked', async () => {
    const state = openState(statePathOf(sb));
    const op = state.beginOperation({ address: 'acme-dental/vm/pms-2', action: 'create', type: 'vm', tenant: 'acme-dental', zone: 'iswest-1', runId: 'crashed-run' });
    state.close();
    try {
      const r = sb.run('state', 'mv', 'acme-dental/vm/pms-1', 'acme-dental/vm/pms-2');
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('an interrupted run left operations pending on what would be moved (create acme-dental/vm/pms-2): refused, nothing was changed');
    } finally {
      const again = openState(statePathOf(sb));
      again.failOperation(op, 'test: resolved');
      again.close();
    }
    const lock = await acquireLock({ path: statePathOf(sb) }, { command: 'apply iswest (test)', heartbeatMs: 0 });
    try {
      const r = sb.run('state', 'mv', 'acme-dental/vm/pms-1', 'acme-dental/vm/pms-2');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^Error: state is locked by .*"netfirst apply iswest \(test\)"/);
    } finally {
      lock.release();
    }
    expect(recorded(sb)).toContain('acme-dental/vm/pms-1');
  });

  it('moves a record and those under it with zero provider calls; references follow; journalled; the renamed spec plans no replacement', () => {
    const world = simWorld(sb);
    const dry = sb.run('state', 'mv', 'baker-law/vm/mail-1', 'baker-law/vm/post-1', '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('Would move baker-law/vm/mail-1 to baker-law/vm/post-1');
    expect(recorded(sb)).toContain('baker-law/vm/mail-1');

    const r = sb.run('state', 'mv', 'baker-law/vm/mail-1', 'baker-law/vm/post-1');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe([
      'Moved baker-law/vm/mail-1 to baker-law/vm/post-1',
      'Moved baker-law/vm/mail-1/disk/mailstore to baker-law/vm/post-1/disk/mailstore',
      'References followed in baker-law/port-forward/mail-tcp-25, baker-law/port-forward/mail-tcp-443, baker-law/port-forward/mail-tcp-587',
      'Moved 2 records; nothing was asked of the provider. Rename it in the spec too (or a plan replaces it).',
      '',
    ].join('\n'));
    expect(simWorld(sb)).toBe(world);

    const state = openState(statePathOf(sb));
    try {
      const vm = state.getResource('baker-law/vm/post-1')!;
      expect(state.getResource('baker-law/vm/mail-1')).toBeUndefined();
      expect(state.getResource('baker-law/vm/post-1/disk/mailstore')?.attributes['vm']).toBe('baker-law/vm/post-1');
      const forward = state.getResource('baker-law/port-forward/mail-tcp-25')!;
      expect(forward.dependsOn).toContain('baker-law/vm/post-1');
      expect(forward.attributes['vm']).toBe('baker-law/vm/post-1');
      const events = [...state.events()].filter((e) => e.runId.startsWith('state-mv-'));
      expect(events.filter((e) => e.address === 'baker-law/vm/mail-1' || e.address === 'baker-law/vm/post-1').map((e) => [e.action, e.address, e.providerId]))
        .toEqual([['delete', 'baker-law/vm/mail-1', vm.providerId], ['create', 'baker-law/vm/post-1', vm.providerId]]);
      expect(events.every((e) => e.actor !== undefined && e.command === 'state mv baker-law/vm/mail-1 baker-law/vm/post-1')).toBe(true);
    } finally {
      state.close();
    }

    // The spec renamed as well: only the VM's own name changes in place; nothing is created, destroyed or replaced.
    writeFileSync(join(sb.dir, 'iswest', 'baker-law.yaml'), sb.read('iswest/baker-law.yaml').replaceAll('mail-1', 'post-1'));
    // Both against the state alone and after reading reality (the sim still names the VM by its
    // old address: references follow the provider ID, so that is no drift).
    for (const refresh of ['--refresh=false', '--refresh']) {
      const plan = sb.run('plan', 'iswest', refresh, '--json');
      const changes = (JSON.parse(plan.stdout) as { changes: { action: string; address: string }[] }).changes.filter((c) => c.action !== 'noop');
      expect(changes, refresh).toEqual([expect.objectContaining({ action: 'update', address: 'baker-law/vm/post-1' })]);
    }
  });
});

/** `sb.run` with more environment (the sandbox's own pins NETFIRST_PARTNER empty). */
function sandboxRun(sb: Sandbox, args: readonly string[], env: Record<string, string>): { code: number; stdout: string; stderr: string } {
  if (Object.keys(env).length === 0) return sb.run(...args);
  const r = spawnSync(process.execPath, [join(REPO, 'bin', 'netfirst.js'), ...args], {
    cwd: sb.dir, encoding: 'utf8', timeout: 120_000,
    env: { ...process.env, NO_COLOR: '1', NETFIRST_STATE: '', NETFIRST_SERVER: '', NETFIRST_TOKEN: '', ...env },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
