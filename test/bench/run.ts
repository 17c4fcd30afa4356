/**
 * npm run bench [-- --tenants N] [--only PARTS] — the performance figures of the core
 * engine, printed as a table: YAML parse floor, cold plan, no-op re-plan (without and
 * with refresh), apply throughput on sim, latency-bound apply against its lower bound,
 * and peak RSS. Targets are from the core engine issue; the table says whether each was
 * met. `--only re-plan,watch` runs just those parts (start, re-plan, watch, latency,
 * serve, console, usage, partner, import); the workload is generated and applied for any.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { executePlan } from '../../engine/apply/execute.js';
import { observeAll } from '../../engine/apply/refresh.js';
import { detectDrift, refreshedView } from '../../engine/plan/drift.js';
import { secretDigester, secretResolver, secretScope } from '../../engine/run/secrets.js';
import { makePlan } from '../../engine/plan/plan.js';
import { createProvider } from '../../providers/index.js';
import type { Provider } from '../../providers/contract.js';
import { loadSpecs } from '../../specs/load.js';
import { openState } from '../../state/index.js';
import { generateWorkload } from './generate.js';
import { benchWatch } from './watch.js';
import { benchUsage } from './usage.js';
import { benchPartnerChange } from './partner-change.js';
import { benchImport } from './import.js';
import { benchServe } from './serve.js';
import { benchConsole } from './console.js';
import { benchStart } from './start.js';
import { benchApplyRss, benchReplan } from './cli-scale.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const TENANTS = arg('tenants', 1000);
const onlyAt = args.indexOf('--only');
const ONLY = onlyAt >= 0 ? new Set((args[onlyAt + 1] ?? '').split(',')) : undefined;
/** Whether a part of the bench runs (all of them without --only). */
const runs = (part: string): boolean => ONLY === undefined || ONLY.has(part);
const LATENCY_TENANTS = arg('latency-tenants', TENANTS);
const LATENCY_MS = 20;
const PARALLELISM = 32;

type Row = { measure: string; value: string; target: string; met: string };
const rows: Row[] = [];
const row = (measure: string, value: string, target = '', met?: boolean): void => {
  rows.push({ measure, value, target, met: met === undefined ? '' : met ? 'yes' : 'NO' });
  console.error(`  ${measure}: ${value}`);
};
const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const time = async <T>(fn: () => T | Promise<T>): Promise<[T, number]> => {
  const t0 = performance.now();
  const out = await fn();
  return [out, performance.now() - t0];
};

async function planAndApply(dir: string, files: string[], parallelism: number) {
  const stateDir = join(dir, '.netfirst');
  const [{ plan, dag }, planMs] = await time(() => {
    const specs = loadSpecs(files, { cacheDir: join(stateDir, 'cache') });
    const state = openState(join(stateDir, 'state.db'));
    const snap = state.snapshot();
    state.close();
    return makePlan({ specs, lineage: snap.lineage, serial: snap.serial, recorded: snap.resources, digestSecret: secretDigester(state.secretKey, secretScope(specs)) });
  });
  const errors = plan.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0 || !dag) throw new Error(`bench workload does not plan: ${JSON.stringify(errors.slice(0, 3))}`);
  const state = openState(join(stateDir, 'state.db'));
  const providers = new Map<string, Provider>();
  const providerFor = (zone: string): Provider => {
    let p = providers.get(zone);
    if (!p) {
      p = createProvider(zone, plan.zones[zone]!, { stateDir });
      providers.set(zone, p);
    }
    return p;
  };
  const [result, applyMs] = await time(() => executePlan(dag, {
    state,
    providerFor,
    resolveSecret: secretResolver(secretScope({ partners: [] })),
    providerIds: new Map(),
    parallelism,
    runId: 'bench',
    reporter: { started() {}, finished() {} },
    now: () => new Date(),
  }));
  for (const p of providers.values()) await p.close?.();
  state.close();
  if (result.failed > 0) throw new Error(`bench apply failed: ${result.failed} failed`);
  return { plan, dag, planMs, applyMs, steps: dag.size };
}

/**
 * The no-op re-plan as a plain `plan` makes it: what really exists read first — one
 * `list` per zone and type, counted here to show it stays bulk — then planned against.
 * No target: its cost is the providers' (sim reads a SQLite table per type; a real zone
 * answers over the network), shown beside the row without refresh.
 */
async function benchRefreshedReplan(dir: string, files: readonly string[], report: typeof row): Promise<void> {
  const stateDir = join(dir, '.netfirst');
  const calls = { list: 0, read: 0 };
  let readMs = 0;
  const [{ plan, drift }, ms] = await time(async () => {
    const specs = loadSpecs(files, { cacheDir: join(stateDir, 'cache') });
    const state = openState(join(stateDir, 'state.db'));
    const snap = state.snapshot();
    state.close();
    const providers = new Map<string, Provider>();
    const providerFor = (zone: string): Provider => {
      let p = providers.get(zone);
      if (!p) {
        const inner = createProvider(zone, specs.zones.get(zone)!.value.spec, { stateDir });
        // Counts the provider's reads, whatever its shape (a class's methods stay its own).
        p = new Proxy(inner, {
          get(target, key, receiver) {
            const value: unknown = Reflect.get(target, key, receiver);
            if ((key === 'list' || key === 'read') && typeof value === 'function') {
              return (...a: unknown[]) => { calls[key] += 1; return (value as (...b: unknown[]) => unknown).apply(target, a); };
            }
            return value;
          },
        });
        providers.set(zone, p);
      }
      return p;
    };
    const t0 = performance.now();
    const observed = await observeAll(snap.resources.values(), providerFor);
    readMs = performance.now() - t0;
    for (const p of providers.values()) await p.close?.();
    const found = detectDrift(snap.resources, observed);
    const made = makePlan({ specs, lineage: snap.lineage, serial: snap.serial, recorded: refreshedView(snap.resources, found), digestSecret: secretDigester(state.secretKey, secretScope(specs)) }).plan;
    return { plan: made, drift: found };
  });
  const pending = plan.changes.filter((c) => c.action !== 'noop').length;
  report('no-op re-plan with refresh (bulk reads)', `${secs(ms)} (reading ${secs(readMs)}: ${calls.list} lists, ${calls.read} single reads), ${drift.length} drifted, ${pending} changes`);
}

async function main(): Promise<void> {
  console.error(`netfirst bench: ${TENANTS} tenants (latency run: ${LATENCY_TENANTS} tenants, ${LATENCY_MS} ms, parallelism ${PARALLELISM})`);
  const root = mkdtempSync(join(tmpdir(), 'netfirst-bench-'));
  try {
    // First, while the machine is not yet busy with the workload's files.
    if (runs('start')) await benchStart(row).catch((error: unknown) => row('start: netfirst --version, validate', `failed: ${error instanceof Error ? error.message : String(error)}`, '≤ 2×, ≤ 4× node -e 0', false));

    const { dir, files } = generateWorkload(join(root, 'fast'), TENANTS, '0ms');

    // Warm the YAML parser's code first so the floor measures parsing, not JIT compilation.
    for (const f of files.slice(0, 50)) for (const d of parseAllDocuments(readFileSync(f, 'utf8'))) d.toJS();
    const [, floorMs] = await time(() => {
      for (const f of files) for (const d of parseAllDocuments(readFileSync(f, 'utf8'))) d.toJS();
    });
    row('YAML parse floor (yaml alone, all files)', secs(floorMs));

    const fast = await planAndApply(dir, files, PARALLELISM);
    const resources = fast.plan.changes.length;
    row('resources planned', String(resources));
    row('cold plan (load+validate+expand+allocate+verify+diff+order)', `${secs(fast.planMs)} (${(fast.planMs / floorMs).toFixed(2)}× floor)`, '≤ 1.0× floor', fast.planMs <= floorMs);
    const rate = fast.steps / (fast.applyMs / 1000);
    row('apply on sim, no latency', `${secs(fast.applyMs)} = ${Math.round(rate)} resources/s`, '≥ 10,000 resources/s', rate >= 10000);

    // As `plan --refresh=false` makes it: against the state alone, reading nothing (what the target is about).
    const [noop, noopMs] = await time(() => {
      const specs = loadSpecs(files, { cacheDir: join(dir, '.netfirst', 'cache') });
      const state = openState(join(dir, '.netfirst', 'state.db'));
      const snap = state.snapshot();
      state.close();
      return makePlan({ specs, lineage: snap.lineage, serial: snap.serial, recorded: snap.resources, digestSecret: secretDigester(state.secretKey, secretScope(specs)) }).plan;
    });
    const pending = noop.changes.filter((c) => c.action !== 'noop').length;
    row('no-op re-plan in full, in process (makePlan against the state alone: what the plan memo saves)', `${secs(noopMs)}, ${pending} changes`, '0 changes', pending === 0);
    // As users run it: `netfirst plan --refresh=false`, start-up included, with the plan memo.
    if (runs('re-plan')) {
      try {
        benchReplan(dir, row);
      } catch (error) {
        row('no-op re-plan without refresh (`netfirst plan --refresh=false`, plan memo)', `failed: ${error instanceof Error ? error.message : String(error)}`, '≤ 0.5 s', false);
      }
    }
    // As a plain `plan` makes it: the same, after reading what really exists in bulk.
    if (runs('re-plan')) await benchRefreshedReplan(dir, files, row).catch((error: unknown) => row('no-op re-plan with refresh (bulk reads)', `failed: ${error instanceof Error ? error.message : String(error)}`));

    // A row that fails is printed as failed; the bench goes on.
    if (runs('watch')) await benchWatch(dir, files, row).catch((error: unknown) => row('watch: one tenant edited', `failed: ${error instanceof Error ? error.message : String(error)}`, '≤ 100 ms', false));

    if (runs('latency')) {
      const slow = generateWorkload(join(root, 'slow'), LATENCY_TENANTS, `${LATENCY_MS}ms`);
      const lat = await planAndApply(slow.dir, slow.files, PARALLELISM);
      const critical = lat.dag.criticalPath(() => LATENCY_MS);
      const bound = Math.max(critical, (lat.steps * LATENCY_MS) / PARALLELISM);
      const ratio = lat.applyMs / bound;
      row(`apply with ${LATENCY_MS} ms latency, parallelism ${PARALLELISM}`, `${secs(lat.applyMs)} vs bound ${secs(bound)} (critical path ${secs(critical)}) = ${ratio.toFixed(3)}×`, '≤ 1.05× bound', ratio <= 1.05);

      const rssMb = process.resourceUsage().maxRSS / 1024;
      row('peak RSS of this bench process (two workloads planned and applied, every row above)', `${Math.round(rssMb)} MB`);
    }
    if (runs('rss')) {
      try {
        benchApplyRss(root, TENANTS, row);
      } catch (error) {
        row('peak RSS of `netfirst apply`', `failed: ${error instanceof Error ? error.message : String(error)}`, '≤ 8 KB per resource', false);
      }
    }

    // After peak RSS: the server's own memory is not the engine's.
    if (runs('serve')) await benchServe(dir, row).catch((error: unknown) => row('serve: plan through the API after a one-tenant change', `failed: ${error instanceof Error ? error.message : String(error)}`, '≤ 50 ms', false));
    if (runs('console')) await benchConsole(dir, join(root, 'console'), row).catch((error: unknown) => row('console: pages in Chromium', `failed: ${error instanceof Error ? error.message : String(error)}`, '≤ 300 ms server, ≤ 1 s FCP, ≤ 200 KB', false));
    if (runs('usage')) await benchUsage({ tenants: TENANTS }, row);
    if (runs('partner')) await benchPartnerChange(join(root, 'partner'), TENANTS, row);
    if (runs('import')) benchImport(row);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const w = (k: keyof Row): number => Math.max(k.length, ...rows.map((r) => r[k].length));
  const line = (r: Row): string => `| ${r.measure.padEnd(w('measure'))} | ${r.value.padEnd(w('value'))} | ${r.target.padEnd(w('target'))} | ${r.met.padEnd(w('met'))} |`;
  console.log(line({ measure: 'measure', value: 'value', target: 'target', met: 'met' }));
  console.log(`|${'-'.repeat(w('measure') + 2)}|${'-'.repeat(w('value') + 2)}|${'-'.repeat(w('target') + 2)}|${'-'.repeat(w('met') + 2)}|`);
  for (const r of rows) console.log(line(r));
}

await main();
