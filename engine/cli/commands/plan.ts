/**
 * plan, apply and destroy: the main job. Plan prints what would change; apply asks
 * (or takes --auto-approve), walks the plan and records every outcome; destroy plans
 * the deletion of the selected tenants.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { hasErrors } from '../../../specs/diagnostic.js';
import { isEffective } from '../../plan/change.js';
import { orderChanges } from '../../plan/order.js';
import type { Plan } from '../../plan/plan.js';
import { renderSealedPlanJson } from '../../plan/render-json.js';
import { renderPlanMarkdown } from '../../plan/render-markdown.js';
import { renderDiagnostics, renderDriftText, renderPlanText } from '../../plan/render-text.js';
import { recordDrift } from '../../apply/refresh.js';
import { driftToJson } from '../../plan/render-json.js';
import { sortKeysDeep } from '../../plan/values.js';
import type { SpecSet } from '../../../specs/model.js';
import { CliError } from '../errors.js';
import { colorsFor, print, printErr } from '../output.js';
import { renderChangedSinceText } from '../../run/changed-since.js';
import { writePrivateFile } from '../../run/private-file.js';
import { lockCommandLine, parseLockTimeout, withStateLock } from '../../run/lock.js';
import { holdingRunLocks, takeRunLocks, type RunLocks } from '../../run/run-locks.js';
import { openWorkspaceState } from '../../run/workspace-state.js';
import { partnerName } from '../../run/partner.js';
import { memoApplies, planWithMemo, type MemoPlanned } from '../../run/memo-run.js';
import type { PlanRunOptions } from '../../run/plan-run.js';
// Applying (providers, the executor) is loaded only by the commands that apply: a plan starts without it.
import type { ApplyRunOptions, ExecutedRun, RecoveryReport } from '../../run/apply-run.js';

/** How a plan is shown (engine/run/plan-run.ts holds what is planned). */
export interface PlanOptions extends PlanRunOptions {
  readonly json?: boolean;
  readonly detailedExitcode?: boolean;
  readonly color?: boolean;
  /** How long to wait for the state lock (`0`, `30s`, `5m`). */
  readonly lockTimeout?: string;
  /** Print the plan as a markdown pull-request comment. */
  readonly markdown?: boolean;
  /** Write the markdown comment to this file. */
  readonly markdownOut?: string;
}

export interface ApplyOptions extends PlanOptions, ApplyRunOptions {
  readonly autoApprove?: boolean;
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
    if (options.refresh === false) throw new CliError('--refresh-only reads what really exists: it cannot go with --refresh=false');
    const specs = await refuseBrokenSpecs(paths, options);
    return locked(options, () => refreshOnly(paths, options, specs));
  }
  // A saved plan pins the state serial: take the lock so nothing moves it while planning.
  if (options.out) {
    const specs = await refuseBrokenSpecs(paths, options);
    return locked(options, () => planUnlocked(paths, options, specs));
  }
  return planUnlocked(paths, options);
}

async function planUnlocked(paths: string[], options: PlanOptions, loaded?: SpecSet): Promise<number> {
  const memo = memoApplies({ ...options, json: options.json === true });
  const { plan: computed, pending, secretKey, reused, planned } = memo ? await planWithMemo(paths, options, loaded) : await planInFull(paths, options, loaded);
  if (memo && process.env.NETFIRST_DEBUG) printErr(`netfirst: plan memo: ${reused} tenant${reused === 1 ? '' : 's'} reused, ${planned} planned`);
  const plan: Plan = pending === 0 ? computed : {
    ...computed,
    diagnostics: [...computed.diagnostics, {
      severity: 'warning',
      summary: `${pending} operation${pending === 1 ? '' : 's'} of an interrupted run ${pending === 1 ? 'is' : 'are'} in the journal: apply resolves ${pending === 1 ? 'it' : 'them'} by reading the provider before it plans again`,
    }],
  };
  // Sealed with the state's key (kept in the database only): `apply PLANFILE` refuses any edit.
  const json = options.json || options.out ? renderSealedPlanJson(plan, { paths, secretKey }) : '';
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

async function planInFull(paths: string[], options: PlanOptions, loaded?: SpecSet): Promise<MemoPlanned> {
  const { computePlan } = await import('../../run/plan-run.js');
  const { state, plan } = await computePlan(paths, options, false, loaded);
  try {
    const pending = state.pendingOperations().filter((op) => op.status === 'pending').length;
    return { plan, pending, secretKey: state.secretKey, reused: 0, planned: plan.selection?.tenants?.length ?? 0 };
  } finally {
    state.close();
  }
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
  const specs = savedPlan ? undefined : await refuseBrokenSpecs(paths, options, !destroy && partnerName(options) === undefined);
  const state = openWorkspaceState(options);
  const path = state.path;
  // The tenants this run may change: a saved plan (which pins the serial) takes the whole state.
  const { runTenants } = await import('../../run/plan-run.js');
  const tenants = specs === undefined ? undefined : runTenants(specs, options, destroy, () => state.snapshot().resources.values());
  state.close();
  const locks = await takeRunLocks({ path, command: lockCommandLine(), timeoutMs: parseLockTimeout(options.lockTimeout) }, tenants);
  return holdingRunLocks(locks, () => applyLocked(paths, options, destroy, specs, locks));
}

/** Specs whose errors stop the run are refused here, before any lock is taken: printed, exit 1. */
async function refuseBrokenSpecs(paths: readonly string[], options: PlanOptions, goOn = false): Promise<SpecSet> {
  const { loadCheckedSpecs } = await import('../../run/plan-run.js');
  const { specs, refused } = loadCheckedSpecs(paths, options, goOn);
  if (refused !== undefined) reportDiagnostics({ diagnostics: specs.diagnostics }, options);
  return specs;
}

/** `specs` is undefined exactly when `paths` is one saved plan file. */
async function applyLocked(paths: string[], options: ApplyOptions, destroy: boolean, specs: SpecSet | undefined, locks: RunLocks): Promise<number> {
  const { executeRun, prepareApply, rewriteLegacyDigests } = await import('../../run/apply-run.js');
  const { state, plan, runSpecs, zones, dag: planned, digestRewrites, savedPlan } = await prepareApply(paths, options, destroy, specs, locks, printRecovered);
  const colors = colorsFor(process.stdout, options.color === false);
  try {
    reportDiagnostics(plan, options);
    // Ordered (and checked for cycles) by makePlan, the saved plan's when it was planned again.
    const { dag, diagnostics } = planned ? { dag: planned, diagnostics: [] } : orderChanges(plan.changes);
    if (hasErrors(diagnostics)) reportDiagnostics({ ...plan, diagnostics }, options);
    rewriteLegacyDigests(state, digestRewrites, locks.tenants);
    if (plan.drift && plan.drift.length > 0) print(renderDriftText(plan.drift, colors));
    print(renderPlanText(plan, colors));
    const wentOn = plan.skipped !== undefined;
    if (!plan.changes.some(isEffective)) return wentOn ? 1 : 0;
    // A saved plan was reviewed when it was made: applying it does not ask again (as Terraform).
    if (!options.autoApprove && !savedPlan) await confirm(destroy ? destroyPrompt(plan) : undefined);

    const { createProgressReporter } = await import('../../apply/progress.js');
    const reporter = createProgressReporter({ out: process.stdout, colors, total: dag.size });
    const abort = new AbortController();
    const onSignal = (): void => {
      printErr('\nInterrupt received: finishing the operations in flight, starting no new ones…');
      abort.abort();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    let run: ExecutedRun;
    try {
      run = await executeRun({ plan, dag, state, runSpecs, zones, options, reporter, signal: abort.signal, runId: randomUUID() });
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      reporter.close();
    }
    const { result, ms, done, lost } = run;
    // A state file removed or replaced mid-run recorded nothing that lasts: no "complete".
    if (lost !== undefined) throw new CliError(lost);
    const secs = ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
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
export async function refreshCommand(paths: string[], options: PlanOptions): Promise<number> {
  const specs = await refuseBrokenSpecs(paths, options);
  return locked(options, () => refreshOnly(paths, options, specs));
}

async function refreshOnly(paths: string[], options: PlanOptions, loaded?: SpecSet): Promise<number> {
  const { computePlan } = await import('../../run/plan-run.js');
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

/** What resolving an interrupted run's operations found, said before the plan made again. */
function printRecovered(report: RecoveryReport): void {
  print(`Resolved ${report.length} operation${report.length === 1 ? '' : 's'} of an interrupted run by reading the provider:`);
  for (const r of report) print(`  ${r.address} (${r.action}): ${r.outcome}`);
  print('');
}

function destroyPrompt(plan: Plan): string {
  const tenants = [...new Set(plan.changes.filter((c) => c.action === 'delete').map((c) => c.tenant))].sort();
  return tenants.join(',');
}

/** Asks on the terminal ('yes', or the tenants' names for a destroy); no terminal is a refusal. Remote apply asks the same. */
export async function confirm(mustType?: string): Promise<void> {
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
