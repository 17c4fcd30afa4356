/**
 * `netfirst import cisco|rvtools|libvirt` through the real CLI: files written, secrets
 * kept apart with 0600, the report, refusals, and the imported spec planning cleanly.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { gitMissing, runGit } from './git-repo.js';
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

describe('netfirst import: where the pre-shared keys go', () => {
  let sb: Sandbox;
  afterEach(() => sb.remove());
  const IPSEC = corpus('cisco-ios/batfish_ios-crypto-ipsec_r1');
  const importInto = (out: string, ...extra: string[]) => sb.run('import', 'cisco', IPSEC, '--tenant', 'branch-r1', '--zone', ZONE, '--out', out, ...extra);
  const secretsFiles = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.secrets.env'));
  const gitEnv = { PATH: process.env.PATH ?? '', HOME: '/nonexistent', GIT_CONFIG_NOSYSTEM: '1' };

  it('never into the current directory: without --out (the spec on stdout) keys are refused, nothing written', () => {
    sb = sandbox();
    for (const json of [[], ['--json']]) {
      const r = sb.run('import', 'cisco', IPSEC, '--tenant', 'branch-r1', '--zone', ZONE, ...json);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/the import holds \d+ pre-shared keys?, and without --out the spec goes to stdout: pass --out DIR \(the keys then go beside the spec, DIR\/branch-r1\.secrets\.env\) or --secrets-file FILE; nothing was written/);
      expect(r.stdout).toBe('');
    }
    expect(secretsFiles(sb.dir)).toEqual([]);
    // With --secrets-file the spec may go to stdout; the keys go where they were sent, 0600.
    const r = sb.run('import', 'cisco', IPSEC, '--tenant', 'branch-r1', '--zone', ZONE, '--secrets-file', 'private/branch-r1.secrets.env');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('kind: Tenant');
    expect(statSync(join(sb.dir, 'private', 'branch-r1.secrets.env')).mode & 0o777).toBe(0o600);
    expect(secretsFiles(sb.dir)).toEqual([]);
  });

  it.skipIf(gitMissing)('beside the spec, 0600, and the spec repository\'s .gitignore gets *.secrets.env once', () => {
    sb = sandbox();
    const repo = join(sb.dir, 'specs');
    mkdirSync(repo);
    runGit(repo, gitEnv, ['init', '-q']);
    writeFileSync(join(repo, '.gitignore'), '.netfirst/\n*.db');
    const first = importInto('specs/tenants');
    expect(first.code, first.stderr).toBe(0);
    expect(statSync(join(repo, 'tenants', 'branch-r1.secrets.env')).mode & 0o777).toBe(0o600);
    expect(first.stderr).toContain(`Added *.secrets.env to ${join(repo, '.gitignore')}, so git never commits the keys.`);
    expect(secretsFiles(sb.dir)).toEqual([]);
    const again = importInto('specs/tenants', '--force');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('Added');
    expect(again.stderr).toContain('(mode 0600; ignored by git)');
    const gitignore = readFileSync(join(repo, '.gitignore'), 'utf8');
    expect(gitignore.split('\n').filter((l) => l === '*.secrets.env')).toHaveLength(1);
    expect(gitignore).toMatch(/^\.netfirst\/\n\*\.db\n# pre-shared keys written by netfirst import: never committed\n\*\.secrets\.env\n$/);
    // git itself agrees: the keys are ignored, the spec is not.
    const status = runGit(repo, gitEnv, ['status', '--porcelain', '--untracked-files=all']);
    expect(status).toContain('tenants/branch-r1.yaml');
    expect(status).not.toContain('secrets.env');
  });

  it.skipIf(gitMissing)('a .gitignore that covers the file already is left as it is', () => {
    sb = sandbox();
    runGit(sb.dir, gitEnv, ['init', '-q']);
    writeFileSync(join(sb.dir, '.gitignore'), '*.env\n');
    const r = importInto('tenants');
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(sb.dir, '.gitignore'), 'utf8')).toBe('*.env\n');
    expect(r.stderr).toContain('ignored by git');
  });

  it.skipIf(gitMissing)('a spec repository without .gitignore is left alone, and the operator is told', () => {
    sb = sandbox();
    runGit(sb.dir, gitEnv, ['init', '-q']);
    const r = importInto('tenants');
    expect(r.code, r.stderr).toBe(0);
    expect(() => statSync(join(sb.dir, '.gitignore'))).toThrow();
    expect(r.stderr).toContain(`Note: ${sb.dir} is a git working copy without a .gitignore: add the line *.secrets.env to one, so git never commits the keys.`);
  });

  it.skipIf(gitMissing)('a .gitignore that is a symbolic link is not written through; a --secrets-file named otherwise is warned about', () => {
    sb = sandbox();
    runGit(sb.dir, gitEnv, ['init', '-q']);
    writeFileSync(join(sb.dir, 'elsewhere'), 'keep\n');
    symlinkSync(join(sb.dir, 'elsewhere'), join(sb.dir, '.gitignore'));
    const linked = importInto('tenants');
    expect(linked.code, linked.stderr).toBe(0);
    expect(readFileSync(join(sb.dir, 'elsewhere'), 'utf8')).toBe('keep\n');
    expect(linked.stderr).toContain('without a .gitignore');

    sb.remove();
    sb = sandbox();
    runGit(sb.dir, gitEnv, ['init', '-q']);
    writeFileSync(join(sb.dir, '.gitignore'), '.netfirst/\n');
    const r = importInto('tenants', '--secrets-file', 'keys.txt');
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(join(sb.dir, 'keys.txt')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(sb.dir, '.gitignore'), 'utf8')).toBe('.netfirst/\n');
    expect(r.stderr).toContain(`Warning: ${join(sb.dir, 'keys.txt')} is not ignored by ${join(sb.dir, '.gitignore')}, and its name does not match *.secrets.env`);
    expect(spawnSync('git', ['check-ignore', '-q', 'keys.txt'], { cwd: sb.dir, env: gitEnv }).status).toBe(1);
  });
});
