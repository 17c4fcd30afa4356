/**
 * The machine plan (`--json`, `--out`): format netfirst-plan/1, documented in the
 * README. Deterministic: keys are emitted in a fixed order and changes by address, so
 * the same specs and state give byte-identical output. `resources` carries what
 * `apply plan.json` needs beyond attributes (dependencies, secret references — never
 * secret values). `plan --out` and `plan --json` write it sealed (seal.ts), with the
 * spec paths it was planned from: `apply PLANFILE` plans again from them and applies
 * only a plan that is exactly what that gives (engine/run/saved-plan.ts).
 */
import type { DesiredResource } from '../../specs/model/resource.js';
import type { Drift } from './drift.js';
import { summarize, isEffective, type Change } from './change.js';
import { PLAN_FORMAT, type Plan } from './plan.js';
import { sealPlan } from './seal.js';
import { sortKeysDeep } from './values.js';

export function planToJson(plan: Plan): unknown {
  const resources: Record<string, unknown> = {};
  const changes = plan.changes.map((ch) => {
    const after = 'after' in ch ? ch.after : undefined;
    if (after && isEffective(ch)) resources[ch.address] = desiredMeta(after);
    return {
      address: ch.address,
      type: ch.type,
      tenant: ch.tenant,
      action: ch.action,
      before: 'before' in ch ? ch.before.attributes : null,
      after: after ? after.attributes : null,
      requiresReplace: ch.action === 'replace' ? ch.requiresReplace : [],
      ...(ch.action === 'replace' && ch.replacedWith.length > 0 ? { replacedWith: ch.replacedWith } : {}),
      ...('movedFrom' in ch && ch.movedFrom ? { movedFrom: ch.movedFrom } : {}),
      reason: reasonOf(ch),
    };
  });
  return {
    format: PLAN_FORMAT,
    lineage: plan.lineage,
    serial: plan.serial,
    specHash: plan.specHash,
    specFiles: plan.specFiles,
    summary: summarize(plan.changes),
    changes,
    orphanedTenants: plan.orphanedTenants,
    diagnostics: plan.diagnostics,
    resources,
    zones: plan.zones,
    ...(plan.partner !== undefined ? { partner: plan.partner } : {}),
    ...(plan.selection ? { selection: plan.selection } : {}),
    ...(plan.skipped !== undefined ? { skipped: plan.skipped } : {}),
    ...(plan.changedSince ? { changedSince: plan.changedSince } : {}),
    ...(plan.drift && plan.drift.length > 0 ? { drift: driftToJson(plan.drift) } : {}),
    ...(plan.refreshed !== undefined ? { refreshed: plan.refreshed } : {}),
  };
}

/** How a saved plan was made, beyond what the plan itself says: what `apply PLANFILE` plans again from. */
export interface SavedPlanRun {
  /** The spec paths of the run, as given (relative to the working directory). */
  readonly paths: readonly string[];
  /** The state's secret key: seals the plan; never written. */
  readonly secretKey: Buffer;
}

/**
 * The sealed JSON plan of `plan --out` / `plan --json`: the canonical text plus the run's
 * paths (in `selection`), the merge base a `--changed-since` run read the operator's
 * documents from, and the seal.
 */
export function renderSealedPlanJson(plan: Plan, run: SavedPlanRun): string {
  const content = planToJson(plan) as Record<string, unknown>;
  const selection = {
    ...(plan.selection ?? { prune: false, destroy: false }),
    paths: run.paths,
    ...(plan.changedSince ? { changedSince: plan.changedSince.base } : {}),
  };
  return JSON.stringify(sortKeysDeep(sealPlan({ ...content, selection }, run.secretKey)), null, 2) + '\n';
}

function desiredMeta(d: DesiredResource): unknown {
  return {
    zone: d.zone,
    dependsOn: d.dependsOn,
    boundTo: d.boundTo,
    protect: d.protect,
    sensitive: d.sensitive,
    secrets: d.secrets,
    ...(d.previously ? { previously: d.previously } : {}),
    ...(d.source ? { source: d.source } : {}),
  };
}

function reasonOf(ch: Change): string | null {
  if (ch.reason) return ch.reason;
  switch (ch.action) {
    case 'create': return 'not in state';
    case 'update': return `changed: ${ch.changed.join(', ')}`;
    case 'replace': return `${ch.requiresReplace.join(', ')} cannot change in place`;
    default: return null;
  }
}

export function driftToJson(drift: readonly Drift[]): unknown[] {
  return drift.map((d) => ({
    address: d.address,
    type: d.type,
    kind: d.kind,
    before: d.before.attributes,
    observed: d.kind === 'changed' ? d.observed : null,
    changed: d.kind === 'changed' ? d.changed : [],
    ...(d.kind === 'changed' && d.providerId !== undefined ? { providerId: d.providerId } : {}),
  }));
}
