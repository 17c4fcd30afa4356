/**
 * `netfirst plan` with the plan memo (plan-memo.ts): tenants whose inputs are exactly
 * those of a plan that found them settled are not planned again — when all are, state's
 * records are not even read — and the rest are planned as the server plans one tenant,
 * against state standing in for the settled ones. Used only where the answer is the
 * same text as a full plan's: the operator's plain `plan --refresh=false` (a refreshed
 * plan reads every record anyway), without saved plan, JSON, --tenant, --prune or
 * --changed-since (those plan in full). NETFIRST_PLAN_MEMO=off
 * turns it off.
 */
import { dirname } from 'node:path';
import { hasErrors } from '../../specs/diagnostic.js';
import type { SpecSet } from '../../specs/model.js';
import type { Plan } from '../plan/plan.js';
import { hashSpecs, orphanedWarning } from '../plan/plan-frame.js';
import { PlanMemo, recordingDigester, type MemoInputs, type SecretUse } from './plan-memo.js';
// The planner is loaded only when some tenant must be planned again.
import type { ComputedPlan, PlanRunOptions } from './plan-run.js';
import { secretDigester, secretScope } from './secrets.js';
import { openWorkspaceState } from './workspace-state.js';
import { statePath } from './workspace-specs.js';
import { loadRunSpecs, partnerName } from './partner.js';

export interface MemoPlanned {
  readonly plan: Plan;
  /** Operations of an interrupted run still pending in the journal. */
  readonly pending: number;
  readonly secretKey: Buffer;
  /** How many tenants were reused from the memo. */
  readonly reused: number;
  /** How many spec tenants were planned. */
  readonly planned: number;
}

/** Whether a run's plan may come from the memo (see the header). */
export function memoApplies(options: PlanRunOptions & { readonly json?: boolean }): boolean {
  return process.env.NETFIRST_PLAN_MEMO !== 'off'
    && options.refresh !== true && options.refreshOnly !== true && options.out === undefined && options.json !== true
    && partnerName(options) === undefined && (options.tenant ?? []).length === 0 && options.changedSince === undefined
    && options.prune !== true && options.openState === undefined && options.context === undefined;
}

export async function planWithMemo(paths: readonly string[], options: PlanRunOptions, loaded?: SpecSet): Promise<MemoPlanned> {
  const specs = loaded ?? loadRunSpecs(paths, options);
  const memo = PlanMemo.open(dirname(statePath(options)));
  const state = openWorkspaceState(options);
  let inputs: MemoInputs;
  let settled: Set<string>;
  try {
    inputs = {
      specs,
      lineage: state.lineage,
      secretKey: state.secretKey,
      versions: state.tenantVersions(),
      digestSecret: secretDigester(state.secretKey, secretScope(specs)),
    };
    settled = hasErrors(specs.diagnostics) ? new Set() : memo.settled(inputs);
  } catch (error) {
    state.close();
    throw error;
  }
  const stateOnly = [...inputs.versions.keys()].filter((t) => !specs.tenants.has(t)).sort();
  const unsettled = new Set([...specs.tenants.keys()].filter((t) => !settled.has(t)));
  if (unsettled.size === 0) {
    // Every tenant settled: what a full plan would say, without reading a record.
    const serial = state.serial();
    const pending = pendingOf(state);
    state.close();
    const plan: Plan = {
      lineage: inputs.lineage, serial, specHash: hashSpecs(specs), specFiles: specs.files, changes: [],
      orphanedTenants: stateOnly, diagnostics: [...specs.diagnostics, ...stateOnly.map(orphanedWarning)],
      zones: {}, selection: { prune: false, destroy: false }, refreshed: false,
    };
    return { plan, pending, secretKey: inputs.secretKey, reused: settled.size, planned: 0 };
  }
  state.close();
  let uses: ReadonlyMap<string, readonly SecretUse[]> = new Map();
  const partial = settled.size > 0;
  const { computePlan } = await import('./plan-run.js');
  const computed: ComputedPlan = await computePlan(paths, {
    ...options,
    ...(partial ? { tenant: [...unsettled, ...stateOnly], context: unsettled } : {}),
    digestVia(digest) {
      const recording = recordingDigester(digest);
      uses = recording.uses;
      return recording.digestSecret;
    },
  }, false, specs);
  try {
    const pending = pendingOf(computed.state);
    // Learnt only when no record of a planned tenant moved while planning (its version
    // would have been drawn again): the answer is then exactly that of the keyed state.
    const now = computed.state.tenantVersions();
    const moved = [...unsettled].some((t) => now.get(t)?.version !== inputs.versions.get(t)?.version);
    if (!moved) {
      memo.learn(inputs, computed.plan, unsettled, uses);
      memo.save();
    }
    // A partial plan names its selection; the full plan it stands for has none.
    const plan: Plan = partial ? { ...computed.plan, selection: { prune: false, destroy: false } } : computed.plan;
    return { plan, pending, secretKey: computed.state.secretKey, reused: settled.size, planned: unsettled.size };
  } finally {
    computed.state.close();
  }
}

const pendingOf = (state: { pendingOperations(): readonly { readonly status: string }[] }): number => state.pendingOperations().filter((op) => op.status === 'pending').length;
