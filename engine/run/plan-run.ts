/**
 * Planning a run, as every face does it (the CLI's plan/apply/destroy, the HTTP API):
 * load the specs as the run's partner sees them, open the state, select the tenants
 * (partner scope, `--tenant`, `--changed-since`), refresh when asked, digest secrets,
 * and make the plan — going on past tenants whose specs have errors of their own when
 * the operator applies. Nothing here prints: refusals are UserErrors, the rest is data.
 */
import { hasErrors, type Diagnostic } from '../../specs/diagnostic.js';
import type { SpecSet } from '../../specs/model.js';
import type { RecordedResource } from '../../specs/model/resource.js';
import type { DigestRewrite, StateSnapshot, StateStore } from '../../state/index.js';
import { observeAll } from '../apply/refresh.js';
import type { ChangedSelection } from '../gitops/select.js';
import type { Dag } from '../graph/index.js';
import { correctingDrift } from '../plan/drift-correction.js';
import { detectDrift, refreshedView, type Drift } from '../plan/drift.js';
import type { Step } from '../plan/order.js';
import { makePlan, type Plan } from '../plan/plan.js';
import { triageErrors } from '../plan/triage.js';
import type { DigestSecret } from '../plan/expand.js';
import { changedSince, withinChanged } from './changed-since.js';
import { UserError } from './errors.js';
import { collisionPolicy, fileHoldings, planPastTenantErrors } from './keep-going.js';
import { loadRunSpecs, partnerName, partnerSelection, refuseForeignAddresses, runPartner, type PartnerOptions } from './partner.js';
import { planningSecrets } from './secrets.js';
import { openWorkspaceState, providerPool, zonesOf, type GlobalOptions } from './workspace.js';

/** What a run plans, and against which state: the options of `plan`, `apply` and `destroy` that are not about output. */
export interface PlanRunOptions extends GlobalOptions, PartnerOptions {
  /** The saved plan's file: a run that saves its plan never goes on past tenants' errors. */
  readonly out?: string;
  readonly prune?: boolean;
  readonly tenant?: string[];
  /**
   * Read what really exists first and plan against it (drift is shown, then corrected).
   * Asked for by each face: the CLI's plan/apply/destroy and the API's plans default to
   * it; internal plans (what a server learns is settled, a console edit's preview) leave it out.
   */
  readonly refresh?: boolean;
  /** Read what really exists and record it in state; change nothing else. */
  readonly refreshOnly?: boolean;
  /** Plan only the tenants touched by what changed since this git revision (engine/gitops). */
  readonly changedSince?: string;
  /** `--target` (repeatable): plan only these resources and what they need (engine/plan/target.ts). */
  readonly target?: string[];
  /** `--replace` (repeatable): replace these resources though nothing forces it. */
  readonly replace?: string[];
  /**
   * An open state to plan against instead of opening one (a server's long-lived
   * connection, whose snapshot stays warm between plans); it is returned as the plan's
   * `state`, and closing that is then the lender's business (lend one whose close does nothing).
   */
  readonly openState?: () => StateStore;
  /**
   * Zone-mates to expand beside the selected tenants (makePlan's `context`): a caller
   * that knows which tenants are settled — desired equal to recorded — leaves them out,
   * and state stands in for them (engine/serve/settled.ts). Default: all.
   */
  readonly context?: ReadonlySet<string>;
  /** Wraps the run's secret digester (the plan memo notes which secrets each tenant read). */
  readonly digestVia?: (digest: DigestSecret) => DigestSecret;
}

export interface ComputedPlan {
  readonly specs: SpecSet;
  /** Open; the caller closes it. */
  readonly state: StateStore;
  readonly snapshot: StateSnapshot;
  readonly plan: Plan;
  /** Undefined exactly when the plan has errors that held back everything (its diagnostics say which). */
  readonly dag: Dag<Step> | undefined;
  /** An old state's secret digests that an apply of this plan makes the key's (legacy-digests.ts). */
  readonly digestRewrites: readonly DigestRewrite[];
}

/**
 * Plans a run. `loaded`: specs already read (and checked) before the lock was taken;
 * read once per run. The state is returned open; on a refusal (thrown) it is closed.
 */
export async function computePlan(paths: readonly string[], options: PlanRunOptions, destroy = false, loaded?: SpecSet): Promise<ComputedPlan> {
  const specs = loaded ?? loadRunSpecs(paths, options);
  const state = options.openState?.() ?? openWorkspaceState(options);
  const snapshot = state.snapshot();
  let scoped: Set<string> | undefined;
  let gitChanges: ChangedSelection | undefined;
  try {
    // A partner's run plans only its tenants; another's named with --tenant is refused.
    scoped = partnerSelection(specs, snapshot.resources.values(), options, destroy);
    refuseForeignAddresses(specs, options);
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
    throw new UserError(`tenant ${t} is neither in the specs nor in state`);
  }
  let recorded: ReadonlyMap<string, RecordedResource> = snapshot.resources;
  let drift: Drift[] = [];
  const refreshed = Boolean(options.refresh || options.refreshOnly);
  if (refreshed) {
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
  const secrets = planningSecrets({ state, specs, partner: partnerName(options), recorded, tenants, store: options.secretStore });
  const partner = partnerName(options);
  const planWith = (planSpecs: SpecSet, selected: ReadonlySet<string> | undefined) => makePlan({
    specs: planSpecs,
    lineage: snapshot.lineage,
    serial: snapshot.serial,
    recorded: secrets.recorded,
    digestSecret: options.digestVia ? options.digestVia(secrets.digestSecret) : secrets.digestSecret,
    prune: options.prune ?? false,
    destroy,
    ...(selected ? { tenants: selected } : {}),
    ...(partner !== undefined ? { partner } : {}),
    ...(options.context ? { context: options.context } : {}),
    ...(options.target && options.target.length > 0 ? { targets: options.target } : {}),
    ...(options.replace && options.replace.length > 0 ? { replace: options.replace } : {}),
    collisions: collisionPolicy(specs, partner !== undefined ? runPartner(specs, options) : undefined),
  });
  // The operator's apply of main goes on past tenants whose specs have errors of their own.
  const goOn = partner === undefined && !destroy && !options.refreshOnly && !options.out;
  const made = goOn
    ? planPastTenantErrors(specs, planWith, { tenants, prune: options.prune ?? false, recordedTenants: () => [...recorded.values()].map((r) => r.tenant) }).made
    : planWith(specs, tenants);
  const plan: Plan = { ...correctingDrift(made.plan, drift), refreshed };
  return { specs, state, snapshot, plan: narrowed.changed ? { ...plan, changedSince: narrowed.changed } : plan, dag: made.dag, digestRewrites: secrets.rewrites };
}

/** `--tenant`, else every tenant of the specs, and with --prune or destroy those only state knows. */
export function runTenants(
  specs: SpecSet,
  options: Pick<PlanRunOptions, 'tenant' | 'prune'>,
  destroy: boolean,
  recorded: () => Iterable<RecordedResource>,
): Set<string> {
  if (options.tenant && options.tenant.length > 0) return new Set(options.tenant);
  const tenants = new Set(specs.tenants.keys());
  if (options.prune || destroy) for (const r of recorded()) tenants.add(r.tenant);
  return tenants;
}

export interface CheckedSpecs {
  readonly specs: SpecSet;
  /** Set when the specs' errors stop the run before any lock is taken: the errors among `specs.diagnostics`. */
  readonly refused?: readonly Diagnostic[];
}

/**
 * The run's specs, read before any lock is taken so that a refused run writes nothing
 * at all. `goOn`: an operator's apply, which is refused only for zone-wide errors here
 * (tenants' own are skipped by its plan, planPastTenantErrors).
 */
export function loadCheckedSpecs(paths: readonly string[], options: PlanRunOptions, goOn = false): CheckedSpecs {
  const specs = loadRunSpecs(paths, options);
  if (!hasErrors(specs.diagnostics)) return { specs };
  if (goOn && triageErrors(specs.diagnostics, fileHoldings(specs), { prune: options.prune ?? false }).zoneWide.length === 0) return { specs };
  return { specs, refused: specs.diagnostics.filter((d) => d.severity === 'error') };
}
