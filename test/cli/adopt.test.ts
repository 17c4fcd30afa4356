/**
 * Adoption (`netfirst import provider`) through the real CLI: what the sim zone runs
 * is recorded without recreating anything, only when the plan is then empty.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO, sandbox, type Sandbox } from './harness.js';

interface Inventory { address: string; providerId: string }

const secret = (file: string): string => readFileSync(join(REPO, 'examples', 'iswest', 'secrets', file), 'utf8').trim();
/** The values the example's secret files hold, as the environment variables adopted specs reference. */
const SECRETS: Record<string, string> = {
  ACME_DENTAL_HQ_PSK: secret('westside-it/acme-hq-psk'),
  ACME_DENTAL_DR_LEE_PASSWORD: secret('westside-it/acme-dr-lee-password'),
  COLE_ACCOUNTING_CAROL_PASSWORD: secret('ledgerline/cole-carol-password'),
  COLE_ACCOUNTING_DAN_PASSWORD: secret('ledgerline/cole-dan-password'),
  COLE_ACCOUNTING_ERIN_PASSWORD: secret('ledgerline/cole-erin-password'),
};

function loseState(sb: Sandbox): void {
  for (const f of ['state.db', 'state.db-wal', 'state.db-shm']) rmSync(join(sb.dir, '.netfirst', f), { force: true });
}

function inventory(sb: Sandbox, ...paths: string[]): string[] {
  const r = sb.run('zone', 'inventory', 'iswest-1', ...paths, '--json');
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as Inventory[]).map((o) => `${o.address} ${o.providerId}`).sort();
}

describe('netfirst import provider', () => {
  let sb: Sandbox;
  afterEach(() => sb.remove());

  it('round trip: apply, lose the state, adopt from the sim zone with written specs, plan says No changes', () => {
    sb = sandbox('iswest', SECRETS);
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
    const before = inventory(sb, 'iswest');
    loseState(sb);
    sb.write('zone.yaml', sb.read('iswest/zone.yaml'));
    const run = (...args: string[]) => sb.run(...args);
    const dry = run('import', 'provider', 'iswest-1', 'zone.yaml', '--out', 'adopted', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('Would write adopted/acme-dental.yaml.');
    expect(dry.stdout).toContain('Dry run: 41 resources');
    expect(() => sb.read('adopted/acme-dental.yaml')).toThrow();
    expect(JSON.parse(sb.run('state', 'list', '--json').stdout)).toEqual([]);
    const adopted = run('import', 'provider', 'iswest-1', 'zone.yaml', '--out', 'adopted');
    expect(adopted.stderr).toBe('');
    expect(adopted.code).toBe(0);
    expect(adopted.stdout).toContain('Adopted 41 resources of 3 tenants (acme-dental, baker-law, cole-accounting)');

    const plan = run('plan', 'zone.yaml', 'adopted', '--detailed-exitcode');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('No changes.');
    // Nothing was created or deleted: the same objects, now recorded.
    expect(inventory(sb, 'zone.yaml')).toEqual(before);
    const state = JSON.parse(sb.run('state', 'list', '--json').stdout) as Inventory[];
    expect(state.map((o) => `${o.address} ${o.providerId}`).sort()).toEqual(before);

    const spec = readFileSync(join(sb.dir, 'adopted', 'acme-dental.yaml'), 'utf8');
    expect(spec).toContain('preSharedKey: { env: ACME_DENTAL_HQ_PSK }');
    expect(spec).not.toContain(SECRETS['ACME_DENTAL_HQ_PSK']!);
    expect(spec).toContain('segment: { vlan: 100 }');

    // A second adoption finds nothing left to adopt.
    const again = run('import', 'provider', 'iswest-1', 'zone.yaml', 'adopted');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Nothing to adopt');
  });

  it('refuses without the secrets it cannot read back, and writes nothing', () => {
    sb = sandbox();
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
    loseState(sb);
    sb.write('zone.yaml', sb.read('iswest/zone.yaml'));
    const refused = sb.run('import', 'provider', 'iswest-1', 'zone.yaml', '--out', 'adopted');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('set these environment variables');
    expect(refused.stderr).toContain('ACME_DENTAL_HQ_PSK: pre-shared key of VPN hq');
    expect(refused.stderr).toContain('Nothing was recorded or written.');
    expect(() => sb.read('adopted/acme-dental.yaml')).toThrow();
    expect(JSON.parse(sb.run('state', 'list', '--json').stdout)).toEqual([]);
  });

  it('adopts against existing specs, and refuses (recording nothing) when they differ from what runs', () => {
    sb = sandbox();
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
    loseState(sb);
    sb.edit('iswest/acme-dental.yaml', 'cpu: 4\n      memory: 8GiB', 'cpu: 6\n      memory: 8GiB');
    const refused = sb.run('import', 'provider', 'iswest-1', 'iswest');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('~ cpu = 4 -> 6');
    expect(refused.stderr).toContain('adoption refused');
    expect(JSON.parse(sb.run('state', 'list', '--json').stdout)).toEqual([]);

    sb.edit('iswest/acme-dental.yaml', 'cpu: 6\n      memory: 8GiB', 'cpu: 4\n      memory: 8GiB');
    const r = sb.run('import', 'provider', 'iswest-1', 'iswest', '--tenant', 'baker-law', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { tenants: string[]; adopted: { address: string }[]; written: string[] };
    expect(out.tenants).toEqual(['baker-law']);
    expect(out.written).toEqual([]);
    expect(out.adopted.every((a) => a.address.startsWith('baker-law/'))).toBe(true);
    const plan = sb.run('plan', 'iswest', '--tenant', 'baker-law', '--detailed-exitcode');
    expect(plan.code).toBe(0);
  });
});

