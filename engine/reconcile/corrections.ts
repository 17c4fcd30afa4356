/**
 * What a round may change, by policy — the operator's choice, as Argo CD's `selfHeal`
 * and automated sync:
 *
 * | policy       | applies                                                            |
 * |--------------|--------------------------------------------------------------------|
 * | (none)       | nothing: the loop only observes and reports                        |
 * | `selfHeal`   | corrections of drift: changes to resources that drifted            |
 * | `sync`       | what the spec asks for (changes drift did not cause)               |
 * | both         | the whole plan                                                     |
 *
 * Drift whose resource needs no change (reality already equals the spec) is accepted
 * into state under `selfHeal`, so the next round sees it Synced. Pure.
 */
import { isEffective, type Change } from '../plan/change.js';
import type { Drift } from '../plan/drift.js';
import { causeOf } from './verdict.js';

export interface HealPolicy {
  readonly selfHeal: boolean;
  readonly sync: boolean;
}

export interface Corrections {
  /** Effective changes to apply, in plan order. */
  readonly changes: readonly Change[];
  /** Drift to record in state as it is (no provider call). */
  readonly acceptDrift: readonly Drift[];
}

/** `eligible`: tenants the round may act on (not in Error, not being left alone). */
export function selectCorrections(changes: readonly Change[], drift: readonly Drift[], policy: HealPolicy, eligible: ReadonlySet<string>): Corrections {
  const drifted = new Set(drift.map((d) => d.address));
  const chosen = changes.filter((c) => {
    if (!isEffective(c) || !eligible.has(c.tenant)) return false;
    return causeOf(c, drifted) === 'drift' ? policy.selfHeal : policy.sync;
  });
  const touched = new Set(chosen.map((c) => c.address));
  const acceptDrift = policy.selfHeal
    ? drift.filter((d) => eligible.has(d.before.tenant) && !touched.has(d.address) && !changes.some((c) => c.address === d.address && isEffective(c)))
    : [];
  return { changes: chosen, acceptDrift };
}
