/**
 * plan, apply and destroy: the main job. Plan prints what would change; apply asks
 * (or takes --auto-approve), walks the plan and records every outcome; destroy plans
 * the deletion of the selected tenants.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { hasErrors } from '../../../specs/diagnostic.js';
import { executePlan } from '../../apply/execute.js';
import { recoverPending } from '../../apply/recover.js';
import { DEFAULT_RETRY } from '../../apply/retry.js';
import type { DesiredResource } from '../../resource.js';
import { createProgressReporter } from '../../apply/progress.js';
import { isEffective, summarize, type Change } from '../../plan/change.js';
import { orderChanges } from '../../plan/order.js';
import { makePlan, type Plan } from '../../plan/plan.js';
import { renderPlanJson } from '../../plan/render-json.js';
import { renderPlanMarkdown } from '../../plan/render-markdown.js';
import type { ChangedSelection } from '../../gitops/select.js';
import { changedSince, renderChangedSinceText, withinChanged } from '../changed-since.js';
import { renderDiagnostics, renderDriftText, renderPlanText } from '../../plan/render-text.js';
import { planFromJson, specsMovedSince } from '../../plan/saved.js';
import { detectDrift, refreshedView, type Drift } from '../../plan/drift.js';
import { observeAll, recordDrift } from '../../apply/refresh.js';
import { driftToJson } from '../../plan/render-json.js';
import { sortKeysDeep } from '../../plan/values.js';
import type { RecordedResource } from '../../resource.js';
import { CliError } from '../errors.js';
import { lockCommandLine, parseLockTimeout, withStateLock } from '../lock.js';
import { allocatingZones, takeRunLocks, type RunLocks } from '../run-locks.js';
import { operationTimeoutOf, parallelismOf } from '../run-options.js';
import { colorsFor, print, printErr } from '../output.js';
import { resolveSecret, secretDigester } from '../secrets.js';
import type { StateStore } from '../../../state/index.js';
import type { SpecSet } from '../../../specs/model.js';
import { openWorkspaceState, providerPool, zonesOf, type GlobalOptions } from '../workspace.js';
import { loadRunSpecs, partnerName, partnerSelection, savedPlanRefusal, type PartnerOptions } from '../partner.js';

export interface PlanOptions extends GlobalOptions, PartnerOptions {
  readonly out?: string;
  readonly json?: boolean;
  readonly detailedExitcode?: boolean;
  readonly prune?: boolean;
  readonly tenant?: string[];
  readonly color?: boolean;
  /** Read what really exists first and plan against it (drift is shown, then corrected). */
  readonly refresh?: boolean;
  /** Read what really exists and record it in state; change nothing else. */
  readonly refreshOnly?: boolean;
  /** How long to wait for the state lock (`0`, `30s`, `5m`). */
  readonly lockTimeout?: string;
  /** Print the plan as a markdown pull-request comment. */
  readonly markdown?: boolean;
  /** Write the markdown comment to this file. */
  readonly markdownOut?: string;
  /** Plan only the tenants touched by what changed since this git revision (engine/gitops). */
  readonly changedSince?: string;
}

export interface ApplyOptions extends PlanOptions {
  readonly autoApprove?: boolean;
  readonly parallelism?: string;
  /** Per provider call (`10m` default); a call past it is resolved by reading on the next run. */
  readonly operationTimeout?: string;
}

/** `loaded`: specs already read (and checked) before the lock was taken; read once per run. */
async function computePlan(paths: readonly string[], options: PlanOptions, destroy = false, loaded?: SpecSet) {
  const specs = loaded ?? loadRunSpecs(paths, options);
  const state = openWorkspaceState(options);
  const snapshot = state.snapshot();
  let scoped: Set<string> | undefined;
  let gitChanges: ChangedSelection | undefined;
  try {
    // A partner's run plans only its tenants; another's named with --tenant is refused.
    scoped = partnerSelection(specs, snapshot.resources.values(), options, destroy);
    if (options.changedSince !== undefined) gitChanges = changedSince(paths, options.changedSince, specs, snapshot.resources.values());
  } catch (error) {
    state.close();
    throw error;
  }
  const narrowed = withinChanged(scoped ?? (options.tenant && options.tenant.length > 0 ? new Set(options.tenant) : undefined), gitChanges);
  const tenants = narrowed.tenants;
  if (tenants) for (const t of tenants) if (!specs.tenants.has(t) && ![...snapshot.resources.values()].some((r) => r.tenant === t)) {
    state.close();
    throw new CliError(`tenant ${t} is neither in the specs nor in state`);
  }
  let recorded: ReadonlyMap<string, RecordedResource> = snapshot.resources;
  let drift: Drift[] = [];
  if (options.refresh || options.refreshOnly) {
    // Only zones the specs describe can be read (their provider settings live there).
    const inScope = (r: RecordedResource): boolean => specs.zones.has(r.zone) && (!tenants || tenants.has(r.tenant));
    const pool = providerPool(zonesOf(specs), options);
    try {
      const observed = await observeAll([...snapshot.resources.values()].filter(inScope), pool.providerFor);
      drift = detectDrift(snapshot.resources, observed, inScope);
    } catch (error) {
      state.close();
      throw error;
    } finally {
      await pool.closeAll();
    }
    recorded = refreshedView(snapshot.resources, drift);
  }
  const made = makePlan({
    specs,
    lineage: snapshot.lineage,
    serial: snapshot.serial,
    recorded,
    digestSecret: secretDigester(snapshot.lineage),
    prune: options.prune ?? false,
    destroy,
    ...(tenants ? { tenants } : {}),
    ...(partnerName(options) !== undefined ? { partner: partnerName(options)! } : {}),
  });
  const drifted = new Map(drift.map((d) => [d.address, d.kind === 'deleted' ? 'deleted outside netfirst' : 'changed outside netfirst'] as const));
  const plan: Plan = drift.length === 0 ? made.plan : {
    ...made.plan,
    drift,
    changes: made.plan.changes.map((c) => (drifted.has(c.address) && isEffective(c) ? { ...c, reason: `${drifted.get(c.address)}: corrected` } : c)),
  };
  return { specs, state, snapshot, plan: narrowed.changed ? { ...plan, changedSince: narrowed.changed } : plan, dag: made.dag };
}

function reportDiagnostics(plan: Pick<Plan, 'diagnostics'>, options: PlanOptions): void {
  if (plan.diagnostics.length === 0) return;
  printErr(renderDiagnostics(plan, colorsFor(process.stderr, options.color === false)));
  if (hasErrors(plan.diagnostics)) {
    const n = plan.diagnostics.filter((d) => d.severity === 'error').length;
    throw new CliError(`${n} error${n === 1 ? '' : 's'}: nothing was planned or changed`);
  }
}

export async function planCommand(paths: string[], options: PlanOptions): Promise<number> {
  if (options.json && options.markdown && !options.markdownOut) throw new CliError('--json and --markdown both print the plan: write the markdown with --markdown-out FILE');
  if (options.refreshOnly) {
    const specs = refuseBrokenSpecs(paths, options);
    return locked(options, () => refreshOnly(paths, options, specs));
  }
  // A saved plan pins the state serial: take the lock so nothing moves it while planning.
  if (options.out) {
    const specs = refuseBrokenSpecs(paths, options);
    return locked(options, () => planUnlocked(paths, options, specs));
  }
  return planUnlocked(paths, options);
}

async function planUnlocked(paths: string[], options: PlanOptions, loaded?: SpecSet): Promise<number> {
  const { state, plan: computed } = await computePlan(paths, options, false, loaded);
  const pending = state.pendingOperations().filter((op) => op.status === 'pending').length;
  state.close();
  const plan: Plan = pending === 0 ? computed : {
    ...computed,
    diagnostics: [...computed.diagnostics, {
      severity: 'warning',
      summary: `${pending} operation${pending === 1 ? '' : 's'} of an interrupted run ${pending === 1 ? 'is' : 'are'} in the journal: apply resolves ${pending === 1 ? 'it' : 'them'} by reading the provider before it plans again`,
    }],
  };
  const json = options.json || options.out ? renderPlanJson(plan) : '';
  // Written first: a pipeline posts the comment even when the plan has errors.
  if (options.markdownOut) writeFileSync(options.markdownOut, renderPlanMarkdown(plan));
  if (options.json) {
    print(json);
    if (hasErrors(plan.diagnostics)) return 1;
  } else if (options.markdown && !options.markdownOut) {
    print(renderPlanMarkdown(plan));
    if (hasErrors(plan.diagnostics)) return 1;
  } else {
    if (plan.changedSince) print(renderChangedSinceText(plan.changedSince));
    reportDiagnostics(plan, options);
    const colors = colorsFor(process.stdout, options.color === false);
    if (plan.drift && plan.drift.length > 0) print(renderDriftText(plan.drift, colors));
    print(renderPlanText(plan, colors));
  }
  if (options.out) {
    writeFileSync(options.out, json, { mode: 0o600 });
    if (!options.json) print(`Saved the plan to ${options.out}. Apply exactly this plan with: netfirst apply ${options.out}`);
  }
  const changed = plan.changes.some(isEffective);
  return options.detailedExitcode && changed ? 2 : 0;
}

/** Runs `fn` holding the state lock (creating the state first on a fresh machine). */
async function locked(options: PlanOptions, fn: () => Promise<number>): Promise<number> {
  const state = openWorkspaceState(options);
  const path = state.path;
  state.close();
  return withStateLock({ path }, lockCommandLine(), parseLockTimeout(options.lockTimeout), fn);
}

export async function applyCommand(paths: string[], options: ApplyOptions, destroy = false): Promise<number> {
  const savedPlan = !destroy && paths.length === 1 && paths[0]!.endsWith('.json');
  // Broken specs are refused before the lock is taken: a refused run writes nothing at all.
  const specs = savedPlan ? undefined : refuseBrokenSpecs(paths, options);
  const state = openWorkspaceState(options);
  const path = state.path;
  // The tenants this run may change: a saved plan (which pins the serial) takes the whole state.
  const tenants = specs === undefined ? undefined : runTenants(specs, options, destroy, () => state.snapshot().resources.values());
  state.close();
  const locks = await takeRunLocks({ path, command: lockCommandLine(), timeoutMs: parseLockTimeout(options.lockTimeout) }, tenants);
  try {
    return await applyLocked(paths, options, destroy, specs, locks);
  } finally {
    locks.release();
  }
}

/** `--tenant`, else every tenant of the specs, and with --prune or destroy those only state knows. */
function runTenants(specs: SpecSet, options: ApplyOptions, destroy: boolean, recorded: () => Iterable<RecordedResource>): Set<string> {
  if (options.tenant && options.tenant.length > 0) return new Set(options.tenant);
  const tenants = new Set(specs.tenants.keys());
  if (options.prune || destroy) for (const r of recorded()) tenants.add(r.tenant);
  return tenants;
}

function refuseBrokenSpecs(paths: readonly string[], options: PlanOptions): SpecSet {
  const specs = loadRunSpecs(paths, options);
  if (hasErrors(specs.diagnostics)) reportDiagnostics({ diagnostics: specs.diagnostics }, options);
  return specs;
}

/** `specs` is undefined exactly when `paths` is one saved plan file. */
async function applyLocked(paths: string[], options: ApplyOptions, destroy: boolean, specs: SpecSet | undefined, locks: RunLocks): Promise<number> {
  const savedPlan = specs === undefined;
  let plan: Plan;
  let zones: Plan['zones'];
  let state: StateStore;
  let ordered: ReturnType<typeof orderChanges> | undefined;
  if (savedPlan) {
    const file = paths[0]!;
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new CliError(`${file}: not a readable plan file (${(error as Error).message})`);
    }
    state = openWorkspaceState(options);
    const snapshot = state.snapshot();
    const restored = planFromJson(json, snapshot, file);
    if ('error' in restored) {
      state.close();
      throw new CliError(restored.error);
    }
    plan = restored.plan;
    zones = plan.zones;
    const moved = specsMovedSince(plan, sha256OfFile);
    if (moved.length > 0) {
      state.close();
      throw new CliError(`${file} is stale: ${moved.slice(0, 5).join(', ')}${moved.length > 5 ? `, and ${moved.length - 5} more` : ''} since it was planned. Plan again.`);
    }
    const refused = savedPlanRefusal(plan, file, options);
    if (refused !== undefined) {
      state.close();
      throw new CliError(refused);
    }
    if (state.pendingOperations().length > 0) {
      state.close();
      throw new CliError(`${file} cannot be applied: the state holds operations of an interrupted run. Run plan again (apply resolves them first).`);
    }
  } else {
    let computed = await computePlan(paths, options, destroy, specs);
    const mine = (op: { tenant: string }): boolean => locks.tenants === undefined || locks.tenants.has(op.tenant);
    if (computed.state.pendingOperations().some(mine)) {
      await recoverInterrupted(computed.state, computed.plan, zonesOf(computed.specs), options, locks.tenants);
      computed.state.close();
      computed = await computePlan(paths, options, destroy, specs);
    }
    // Creating takes from what a zone shares: hold its lock, then plan again under it.
    while (await locks.holdZones(allocatingZones(computed.plan.changes))) {
      computed.state.close();
      computed = await computePlan(paths, options, destroy, specs);
    }
    state = computed.state;
    plan = computed.plan;
    zones = zonesOf(computed.specs);
    if (computed.dag) ordered = { dag: computed.dag, diagnostics: [] };
  }
  const colors = colorsFor(process.stdout, options.color === false);
  try {
    reportDiagnostics(plan, options);
    // A saved plan is ordered here; a fresh one was ordered (and checked for cycles) by makePlan.
    const { dag, diagnostics } = ordered ?? orderChanges(plan.changes);
    if (hasErrors(diagnostics)) reportDiagnostics({ ...plan, diagnostics }, options);
    if (plan.drift && plan.drift.length > 0) print(renderDriftText(plan.drift, colors));
    print(renderPlanText(plan, colors));
    if (!plan.changes.some(isEffective)) return 0;
    // A saved plan was reviewed when it was made: applying it does not ask again (as Terraform).
    if (!options.autoApprove && !savedPlan) await confirm(destroy ? destroyPrompt(plan) : undefined);

    const pool = providerPool(zones, options);
    const reporter = createProgressReporter({ out: process.stdout, colors, total: dag.size });
    const providerIds = new Map<string, string>();
    for (const r of state.snapshot().resources.values()) providerIds.set(r.address, r.providerId);
    const abort = new AbortController();
    const onSignal = (): void => {
      printErr('\nInterrupt received: finishing the operations in flight, starting no new ones…');
      abort.abort();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const t0 = performance.now();
    let result;
    try {
      result = await executePlan(dag, {
        state,
        providerFor: pool.providerFor,
        resolveSecret,
        providerIds,
        parallelism: parallelismOf(options.parallelism),
        runId: randomUUID(),
        reporter,
        now: () => new Date(),
        signal: abort.signal,
        retry: { ...DEFAULT_RETRY, timeoutMs: operationTimeoutOf(options.operationTimeout) },
      });
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      reporter.close();
      await pool.closeAll();
    }
    const ms = performance.now() - t0;
    const secs = ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
    const done = summarizeDone(plan.changes, result.outcomes);
    if (result.failed === 0 && result.skipped === 0) {
      print(colors.green(colors.bold(`\n${destroy ? 'Destroy' : 'Apply'} complete!`)) + ` Resources: ${done} in ${secs}.`);
      return 0;
    }
    print(colors.red(colors.bold(`\n${destroy ? 'Destroy' : 'Apply'} failed.`)) + ` Resources: ${done} in ${secs}; ${result.failed} failed, ${result.skipped} skipped.`);
    for (const [id, o] of result.outcomes) {
      if (o.status === 'failed') print(colors.red(`  ✗ ${id}: ${o.error instanceof Error ? o.error.message : String(o.error)}`));
    }
    for (const [id, o] of result.outcomes) {
      if (o.status === 'skipped') print(colors.yellow(`  - ${id}: skipped (${o.because === 'interrupted' ? 'interrupted' : `depends on ${o.because}`})`));
    }
    print('State records everything that was done; run the same command again to finish the rest.');
    return 1;
  } finally {
    state.close();
  }
}

/**
 * `plan --refresh-only` and `refresh`: read what really exists and record it in state —
 * drifted attributes and resources deleted outside — without changing anything else.
 */
export function refreshCommand(paths: string[], options: PlanOptions): Promise<number> {
  const specs = refuseBrokenSpecs(paths, options);
  return locked(options, () => refreshOnly(paths, options, specs));
}

async function refreshOnly(paths: string[], options: PlanOptions, loaded?: SpecSet): Promise<number> {
  const { state, plan } = await computePlan(paths, { ...options, refresh: true }, false, loaded);
  try {
    reportDiagnostics(plan, options);
    const drift = plan.drift ?? [];
    const colors = colorsFor(process.stdout, options.color === false);
    if (options.json) print(JSON.stringify(sortKeysDeep({ drift: driftToJson(drift) }), null, 2));
    else print(drift.length > 0 ? renderDriftText(drift, colors) : 'No changes outside netfirst: state matches what really exists.');
    recordDrift(state, drift, randomUUID());
    if (!options.json && drift.length > 0) {
      const deleted = drift.filter((d) => d.kind === 'deleted').length;
      print(`Recorded in state: ${drift.length - deleted} changed, ${deleted} deleted outside netfirst. Nothing else was changed; plan shows how to correct it.`);
    }
    return 0;
  } finally {
    state.close();
  }
}

/** Resolves what an interrupted run left in flight by reading the providers, and says what it found. */
async function recoverInterrupted(state: StateStore, plan: Plan, zones: Plan['zones'], options: ApplyOptions, tenants?: ReadonlySet<string>): Promise<void> {
  const desired = new Map<string, DesiredResource>();
  for (const c of plan.changes) if ('after' in c) desired.set(c.address, c.after);
  const pool = providerPool(zones, options);
  try {
    const report = await recoverPending(state, pool.providerFor, (address) => desired.get(address), tenants);
    print(`Resolved ${report.length} operation${report.length === 1 ? '' : 's'} of an interrupted run by reading the provider:`);
    for (const r of report) print(`  ${r.address} (${r.action}): ${r.outcome}`);
    print('');
  } finally {
    await pool.closeAll();
  }
}

function summarizeDone(changes: readonly Change[], outcomes: ReadonlyMap<string, { status: string }>): string {
  const ok = (id: string): boolean => outcomes.get(id)?.status === 'succeeded';
  const done = summarize(changes.filter((c) => {
    if (c.action === 'replace') return ok(c.address);
    if (c.action === 'delete') return ok(`${c.address} (destroy)`);
    return ok(c.address);
  }));
  return `${done.create} added, ${done.update} changed, ${done.replace} replaced, ${done.delete} destroyed`;
}

function sha256OfFile(file: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return undefined;
  }
}

function destroyPrompt(plan: Plan): string {
  const tenants = [...new Set(plan.changes.filter((c) => c.action === 'delete').map((c) => c.tenant))].sort();
  return tenants.join(',');
}

async function confirm(mustType?: string): Promise<void> {
  if (!process.stdin.isTTY) {
    throw new CliError('refusing to apply: no terminal to confirm on. Review the plan, then run again with --auto-approve (or apply a saved plan).');
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const expected = mustType ?? 'yes';
    const question = mustType
      ? `Do you really want to destroy these tenants? Type their names (${mustType}) to confirm: `
      : "Do you want to perform these actions? Only 'yes' will be accepted: ";
    const answer = (await rl.question(question)).trim();
    if (answer !== expected) throw new CliError('Apply cancelled.');
  } finally {
    rl.close();
  }
}
