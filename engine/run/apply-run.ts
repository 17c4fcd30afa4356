/**
 * Applying a run, as every face does it: `prepareApply` decides the plan under the run's
 * locks (a saved plan checked and planned again, or a fresh plan; operations an
 * interrupted run left in flight resolved first; zones that the plan takes from held and
 * planned again), and `executeRun` walks it through the providers and records every
 * outcome. Asking for confirmation, printing and the signals that stop a run belong to
 * the face: it hands in the reporter and the AbortSignal.
 */
import type { SpecSet } from '../../specs/model.js';
import { parseAddress, type DesiredResource } from '../../specs/model/resource.js';
import { thisHolder, type DigestRewrite, type StateStore } from '../../state/index.js';
import { executePlan, type ApplyReporter, type ApplyResult } from '../apply/execute.js';
import { recoverPending, type Recovered } from '../apply/recover.js';
import { DEFAULT_RETRY } from '../apply/retry.js';
import type { Dag } from '../graph/index.js';
import { recordMoves, summarize, type Change } from '../plan/change.js';
import type { Step } from '../plan/order.js';
import type { Plan } from '../plan/plan.js';
import { computePlan, type PlanRunOptions } from './plan-run.js';
import { recordDrift } from '../apply/refresh.js';
import { allocatingZones, type RunLocks } from './run-locks.js';
import { operationTimeoutOf, parallelismOf } from './run-options.js';
import { openSavedPlan } from './saved-plan.js';
import { secretResolver, secretScope } from './secrets.js';
import { stateFileLoss } from './state-file-loss.js';
import { providerPool, zonesOf, type GlobalOptions } from './workspace.js';

/** How the providers are called: at most `parallelism` calls at once (`10`), each for at most `operationTimeout` (`10m`). */
export interface ExecuteRunOptions extends GlobalOptions {
  readonly parallelism?: string;
  /** Per provider call; a call past it is resolved by reading on the next run. */
  readonly operationTimeout?: string;
}

export interface ApplyRunOptions extends PlanRunOptions, ExecuteRunOptions {}

/** What reading the providers showed of each operation an interrupted run left in flight. */
export type RecoveryReport = readonly Recovered[];

/** Resolves what an interrupted run left in flight (of `tenants`, or all) by reading the providers. */
export async function recoverInterrupted(
  state: StateStore,
  plan: Plan,
  zones: Plan['zones'],
  options: GlobalOptions,
  tenants?: ReadonlySet<string>,
): Promise<RecoveryReport> {
  const desired = new Map<string, DesiredResource>();
  for (const c of plan.changes) if ('after' in c) desired.set(c.address, c.after);
  const pool = providerPool(zones, options);
  try {
    return await recoverPending(state, pool.providerFor, (address) => desired.get(address), tenants);
  } finally {
    await pool.closeAll();
  }
}

export interface PreparedApply {
  /** Open; the caller closes it. */
  readonly state: StateStore;
  readonly plan: Plan;
  /** The specs whose Partners document judges every secret read at apply time. */
  readonly runSpecs: SpecSet;
  readonly zones: Plan['zones'];
  /** Undefined exactly when the plan has errors that held back everything (its diagnostics say which). */
  readonly dag: Dag<Step> | undefined;
  readonly digestRewrites: readonly DigestRewrite[];
  /** `paths` was one saved plan file, checked and planned again (saved-plan.ts). */
  readonly savedPlan: boolean;
  /** Set when operations of an interrupted run were resolved before the plan was made again. */
  readonly recovered?: RecoveryReport;
}

/**
 * The plan an apply executes, decided under `locks` (tenants' scopes taken by the
 * caller; zones' taken here). `specs` is undefined exactly when `paths` is one saved
 * plan file. `onRecovered` hears of a recovery the moment it is done, before planning
 * again (which may still be refused). On a throw nothing is left open.
 */
export async function prepareApply(
  paths: readonly string[],
  options: ApplyRunOptions,
  destroy: boolean,
  specs: SpecSet | undefined,
  locks: RunLocks,
  onRecovered?: (report: RecoveryReport) => void,
): Promise<PreparedApply> {
  if (specs === undefined) {
    // A proposal, not an authority: sealed, checked and planned again (saved-plan.ts).
    const saved = openSavedPlan(paths[0]!, options);
    return {
      state: saved.state,
      plan: saved.plan,
      runSpecs: saved.specs,
      zones: saved.plan.zones,
      dag: saved.dag,
      digestRewrites: saved.digestRewrites,
      savedPlan: true,
    };
  }
  let recovered: RecoveryReport | undefined;
  let computed = await computePlan(paths, options, destroy, specs);
  const mine = (op: { tenant: string }): boolean => locks.tenants === undefined || locks.tenants.has(op.tenant);
  if (computed.state.pendingOperations().some(mine)) {
    try {
      recovered = await recoverInterrupted(computed.state, computed.plan, zonesOf(computed.specs), options, locks.tenants);
    } finally {
      computed.state.close();
    }
    onRecovered?.(recovered);
    computed = await computePlan(paths, options, destroy, specs);
  }
  // Creating takes from what a zone shares: hold its lock, then plan again under it.
  for (;;) {
    let took: boolean;
    try {
      took = await locks.holdZones(allocatingZones(computed.plan.changes));
    } catch (error) {
      computed.state.close();
      throw error;
    }
    if (!took) break;
    computed.state.close();
    computed = await computePlan(paths, options, destroy, specs);
  }
  return {
    state: computed.state,
    plan: computed.plan,
    runSpecs: computed.specs,
    zones: zonesOf(computed.specs),
    dag: computed.dag,
    digestRewrites: computed.digestRewrites,
    savedPlan: false,
    ...(recovered ? { recovered } : {}),
  };
}

/**
 * Makes an old state's secret digests of the tenants this run holds (all, for
 * undefined) the key's for good (legacy-digests.ts).
 */
export function rewriteLegacyDigests(state: StateStore, rewrites: readonly DigestRewrite[], tenants: ReadonlySet<string> | undefined): void {
  state.rewriteSecretDigests(rewrites.filter((r) => tenants === undefined || tenants.has(parseAddress(r.address).tenant)));
}

export interface ExecuteRunInput {
  readonly plan: Plan;
  readonly dag: Dag<Step>;
  /** Stays open: the caller closes it. */
  readonly state: StateStore;
  readonly runSpecs: SpecSet;
  readonly zones: Plan['zones'];
  readonly options: ExecuteRunOptions;
  readonly reporter: ApplyReporter;
  /** Aborted: finish the operations in flight, start no new ones. */
  readonly signal: AbortSignal;
  readonly runId: string;
}

export interface ExecutedRun {
  readonly result: ApplyResult;
  /** Wall-clock milliseconds of the walk. */
  readonly ms: number;
  /** What was done, in words: `1 added, 0 changed, 0 replaced, 0 destroyed`. */
  readonly done: string;
  /**
   * Set when the state file was removed or replaced while the run went on: what was
   * done lasts nowhere, and this one line says so and how to recover (state-file-loss.ts).
   */
  readonly lost?: string;
}

/** Walks the plan through the providers, recording every outcome in state as it comes. */
export async function executeRun(input: ExecuteRunInput): Promise<ExecutedRun> {
  const { plan, state, options } = input;
  // What the refresh found — objects changed or gone outside, or now known by another
  // provider ID — is recorded before anything is asked of a provider, so state names what
  // exists whatever the run then does: an object deleted outside that the plan does not
  // create again (a destroy, a tenant pruned) leaves no record behind. Only the run's own
  // tenants: an orphan's records are not this run's to touch.
  const own = new Set([...input.runSpecs.tenants.keys(), ...(plan.selection?.tenants ?? [])]);
  const seen = (plan.drift ?? []).filter((d) => own.has(d.before.tenant));
  if (seen.length > 0) recordDrift(state, seen, input.runId);
  // Renames first, in one transaction: the same objects at their new addresses, with the
  // references to them following, before any step commits at a new address.
  const moves = recordMoves(plan.changes);
  if (moves.length > 0) state.moveResources(moves, { actor: thisHolder().owner, command: 'apply', runId: input.runId });
  const pool = providerPool(input.zones, options);
  const providerIds = new Map<string, string>();
  for (const r of state.snapshot().resources.values()) providerIds.set(r.address, r.providerId);
  const t0 = performance.now();
  let result: ApplyResult;
  try {
    result = await executePlan(input.dag, {
      state,
      providerFor: pool.providerFor,
      resolveSecret: secretResolver(secretScope(input.runSpecs, plan.partner, options.secretStore)),
      providerIds,
      parallelism: parallelismOf(options.parallelism),
      runId: input.runId,
      reporter: input.reporter,
      now: () => new Date(),
      signal: input.signal,
      retry: { ...DEFAULT_RETRY, timeoutMs: operationTimeoutOf(options.operationTimeout) },
    });
  } finally {
    await pool.closeAll();
  }
  const lost = stateFileLoss(state, result.outcomes);
  const ms = performance.now() - t0;
  return { result, ms, done: summarizeDone(plan.changes, result.outcomes), ...(lost !== undefined ? { lost } : {}) };
}

/** `N added, N changed, N replaced, N destroyed`, counting only the changes whose steps succeeded. */
export function summarizeDone(changes: readonly Change[], outcomes: ReadonlyMap<string, { status: string }>): string {
  const ok = (id: string): boolean => outcomes.get(id)?.status === 'succeeded';
  const done = summarize(changes.filter((c) => {
    if (c.action === 'replace') return ok(c.address);
    if (c.action === 'delete') return ok(`${c.address} (destroy)`);
    return ok(c.address);
  }));
  return `${done.create} added, ${done.update} changed, ${done.replace} replaced, ${done.delete} destroyed`;
}
