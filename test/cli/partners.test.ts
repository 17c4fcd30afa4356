/**
 * `--partner` through the real CLI on examples/iswest: a partner sees and changes only
 * the tenants it owns (westside-it: acme-*, lexcore: baker-law, ledgerline: cole-*),
 * and every refusal exits 1 with its diagnostics, applies nothing and shows no stack trace.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sandbox, type Run, type Sandbox } from './harness.js';

interface Listed { address: string; tenant: string; providerId: string }

const DENTAL = 'iswest/acme-dental.yaml';
const PARTNERS = 'iswest/partners.yaml';

const listed = (sb: Sandbox, ...args: string[]): Listed[] => JSON.parse(sb.run('state', 'list', '--json', ...args).stdout) as Listed[];
const tenantsIn = (rows: readonly Listed[]): string[] => [...new Set(rows.map((r) => r.tenant))].sort();

/** Exit 1, the message on stderr, no stack trace. */
function refused(r: Run, ...messages: (string | RegExp)[]): void {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(1);
  for (const m of messages) {
    if (typeof m === 'string') expect(r.stderr).toContain(m);
    else expect(r.stderr).toMatch(m);
  }
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr).not.toContain('this is a bug in netfirst');
}

describe('a partner plans, applies and reads only its own tenants', { timeout: 180_000 }, () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = sandbox();
    // The operator has applied lexcore's law firm already.
    expect(sb.run('apply', 'iswest', '--tenant', 'baker-law', '--auto-approve').code).toBe(0);
  });
  afterAll(() => sb.remove());

  it("plans acme-dental only: other partners' tenants are neither planned nor printed", () => {
    const r = sb.run('plan', 'iswest', '--partner', 'westside-it', '--json');
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout) as { partner: string; summary: Record<string, number>; changes: { tenant: string }[]; diagnostics: unknown[]; orphanedTenants: string[] };
    expect(plan.partner).toBe('westside-it');
    expect([...new Set(plan.changes.map((c) => c.tenant))]).toEqual(['acme-dental']);
    expect(plan.summary.create).toBe(10);
    expect(plan.diagnostics).toEqual([]);
    const text = sb.run('plan', 'iswest', '--partner', 'westside-it');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Plan: 10 to add, 0 to change, 0 to replace, 0 to destroy.');
    expect(text.stdout + text.stderr).not.toMatch(/baker-law|cole-accounting/);
  });

  it('applies acme-dental; baker-law stays exactly as it was and cole-accounting is not created', () => {
    const before = listed(sb, '--tenant', 'baker-law');
    const r = sb.run('apply', 'iswest', '--partner', 'westside-it', '--auto-approve');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Apply complete! Resources: 10 added, 0 changed, 0 replaced, 0 destroyed/);
    expect(r.stdout).not.toMatch(/baker-law|cole-accounting/);
    expect(listed(sb, '--tenant', 'baker-law')).toEqual(before);
    expect(tenantsIn(listed(sb))).toEqual(['acme-dental', 'baker-law']);
  });

  it('state list --partner lexcore shows only baker-law', () => {
    // The Partners document is the operator's partners.yaml at the top of the spec directory given.
    const rows = listed(sb, '--partner', 'lexcore', '--specs', 'iswest');
    expect(rows.length).toBe(19);
    expect(tenantsIn(rows)).toEqual(['baker-law']);
    expect(sb.run('state', 'list', '--partner', 'ledgerline', '--specs', 'iswest').stdout.trim()).toBe('');
  });

  it('NETFIRST_PARTNER works like --partner', () => {
    const r = sandboxRun(sb, { NETFIRST_PARTNER: 'lexcore' }, 'state', 'list', '--json', '--specs', 'iswest');
    expect(tenantsIn(JSON.parse(r.stdout) as Listed[])).toEqual(['baker-law']);
  });

  it("zone inventory, graph and validate show only the partner's tenants", () => {
    const inventory = sb.run('zone', 'inventory', 'iswest-1', 'iswest', '--partner', 'lexcore', '--json');
    expect(inventory.code).toBe(0);
    expect([...new Set((JSON.parse(inventory.stdout) as { tenant: string }[]).map((o) => o.tenant))]).toEqual(['baker-law']);
    sb.edit(DENTAL, 'memory: 8GiB', 'memory: 10GiB');
    const graph = sb.run('graph', 'iswest', '--partner', 'westside-it');
    expect(graph.code).toBe(0);
    expect(graph.stdout).toContain('"acme-dental/vm/pms-1"');
    expect(graph.stdout).not.toMatch(/baker-law|cole-accounting/);
    sb.edit(DENTAL, 'memory: 10GiB', 'memory: 8GiB');
    const valid = sb.run('validate', 'iswest', '--partner', 'lexcore');
    expect(valid.code).toBe(0);
    expect(valid.stdout).toContain('1 tenant: the configuration is valid');
  });

  it("another partner's broken spec file neither blocks nor shows in this partner's run", () => {
    const cole = sb.read('iswest/cole-accounting.yaml');
    sb.write('iswest/cole-accounting.yaml', `${cole}\n---\napiVersion: netfirst/v1\nkind: Tenant\nmetadata: { name: cole-payroll, partner: ledgerline }\nspec: { zone: iswest-1, bogus: 1 }\n`);
    try {
      const r = sb.run('plan', 'iswest', '--partner', 'lexcore');
      expect(r.code).toBe(0);
      expect(r.stdout + r.stderr).not.toContain('cole');
      refused(sb.run('plan', 'iswest'), 'bogus');
    } finally {
      sb.write('iswest/cole-accounting.yaml', cole);
    }
  });
});

function sandboxRun(sb: Sandbox, env: Record<string, string>, ...args: string[]): Run {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return sb.run(...args);
  } finally {
    for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
}

describe('refusals: exit 1 with the diagnostics, nothing applied', { timeout: 180_000 }, () => {
  let sb: Sandbox;
  let applied: Listed[];
  let pristine: Record<string, string>;
  const files = ['iswest/acme-dental.yaml', 'iswest/baker-law.yaml', 'iswest/partners.yaml'];
  beforeAll(() => {
    sb = sandbox();
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
    applied = listed(sb);
    pristine = Object.fromEntries(files.map((f) => [f, sb.read(f)]));
  });
  afterEach(() => {
    // Whatever was refused, state is as the operator left it; each case starts from the example again.
    expect(listed(sb)).toEqual(applied);
    for (const f of files) sb.write(f, pristine[f]!);
  });
  afterAll(() => sb.remove());

  it('an unknown partner, and a partner without a Partners document', () => {
    refused(sb.run('plan', 'iswest', '--partner', 'westsid-it'), /iswest\/partners\.yaml:\d+:\d+: error: spec\.partners: unknown partner westsid-it \(did you mean "westside-it"\?\)/);
    refused(sb.run('apply', 'iswest/acme-dental.yaml', 'iswest/zone.yaml', '--partner', 'westside-it', '--auto-approve'), 'partner westside-it given, but no Partners document was loaded');
  });

  it("--tenant naming another partner's tenant, on every command that reads or changes tenants", () => {
    const message = 'partner westside-it does not manage tenant baker-law: refused (it manages acme-*)';
    const as = ['--partner', 'westside-it'];
    for (const args of [
      ['plan', 'iswest', '--tenant', 'baker-law', ...as],
      ['apply', 'iswest', '--tenant', 'baker-law', '--auto-approve', ...as],
      ['destroy', 'iswest', '--tenant', 'baker-law', '--auto-approve', ...as],
      ['refresh', 'iswest', '--tenant', 'baker-law', ...as],
      ['state', 'list', '--tenant', 'baker-law', '--specs', 'iswest', ...as],
      ['state', 'show', 'baker-law/vm/web-1', '--specs', 'iswest', ...as],
      ['import', 'provider', 'iswest-1', 'iswest', '--tenant', 'baker-law', '--dry-run', ...as],
    ]) {
      refused(sb.run(...args), message);
    }
    // Not whether it exists: a name no partner owns gets the same answer.
    refused(sb.run('state', 'show', 'nobody/vm/x', '--specs', 'iswest', '--partner', 'westside-it'), 'partner westside-it does not manage tenant nobody: refused');
    // exec is the operator's alone: refused for any partner, whatever the tenant.
    refused(sb.run('exec', 'baker-law/vm/web-1', '--specs', 'iswest', ...as, '--', 'true'), 'exec is for the operator');
  });

  it("a tenant file that claims the partner, for a tenant it does not own, is refused at its name's line", () => {
    sb.write('iswest/zeta.yaml', 'apiVersion: netfirst/v1\nkind: Tenant\nmetadata:\n  name: zeta-corp\n  partner: westside-it\nspec:\n  zone: iswest-1\n');
    refused(sb.run('apply', 'iswest', '--partner', 'westside-it', '--auto-approve'), 'iswest/zeta.yaml:4:9: error: metadata.name: partner westside-it does not manage tenant zeta-corp (it manages acme-*)');
    rmSync(join(sb.dir, 'iswest/zeta.yaml'));
  });

  it('an owned tenant naming another partner, or none, is refused at its metadata', () => {
    sb.edit(DENTAL, 'partner: westside-it', 'partner: lexcore');
    refused(sb.run('plan', 'iswest', '--partner', 'westside-it'), 'iswest/acme-dental.yaml:9:12: error: metadata.partner: tenant acme-dental names partner lexcore, not westside-it');
    sb.edit(DENTAL, '  partner: lexcore\n', '');
    refused(sb.run('plan', 'iswest', '--partner', 'westside-it'), 'iswest/acme-dental.yaml:8:3: error: metadata: tenant acme-dental does not say which partner manages it');
  });

  it('a fixed VLAN or public IP outside what the partner is given', () => {
    sb.edit(PARTNERS, '      tenants: [ baker-law ]\n', '      tenants: [ baker-law ]\n      segments: { vlans: [ "300-309" ] }\n      publicIpPools: [ pool-b ]\n');
    const r = sb.run('apply', 'iswest', '--partner', 'lexcore', '--auto-approve');
    refused(r,
      /iswest\/baker-law\.yaml:\d+:\d+: error: spec\.networks\[2\]\.segment\.vlan: VLAN 310 is outside the VLAN IDs partner lexcore may use \(300-309\)/,
      /iswest\/baker-law\.yaml:\d+:\d+: error: spec\.publicIps\[1\]\.address: public IP 203\.0\.113\.20 is in pool pool-a; partner lexcore may use pools pool-b/,
      /spec\.publicIps\[0\]\.pool: public IP office-nat takes pool pool-a; partner lexcore may use pools pool-b/);
  });

  it('a quota overrun, counted over all the partner\'s tenants after the change', () => {
    sb.edit(PARTNERS, 'cpu: 64', 'cpu: 12');
    sb.edit(DENTAL, /cpu: 4\n {6}memory: 8GiB/, 'cpu: 8\n      memory: 8GiB');
    refused(sb.run('apply', 'iswest', '--partner', 'westside-it', '--auto-approve'),
      /iswest\/acme-dental\.yaml:\d+:\d+: error: spec\.vms\[0\]\.cpu: partner westside-it would use 14 vCPU of its quota of 12 \(acme-dental \+4\)/);
  });

  it("a saved plan made for another partner, or without --partner, is refused", () => {
    sb.edit(DENTAL, 'memory: 8GiB', 'memory: 10GiB');
    expect(sb.run('plan', 'iswest', '--partner', 'lexcore', '--out', 'lexcore.json').code).toBe(0);
    refused(sb.run('apply', 'lexcore.json', '--partner', 'westside-it'), 'lexcore.json was made for partner lexcore, not westside-it: refused');
    expect(sb.run('plan', 'iswest', '--out', 'operator.json').code).toBe(0);
    refused(sb.run('apply', 'operator.json', '--partner', 'westside-it'), 'operator.json was not made for partner westside-it (it was planned without --partner)');
  });
});
