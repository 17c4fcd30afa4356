/**
 * `netfirst import ADDRESS ID` (issue 22, item 3), on examples/iswest applied to the sim
 * (westside-it owns acme-*, lexcore baker-law): an object the state does not know —
 * forgotten with `state rm`, so it lives on in the sim zone unmanaged — is adopted at
 * its address with one provider read, journalled with who made it, and the plan then
 * has no create for it. Every refusal leaves state as it was (exit 1), and a partner
 * learns nothing of objects or addresses of another partner's tenants.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLock, openState, type StateEvent } from '../../state/index.js';
import { sandbox, type Sandbox } from './harness.js';

const NO_PARTNER = { NETFIRST_PARTNER: '' };
const statePathOf = (sb: Sandbox): string => join(sb.dir, '.netfirst', 'state.db');

describe('netfirst import ADDRESS ID', () => {
  let sb: Sandbox;
  const ids = new Map<string, string>();
  const asPartner = (partner: string, ...args: string[]) => sb.run(...args, '--partner', partner);
  const recorded = (): string[] => (JSON.parse(sb.run('state', 'list', '--json').stdout) as { address: string }[]).map((r) => r.address);
  const events = (): StateEvent[] => {
    const state = openState(statePathOf(sb));
    try {
      return [...state.events()].filter((e) => e.runId.startsWith('import-'));
    } finally {
      state.close();
    }
  };

  beforeAll(() => {
    sb = sandbox('iswest', NO_PARTNER);
    expect(sb.run('apply', '--auto-approve', 'iswest').code).toBe(0);
    for (const r of JSON.parse(sb.run('state', 'list', '--json').stdout) as { address: string; providerId: string }[]) ids.set(r.address, r.providerId);
    // The objects live on in the sim zone, unknown to state: what import is for.
    const rm = sb.run('state', 'rm', 'acme-dental/vm/backup-1', 'acme-dental/vm/pms-1', 'acme-dental/vm/pms-1/disk/data', 'baker-law/vm/web-1');
    expect(rm.code, rm.stderr).toBe(0);
  });
  afterAll(() => sb.remove());

  it('adopts the object with its provider ID; the plan has no create for it; journalled with who and the command', () => {
    const before = sb.run('plan', 'iswest');
    expect(before.stdout).toContain('acme-dental/vm/backup-1');
    const r = sb.run('import', 'acme-dental/vm/backup-1', ids.get('acme-dental/vm/backup-1')!, 'iswest');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Imported acme-dental/vm/backup-1 (vm, id ${ids.get('acme-dental/vm/backup-1')}) from zone iswest-1.`);
    expect(r.stdout).toContain('The spec and the object agree: a plan shows no changes for it.');
    expect(recorded()).toContain('acme-dental/vm/backup-1');
    const plan = sb.run('plan', 'iswest');
    expect(plan.stdout).not.toMatch(/acme-dental\/vm\/backup-1\b(?!\/)/);
    const [event, ...more] = events();
    expect(more).toEqual([]);
    expect(event).toMatchObject({ address: 'acme-dental/vm/backup-1', action: 'create', providerId: ids.get('acme-dental/vm/backup-1'), command: expect.stringContaining('import acme-dental/vm/backup-1') });
    expect(event!.actor).toMatch(/.@./);
  });

  it('refuses an address already in state, and an ID state records at another address (named to the operator)', () => {
    const again = sb.run('import', 'acme-dental/vm/backup-1', ids.get('acme-dental/vm/backup-1')!, 'iswest');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('Error: acme-dental/vm/backup-1 is already in state');
    const twice = sb.run('import', 'acme-dental/vm/pms-1', ids.get('acme-dental/vm/imaging-1')!, 'iswest');
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain(`the object with id ${ids.get('acme-dental/vm/imaging-1')} is already in state as acme-dental/vm/imaging-1`);
    expect(recorded()).not.toContain('acme-dental/vm/pms-1');
  });

  it('refuses an address the specs do not hold, with the nearest one', () => {
    const r = sb.run('import', 'acme-dental/vm/pms-2', ids.get('acme-dental/vm/pms-1')!, 'iswest');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error: acme-dental/vm/pms-2 is not in the specs (did you mean acme-dental/vm/pms-1?)');
  });

  it("refuses an object the provider does not find, another tenant's (told apart for the operator) and another type's", () => {
    const missing = sb.run('import', 'acme-dental/vm/pms-1', '00000000-0000-4000-8000-000000000000', 'iswest');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Error: zone iswest-1 has no vm with id 00000000-0000-4000-8000-000000000000 for tenant acme-dental: nothing was imported');
    const foreign = sb.run('import', 'acme-dental/vm/pms-1', ids.get('baker-law/vm/web-1')!, 'iswest');
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain('(it is a vm of tenant baker-law, at baker-law/vm/web-1)');
    const disk = sb.run('import', 'acme-dental/vm/pms-1', ids.get('acme-dental/vm/pms-1/disk/data')!, 'iswest');
    expect(disk.code).toBe(1);
    // The provider reads by type: a disk's ID is no VM's.
    expect(disk.stderr).toContain(`has no vm with id ${ids.get('acme-dental/vm/pms-1/disk/data')} for tenant acme-dental: nothing was imported\n`);
    expect(recorded()).not.toContain('acme-dental/vm/pms-1');
  });

  it('refuses an address whose dependencies are not in state yet, then takes them in order', () => {
    const early = sb.run('import', 'acme-dental/vm/pms-1/disk/data', ids.get('acme-dental/vm/pms-1/disk/data')!, 'iswest');
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('depends on acme-dental/vm/pms-1, not in state: import it first');
    expect(sb.run('import', 'acme-dental/vm/pms-1', ids.get('acme-dental/vm/pms-1')!, 'iswest').code).toBe(0);
    const json = sb.run('import', 'acme-dental/vm/pms-1/disk/data', ids.get('acme-dental/vm/pms-1/disk/data')!, 'iswest', '--json');
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ imported: { address: 'acme-dental/vm/pms-1/disk/data', type: 'disk', tenant: 'acme-dental', providerId: ids.get('acme-dental/vm/pms-1/disk/data') }, changes: [] });
    expect(sb.run('plan', 'iswest', '--tenant', 'acme-dental', '--detailed-exitcode').code).toBe(0);
  });

  it('a partner imports only into its own tenants, and learns nothing of another partner\'s objects or addresses', () => {
    const into = asPartner('westside-it', 'import', 'baker-law/vm/web-1', ids.get('baker-law/vm/web-1')!, 'iswest');
    expect(into.code).toBe(1);
    expect(into.stderr).toContain('Error: partner westside-it does not manage tenant baker-law: refused');
    // baker-law's unrecorded VM, claimed for acme-dental: the words of "not found".
    sb.run('state', 'rm', 'acme-dental/vm/imaging-1/disk/images', 'acme-dental/vm/imaging-1');
    const steal = asPartner('westside-it', 'import', 'acme-dental/vm/imaging-1', ids.get('baker-law/vm/web-1')!, 'iswest');
    expect(steal.code).toBe(1);
    expect(steal.stderr).toContain(`Error: zone iswest-1 has no vm with id ${ids.get('baker-law/vm/web-1')} for tenant acme-dental: nothing was imported\n`);
    expect(steal.stderr).not.toContain('baker');
    // A recorded object of lexcore's: in state "at another address", never which.
    const recordedElsewhere = asPartner('westside-it', 'import', 'acme-dental/vm/imaging-1', ids.get('baker-law/vm/mail-1')!, 'iswest');
    expect(recordedElsewhere.code).toBe(1);
    expect(recordedElsewhere.stderr).toContain('is already in state at another address');
    expect(recordedElsewhere.stderr).not.toContain('baker');
    const own = asPartner('westside-it', 'import', 'acme-dental/vm/imaging-1', ids.get('acme-dental/vm/imaging-1')!, 'iswest');
    expect(own.code, own.stderr).toBe(0);
    expect(events().find((e) => e.address === 'acme-dental/vm/imaging-1')!.actor).toMatch(/ as partner westside-it$/);
  });

  it('refuses while another run holds the tenant, and while an interrupted run left the address pending', async () => {
    const lock = await acquireLock({ path: statePathOf(sb) }, { command: 'apply iswest (test)', scopes: ['tenant:baker-law'], heartbeatMs: 0 });
    try {
      const r = sb.run('import', 'baker-law/vm/web-1', ids.get('baker-law/vm/web-1')!, 'iswest');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^Error: tenant:baker-law is locked by .*"netfirst apply iswest \(test\)"/);
    } finally {
      lock.release();
    }
    const state = openState(statePathOf(sb));
    const op = state.beginOperation({ address: 'baker-law/vm/web-1', action: 'create', type: 'vm', tenant: 'baker-law', zone: 'iswest-1', runId: 'crashed-run' });
    state.close();
    try {
      const r = sb.run('import', 'baker-law/vm/web-1', ids.get('baker-law/vm/web-1')!, 'iswest');
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('an interrupted run left operations pending on baker-law/vm/web-1 (create baker-law/vm/web-1)');
    } finally {
      const again = openState(statePathOf(sb));
      again.failOperation(op, 'test: resolved');
      again.close();
    }
    expect(recorded()).not.toContain('baker-law/vm/web-1');
  });

  it('shows how the spec and the object differ, and a source name without a / stays a source', () => {
    sb.edit('iswest/baker-law.yaml', /name: web-1(\s+)hypervisor: (\w+)(\s+)cpu: 2/, 'name: web-1$1hypervisor: $2$3cpu: 4');
    const r = sb.run('import', 'baker-law/vm/web-1', ids.get('baker-law/vm/web-1')!, 'iswest');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('The spec and the object differ; a plan proposes:');
    expect(r.stdout).toMatch(/~ .*baker-law\/vm\/web-1/);
    const unknown = sb.run('import', 'ciscoo', 'x');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Error: unknown import source "ciscoo": name one of cisco, rvtools, libvirt, provider');
  });
});
