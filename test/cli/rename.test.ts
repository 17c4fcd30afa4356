/**
 * Renames (issue 22, item 3): references follow the provider ID, not the name. Renaming
 * a VM, a network and a public IP by `previously:` in a tenant with dependents (port
 * forwards, a disk, NICs, firewall rules) replaces nothing and changes no dependent: the
 * plan says each move once, as Terraform does, apply keeps every object, and the next
 * plan — refreshed or not — says "No changes.". `state mv` with the spec renamed likewise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandbox, type Sandbox } from './harness.js';

const LAW = 'iswest/baker-law.yaml';
const NO_PARTNER = { NETFIRST_PARTNER: '' };

interface JsonPlan {
  summary: Record<string, number>;
  changes: { address: string; action: string; movedFrom?: string; reason?: string }[];
}

/** Provider ID → address, for baker-law. */
function recordedIds(sb: Sandbox): Map<string, string> {
  const r = sb.run('state', 'list', '--json');
  expect(r.code, r.stderr).toBe(0);
  const rows = JSON.parse(r.stdout) as { address: string; providerId: string }[];
  return new Map(rows.filter((x) => x.address.startsWith('baker-law/')).map((x) => [x.providerId, x.address]));
}

/** mail-1 → post-1 (a VM with a disk, three port forwards on it), dmz → edge (a network two VMs sit on), mail → smtp (a public IP with port forwards and firewall rules). */
function renameInSpec(sb: Sandbox): void {
  sb.edit(LAW, '    - name: mail-1\n', '    - name: post-1\n      previously: mail-1\n');
  sb.edit(LAW, 'port: 25, vm: mail-1 }', 'port: 25, vm: post-1 }');
  sb.edit(LAW, 'port: 587, vm: mail-1 }', 'port: 587, vm: post-1 }');
  sb.edit(LAW, 'privatePort: 8443, vm: mail-1 }', 'privatePort: 8443, vm: post-1 }');
  sb.edit(LAW, '    - name: dmz\n', '    - name: edge\n      previously: dmz\n');
  sb.edit(LAW, '{ network: dmz, ip: 10.30.1.10 }', '{ network: edge, ip: 10.30.1.10 }');
  sb.edit(LAW, '[ { network: dmz }, { network: internal } ]', '[ { network: edge }, { network: internal } ]');
  sb.edit(LAW, '    - name: mail\n', '    - name: smtp\n      previously: mail\n');
  sb.edit(LAW, 'name: smtp-in, publicIp: mail,', 'name: smtp-in, publicIp: smtp,');
  sb.edit(LAW, 'name: mail-clients, publicIp: mail,', 'name: mail-clients, publicIp: smtp,');
}

const MOVES = [
  ['baker-law/network/dmz', 'baker-law/network/edge'],
  ['baker-law/port-forward/mail-tcp-25', 'baker-law/port-forward/smtp-tcp-25'],
  ['baker-law/port-forward/mail-tcp-443', 'baker-law/port-forward/smtp-tcp-443'],
  ['baker-law/port-forward/mail-tcp-587', 'baker-law/port-forward/smtp-tcp-587'],
  ['baker-law/public-ip/mail', 'baker-law/public-ip/smtp'],
  ['baker-law/vm/mail-1', 'baker-law/vm/post-1'],
  ['baker-law/vm/mail-1/disk/mailstore', 'baker-law/vm/post-1/disk/mailstore'],
] as const;

describe('renames by previously: change no dependent', () => {
  let sb: Sandbox;
  let before: Map<string, string>;
  beforeAll(() => {
    sb = sandbox('iswest', NO_PARTNER);
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
    before = recordedIds(sb);
    renameInSpec(sb);
  });
  afterAll(() => sb.remove());

  it('plans no create, delete or replace: only the renamed objects\' own names are updated, and each move is said once', () => {
    const r = sb.run('plan', 'iswest', '--detailed-exitcode');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(2);
    for (const [from, to] of MOVES) {
      expect(r.stdout.split(`  # ${from} has moved to ${to}\n`)).toHaveLength(2);
    }
    expect(r.stdout).not.toContain('moved from');
    expect(r.stdout).not.toContain('must be replaced');
    expect(r.stdout).not.toContain('forces');
    // The three renamed objects change their own name in the provider; nothing else changes.
    expect(r.stdout).toContain('  # baker-law/vm/post-1 will be updated in place\n  ~ resource "vm" "baker-law/vm/post-1" {\n      ~ name = "mail-1" -> "post-1"\n        (8 unchanged attributes hidden)\n    }');
    expect(r.stdout).toContain('Plan: 0 to add, 3 to change, 0 to replace, 0 to destroy, 7 to move.');
    expect(r.stdout).not.toContain('web-1');
    expect(r.stdout).not.toContain('firewall');
  });

  it('--json: the moves as movedFrom, with no create, delete or replace', () => {
    const r = sb.run('plan', 'iswest', '--json');
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as JsonPlan;
    expect(plan.summary).toMatchObject({ create: 0, update: 3, replace: 0, delete: 0 });
    const moved = plan.changes.filter((c) => c.movedFrom !== undefined).map((c) => [c.movedFrom, c.address]);
    expect(moved).toEqual(MOVES.map(([from, to]) => [from, to]));
    const effective = plan.changes.filter((c) => c.action !== 'noop').map((c) => `${c.action} ${c.address}`);
    expect(effective).toEqual(['update baker-law/network/edge', 'update baker-law/public-ip/smtp', 'update baker-law/vm/post-1']);
  });

  it('apply keeps every object (same provider IDs) and then plans "No changes.", refreshed or not', () => {
    const r = sb.run('apply', 'iswest', '--auto-approve');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Apply complete! Resources: 0 added, 3 changed, 0 replaced, 0 destroyed/);
    const after = recordedIds(sb);
    const renamed = new Map<string, string>(MOVES);
    expect([...after].sort()).toEqual([...before].map(([id, address]) => [id, renamed.get(address) ?? address]).sort());
    const dependents = JSON.parse(sb.run('state', 'show', 'baker-law/port-forward/smtp-tcp-25', '--json').stdout) as { attributes: Record<string, unknown> };
    expect(dependents.attributes).toMatchObject({ vm: 'baker-law/vm/post-1', publicIp: 'baker-law/public-ip/smtp' });
    for (const args of [['plan', 'iswest', '--detailed-exitcode'], ['plan', 'iswest', '--refresh', '--detailed-exitcode']]) {
      const again = sb.run(...args);
      expect(again.code, again.stdout + again.stderr).toBe(0);
      expect(again.stdout).toContain('No changes. Your infrastructure matches the configuration.');
    }
  });
});

describe('state mv with the spec renamed too', () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = sandbox('iswest', NO_PARTNER);
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
  });
  afterAll(() => sb.remove());

  it('a refreshed plan replaces no dependent: the static NAT on the moved VM stays as it is', () => {
    const mv = sb.run('state', 'mv', 'baker-law/vm/web-1', 'baker-law/vm/www-1');
    expect(mv.code, mv.stderr).toBe(0);
    expect(mv.stdout).toContain('References followed in baker-law/static-nat/web');
    sb.edit(LAW, 'staticNat: { vm: web-1 }', 'staticNat: { vm: www-1 }');
    sb.edit(LAW, '    - name: web-1\n', '    - name: www-1\n');
    const r = sb.run('plan', 'iswest', '--refresh', '--json');
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as JsonPlan & { drift?: unknown[] };
    expect(plan.drift ?? []).toEqual([]);
    // The VM's own name in the provider is the one change: the record moved, the object did not.
    expect(plan.changes.filter((c) => c.action !== 'noop').map((c) => `${c.action} ${c.address}`)).toEqual(['update baker-law/vm/www-1']);
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
    const again = sb.run('plan', 'iswest', '--refresh', '--detailed-exitcode');
    expect(again.code, again.stdout).toBe(0);
  });
});

describe('reconcile --sync of a rename', () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = sandbox('iswest', NO_PARTNER);
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
  });
  afterAll(() => sb.remove());

  it('moves the records as apply does: the same objects, and the next round is Synced', () => {
    const before = recordedIds(sb);
    sb.edit(LAW, '    - name: mail-1\n', '    - name: post-1\n      previously: mail-1\n');
    sb.edit(LAW, 'port: 25, vm: mail-1 }', 'port: 25, vm: post-1 }');
    sb.edit(LAW, 'port: 587, vm: mail-1 }', 'port: 587, vm: post-1 }');
    sb.edit(LAW, 'privatePort: 8443, vm: mail-1 }', 'privatePort: 8443, vm: post-1 }');
    const r = sb.run('reconcile', 'iswest', '--once', '--sync');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const after = recordedIds(sb);
    const renamed = new Map([['baker-law/vm/mail-1', 'baker-law/vm/post-1'], ['baker-law/vm/mail-1/disk/mailstore', 'baker-law/vm/post-1/disk/mailstore']]);
    expect([...after].sort()).toEqual([...before].map(([id, address]) => [id, renamed.get(address) ?? address]).sort());
    expect(sb.run('reconcile', 'iswest', '--once', '--detailed-exitcode').code).toBe(0);
    expect(sb.run('plan', 'iswest', '--refresh', '--detailed-exitcode').code).toBe(0);
  });
});
