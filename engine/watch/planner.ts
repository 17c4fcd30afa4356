/**
 * Planning again after a save, for only the tenants the save concerns. The first plan
 * covers every tenant and learns which are *settled* — every desired resource equal to
 * what state records. A settled tenant is left out of later plans entirely: state stands
 * in for it exactly in allocation and the zone-wide checks (buildDesired's `context`).
 * A save then plans the tenants its files held, every tenant of a zone whose Zone
 * changed, and the unsettled zone-mates whose `auto` values the change could move.
 * When state moves (an apply), the next plan is a full one again.
 */
import type { SpecSet } from '../../specs/model.js';
import type { StateSnapshot } from '../../state/index.js';
import { isEffective } from '../plan/change.js';
import { makePlan, type Plan, type PlanInput } from '../plan/plan.js';
import type { Touched } from './spec-workspace.js';

export interface WatchPlan {
  readonly plan: Plan;
  /** The tenants planned (all of them for a full plan). */
  readonly tenants: ReadonlySet<string>;
  readonly full: boolean;
}

export interface PlannerInput {
  readonly specs: () => SpecSet;
  /** The state as it is now; the planner keeps a snapshot until the serial moves. */
  readonly snapshot: () => StateSnapshot;
  readonly serial: () => number;
  readonly digestSecret: PlanInput['digestSecret'];
  /** Only tenants this says yes to are ever planned (a partner's watch); default all. */
  readonly inScope?: (tenant: string) => boolean;
}

export class WatchPlanner {
  private snapshot: StateSnapshot | undefined;
  /** Tenants whose last plan had no effective change; undefined until a full plan ran. */
  private settled: Set<string> | undefined;

  constructor(private readonly input: PlannerInput) {}

  /**
   * Runs the incremental path once on a settled tenant (result dropped), so that the
   * first save is planned by warm code: watch prints its first plan as fast as the rest.
   */
  warm(): void {
    const tenant = [...(this.settled ?? [])][0];
    if (tenant !== undefined) this.plan({ tenants: new Set([tenant]), zones: new Set(), partners: false });
  }

  /** Plans what `touched` concerns (everything when undefined, or when state moved). */
  plan(touched?: Touched): WatchPlan {
    if (!this.snapshot || this.snapshot.serial !== this.input.serial()) {
      this.snapshot = this.input.snapshot();
      this.settled = undefined;
    }
    const specs = this.input.specs();
    const base = { specs, lineage: this.snapshot.lineage, serial: this.snapshot.serial, recorded: this.snapshot.resources, digestSecret: this.input.digestSecret };
    const inScope = this.input.inScope ?? ((): boolean => true);
    if (!touched || !this.settled) {
      const scoped = this.input.inScope
        ? new Set([...specs.tenants.keys(), ...[...this.snapshot.resources.values()].map((r) => r.tenant)].filter(inScope))
        : undefined;
      const { plan } = makePlan({ ...base, ...(scoped ? { tenants: scoped } : {}) });
      this.settled = new Set([...specs.tenants.keys()].filter((t) => !plan.changes.some((c) => c.tenant === t && isEffective(c))));
      if (plan.diagnostics.some((d) => d.severity === 'error')) this.settled = undefined;
      return { plan, tenants: scoped ?? new Set(specs.tenants.keys()), full: true };
    }
    const settled = this.settled;
    const zoneOf = (t: string): string | undefined => specs.tenants.get(t)?.value.spec.zone;
    const selected = new Set<string>();
    for (const t of touched.tenants) selected.add(t);
    for (const [t, loaded] of specs.tenants) if (touched.zones.has(loaded.value.spec.zone)) selected.add(t);
    if (touched.partners) for (const t of specs.tenants.keys()) selected.add(t);
    const zones = new Set([...selected].map(zoneOf).filter((z): z is string => z !== undefined));
    for (const [t, loaded] of specs.tenants) if (!settled.has(t) && zones.has(loaded.value.spec.zone)) selected.add(t);
    // A tenant that went from the specs is planned like a --prune run would see it: state keeps it, orphaned.
    const inSpecs = new Set([...selected].filter((t) => specs.tenants.has(t) && inScope(t)));
    const { plan } = makePlan({ ...base, tenants: inSpecs, context: inSpecs });
    const ok = !plan.diagnostics.some((d) => d.severity === 'error');
    for (const t of inSpecs) {
      if (ok && !plan.changes.some((c) => c.tenant === t && isEffective(c))) settled.add(t);
      else settled.delete(t);
    }
    return { plan, tenants: new Set([...selected].filter(inScope)), full: false };
  }
}
