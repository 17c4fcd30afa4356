/**
 * The CLI at scale, measured as users run it (node bin/netfirst.js in the workload's
 * directory, start-up included):
 *   - a re-plan where nothing changed, without refresh: the first after an apply plans
 *     in full and teaches the plan memo (engine/run/plan-memo.ts), the next reuse it;
 *   - the peak RSS of a whole `netfirst apply` of a fresh copy of the workload (worker
 *     threads included: they are the process's), per resource planned.
 *
 * Called from `npm run bench` (test/bench/run.ts) with the applied workload's directory;
 * alone: npx tsx test/bench/cli-scale.ts [--tenants 1000]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateWorkload } from './generate.js';

type Row = (measure: string, value: string, target?: string, met?: boolean) => void;

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(REPO, 'bin', 'netfirst.js');
/** Loaded before the CLI: writes the process's peak RSS (KB) where RSS_OUT says, at exit. */
const PROBE = `data:text/javascript,${encodeURIComponent("import { writeFileSync } from 'node:fs'; process.on('exit', () => writeFileSync(process.env.RSS_OUT, String(process.resourceUsage().maxRSS)));")}`;

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

function cli(cwd: string, args: readonly string[], env: Record<string, string> = {}, node: readonly string[] = []): { ms: number; stdout: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...node, BIN, ...args], {
    cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, NO_COLOR: '1', NETFIRST_STATE: '', NETFIRST_SERVER: '', NETFIRST_DEBUG: '', ...env },
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`netfirst ${args.join(' ')} exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
  return { ms, stdout: r.stdout };
}

/** `dir`: the applied workload (its state at dir/.netfirst). */
export function benchReplan(dir: string, row: Row, runs = 5): void {
  const first = cli(dir, ['plan', '--refresh=false', '.']);
  if (!first.stdout.includes('No changes.')) throw new Error(`the workload is not applied: ${first.stdout.slice(0, 200)}`);
  row('no-op re-plan, first after the apply (`netfirst plan --refresh=false`: plans in full, teaches the memo)', secs(first.ms));
  const memo = median(Array.from({ length: runs }, () => cli(dir, ['plan', '--refresh=false', '.']).ms));
  row('no-op re-plan without refresh (`netfirst plan --refresh=false`, plan memo; start-up included)', `${secs(memo)} (median of ${runs})`, '≤ 0.5 s', memo <= 500);
}

/** Peak RSS of `netfirst apply` of a fresh copy of the workload, against 8 KB per resource. */
export function benchApplyRss(root: string, tenants: number, row: Row): void {
  const { dir } = generateWorkload(join(root, 'rss'), tenants, '0ms');
  const out = join(root, 'rss.kb');
  const applied = cli(dir, ['apply', '--auto-approve', '--refresh=false', '.'], { RSS_OUT: out }, ['--import', PROBE]);
  const resources = Number(/Resources: (\d+) added/.exec(applied.stdout)?.[1] ?? NaN);
  const kb = Number(readFileSync(out, 'utf8'));
  const perResource = (kb * 1024) / resources;
  row(`peak RSS of \`netfirst apply\` (${resources} resources, fresh state; ${secs(applied.ms)})`, `${Math.round(kb / 1024)} MB = ${(perResource / 1024).toFixed(1)} KB per resource`, '≤ 8 KB per resource', perResource <= 8 * 1024);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--tenants');
  const tenants = i >= 0 ? Number(process.argv[i + 1]) : 1000;
  const root = mkdtempSync(join(tmpdir(), 'netfirst-bench-cli-'));
  const row: Row = (m, v, t = '', met) => console.log(`| ${m} | ${v} | ${t} | ${met === undefined ? '' : met ? 'yes' : 'NO'} |`);
  try {
    const { dir } = generateWorkload(join(root, 'w'), tenants, '0ms');
    cli(dir, ['apply', '--auto-approve', '.']);
    benchReplan(dir, row);
    benchApplyRss(root, tenants, row);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
