/**
 * `netfirst import cisco|rvtools|libvirt` through the real CLI: files written, secrets
 * kept apart with 0600, the report, refusals, and the imported spec planning cleanly.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { sandbox, type Sandbox } from './harness.js';

const CORPUS = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));
const corpus = (f: string): string => join(CORPUS, f);
const ZONE = fileURLToPath(new URL('../fixtures/import-zone/zone.yaml', import.meta.url));

describe('netfirst import (files)', () => {
  let sb: Sandbox;
  afterEach(() => sb.remove());

  it('writes the spec and a 0600 secrets file, reports what is not mapped, and the spec plans', () => {
    sb = sandbox();
    const r = sb.run('import', 'cisco', corpus('cisco-ios/batfish_ios-crypto-ipsec_r1'), '--tenant', 'branch-r1', '--zone', ZONE, '--out', 'tenants');
    expect(r.stderr).toContain('Imported tenant branch-r1 for zone colo-1');
    expect(r.stderr).toContain('Not mapped');
    expect(r.code).toBe(0);
    const spec = sb.read('tenants/branch-r1.yaml');
    expect(spec).toContain('# batfish_ios-crypto-ipsec_r1:');
    expect(spec).toMatch(/preSharedKey: \{ env: BRANCH_R1_[A-Z0-9_]+_PSK \}/);
    const secrets = sb.read('tenants/branch-r1.secrets.env');
    expect(statSync(join(sb.dir, 'tenants', 'branch-r1.secrets.env')).mode & 0o777).toBe(0o600);
    const values = [...secrets.matchAll(/^[A-Z0-9_]+='(.+)'$/gm)].map((m) => m[1]!);
    expect(values.length).toBeGreaterThan(0);
    for (const v of values) {
      expect(spec).not.toContain(v);
      expect(r.stderr).not.toContain(v);
      expect(r.stdout).not.toContain(v);
    }
    // Again without --force: refused, nothing touched.
    const again = sb.run('import', 'cisco', corpus('cisco-ios/batfish_ios-crypto-ipsec_r1'), '--tenant', 'branch-r1', '--zone', ZONE, '--out', 'tenants');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists: nothing was written (use --force to overwrite)');

    // The imported spec plans, its secrets loaded from the secrets file.
    const env = Object.fromEntries([...secrets.matchAll(/^([A-Z0-9_]+)='(.+)'$/gm)].map((m) => [m[1]!, m[2]!]));
    const planned = sandbox('iswest', env);
    try {
      planned.write('zone.yaml', readFileSync(ZONE, 'utf8'));
      planned.write('branch-r1.yaml', spec);
      const plan = planned.run('plan', 'zone.yaml', 'branch-r1.yaml');
      expect(plan.stderr).not.toContain('error');
      expect(plan.code).toBe(0);
      expect(plan.stdout).toMatch(/Plan: \d+ to add, 0 to change, 0 to replace, 0 to destroy\./);
    } finally {
      planned.remove();
    }
  });

  it('prints YAML on stdout and the report as JSON for pipelines', () => {
    sb = sandbox();
    const r = sb.run('import', 'rvtools', corpus('rvtools/migration-planner_example1_vInfo.csv'), corpus('rvtools/migration-planner_example1_vDisk.csv'), '--tenant', 'example1', '--zone', ZONE, '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { valid: boolean; counts: { vms: number }; spec: string; files: { format: string }[]; report: { kind: string; file: string; line: number }[] };
    expect(out.valid).toBe(true);
    expect(out.counts.vms).toBe(9);
    expect(out.spec).toContain('kind: Tenant');
    expect(out.files).toHaveLength(2);
  });

  it('refuses a file of another format with exit 1, naming it, and writes nothing', () => {
    sb = sandbox();
    const r = sb.run('import', 'libvirt', corpus('cloudstack-api/cloudstack-go/VPNService.json'), '--tenant', 'x', '--zone', ZONE, '--out', 'tenants');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('VPNService.json: not a libvirt XML file');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(() => sb.read('tenants/x.yaml')).toThrow();
  });

  it('names the zone problem when --zone is neither a file nor a known zone', () => {
    sb = sandbox();
    const r = sb.run('import', 'cisco', corpus('cisco-ios/sample_02.ios'), '--tenant', 'x', '--zone', 'nowhere-1', '--specs', 'iswest');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('zone nowhere-1 is not described in iswest (zones there: iswest-1)');
  });
});
