/**
 * makePlan: the pure pipeline from loaded specs and a state snapshot to an ordered
 * plan — buildDesired (expand, allocate, verify) → diff → protection → order.
 */
import { createHash } from 'node:crypto';
import type { Diagnostic } from '../../specs/diagnostic.js';
import { hasErrors } from '../../specs/diagnostic.js';
import type { SpecSet } from '../../specs/model.js';
import type { ZoneDoc } from '../../specs/schema.js';
import type { Dag } from '../graph/index.js';
import type { RecordedResource } from '../../specs/model/resource.js';
import type { Change } from './change.js';
import type { Drift } from './drift.js';
import type { ChangedSelection } from '../gitops/select.js';
import { buildDesired } from './desired.js';
import type { CollisionPolicy } from './verify-zone.js';
import type { DigestSecret } from './expand.js';
import { diffResources } from './diff.js';
import { unsupportedUpdate, updateNote } from '../../providers/capabilities.js';
import { findingAt } from './verify-context.js';
import { orderChanges, type Step } from './order.js';
import { checkProtection } from './protect.js';
import { checkPartner } from '../partners/check.js';
import { locateDiagnostics } from './verify.js';
import { hashSpecs, orphanedWarning } from './plan-frame.js';

export { hashSpecs, orphanedWarning } from './plan-frame.js';
import { TARGETING_WARNING, targetedChanges, targetingProblems } from './target.js';

export const PLAN_FORMAT = 'netfirst-plan/1';

export interface Plan {
  readonly lineage: string;
  readonly serial: number;
  /** sha256 over the content hashes of every spec file read. */
  readonly specHash: string;
  /** Every spec file read and the sha256 of its content: a saved plan is refused once one changed. */
  readonly specFiles: readonly { readonly file: string; readonly sha256: string }[];
  readonly changes: readonly Change[];
  readonly orphanedTenants: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
  /** What changed outside netfirst, when the plan was made with a refresh. */
  readonly drift?: readonly Drift[];
  /**
   * Whether a run read what really exists before planning (plan, apply and destroy do
   * unless `--refresh=false`): false means against the state alone, and every rendering
   * says "(not refreshed)". Undefined for plans no run made (makePlan alone, old files).
   */
  readonly refreshed?: boolean;
  /** Zone specs of the zones the changes touch: what `apply plan.json` needs for providers. */
  readonly zones: { readonly [zone: string]: ZoneDoc['spec'] };
  /** The partner the plan was made for (`--partner`): a saved plan is applied only for it. */
  readonly partner?: string;
  /**
   * An operator's run that went on past tenants whose specs have errors: those tenants,
   * left out (their errors are among the diagnostics; the run exits 1).
   */
  readonly skipped?: readonly string[];
  /** `plan --changed-since`: the tenants selected from what git says changed, and why. */
  readonly changedSince?: ChangedSelection;
  /** What makePlan was asked for beyond specs and state: `apply PLANFILE` plans again with it. */
  readonly selection?: PlanSelection;
}

/** The options of a plan that decide its changes (`tenants` absent: every tenant of the specs). */
export interface PlanSelection {
  readonly tenants?: readonly string[];
  readonly prune: boolean;
  readonly destroy: boolean;
  /** `--target`: only these resources and what they need are planned (target.ts). */
  readonly targets?: readonly string[];
  /** `--replace`: these are replaced though nothing forces it. */
  readonly replace?: readonly string[];
}

export interface PlanInput {
  readonly specs: SpecSet;
  readonly lineage: string;
  readonly serial: number;
  readonly recorded: ReadonlyMap<string, RecordedResource>;
  readonly digestSecret: DigestSecret;
  readonly prune?: boolean;
  /** Restrict the plan to these tenants. */
  readonly tenants?: ReadonlySet<string>;
  /** Plan the deletion of every resource of the selected tenants (netfirst destroy). */
  readonly destroy?: boolean;
  /** Zone-mates to expand beside the selected tenants (buildDesired's `context`); default all. */
  readonly context?: ReadonlySet<string>;
  /** Plan for this partner: refuse what it may not do (engine/partners). */
  readonly partner?: string;
  /** How values two tenants want are reported (verify-zone.ts). */
  readonly collisions?: CollisionPolicy;
  /** `--target`: plan only these resources, their dependencies and what goes with them (target.ts). */
  readonly targets?: readonly string[];
  /** `--replace`: replace these resources though nothing forces it. */
  readonly replace?: readonly string[];
}

export function makePlan(input: PlanInput): { plan: Plan; dag: Dag<Step> | undefined } {
  const specTenants = new Set(input.specs.tenants.keys());
  const diagnostics: Diagnostic[] = [...input.specs.diagnostics];
  const specHash = hashSpecs(input.specs);
  const targets = sortedUnique(input.targets);
  const replace = sortedUnique(input.replace);
  const selection: PlanSelection = {
    prune: input.prune ?? false, destroy: input.destroy ?? false, ...(input.tenants ? { tenants: [...input.tenants].sort() } : {}),
    ...(targets.length > 0 ? { targets } : {}), ...(replace.length > 0 ? { replace } : {}),
  };
  const base = { lineage: input.lineage, serial: input.serial, specHash, specFiles: input.specs.files, zones: {}, selection, ...(input.partner !== undefined ? { partner: input.partner } : {}) };

  if (hasErrors(diagnostics)) return { plan: { ...base, changes: [], orphanedTenants: [], diagnostics }, dag: undefined };

  const built = input.destroy
    ? { resources: [], diagnostics: [] }
    : buildDesired({ specs: input.specs, recorded: input.recorded, digestSecret: input.digestSecret, ...(input.tenants ? { tenants: input.tenants } : {}), ...(input.context ? { context: input.context } : {}), ...(input.collisions ? { collisions: input.collisions } : {}) });
  diagnostics.push(...built.diagnostics);
  if (input.partner !== undefined) diagnostics.push(...locateDiagnostics(input.specs, checkPartner({ specs: input.specs, recorded: input.recorded, desired: built.resources, partner: input.partner, planned: plannedTenants(input), destroy: input.destroy ?? false })));
  if (hasErrors(diagnostics)) return { plan: { ...base, changes: [], orphanedTenants: [], diagnostics }, dag: undefined };

  const scope = input.destroy ? (input.tenants ?? specTenants) : input.tenants;
  const diffed = diffResources({
    desired: built.resources,
    recorded: input.recorded,
    specTenants: input.destroy ? new Set([...specTenants, ...(scope ?? [])]) : specTenants,
    ...(scope ? { scopeTenants: scope } : {}),
    prune: input.prune ?? false,
    ...(replace.length > 0 ? { replace: new Set(replace) } : {}),
  });
  const { orphanedTenants } = diffed;
  if (targets.length > 0 || replace.length > 0) {
    const problems = targetingProblems({ targets, replace, changes: diffed.changes, recorded: input.recorded, ...(scope ? { tenants: scope } : {}) });
    if (problems.length > 0) return { plan: { ...base, changes: [], orphanedTenants: [], diagnostics: [...diagnostics, ...problems] }, dag: undefined };
  }
  if (targets.length > 0) diagnostics.push(TARGETING_WARNING);
  const planned = targets.length > 0 ? targetedChanges(diffed.changes, targets, input.recorded) : diffed.changes;
  // How the zone's provider carries out an update, when that is more than a change (CloudStack stops a VM).
  const changes = planned.map((c) => {
    if (c.action !== 'update' || c.reason !== undefined) return c;
    const zone = input.specs.zones.get(c.after.zone);
    const note = zone ? updateNote(zone.value.spec.provider.type, c.type, c.changed, c.after.attributes) : undefined;
    return note ? { ...c, reason: note } : c;
  });
  for (const tenant of orphanedTenants) diagnostics.push(orphanedWarning(tenant));
  for (const c of changes) {
    if (c.action !== 'update') continue;
    const provider = input.specs.zones.get(c.after.zone)?.value.spec.provider.type;
    const unsupported = provider ? unsupportedUpdate(provider, c.type, c.changed, c.before.attributes, c.after.attributes) : undefined;
    if (unsupported) diagnostics.push(findingAt(c.after, [], `${c.address}: ${unsupported.reason}`));
  }
  // Destroy reads protection from the specs as they are now, as plan does: lifting
  // `protect: true` in a spec is enough, without an apply in between.
  const protectedNow = input.destroy
    ? new Map(buildDesired({ specs: input.specs, recorded: input.recorded, digestSecret: input.digestSecret, ...(scope ? { tenants: scope } : {}) }).resources.map((r) => [r.address, r.protect] as const))
    : undefined;
  diagnostics.push(...checkProtection(changes, protectedNow));
  const { dag, diagnostics: cycles } = orderChanges(changes);
  diagnostics.push(...cycles);
  const zones: Record<string, ZoneDoc['spec']> = {};
  for (const c of changes) {
    const zone = 'after' in c ? c.after.zone : c.before.zone;
    const spec = input.specs.zones.get(zone)?.value.spec;
    if (spec && c.action !== 'noop') zones[zone] = spec;
  }
  return { plan: { ...base, changes, orphanedTenants, diagnostics: locateAll(diagnostics, input.specs), zones }, dag };
}

/** Tenants whose resources after the plan are exactly the desired ones: the rest keep what state records. */
function plannedTenants(input: PlanInput): Set<string> {
  const all = input.tenants ?? new Set([...input.specs.tenants.keys(), ...(input.prune || input.destroy ? [...input.recorded.values()].map((r) => r.tenant) : [])]);
  return new Set([...all].filter((t) => input.destroy || input.prune || input.specs.tenants.has(t)));
}

function sortedUnique(addresses: readonly string[] | undefined): string[] {
  return addresses === undefined ? [] : [...new Set(addresses)].sort();
}


/** Fill in line/column for diagnostics that only carry a document path. */
function locateAll(diagnostics: readonly Diagnostic[], specs: SpecSet): Diagnostic[] {
  return diagnostics.map((d) => {
    if (d.line || !d.file || d.doc === undefined || !d.path) return d;
    const at = specs.locate(d.file, d.doc, d.path);
    return at ? { ...d, line: at.line, column: at.column } : d;
  });
}
