/**
 * The partner boundary's cost on a pull-request plan: judging a partner's whole change
 * (every changed file attributed, the operator's documents read from the merge base)
 * over a repository of 1,000 tenant files, one of them changed. Called from
 * `npm run bench` (test/bench/run.ts).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { partnerChangeView } from '../../engine/gitops/partner-view.js';
import { loadSpecs } from '../../specs/load.js';
import { generateWorkload } from './generate.js';

type Row = (measure: string, value: string, target?: string, met?: boolean) => void;

export async function benchPartnerChange(dir: string, tenants: number, row: Row): Promise<void> {
  if (spawnSync('git', ['--version']).error) {
    row('partner change judged (git missing: skipped)', '-');
    return;
  }
  const { files } = generateWorkload(dir, tenants);
  writeFileSync(join(dir, 'partners.yaml'), [
    'apiVersion: netfirst/v1', 'kind: Partners', 'metadata: { name: partners }', 'spec:', '  partners:',
    '    - { name: bench-partner, tenants: [ "tenant-*" ], zones: [ bench-1 ], secrets: { files: [ tenants/secrets ] } }', '',
  ].join('\n'));
  const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
  const git = (...args: string[]): void => {
    const r = spawnSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@example.net', ...args], { cwd: dir, env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  };
  git('init', '--quiet', '-b', 'main');
  git('add', '-A');
  git('commit', '--quiet', '-m', 'base');
  git('checkout', '--quiet', '-b', 'pr');
  const changed = files[1]!;
  writeFileSync(changed, readFileSync(changed, 'utf8').replace('cpu: 2', 'cpu: 3'));
  git('commit', '--quiet', '-am', 'one tenant');

  const specs = loadSpecs([dir]);
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const t0 = performance.now();
    const view = partnerChangeView(specs, ['.'], 'main', 'bench-partner', dir);
    const ms = performance.now() - t0;
    const refused = view.specs.diagnostics.filter((d) => d.severity === 'error').length;
    row(`partner change judged (${tenants} tenant files, 1 changed; base documents from git)`, `${(ms / 1000).toFixed(2)} s, ${refused} refusals`, '≤ 0.5 s, 0 refusals', ms <= 500 && refused === 0);
  } finally {
    process.chdir(cwd);
  }
}
