/**
 * Plans read reality by default (issue 22, item 2): a plain `plan` after a change made
 * outside netfirst shows the drift and plans its correction; `--refresh=false` (or
 * `--no-refresh`) plans against the state alone and says "(not refreshed)" in the text,
 * the JSON, the markdown and a saved plan, which `show` and `apply PLANFILE` repeat.
 * A partner's refreshing run shows nothing of another partner's tenants.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandbox, type Run, type Sandbox } from './harness.js';

const NOT_REFRESHED = '(not refreshed)';

/** What an operator with console access does: straight into the sim's world, netfirst not told. */
function changeOutside(sb: Sandbox, ...sql: string[]): void {
  const world = new Database(join(sb.dir, '.netfirst', 'sim-iswest-1.db'));
  try {
    for (const s of sql) world.prepare(s).run();
  } finally {
    world.close();
  }
}

const RESIZE_PMS = "UPDATE objects SET attributes = json_set(attributes, '$.memoryMiB', 16384) WHERE address = 'acme-dental/vm/pms-1'";
const DROP_SHARES = "DELETE FROM objects WHERE address = 'cole-accounting/vm/files-1/disk/shares'";

const shown = (r: Run): string => `exit ${r.code}\n${r.stdout}\n${r.stderr}`;

describe('plan and apply refresh by default', { timeout: 180_000 }, () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = sandbox();
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
    changeOutside(sb, RESIZE_PMS, DROP_SHARES);
  });
  afterAll(() => sb.remove());

  it('a plain plan shows the drift and plans its correction', () => {
    const r = sb.run('plan', 'iswest', '--detailed-exitcode');
    expect(r.code, shown(r)).toBe(2);
    expect(r.stdout).toContain('Note: objects have changed outside of netfirst');
    expect(r.stdout).toContain('# acme-dental/vm/pms-1 has changed outside netfirst');
    expect(r.stdout).toContain('# cole-accounting/vm/files-1/disk/shares has been deleted outside netfirst');
    expect(r.stdout).toMatch(/~ memoryMiB = 16384 -> 8192/);
    expect(r.stdout).toContain('Plan: 1 to add, 1 to change, 0 to replace, 0 to destroy.');
    expect(r.stdout).not.toContain(NOT_REFRESHED);
    const json = JSON.parse(sb.run('plan', 'iswest', '--json').stdout) as { refreshed: boolean; drift: { address: string }[] };
    expect(json.refreshed).toBe(true);
    expect(json.drift.map((d) => d.address)).toEqual(['acme-dental/vm/pms-1', 'cole-accounting/vm/files-1/disk/shares']);
  });

  it.each([
    { reason: "Terraform's spelling", flag: ['--refresh=false'] },
    { reason: "commander's negation", flag: ['--no-refresh'] },
    { reason: 'the last flag wins, as for any boolean pair', flag: ['--refresh', '--refresh=false'] },
  ])('$flag plans against the state alone: "No changes." with "(not refreshed)" ($reason)', ({ flag }) => {
    const r = sb.run('plan', 'iswest', ...flag, '--detailed-exitcode');
    expect(r.code, shown(r)).toBe(0);
    expect(r.stdout).toContain('No changes.');
    expect(r.stdout).toContain(NOT_REFRESHED);
    expect(r.stdout).not.toContain('Your infrastructure matches the configuration');
    expect(r.stdout).not.toContain('changed outside');
  });

  it('the JSON and the markdown of a plan made without refresh say so', () => {
    const json = JSON.parse(sb.run('plan', 'iswest', '--refresh=false', '--json').stdout) as { refreshed: boolean; drift?: unknown };
    expect(json.refreshed).toBe(false);
    expect(json.drift).toBeUndefined();
    const markdown = sb.run('plan', 'iswest', '--refresh=false', '--markdown').stdout;
    expect(markdown).toContain('### netfirst plan: No changes.');
    expect(markdown).toContain('**Not refreshed**');
    expect(sb.run('plan', 'iswest', '--markdown').stdout).toContain('2 objects have changed outside netfirst');
  });

  it('a saved plan records whether it was refreshed; show and apply PLANFILE say it', () => {
    expect(sb.run('plan', 'iswest', '--out', 'fresh.json').code).toBe(0);
    expect((JSON.parse(sb.read('fresh.json')) as { refreshed: boolean }).refreshed).toBe(true);
    expect(sb.run('plan', 'iswest', '--refresh=false', '--out', 'stale.json').code).toBe(0);
    expect((JSON.parse(sb.read('stale.json')) as { refreshed: boolean }).refreshed).toBe(false);

    const fresh = sb.run('show', 'fresh.json');
    expect(fresh.code, shown(fresh)).toBe(0);
    expect(fresh.stdout).toContain('Plan: 1 to add, 1 to change, 0 to replace, 0 to destroy.');
    expect(fresh.stdout).not.toContain(NOT_REFRESHED);
    const stale = sb.run('show', 'stale.json');
    expect(stale.stdout).toContain('No changes.');
    expect(stale.stdout).toContain(NOT_REFRESHED);

    // The seal covers it: a file that claims a refresh it did not make is refused.
    const edited = JSON.parse(sb.read('stale.json')) as Record<string, unknown>;
    sb.write('forged.json', JSON.stringify({ ...edited, refreshed: true }, null, 2));
    const forged = sb.run('apply', 'forged.json');
    expect(forged.code).toBe(1);
    expect(forged.stderr).toContain('forged.json was not produced by netfirst or was edited: refused');

    const applied = sb.run('apply', 'stale.json');
    expect(applied.code, shown(applied)).toBe(0);
    expect(applied.stdout).toContain(NOT_REFRESHED);
  });

  it('a plain apply corrects the drift; the next plan, refreshed, has nothing to do', () => {
    const r = sb.run('apply', 'iswest', '--auto-approve');
    expect(r.code, shown(r)).toBe(0);
    expect(r.stdout).toContain('# acme-dental/vm/pms-1 has changed outside netfirst');
    expect(r.stdout).toMatch(/Apply complete! Resources: 1 added, 1 changed, 0 replaced, 0 destroyed/);
    const again = sb.run('plan', 'iswest', '--detailed-exitcode');
    expect(again.code, shown(again)).toBe(0);
    expect(again.stdout).toContain('No changes. Your infrastructure matches the configuration.');
  });

  it('destroy reads only when asked: what was deleted outside is then left out, and its record goes too', () => {
    changeOutside(sb, DROP_SHARES);
    const r = sb.run('destroy', 'iswest', '--tenant', 'cole-accounting', '--auto-approve', '--refresh');
    expect(r.code, shown(r)).toBe(0);
    expect(r.stdout).toContain('# cole-accounting/vm/files-1/disk/shares has been deleted outside netfirst');
    expect(r.stdout).not.toContain('cole-accounting/vm/files-1/disk/shares will be destroyed');
    expect(r.stdout).toContain('Destroy complete!');
    const left = JSON.parse(sb.run('state', 'list', '--json').stdout) as { address: string }[];
    expect(left.filter((x) => x.address.startsWith('cole-accounting/'))).toEqual([]);
  });

  it('destroy by default deletes what state records without reading first (deleting what is gone is harmless)', () => {
    changeOutside(sb, "DELETE FROM objects WHERE address = 'acme-dental/vm/pms-1/disk/data'");
    const r = sb.run('destroy', 'iswest', '--tenant', 'acme-dental', '--auto-approve');
    expect(r.code, shown(r)).toBe(0);
    expect(r.stdout).not.toContain('has been deleted outside netfirst');
    expect(r.stdout).toContain('acme-dental/vm/pms-1/disk/data will be destroyed');
    expect(r.stdout).toContain('Destroy complete!');
    const left = JSON.parse(sb.run('state', 'list', '--json').stdout) as { address: string }[];
    expect(left.filter((x) => x.address.startsWith('acme-dental/'))).toEqual([]);
  });

  it('refuses a --refresh value that is neither true nor false, and --refresh-only with --refresh=false', () => {
    const bad = sb.run('plan', 'iswest', '--refresh=sometimes');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--refresh=sometimes: say --refresh=true or --refresh=false');
    const both = sb.run('plan', 'iswest', '--refresh-only', '--refresh=false');
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('--refresh-only reads what really exists: it cannot go with --refresh=false');
    for (const r of [bad, both]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("a partner's refreshing plan", { timeout: 180_000 }, () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = sandbox();
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
  });
  afterAll(() => sb.remove());

  it("shows nothing of another partner's tenants changed outside netfirst, and corrects only its own", () => {
    // ledgerline's cole-accounting lost a disk, westside-it's acme-dental a VM was resized.
    changeOutside(sb, DROP_SHARES, RESIZE_PMS);
    const westside = sb.run('plan', 'iswest', '--partner', 'westside-it', '--json');
    expect(westside.code, shown(westside)).toBe(0);
    const plan = JSON.parse(westside.stdout) as { refreshed: boolean; drift: { address: string }[]; changes: { tenant: string; action: string }[] };
    expect(plan.refreshed).toBe(true);
    expect(plan.drift.map((d) => d.address)).toEqual(['acme-dental/vm/pms-1']);
    expect(new Set(plan.changes.map((c) => c.tenant))).toEqual(new Set(['acme-dental']));
    const text = sb.run('plan', 'iswest', '--partner', 'westside-it');
    expect(text.stdout + text.stderr).not.toMatch(/cole-accounting|baker-law|ledgerline|lexcore/);

    // lexcore's tenant did not change: its plan is empty, and says nothing of the others' drift.
    const lexcore = sb.run('plan', 'iswest', '--partner', 'lexcore', '--detailed-exitcode');
    expect(lexcore.code, shown(lexcore)).toBe(0);
    expect(lexcore.stdout).toContain('No changes. Your infrastructure matches the configuration.');
    expect(lexcore.stdout + lexcore.stderr).not.toMatch(/cole-accounting|acme-dental|outside netfirst/);

    // westside-it's apply corrects acme-dental only: cole-accounting's missing disk stays missing.
    const applied = sb.run('apply', 'iswest', '--partner', 'westside-it', '--auto-approve');
    expect(applied.code, shown(applied)).toBe(0);
    expect(applied.stdout).not.toContain('cole-accounting');
    const operator = JSON.parse(sb.run('plan', 'iswest', '--json').stdout) as { drift: { address: string }[] };
    expect(operator.drift.map((d) => d.address)).toEqual(['cole-accounting/vm/files-1/disk/shares']);
  });
});
