/**
 * VM power as desired state, through the real binary on examples/iswest and the sim
 * provider: `power: stopped` plans an in-place update (never a replacement), apply stops
 * the VM in the sim world, a start made outside netfirst is drift that refresh records
 * and the next apply corrects, and a state recorded before `power` existed plans nothing.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sandbox } from './harness.js';

const PMS = 'acme-dental/vm/pms-1';
const SPEC = 'iswest/acme-dental.yaml';
const PMS_ROOT_DISK = '      rootDisk: { size: 60GiB, tier: performance }\n      disks: [ { name: data, size: 250GiB, tier: performance } ]\n';

describe('power: running | stopped on the sim provider', () => {
  const sb = sandbox();
  afterAll(() => sb.remove());
  const worldPower = (): unknown => {
    const world = new Database(join(sb.dir, '.netfirst', 'sim-iswest-1.db'), { readonly: true });
    try {
      return world.prepare("SELECT json_extract(attributes, '$.power') FROM objects WHERE address = ?").pluck().get(PMS);
    } finally {
      world.close();
    }
  };
  const recordedPower = (): unknown => (JSON.parse(sb.run('state', 'show', PMS, '--json').stdout) as { attributes: { power?: unknown } }).attributes.power;

  it('a VM runs unless its spec says otherwise', () => {
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
    expect(worldPower()).toBe('running');
    expect(recordedPower()).toBe('running');
  });

  it('stopping is an in-place update that keeps the disks, and apply stops the VM', () => {
    sb.edit(SPEC, PMS_ROOT_DISK, `${PMS_ROOT_DISK}      power: stopped\n`);
    const plan = sb.run('plan', 'iswest');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain(`# ${PMS} will be updated in place`);
    expect(plan.stdout).toContain('~ power = "running" -> "stopped"');
    expect(plan.stdout).toContain('Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.');
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
    expect(worldPower()).toBe('stopped');
    expect(recordedPower()).toBe('stopped');
    expect(sb.run('state', 'show', `${PMS}/disk/data`, '--json').code).toBe(0);
    expect(sb.run('plan', 'iswest', '--refresh', '--detailed-exitcode').code).toBe(0);
  });

  it('a start made outside netfirst is drift: shown, recorded by refresh, corrected by apply', () => {
    const world = new Database(join(sb.dir, '.netfirst', 'sim-iswest-1.db'));
    world.prepare("UPDATE objects SET attributes = json_set(attributes, '$.power', 'running') WHERE address = ?").run(PMS);
    world.close();
    const refreshed = sb.run('plan', 'iswest', '--refresh');
    expect(refreshed.stdout).toContain(`# ${PMS} has changed outside netfirst`);
    expect(refreshed.stdout).toContain('~ power = "stopped" -> "running"');
    expect(sb.run('refresh', 'iswest').stdout).toContain('Recorded in state: 1 changed');
    expect(recordedPower()).toBe('running');
    expect(sb.run('plan', 'iswest').stdout).toContain('~ power = "running" -> "stopped"');
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
    expect(worldPower()).toBe('stopped');
  });

  it('starting again is an in-place update too', () => {
    sb.edit(SPEC, '      power: stopped\n', '');
    const plan = sb.run('plan', 'iswest');
    expect(plan.stdout).toContain('~ power = "stopped" -> "running"');
    expect(plan.stdout).toContain('Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.');
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
    expect(worldPower()).toBe('running');
  });

  it('a state and sim world written before power existed plan no change: those VMs ran', () => {
    for (const [file, table] of [['state.db', 'resources'], ['sim-iswest-1.db', 'objects']] as const) {
      const db = new Database(join(sb.dir, '.netfirst', file));
      db.prepare(`UPDATE ${table} SET attributes = json_remove(attributes, '$.power') WHERE type = 'vm'`).run();
      db.close();
    }
    expect(sb.run('plan', 'iswest', '--refresh', '--detailed-exitcode').code).toBe(0);
  });

  it('a bad value is one diagnostic at its line, naming the field and the values it takes', () => {
    sb.edit(SPEC, PMS_ROOT_DISK, `${PMS_ROOT_DISK}      power: off\n`);
    const r = sb.run('validate', 'iswest');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/acme-dental\.yaml:42:14: error: spec\.vms\[0\]\.power: must be one of running, stopped; got "off"/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
