/**
 * The start-up bench: `netfirst --version` and `netfirst validate examples/iswest`
 * started as users start them (node bin/netfirst.js, so the staleness check of dist/
 * is included), as ratios to `node -e 0` measured in the same run. The three are run in
 * turn RUNS times, so a busy moment slows all three; each row gives the median and the
 * first run (a cold file cache after a fresh install is slower still). dist/ is built
 * first when it is stale: the rows measure the compiled CLI.
 *
 * Called from `npm run bench` (test/bench/run.ts); alone:
 *   npx tsx test/bench/start.ts [--runs 11]
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from '../../scripts/build.js';
import { staleReason } from '../../scripts/dist-stamp.js';

type Row = (measure: string, value: string, target?: string, met?: boolean) => void;

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(REPO, 'bin', 'netfirst.js');

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

/** Wall time of one process, start to exit. */
function timed(args: readonly string[], cwd: string): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', NETFIRST_STATE: '', NETFIRST_SERVER: '', NETFIRST_DEBUG: '', NETFIRST_FROM_SOURCE: '' } });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
  return ms;
}

export async function benchStart(row: Row, runs = 11): Promise<void> {
  const stale = staleReason(REPO);
  if (stale !== undefined) await build(REPO);
  const dir = mkdtempSync(join(tmpdir(), 'netfirst-bench-start-'));
  try {
    cpSync(join(REPO, 'examples', 'iswest'), join(dir, 'iswest'), { recursive: true });
    const commands = {
      node: ['-e', '0'],
      version: [BIN, '--version'],
      validate: [BIN, 'validate', 'iswest'],
      check: ['--input-type=module', '-e', `const { staleReason } = await import(${JSON.stringify(join(REPO, 'scripts', 'dist-stamp.js'))}); const t0 = performance.now(); const why = staleReason(${JSON.stringify(REPO)}); process.stdout.write(String(performance.now() - t0)); if (why) process.exitCode = 3;`],
    } as const;
    const times = { node: [] as number[], version: [] as number[], validate: [] as number[] };
    for (let i = 0; i < runs; i++) {
      times.node.push(timed(commands.node, dir));
      times.version.push(timed(commands.version, dir));
      times.validate.push(timed(commands.validate, dir));
    }
    const checks: number[] = [];
    for (let i = 0; i < runs; i++) {
      const r = spawnSync(process.execPath, commands.check, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`dist/ went stale during the bench (a source was edited): ${r.stderr}`);
      checks.push(Number(r.stdout));
    }
    const node = median(times.node);
    const ratioRow = (measure: string, values: readonly number[], max: number): void => {
      const ratio = median(values) / node;
      row(measure, `${Math.round(median(values))} ms = ${ratio.toFixed(2)}× node -e 0 (${Math.round(node)} ms; first run ${Math.round(values[0]!)} ms = ${(values[0]! / times.node[0]!).toFixed(2)}×)`, `≤ ${max}× node -e 0`, ratio <= max);
    };
    ratioRow('start: netfirst --version', times.version, 2);
    ratioRow('start: netfirst validate examples/iswest', times.validate, 4);
    row('start: is dist/ a build of the sources (bin, each start)', `${median(checks).toFixed(2)} ms`, '≤ 5 ms', median(checks) <= 5);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--runs');
  await benchStart((measure, value, target = '', met) => console.log(`${measure}: ${value}${target ? `  (target ${target}: ${met ? 'met' : 'NOT met'})` : ''}`), i >= 0 ? Number(process.argv[i + 1]) : 11);
}
