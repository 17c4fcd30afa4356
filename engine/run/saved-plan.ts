/**
 * `apply PLANFILE`: a saved plan is a proposal, not an authority. In this order, each
 * refusal exits 1 with nothing touched: the seal (netfirst wrote the file and nobody
 * edited it), the state and spec files it was made against, the partner it was made
 * for, what its changes may propose at all (engine/plan/proposal.ts), and finally
 * planning again from its recorded paths and options against this state — the plan
 * applied is the one made again here, and only when the file is exactly it.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hasErrors } from '../../specs/diagnostic.js';
import type { SpecSet } from '../../specs/model.js';
import type { DigestRewrite, StateStore } from '../../state/index.js';
import type { Dag } from '../graph/index.js';
import { ownsTenant } from '../partners/index.js';
import { buildDesired } from '../plan/desired.js';
import { correctingDrift } from '../plan/drift-correction.js';
import { refreshedView } from '../plan/drift.js';
import type { Step } from '../plan/order.js';
import { makePlan, type Plan } from '../plan/plan.js';
import { proposalProblems } from '../plan/proposal.js';
import { planToJson } from '../plan/render-json.js';
import { firstDifference, parseSavedPlan, restoreDrift, specFilesMoved, specsMovedSince, stateMovedSince, type SavedPlan } from '../plan/saved.js';
import { hasValidSeal } from '../plan/seal.js';
import type { RecordedResource } from '../../specs/model/resource.js';
import { UserError } from './errors.js';
import { loadRunSpecs, refusal, refuseForeignAddresses, runPartner, savedPlanRefusal, type PartnerOptions } from './partner.js';
import { planningSecrets } from './secrets.js';
import { openWorkspaceState, type GlobalOptions } from './workspace.js';

export interface SavedPlanApply {
  /** Open; the caller closes it. */
  readonly state: StateStore;
  /** The plan made again, equal to the file's. */
  readonly plan: Plan;
  readonly dag: Dag<Step>;
  /** The specs it was planned again from (their Partners document judges its secrets). */
  readonly specs: SpecSet;
  /** An old state's secret digests that this apply makes the key's, as computePlan's (legacy-digests.ts). */
  readonly digestRewrites: readonly DigestRewrite[];
}

/** Reads, checks and plans again `file`; throws UserError (with the state closed) when it is refused. */
export function openSavedPlan(file: string, options: GlobalOptions & PartnerOptions): SavedPlanApply {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UserError(`${file}: not a readable plan file (${(error as Error).message})`);
  }
  const state = openWorkspaceState(options);
  try {
    return { state, ...replanSaved(file, json, state, options) };
  } catch (error) {
    state.close();
    throw error;
  }
}

function replanSaved(file: string, json: unknown, state: StateStore, options: GlobalOptions & PartnerOptions): Omit<SavedPlanApply, 'state'> {
  if (!hasValidSeal(json, state.secretKey)) throw new UserError(`${file} was not produced by netfirst or was edited: refused`);
  const parsed = parseSavedPlan(json, file);
  if ('error' in parsed) throw new UserError(parsed.error);
  const { saved } = parsed;
  const snapshot = state.snapshot();
  const moved = stateMovedSince(saved, snapshot, file);
  if (moved !== undefined) throw new UserError(moved);
  stale(file, specsMovedSince(saved, sha256OfFile));
  const wrongPartner = savedPlanRefusal(saved.partner, file, options);
  if (wrongPartner !== undefined) throw new UserError(wrongPartner);

  // The specs as the plan's run read them: its paths, its partner's view, the merge base it read the operator's documents from.
  const runOptions = { ...options, partner: saved.partner ?? '', ...(saved.selection.changedSince !== undefined ? { changedSince: saved.selection.changedSince } : {}) };
  const specs = loadRunSpecs(saved.selection.paths, runOptions);
  stale(file, specFilesMoved(saved.specFiles, specs.files));
  if (hasErrors(specs.diagnostics)) throw new UserError(`${file}: its specs do not load now\n${refusal(specs.diagnostics, specs)}`);
  const partner = runPartner(specs, runOptions);
  // Its --target and --replace addresses are judged as a run of its partner would judge them.
  refuseForeignAddresses(specs, { ...runOptions, target: saved.selection.targets ?? [], replace: saved.selection.replace ?? [] });
  const restored = restoreDrift(saved, snapshot.resources, file);
  if ('error' in restored) throw new UserError(restored.error);

  const problems = proposalProblems({
    changes: saved.changes,
    resources: saved.resources,
    drift: saved.drift ?? [],
    selection: saved.selection,
    recorded: snapshot.resources,
    ...(partner ? { partner: { name: partner.name, owns: (tenant: string) => ownsTenant(partner, tenant) } } : {}),
    specProtect: specProtection(saved, specs, snapshot.resources),
  });
  if (problems.length > 0) throw new UserError(`${file} proposes what no plan may:\n${problems.map((p) => `  - ${p}`).join('\n')}\nrefused, nothing was changed`);

  // As plan made it: digests keyed by the state's secret key, an old state's migrated (legacy-digests.ts).
  const secrets = planningSecrets({
    state, specs, partner: saved.partner, recorded: refreshedView(snapshot.resources, restored.drift),
    tenants: saved.selection.tenants ? new Set(saved.selection.tenants) : undefined,
    store: options.secretStore,
  });
  const made = makePlan({
    specs,
    lineage: snapshot.lineage,
    serial: snapshot.serial,
    recorded: secrets.recorded,
    digestSecret: secrets.digestSecret,
    prune: saved.selection.prune,
    destroy: saved.selection.destroy,
    ...(saved.selection.tenants ? { tenants: new Set(saved.selection.tenants) } : {}),
    ...(saved.partner !== undefined ? { partner: saved.partner } : {}),
    ...(saved.selection.targets ? { targets: saved.selection.targets } : {}),
    ...(saved.selection.replace ? { replace: saved.selection.replace } : {}),
  });
  // Applying a saved plan reads nothing again (as Terraform): it says whether the plan read reality when it was made.
  const plan: Plan = { ...correctingDrift(made.plan, restored.drift), ...(saved.refreshed !== undefined ? { refreshed: saved.refreshed } : {}) };
  if (hasErrors(plan.diagnostics) || !made.dag) throw new UserError(`${file}: planning it again fails now\n${refusal(plan.diagnostics, specs)}`);
  const difference = firstDifference(json as Record<string, unknown>, JSON.parse(JSON.stringify(planToJson(plan))) as Record<string, unknown>);
  if (difference !== undefined) {
    throw new UserError(`${file} is not what planning its specs against this state gives (${difference}): refused. If a secret it reads changed since, plan again.`);
  }
  if (state.pendingOperations().length > 0) {
    throw new UserError(`${file} cannot be applied: the state holds operations of an interrupted run. Run plan again (apply resolves them first).`);
  }
  return { plan, dag: made.dag, specs, digestRewrites: secrets.rewrites };
}

function stale(file: string, moved: readonly string[]): void {
  if (moved.length === 0) return;
  throw new UserError(`${file} is stale: ${moved.slice(0, 5).join(', ')}${moved.length > 5 ? `, and ${moved.length - 5} more` : ''} since it was planned. Plan again.`);
}

/**
 * `protect` as the specs say it now, for the tenants whose resources the plan deletes
 * or replaces. Expanding needs no secret: every reference digests to one placeholder.
 */
function specProtection(saved: SavedPlan, specs: SpecSet, recorded: ReadonlyMap<string, RecordedResource>): (address: string) => boolean | undefined {
  const tenants = new Set(saved.changes.filter((c) => c.action === 'delete' || c.action === 'replace').map((c) => (c.movedFrom ?? c.address).split('/')[0]!));
  if (tenants.size === 0) return () => undefined;
  const built = buildDesired({ specs, recorded, digestSecret: () => ({ digest: 'hmac-sha256:' }), tenants });
  const protect = new Map(built.resources.map((r) => [r.address, r.protect] as const));
  return (address) => protect.get(address);
}

function sha256OfFile(file: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return undefined;
  }
}
