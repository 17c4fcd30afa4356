/**
 * Refresh and drift: changes made outside netfirst (straight into the sim's world, as an
 * operator with console access would) are shown as drift, recorded by `refresh`, and
 * corrected by the next apply.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { observeAll } from '../../engine/apply/refresh.js';
import { detectDrift, refreshedView } from '../../engine/plan/drift.js';
import type { Observed, Provider } from '../../providers/contract.js';
import { desired, recorded } from '../engine/resources.js';
import { sandbox } from './harness.js';

describe('drift made outside netfirst', () => {
  const sb = sandbox();
  afterAll(() => sb.remove());

  it('is shown by plan --refresh, recorded by refresh, and corrected by apply', () => {
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
    const world = new Database(join(sb.dir, '.netfirst', 'sim-iswest-1.db'));
    world.prepare("UPDATE objects SET attributes = json_set(attributes, '$.memoryMiB', 16384) WHERE address = 'acme-dental/vm/pms-1'").run();
    world.prepare("DELETE FROM objects WHERE address = 'cole-accounting/vm/files-1/disk/shares'").run();
    world.close();

    expect(sb.run('plan', 'iswest', '--refresh=false', '--detailed-exitcode').code).toBe(0); // without refresh, state is all it knows

    const refreshed = sb.run('plan', 'iswest', '--refresh');
    expect(refreshed.stdout).toContain('Note: objects have changed outside of netfirst');
    expect(refreshed.stdout).toContain('# acme-dental/vm/pms-1 has changed outside netfirst');
    expect(refreshed.stdout).toMatch(/~ memoryMiB = 8192 -> 16384/);
    expect(refreshed.stdout).toContain('# cole-accounting/vm/files-1/disk/shares has been deleted outside netfirst');
    expect(refreshed.stdout).toContain('Plan: 1 to add, 1 to change, 0 to replace, 0 to destroy.');
    const json = JSON.parse(sb.run('plan', 'iswest', '--refresh', '--json').stdout) as { drift: { address: string; kind: string }[]; changes: { address: string; action: string; reason: string }[] };
    expect(json.drift.map((d) => [d.address, d.kind])).toEqual([['acme-dental/vm/pms-1', 'changed'], ['cole-accounting/vm/files-1/disk/shares', 'deleted']]);
    expect(json.changes.find((c) => c.address === 'acme-dental/vm/pms-1')).toMatchObject({ action: 'update', reason: 'changed outside netfirst: corrected' });

    const recordedDrift = sb.run('refresh', 'iswest');
    expect(recordedDrift.code).toBe(0);
    expect(recordedDrift.stdout).toContain('Recorded in state: 1 changed, 1 deleted outside netfirst.');
    const pms = JSON.parse(sb.run('state', 'show', 'acme-dental/vm/pms-1', '--json').stdout) as { attributes: { memoryMiB: number } };
    expect(pms.attributes.memoryMiB).toBe(16384);
    const plain = sb.run('plan', 'iswest');
    expect(plain.stdout).toContain('~ memoryMiB = 16384 -> 8192');
    expect(plain.stdout).toContain('Plan: 1 to add, 1 to change, 0 to replace, 0 to destroy.');

    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
    expect(sb.run('plan', 'iswest', '--refresh', '--detailed-exitcode').code).toBe(0);
  });
});

describe('observeAll', () => {
  it('reads in bulk: one list per zone and type, not one call per resource', async () => {
    const calls: string[] = [];
    const provider: Provider = {
      name: 'fake',
      resourceTypes: {},
      read: async () => { calls.push('read'); return undefined; },
      create: async () => { throw new Error('unused'); },
      update: async () => { throw new Error('unused'); },
      delete: async () => undefined,
      async *list(type, scope) {
        calls.push(`list ${scope.zone} ${type}`);
        yield* [] as Observed[];
      },
    };
    const rs = ['a', 'b', 'c'].flatMap((n) => [
      recorded(desired(`t/network/${n}`, 'network', {})),
      recorded(desired(`t/vm/${n}`, 'vm', {})),
    ]);
    await observeAll(rs, () => provider);
    expect(calls).toEqual(['list z1 network', 'list z1 vm']);
  });

  it('sees an object known by a composite id whose parts changed (a half-done delete, a create that finished late) as the same object, never as deleted', async () => {
    const rule = recorded(desired('t/firewall-rule/web', 'firewall-rule', { ports: [80, 443] }), { providerId: 'acl-1,acl-2' });
    const other = recorded(desired('t/firewall-rule/mail', 'firewall-rule', { ports: [25] }), { providerId: 'acl-3,acl-4' });
    const late = recorded(desired('t/firewall-rule/ssh', 'firewall-rule', { ports: [22, 2222] }), { providerId: 'acl-5' });
    const provider: Provider = {
      name: 'fake', resourceTypes: {},
      read: async () => undefined,
      create: async () => { throw new Error('unused'); },
      update: async () => { throw new Error('unused'); },
      delete: async () => undefined,
      async *list() {
        // Only the second item of web is left; mail's items are gone; an unrelated rule carries mail's address.
        yield { providerId: 'acl-2', address: 't/firewall-rule/web', type: 'firewall-rule', tenant: 't', attributes: { ports: [443] } } as Observed;
        yield { providerId: 'acl-9', address: 't/firewall-rule/mail', type: 'firewall-rule', tenant: 't', attributes: { ports: [25] } } as Observed;
        yield { providerId: 'acl-5,acl-6', address: 't/firewall-rule/ssh', type: 'firewall-rule', tenant: 't', attributes: { ports: [22, 2222] } } as Observed;
      },
    };
    const records = [rule, other, late];
    const seen = await observeAll(records, () => provider);
    expect(seen.get('acl-1,acl-2')).toMatchObject({ providerId: 'acl-2', attributes: { ports: [443] } });
    expect(seen.get('acl-5')).toMatchObject({ providerId: 'acl-5,acl-6' });
    // Not a part of what was recorded: the recorded object is gone, whatever carries its address.
    expect(seen.has('acl-3,acl-4')).toBe(false);
    // Drift carries the id the object has now into state; the gone one is deleted outside.
    const drift = detectDrift(new Map(records.map((r) => [r.address, r])), seen);
    expect(drift.map((d) => [d.address, d.kind, d.kind === 'changed' ? d.providerId : undefined])).toEqual([
      ['t/firewall-rule/web', 'changed', 'acl-2'],
      ['t/firewall-rule/mail', 'deleted', undefined],
      ['t/firewall-rule/ssh', 'changed', 'acl-5,acl-6'],
    ]);
    expect(refreshedView(new Map(records.map((r) => [r.address, r])), drift).get('t/firewall-rule/ssh')?.providerId).toBe('acl-5,acl-6');
  });
});
