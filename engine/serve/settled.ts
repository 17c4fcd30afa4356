/**
 * Which tenants are settled — every desired resource equal to what state records — so a
 * plan of one tenant expands only it and its unsettled zone-mates, and state stands in
 * for the rest (as `netfirst watch` does: engine/watch/planner.ts). What is known holds
 * for one state serial: the server's own runs move the serial and unsettle exactly their
 * tenants; a serial moved by anyone else, or a Zone or Partners change, forgets it all,
 * and the next full plan (the server makes one in the background) learns it again.
 */
import type { SpecSet } from '../../specs/model.js';
import { isEffective } from '../plan/change.js';
import type { Plan } from '../plan/plan.js';
import type { Touched } from '../watch/spec-workspace.js';

export class SettledTenants {
  private settled: Set<string> | undefined;
  private serial = -1;

  constructor(private readonly serialNow: () => number) {}

  /** Whether the next plan must be a full one to learn (nothing known for this serial). */
  get unknown(): boolean {
    return this.settled === undefined || this.serial !== this.serialNow();
  }

  /** The zone-mates a plan must expand: every spec tenant not known settled; undefined = all. */
  context(specs: Pick<SpecSet, 'tenants'>): ReadonlySet<string> | undefined {
    if (this.unknown) return undefined;
    const out = new Set<string>();
    for (const t of specs.tenants.keys()) if (!this.settled!.has(t)) out.add(t);
    return out;
  }

  /**
   * Learns from a plan without errors: `planned` its tenants (all spec tenants for a
   * full plan); a full plan made against the current serial starts the set afresh.
   */
  learn(plan: Plan, planned: ReadonlySet<string> | 'all', specs: Pick<SpecSet, 'tenants'>): void {
    if (plan.diagnostics.some((d) => d.severity === 'error')) return;
    if (plan.serial !== this.serialNow()) return;
    const changed = new Set(plan.changes.filter(isEffective).map((c) => c.tenant));
    if (planned === 'all') {
      this.settled = new Set([...specs.tenants.keys()].filter((t) => !changed.has(t)));
      this.serial = plan.serial;
      return;
    }
    if (this.unknown) return;
    for (const t of planned) {
      if (changed.has(t) || !specs.tenants.has(t)) this.settled!.delete(t);
      else this.settled!.add(t);
    }
  }

  /** The specs changed: their tenants are unsettled; a Zone or Partners change unsettles everything. */
  specsChanged(touched: Touched): void {
    if (touched.zones.size > 0 || touched.partners) {
      this.settled = undefined;
      return;
    }
    for (const t of touched.tenants) this.settled?.delete(t);
  }

  /** This server's run moved the serial: its tenants are unsettled, the rest stay as they were. */
  ranFor(tenants: readonly string[], serialBefore: number): void {
    if (this.settled === undefined || this.serial !== serialBefore) {
      this.settled = undefined;
      return;
    }
    for (const t of tenants) this.settled.delete(t);
    this.serial = this.serialNow();
  }
}
