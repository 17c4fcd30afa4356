/**
 * plan, apply and destroy: the main job. Plan prints what would change; apply asks
 * (or takes --auto-approve), walks the plan and records every outcome; destroy plans
 * the deletion of the selected tenants.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { hasErrors } from '../../../specs/diagnostic.js';
import { executePlan } from '../../apply/execute.js';
import { recoverPending } from '../../apply/recover.js';
import { DEFAULT_RETRY } from '../../apply/retry.js';
import type { DesiredResource } from '../../../specs/model/resource.js';
import { createProgressReporter } from '../../apply/progress.js';
import { isEffective, summarize, type Change } from '../../plan/change.js';
import { orderChanges } from '../../plan/order.js';
import { makePlan, type Plan } from '../../plan/plan.js';
import { renderSealedPlanJson } from '../../plan/render-json.js';
import { correctingDrift } from '../../plan/drift-correction.js';
import { renderPlanMarkdown } from '../../plan/render-markdown.js';
import type { ChangedSelection } from '../../gitops/select.js';
import { changedSince, renderChangedSinceText, withinChanged } from '../changed-since.js';
import { renderDiagnostics, renderDriftText, renderPlanText } from '../../plan/render-text.js';
import { detectDrift, refreshedView, type Drift } from '../../plan/drift.js';
import { observeAll, recordDrift } from '../../apply/refresh.js';
import { driftToJson } from '../../plan/render-json.js';
import { sortKeysDeep } from '../../plan/values.js';
import type { RecordedResource } from '../../../specs/model/resource.js';
import { CliError } from '../errors.js';
import { writePrivateFile } from '../private-file.js';
import { stateFileLoss } from '../state-file-loss.js';
import { lockCommandLine, parseLockTimeout, withStateLock } from '../lock.js';
import { allocatingZones, holdingRunLocks, takeRunLocks, type RunLocks } from '../run-locks.js';
import { operationTimeoutOf, parallelismOf } from '../run-options.js';
import { colorsFor, print, printErr } from '../output.js';
import { planningSecrets, secretResolver, secretScope } from '../secrets.js';
import type { DigestRewrite, StateStore } from '../../../state/index.js';
import { parseAddress } from '../../../specs/model/resource.js';
import type { SpecSet } from '../../../specs/model.js';
import { openWorkspaceState, providerPool, zonesOf, type GlobalOptions } from '../workspace.js';
import { collisionPolicy, fileHoldings, planPastTenantErrors } from '../keep-going.js';
import { triageErrors } from '../../plan/triage.js';
import { loadRunSpecs, partnerName, runPartner, partnerSelection, type PartnerOptions } from '../partner.js';
import { openSavedPlan } from '../saved-plan.js';

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
    // A partner's run names in its reasons only the tenants it plans.
    const visible = scoped ? (tenant: string): boolean => scoped!.has(tenant) : undefined;
    if (options.changedSince !== undefined) gitChanges = changedSince(paths, options.changedSince, specs, snapshot.resources.values(), visible);
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
  // Digests keyed by the state's secret key; an old state's lineage-keyed ones migrated (legacy-digests.ts).
  const secrets = planningSecrets({ state, specs, partner: partnerName(options), recorded, tenants });
  const partner = partnerName(options);
  const planWith = (planSpecs: SpecSet, selected: ReadonlySet<string> | undefined) => makePlan({
    specs: planSpecs,
    lineage: snapshot.lineage,
    serial: snapshot.serial,
    recorded: secrets.recorded,
    digestSecret: secrets.digestSecret,
    prune: options.prune ?? false,
    destroy,
    ...(selected ? { tenants: selected } : {}),
    ...(partner !== undefined ? { partner } : {}),
    collisions: collisionPolicy(specs, partner !== undefined ? runPartner(specs, options) : undefined),
  });
  // The operator's apply of main goes on past tenants whose specs have errors of their own.
  const goOn = partner === undefined && !destroy && !options.refreshOnly && !options.out;
  const made = goOn
    ? planPastTenantErrors(specs, planWith, { tenants, prune: options.prune ?? false, recordedTenants: () => [...recorded.values()].map((r) => r.tenant) }).made
    : planWith(specs, tenants);
  const plan = correctingDrift(made.plan, drift);
  return { specs, state, snapshot, plan: narrowed.changed ? { ...plan, changedSince: narrowed.changed } : plan, dag: made.dag, digestRewrites: secrets.rewrites };
}

function reportDiagnostics(plan: Pick<Plan, 'diagnostics' | 'skipped'>, options: PlanOptions): void {
  if (plan.diagnostics.length === 0) return;
  printErr(renderDiagnostics(plan, colorsFor(process.stderr, options.color === false)));
  if (plan.skipped !== undefined) {
    printErr(skippedNote(plan.skipped));
    return;
  }
  if (hasErrors(plan.diagnostics)) {
    const n = plan.diagnostics.filter((d) => d.severity === 'error').length;
    throw new CliError(`${n} error${n === 1 ? '' : 's'}: nothing was planned or changed`);
  }
}

const skippedNote = (tenants: readonly string[]): string => (tenants.length === 0
  ? 'The errors above hold back no tenant: every tenant is planned, and the run exits 1.'
  : `${tenants.length} tenant${tenants.length === 1 ? '' : 's'} skipped because of the errors above (${tenants.join(', ')}): left as ${tenants.length === 1 ? 'it is' : 'they are'}; every other tenant is planned.`);

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
  // Sealed with the state's key (kept in the database only): `apply PLANFILE` refuses any edit.
  const json = options.json || options.out ? renderSealedPlanJson(plan, { paths, secretKey: state.secretKey }) : '';
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
    writePrivateFile(options.out, json);
    if (!options.json) print(`Saved the plan to ${options.out}. Apply exactly this plan with: netfirst apply ${options.out}`);
  }
  const changed = plan.changes.some(isEffective);
  // Tenants skipped for their errors: the plan of the others is shown, and the run still fails.
  if (plan.skipped !== undefined) return 1;
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
  const specs = savedPlan ? undefined : refuseBrokenSpecs(paths, options, !destroy && partnerName(options) === undefined);
  const state = openWorkspaceState(options);
  const path = state.path;
  // The tenants this run may change: a saved plan (which pins the serial) takes the whole state.
  const tenants = specs === undefined ? undefined : runTenants(specs, options, destroy, () => state.snapshot().resources.values());
  state.close();
  const locks = await takeRunLocks({ path, command: lockCommandLine(), timeoutMs: parseLockTimeout(options.lockTimeout) }, tenants);
  return holdingRunLocks(locks, () => applyLocked(paths, options, destroy, specs, locks));
}

/** `--tenant`, else every tenant of the specs, and with --prune or destroy those only state knows. */
function runTenants(specs: SpecSet, options: ApplyOptions, destroy: boolean, recorded: () => Iterable<RecordedResource>): Set<string> {
  if (options.tenant && options.tenant.length > 0) return new Set(options.tenant);
  const tenants = new Set(specs.tenants.keys());
  if (options.prune || destroy) for (const r of recorded()) tenants.add(r.tenant);
  return tenants;
}

/** `goOn`: an operator's apply, which refuses only zone-wide errors here (tenants' own are skipped by its plan). */
function refuseBrokenSpecs(paths: readonly string[], options: PlanOptions, goOn = false): SpecSet {
  const specs = loadRunSpecs(paths, options);
  if (!hasErrors(specs.diagnostics)) return specs;
  if (goOn && triageErrors(specs.diagnostics, fileHoldings(specs), { prune: options.prune ?? false }).zoneWide.length === 0) return specs;
  reportDiagnostics({ diagnostics: specs.diagnostics }, options);
  return specs;
}

/** `specs` is undefined exactly when `paths` is one saved plan file. */
async function applyLocked(paths: string[], options: ApplyOptions, destroy: boolean, specs: SpecSet | undefined, locks: RunLocks): Promise<number> {
  const savedPlan = specs === undefined;
  let plan: Plan;
  let zones: Plan['zones'];
  let state: StateStore;
  let ordered: ReturnType<typeof orderChanges> | undefined;
  // The specs whose Partners document judges every secret read at apply time.
  let runSpecs: SpecSet;
  let digestRewrites: readonly DigestRewrite[] = [];
  if (savedPlan) {
    // A proposal, not an authority: sealed, checked and planned again (saved-plan.ts).
    const saved = openSavedPlan(paths[0]!, options);
    state = saved.state;
    plan = saved.plan;
    runSpecs = saved.specs;
    digestRewrites = saved.digestRewrites;
    zones = plan.zones;
    ordered = { dag: saved.dag, diagnostics: [] };
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
    runSpecs = computed.specs;
    digestRewrites = computed.digestRewrites;
    zones = zonesOf(computed.specs);
    if (computed.dag) ordered = { dag: computed.dag, diagnostics: [] };
  }
  const colors = colorsFor(process.stdout, options.color === false);
  try {
    reportDiagnostics(plan, options);
    // Ordered (and checked for cycles) by makePlan, the saved plan's when it was planned again.
    const { dag, diagnostics } = ordered ?? orderChanges(plan.changes);
    if (hasErrors(diagnostics)) reportDiagnostics({ ...plan, diagnostics }, options);
    // An old state's digests of the tenants this run holds become the key's for good (legacy-digests.ts).
    state.rewriteSecretDigests(digestRewrites.filter((r) => locks.tenants === undefined || locks.tenants.has(parseAddress(r.address).tenant)));
    if (plan.drift && plan.drift.length > 0) print(renderDriftText(plan.drift, colors));
    print(renderPlanText(plan, colors));
    const wentOn = plan.skipped !== undefined;
    if (!plan.changes.some(isEffective)) return wentOn ? 1 : 0;
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
        resolveSecret: secretResolver(secretScope(runSpecs, plan.partner)),
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
    // A state file removed or replaced mid-run recorded nothing that lasts: no "complete".
    const lost = stateFileLoss(state, result.outcomes);
    if (lost !== undefined) throw new CliError(lost);
    const ms = performance.now() - t0;
    const secs = ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
    const done = summarizeDone(plan.changes, result.outcomes);
    if (result.failed === 0 && result.skipped === 0) {
      print(colors.green(colors.bold(`\n${destroy ? 'Destroy' : 'Apply'} complete!`)) + ` Resources: ${done} in ${secs}.`);
      if (wentOn) {
        const n = plan.skipped!.length;
        print(colors.red(n === 0
          ? 'The specs have errors (above) that held back no tenant: fix them.'
          : `${n} tenant${n === 1 ? ' was' : 's were'} skipped for errors in ${n === 1 ? 'its spec' : 'their specs'}: ${plan.skipped!.join(', ')}. Fix ${n === 1 ? 'it' : 'them'} and apply again.`));
        return 1;
      }
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
