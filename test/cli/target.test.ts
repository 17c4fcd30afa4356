/**
 * `plan/apply --target ADDRESS` and `--replace ADDRESS` (issue 22, item 3), as Terraform's
 * `-target` and `-replace`, on examples/iswest and the sim: a targeted plan holds the named
 * resources and what they need, never others, and warns that it may be incomplete (text
 * and JSON); a deleted target takes its dependents along; `--replace` rebuilds one object
 * (and what is bound to it) on purpose. Unknown addresses are errors with the nearest
 * address, and a partner is refused another partner's addresses exactly as `--tenant`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandbox, type Sandbox } from './harness.js';

const NO_PARTNER = { NETFIRST_PARTNER: '' };
const LAW = 'iswest/baker-law.yaml';
const FORWARD = 'baker-law/port-forward/mail-tcp-25';
/** The port forward and what it needs: its public IP and VM, the VM's networks, and the address the internal network egresses through. */
const FORWARD_AND_NEEDS = [
  'baker-law/network/dmz', 'baker-law/network/internal', FORWARD, 'baker-law/public-ip/mail', 'baker-law/public-ip/office-nat', 'baker-law/vm/mail-1',
];

interface JsonPlan {
  summary: Record<string, number>;
  changes: { address: string; action: string; reason: string | null }[];
  diagnostics: { severity: string; summary: string }[];
  selection: { targets?: string[]; replace?: string[] };
}

const effective = (plan: JsonPlan): string[] => plan.changes.filter((c) => c.action !== 'noop').map((c) => `${c.action} ${c.address}`);
const addresses = (text: string): string[] => [...text.matchAll(/^ {2}# (\S+) /gm)].map((m) => m[1]!);

function recorded(sb: Sandbox): Map<string, string> {
  const r = sb.run('state', 'list', '--json');
  expect(r.code, r.stderr).toBe(0);
  return new Map((JSON.parse(r.stdout) as { address: string; providerId: string }[]).map((x) => [x.address, x.providerId]));
}

describe('--target', () => {
  let sb: Sandbox;
  beforeAll(() => { sb = sandbox('iswest', NO_PARTNER); });
  afterAll(() => sb.remove());

  it('plans only the target and what it needs, and warns that the plan may be incomplete', () => {
    const r = sb.run('plan', 'iswest', '--target', FORWARD, '--detailed-exitcode');
    expect(r.code).toBe(2);
    expect(addresses(r.stdout)).toEqual(FORWARD_AND_NEEDS);
    expect(r.stdout).toContain('Plan: 6 to add, 0 to change, 0 to replace, 0 to destroy.');
    expect(r.stderr).toContain('warning: Resource targeting is in effect');
    expect(r.stderr).toContain('the result may not represent all of the changes the specs ask for');
  });

  it('--json: the same changes, the warning among the diagnostics, the targets in the selection', () => {
    const r = sb.run('plan', 'iswest', '--target', FORWARD, '--target', 'acme-dental/vm/backup-1', '--json');
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as JsonPlan;
    expect(plan.selection.targets).toEqual(['acme-dental/vm/backup-1', FORWARD]);
    expect(plan.diagnostics).toEqual([expect.objectContaining({ severity: 'warning', summary: 'Resource targeting is in effect' })]);
    expect(effective(plan)).toEqual(['create acme-dental/network/office', 'create acme-dental/public-ip/office-nat', 'create acme-dental/vm/backup-1', ...FORWARD_AND_NEEDS.map((a) => `create ${a}`)]);
  });

  it.each([
    { reason: 'a mistyped address, with the nearest one', args: ['--target', 'baker-law/vm/mail-2'], want: '--target baker-law/vm/mail-2: no such resource in the specs or in state; did you mean baker-law/vm/mail-1?' },
    { reason: 'not an address at all', args: ['--target', 'mail-1'], want: '--target mail-1: not a resource address (TENANT/KIND/NAME, e.g. acme-dental/vm/pms-1)' },
    { reason: 'outside the tenants named with --tenant', args: ['--tenant', 'acme-dental', '--target', FORWARD], want: `--target ${FORWARD}: tenant baker-law is not among the tenants this run plans` },
  ])('refuses $reason (exit 1, nothing planned)', ({ args, want }) => {
    for (const command of [['plan'], ['apply', '--auto-approve']]) {
      const r = sb.run(...command, 'iswest', ...args);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(want);
    }
    expect(recorded(sb).size).toBe(0);
  });

  it('apply --target creates exactly that; a saved targeted plan applies the same way; the rest is planned afterwards', () => {
    const r = sb.run('apply', 'iswest', '--target', FORWARD, '--auto-approve');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Resource targeting is in effect');
    expect(r.stdout).toMatch(/Apply complete! Resources: 6 added, 0 changed, 0 replaced, 0 destroyed/);
    expect([...recorded(sb).keys()].sort()).toEqual(FORWARD_AND_NEEDS);

    const saved = sb.run('plan', 'iswest', '--target', 'baker-law/vm/docs-1/disk/files', '--out', 'p.json');
    expect(saved.code, saved.stderr).toBe(0);
    expect((JSON.parse(sb.read('p.json')) as JsonPlan).selection.targets).toEqual(['baker-law/vm/docs-1/disk/files']);
    const applied = sb.run('apply', 'p.json');
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/Resources: 3 added/);
    expect([...recorded(sb).keys()]).toEqual(expect.arrayContaining(['baker-law/network/colo', 'baker-law/vm/docs-1', 'baker-law/vm/docs-1/disk/files']));

    const rest = sb.run('plan', 'iswest');
    expect(rest.code, rest.stderr).toBe(0);
    expect(rest.stdout).toContain('Plan: 32 to add, 0 to change, 0 to replace, 0 to destroy.');
  });

  it('a target no spec describes any more is destroyed with its dependents; nothing else is', () => {
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
    // mail-1 and its port forwards leave the spec; web-1 grows (an untargeted change).
    const text = sb.read(LAW);
    const vm = text.slice(text.indexOf('    - name: mail-1\n'), text.indexOf('    - name: docs-1'));
    const forwards = text.slice(text.indexOf('      portForwards:\n'), text.indexOf('  firewall:'));
    sb.write(LAW, text.replace(vm, '').replace(forwards, '').replace('memory: 4GiB\n      template: rocky-9', 'memory: 6GiB\n      template: rocky-9'));
    const r = sb.run('plan', 'iswest', '--target', 'baker-law/vm/mail-1', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(effective(JSON.parse(r.stdout) as JsonPlan)).toEqual([
      'delete baker-law/port-forward/mail-tcp-25', 'delete baker-law/port-forward/mail-tcp-443', 'delete baker-law/port-forward/mail-tcp-587',
      'delete baker-law/vm/mail-1', 'delete baker-law/vm/mail-1/disk/mailstore',
    ]);
    const applied = sb.run('apply', 'iswest', '--target', 'baker-law/vm/mail-1', '--auto-approve');
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/Resources: 0 added, 0 changed, 0 replaced, 5 destroyed/);
    const left = sb.run('plan', 'iswest', '--json');
    expect(effective(JSON.parse(left.stdout) as JsonPlan)).toEqual(['update baker-law/vm/web-1']);
  });
});

describe('--replace', () => {
  let sb: Sandbox;
  beforeAll(() => { sb = sandbox('iswest', NO_PARTNER); });
  afterAll(() => sb.remove());

  it('refuses what does not exist yet, and a mistyped address with the nearest one', () => {
    const fresh = sb.run('plan', 'iswest', '--replace', 'baker-law/vm/mail-1');
    expect(fresh.code).toBe(1);
    expect(fresh.stderr).toContain('--replace baker-law/vm/mail-1: it does not exist yet (this plan creates it): nothing to replace');
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
    const typo = sb.run('plan', 'iswest', '--replace', 'baker-law/vm/mial-1');
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('--replace baker-law/vm/mial-1: no such resource in the specs or in state; did you mean baker-law/vm/mail-1?');
  });

  it('plans the replacement "as requested", with what is bound to it replaced too (text and --json)', () => {
    const r = sb.run('plan', 'iswest', '--replace', 'baker-law/vm/mail-1', '--detailed-exitcode');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('  # baker-law/vm/mail-1 will be replaced, as requested\n-/+ resource "vm" "baker-law/vm/mail-1" {');
    expect(r.stdout).toContain('  # baker-law/vm/mail-1/disk/mailstore must be replaced\n-/+ resource "disk" "baker-law/vm/mail-1/disk/mailstore" {\n      # forces replacement: baker-law/vm/mail-1 is replaced');
    expect(r.stdout).toContain('Plan: 0 to add, 0 to change, 5 to replace, 0 to destroy.');
    const json = JSON.parse(sb.run('plan', 'iswest', '--replace', 'baker-law/vm/mail-1', '--json').stdout) as JsonPlan;
    expect(json.selection.replace).toEqual(['baker-law/vm/mail-1']);
    expect(sb.run('plan', 'iswest', '--replace', 'baker-law/vm/mail-1', '--out', 'r.json').code).toBe(0);
    const shown = sb.run('show', 'r.json');
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('  # baker-law/vm/mail-1 will be replaced, as requested\n');
    expect(json.changes.find((c) => c.address === 'baker-law/vm/mail-1')).toMatchObject({ action: 'replace', reason: 'replacement requested (--replace)' });
    expect(effective(json)).toEqual([
      'replace baker-law/port-forward/mail-tcp-25', 'replace baker-law/port-forward/mail-tcp-443', 'replace baker-law/port-forward/mail-tcp-587',
      'replace baker-law/vm/mail-1', 'replace baker-law/vm/mail-1/disk/mailstore',
    ]);
  });

  it('apply --replace makes a new object, and the next plan says "No changes."', () => {
    const before = recorded(sb);
    const r = sb.run('apply', 'iswest', '--replace', 'baker-law/vm/mail-1', '--auto-approve');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Resources: 0 added, 0 changed, 5 replaced, 0 destroyed/);
    const after = recorded(sb);
    expect(after.get('baker-law/vm/mail-1')).not.toBe(before.get('baker-law/vm/mail-1'));
    expect(after.get('baker-law/vm/web-1')).toBe(before.get('baker-law/vm/web-1'));
    const again = sb.run('plan', 'iswest', '--refresh', '--detailed-exitcode');
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toContain('No changes.');
  });
});

describe('a partner names only its own addresses', () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = sandbox('iswest', NO_PARTNER);
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
  });
  afterAll(() => sb.remove());

  it.each([
    { reason: "another partner's resource", flag: '--target', address: 'baker-law/vm/mail-1' },
    { reason: "another partner's resource, to replace", flag: '--replace', address: 'baker-law/vm/mail-1' },
    { reason: "an address in another partner's tenant that does not exist (its absence is not told)", flag: '--target', address: 'baker-law/vm/nope' },
    { reason: 'a tenant nobody has', flag: '--replace', address: 'zz-corp/vm/a' },
  ])('refuses $reason exactly as --tenant is, changing nothing', ({ flag, address }) => {
    const asTenant = sb.run('plan', 'iswest', '--partner', 'westside-it', '--tenant', address.split('/')[0]!);
    expect(asTenant.code).toBe(1);
    expect(asTenant.stderr).toMatch(/partner westside-it does not manage tenant \S+: refused/);
    const before = sb.run('state', 'list', '--json').stdout;
    for (const command of [['plan'], ['plan', '--json'], ['apply', '--auto-approve']]) {
      const r = sb.run(...command, 'iswest', '--partner', 'westside-it', flag, address);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(asTenant.stderr);
    }
    expect(sb.run('state', 'list', '--json').stdout).toBe(before);
  });

  it('NETFIRST_PARTNER is the same partner as --partner', () => {
    const env = sandbox('iswest', { NETFIRST_PARTNER: 'westside-it' });
    try {
      const r = env.run('plan', 'iswest', '--target', 'baker-law/vm/mail-1');
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('partner westside-it does not manage tenant baker-law: refused');
    } finally {
      env.remove();
    }
  });

  it("suggests only the partner's own addresses, and plans its own target", () => {
    const typo = sb.run('plan', 'iswest', '--partner', 'westside-it', '--target', 'acme-dental/vm/pms-2');
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('did you mean acme-dental/vm/pms-1?');
    expect(typo.stderr).not.toContain('baker-law');
    const own = sb.run('plan', 'iswest', '--partner', 'westside-it', '--replace', 'acme-dental/vm/pms-1', '--target', 'acme-dental/vm/pms-1', '--json');
    expect(own.code, own.stderr).toBe(0);
    const plan = JSON.parse(own.stdout) as JsonPlan;
    expect(effective(plan)).toEqual(['replace acme-dental/vm/pms-1', 'replace acme-dental/vm/pms-1/disk/data']);
  });
});
