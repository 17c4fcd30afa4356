/**
 * A plan made against the refreshed view of state (`--refresh`): it carries the drift
 * it corrects, and each change that corrects drift says so. `plan --refresh` and
 * `apply PLANFILE` (which plans a refreshed plan again from its recorded drift) share
 * this, so the same drift gives the same plan.
 */
import { isEffective } from './change.js';
import type { Drift } from './drift.js';
import type { Plan } from './plan.js';

export function correctingDrift(plan: Plan, drift: readonly Drift[]): Plan {
  if (drift.length === 0) return plan;
  const drifted = new Map(drift.map((d) => [d.address, d.kind === 'deleted' ? 'deleted outside netfirst' : 'changed outside netfirst'] as const));
  return {
    ...plan,
    drift,
    changes: plan.changes.map((c) => (drifted.has(c.address) && isEffective(c) ? { ...c, reason: `${drifted.get(c.address)}: corrected` } : c)),
  };
}
