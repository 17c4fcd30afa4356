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
import type { RecordedResource, SecretRef } from '../resource.js';
import type { Change } from './change.js';
import type { Drift } from './drift.js';
import { buildDesired } from './desired.js';
import { diffResources } from './diff.js';
import { updateNote } from '../../providers/capabilities.js';
import { orderChanges, type Step } from './order.js';
import { checkProtection } from './protect.js';

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
  /** Zone specs of the zones the changes touch: what `apply plan.json` needs for providers. */
  readonly zones: { readonly [zone: string]: ZoneDoc['spec'] };
}

export interface PlanInput {
  readonly specs: SpecSet;
  readonly lineage: string;
  readonly serial: number;
  readonly recorded: ReadonlyMap<string, RecordedResource>;
  readonly digestSecret: (ref: SecretRef, baseDir: string) => { digest: string } | { error: string };
  readonly prune?: boolean;
  /** Restrict the plan to these tenants. */
  readonly tenants?: ReadonlySet<string>;
  /** Plan the deletion of every resource of the selected tenants (netfirst destroy). */
  readonly destroy?: boolean;
}

export function makePlan(input: PlanInput): { plan: Plan; dag: Dag<Step> | undefined } {
  const specTenants = new Set(input.specs.tenants.keys());
  const diagnostics: Diagnostic[] = [...input.specs.diagnostics];
  const specHash = hashSpecs(input.specs);
  const base = { lineage: input.lineage, serial: input.serial, specHash, specFiles: input.specs.files, zones: {} };

  if (hasErrors(diagnostics)) return { plan: { ...base, changes: [], orphanedTenants: [], diagnostics }, dag: undefined };

  const built = input.destroy
    ? { resources: [], diagnostics: [] }
    : buildDesired({ specs: input.specs, recorded: input.recorded, digestSecret: input.digestSecret, ...(input.tenants ? { tenants: input.tenants } : {}) });
  diagnostics.push(...built.diagnostics);
  if (hasErrors(diagnostics)) return { plan: { ...base, changes: [], orphanedTenants: [], diagnostics }, dag: undefined };

  const scope = input.destroy ? (input.tenants ?? specTenants) : input.tenants;
  const diffed = diffResources({
    desired: built.resources,
    recorded: input.recorded,
    specTenants: input.destroy ? new Set([...specTenants, ...(scope ?? [])]) : specTenants,
    ...(scope ? { scopeTenants: scope } : {}),
    prune: input.prune ?? false,
  });
  const { orphanedTenants } = diffed;
  // How the zone's provider carries out an update, when that is more than a change (CloudStack stops a VM).
  const changes = diffed.changes.map((c) => {
    if (c.action !== 'update' || c.reason !== undefined) return c;
    const zone = input.specs.zones.get(c.after.zone);
    const note = zone ? updateNote(zone.value.spec.provider.type, c.type, c.changed) : undefined;
    return note ? { ...c, reason: note } : c;
  });
  for (const tenant of orphanedTenants) {
    diagnostics.push({
      severity: 'warning',
      summary: `tenant ${tenant} is orphaned: it is in state but no spec describes it`,
      detail: 'Its resources are left as they are. Run with --prune to destroy them.',
    });
  }
  diagnostics.push(...checkProtection(changes));
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

function hashSpecs(specs: SpecSet): string {
  const h = createHash('sha256');
  for (const f of [...specs.files].sort((a, b) => (a.file < b.file ? -1 : 1))) h.update(`${f.file}\0${f.sha256}\n`);
  return `sha256:${h.digest('hex')}`;
}

/** Fill in line/column for diagnostics that only carry a document path. */
function locateAll(diagnostics: readonly Diagnostic[], specs: SpecSet): Diagnostic[] {
  return diagnostics.map((d) => {
    if (d.line || !d.file || d.doc === undefined || !d.path) return d;
    const at = specs.locate(d.file, d.doc, d.path);
    return at ? { ...d, line: at.line, column: at.column } : d;
  });
}
