/**
 * The GitOps loop of examples/gitops, end to end against a local git repository (an
 * `origin` bare repository and a clone): main is applied by the pipeline; a branch that
 * changes one tenant gets a pull-request plan naming only that tenant (exit code: there
 * are changes); after the merge the pipeline applies it and state matches the specs.
 * Also: `--changed-since` refuses, in one line, what it cannot compare.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitMissing, runGit, runNetfirst } from './git-repo.js';
import { REPO, sandbox, type Run } from './harness.js';

if (gitMissing) console.log('test/cli/gitops.test.ts: skipped, git is not installed');

describe.skipIf(gitMissing)('GitOps pipeline (examples/gitops/pipeline.sh)', () => {
  let root: string;
  let work: string;
  let env: NodeJS.ProcessEnv;

  const git = (...args: string[]): string => runGit(work, env, args);
  const pipeline = (event: string, more: Record<string, string> = {}) => {
    const r = spawnSync('sh', ['ci/pipeline.sh'], { cwd: work, env: { ...env, CI_EVENT: event, ...more }, encoding: 'utf8', timeout: 120_000 });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  const netfirst = (...args: string[]): Run => runNetfirst(work, env, args);
  const edit = (file: string, from: string, to: string): void => {
    const text = readFileSync(join(work, file), 'utf8');
    expect(text.split(from)).toHaveLength(2);
    writeFileSync(join(work, file), text.replace(from, to));
  };

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'netfirst-gitops-'));
    work = join(root, 'work');
    mkdirSync(work);
    // The real CLI as `netfirst` on PATH, the way the pipeline calls it.
    const bin = join(root, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'netfirst'), `#!/bin/sh\nexec '${process.execPath}' '${join(REPO, 'bin', 'netfirst.js')}' "$@"\n`);
    chmodSync(join(bin, 'netfirst'), 0o755);
    env = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      HOME: root,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
      NO_COLOR: '1',
      NETFIRST_STATE: join(root, 'state', 'state.db'),
      NETFIRST_PARTNER: '',
      PLAN_MARKDOWN: join(root, 'plan.md'),
      GITHUB_OUTPUT: join(root, 'github-output'),
      LOCK_TIMEOUT: '30s',
    };
    delete env.CI_BRANCH;
    delete env.BASE_REF;

    cpSync(join(REPO, 'examples', 'iswest'), join(work, 'specs'), { recursive: true });
    mkdirSync(join(work, 'ci'));
    cpSync(join(REPO, 'examples', 'gitops', 'pipeline.sh'), join(work, 'ci', 'pipeline.sh'));
    writeFileSync(join(work, 'README.md'), '# tenant specs\n');
    git('init', '--quiet');
    git('checkout', '--quiet', '-B', 'main');
    git('add', '-A');
    git('commit', '--quiet', '-m', 'iswest-1: three tenants');
    spawnSync('git', ['init', '--quiet', '--bare', join(root, 'origin.git')], { env });
    git('remote', 'add', 'origin', join(root, 'origin.git'));
    git('push', '--quiet', '-u', 'origin', 'main');
  });

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('applies main on a push', () => {
    const r = pipeline('push');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('=== validate specs ===');
    expect(r.stdout).toContain('=== apply main ===');
    expect(r.stdout).toContain('Apply complete!');
  });

  it('plans a pull request that changes no spec: No changes, exit 0, changes=false', () => {
    git('checkout', '--quiet', '-b', 'docs');
    writeFileSync(join(work, 'README.md'), '# tenant specs\n\nOwned by the ops team.\n');
    git('commit', '--quiet', '-am', 'docs');
    writeFileSync(env.GITHUB_OUTPUT!, '');
    const r = pipeline('pull_request', { BASE_REF: 'origin/main' });
    expect(r.code).toBe(0);
    expect(readFileSync(env.PLAN_MARKDOWN!, 'utf8')).toContain('### netfirst plan: No changes.');
    expect(readFileSync(env.GITHUB_OUTPUT!, 'utf8')).toContain('changes=false');
    git('checkout', '--quiet', 'main');
  });

  it('plans a pull request changing one tenant: only that tenant, changes=true', () => {
    git('checkout', '--quiet', '-b', 'cole-more-cpu');
    edit('specs/cole-accounting.yaml', 'cpu: 8\n      memory: 32GiB', 'cpu: 12\n      memory: 32GiB');
    git('commit', '--quiet', '-am', 'cole-accounting: ledger-1 gets 12 vCPUs');
    writeFileSync(env.GITHUB_OUTPUT!, '');
    const r = pipeline('pull_request', { BASE_REF: 'origin/main' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(env.GITHUB_OUTPUT!, 'utf8')).toContain('changes=true');
    const md = readFileSync(env.PLAN_MARKDOWN!, 'utf8');
    expect(md).toContain('### netfirst plan: 0 to add, 1 to change, 0 to replace, 0 to destroy');
    expect(md).toContain('| cole-accounting | 0 | 1 | 0 | 0 |');
    expect(md).toContain('- **cole-accounting**: tenant file specs/cole-accounting.yaml changed');
    expect(md).toContain('~ cpu = 8 -> 12');
    expect(md).not.toMatch(/acme-dental|baker-law/);
    // The job log keeps the text plan.
    expect(r.stdout).toContain('cole-accounting: tenant file specs/cole-accounting.yaml changed');
    expect(r.stdout).toContain('Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.');
  });

  it('counts uncommitted and untracked files of the working tree, as an operator trying a change expects', () => {
    edit('specs/acme-dental.yaml', 'memory: 4GiB', 'memory: 6GiB');
    writeFileSync(join(work, 'specs', 'acme-lab.yaml'), 'apiVersion: netfirst/v1\nkind: Tenant\nmetadata: { name: acme-lab, partner: westside-it }\nspec:\n  zone: iswest-1\n  networks:\n    - { name: lab, cidr: 10.99.0.0/24 }\n');
    try {
      const r = netfirst('plan', 'specs', '--changed-since', 'origin/main', '--json', '--detailed-exitcode');
      expect(r.code).toBe(2);
      const plan = JSON.parse(r.stdout) as { changedSince: { files: unknown[]; tenants: { tenant: string; reasons: string[] }[] } };
      expect(plan.changedSince.files).toEqual([
        { path: 'specs/acme-dental.yaml', status: 'modified' },
        { path: 'specs/acme-lab.yaml', status: 'added' },
        { path: 'specs/cole-accounting.yaml', status: 'modified' },
      ]);
      expect(plan.changedSince.tenants).toEqual([
        { tenant: 'acme-dental', reasons: ['tenant file specs/acme-dental.yaml changed'] },
        { tenant: 'acme-lab', reasons: ['tenant file specs/acme-lab.yaml added'] },
        { tenant: 'cole-accounting', reasons: ['tenant file specs/cole-accounting.yaml changed'] },
      ]);
    } finally {
      git('checkout', '--quiet', '--', 'specs/acme-dental.yaml');
      rmSync(join(work, 'specs', 'acme-lab.yaml'));
    }
  });

  it('applies the merged change on main; state then matches the specs', () => {
    git('checkout', '--quiet', 'main');
    git('merge', '--quiet', '--no-ff', '-m', 'Merge cole-more-cpu', 'cole-more-cpu');
    git('push', '--quiet', 'origin', 'main');
    const r = pipeline('push');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('cole-accounting/vm/ledger-1 will be updated in place');
    expect(r.stdout).toContain('Apply complete! Resources: 0 added, 1 changed, 0 replaced, 0 destroyed');
    const after = netfirst('plan', 'specs', '--detailed-exitcode');
    expect(after.code).toBe(0);
    expect(after.stdout).toContain('No changes.');
    const shown = JSON.parse(netfirst('state', 'show', 'cole-accounting/vm/ledger-1', '--json').stdout) as { attributes: { cpu: number } };
    expect(shown.attributes.cpu).toBe(12);
  });

  it('a partner\'s pull request is judged as a whole (NETFIRST_PARTNER): another partner\'s file in it is refused, exit 1', () => {
    git('checkout', '--quiet', '-b', 'westside-reaches-out', 'main');
    try {
      edit('specs/baker-law.yaml', 'cpu: 2', 'cpu: 3');
      git('commit', '--quiet', '-am', 'one more CPU for baker');
      const r = pipeline('pull_request', { BASE_REF: 'origin/main', NETFIRST_PARTNER: 'westside-it' });
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('=== validate the change of partner westside-it since origin/main ===');
      expect(r.stderr).toMatch(/specs\/baker-law\.yaml:\d+:1: error: partner westside-it may change only the files of tenants it manages/);
      const refused = pipeline('pull_request', { BASE_REF: 'origin/main', REQUIRE_PARTNER: '1' });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('REQUIRE_PARTNER=1: this pull request has no partner');
    } finally {
      git('checkout', '--quiet', 'main');
      git('branch', '--quiet', '-D', 'westside-reaches-out');
    }
  });

  it('on main, a tenant whose spec is broken does not hold back the others: they are applied, the job fails', () => {
    edit('specs/baker-law.yaml', 'cpu: 2', 'cpu: lots');
    edit('specs/cole-accounting.yaml', 'cpu: 12', 'cpu: 10');
    try {
      const r = pipeline('push');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/specs\/baker-law\.yaml:\d+:\d+: error/);
      expect(r.stdout).toContain('cole-accounting/vm/ledger-1 will be updated in place');
      expect(r.stdout).toContain('Apply complete!');
      expect(r.stdout).toContain('1 tenant was skipped for errors in its spec: baker-law');
    } finally {
      git('checkout', '--quiet', '--', 'specs');
      expect(pipeline('push').code).toBe(0);
    }
  });

  it('on a push to another branch, plans and applies nothing', () => {
    const r = pipeline('push', { CI_BRANCH: 'feature' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('branch feature is not main: nothing is applied');
    expect(r.stdout).not.toContain('Apply complete');
  });

  it.each([
    { reason: 'an unknown revision', args: ['--changed-since', 'no-such-branch'], want: /^Error: --changed-since no-such-branch: unknown revision/ },
    { reason: 'a revision git would read as an option', args: ['--changed-since=--output=/tmp/x'], want: /^Error: --changed-since --output=\/tmp\/x: a revision cannot start with "-"/ },
  ])('refuses $reason in one line, exit 1', ({ args, want }) => {
    const r = netfirst('plan', 'specs', ...args);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(want);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('plan --changed-since outside a git repository', () => {
  it('says so in one line, exit 1', () => {
    const box = sandbox('iswest', { GIT_CEILING_DIRECTORIES: tmpdir(), GIT_CONFIG_GLOBAL: '/dev/null' });
    try {
      const r = box.run('plan', 'iswest', '--changed-since', 'main');
      if (gitMissing) expect(r.stderr).toContain('git is not installed');
      else expect(r.stderr).toMatch(/^Error: --changed-since: .* is not inside a git repository\n$/);
      expect(r.code).toBe(1);
    } finally {
      box.remove();
    }
  });
});
