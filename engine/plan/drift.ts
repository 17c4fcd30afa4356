/**
 * Drift: what changed outside netfirst. Pure comparison of what state recorded with
 * what the provider reports (matched by provider ID). Sensitive attributes are never
 * observable (providers hold no digests), so they are not compared, nor are the
 * attributes a provider reports it cannot see (`Observed.unobserved`). A reference the
 * provider reports by the address an object had when it was made names that object
 * (matched by provider ID) at the address state records now: a rename is no drift.
 */
import type { Observed } from '../../providers/contract.js';
import type { Attributes, RecordedResource, ResourceTypeName } from '../../specs/model/resource.js';
import { followAddressesIn } from '../../specs/model/follow-addresses.js';
import { valuesEqual } from './values.js';

export type Drift =
  | {
    readonly kind: 'changed'; readonly address: string; readonly type: ResourceTypeName; readonly before: RecordedResource; readonly observed: Attributes; readonly changed: readonly string[];
    /** The object is now known by another provider ID (a composite one that gained or lost parts: observeAll). */
    readonly providerId?: string;
  }
  | { readonly kind: 'deleted'; readonly address: string; readonly type: ResourceTypeName; readonly before: RecordedResource };

export function detectDrift(
  recorded: ReadonlyMap<string, RecordedResource>,
  observedById: ReadonlyMap<string, Observed>,
  inScope: (r: RecordedResource) => boolean = () => true,
): Drift[] {
  const drift: Drift[] = [];
  const renamed = renamedObjects(recorded, observedById);
  for (const r of recorded.values()) {
    if (!inScope(r)) continue;
    const o = observedById.get(r.providerId);
    if (!o) {
      drift.push({ kind: 'deleted', address: r.address, type: r.type, before: r });
      continue;
    }
    const observed: Record<string, Attributes[string]> = { ...followAddressesIn(o.attributes, renamed) };
    for (const k of [...r.sensitive, ...(o.unobserved ?? [])]) {
      const kept = r.attributes[k];
      if (kept !== undefined) observed[k] = kept;
    }
    const changed = Object.keys(r.attributes).filter((k) => !valuesEqual(r.attributes[k], observed[k])).sort();
    const moved = o.providerId !== r.providerId ? { providerId: o.providerId } : {};
    if (changed.length > 0 || 'providerId' in moved) drift.push({ kind: 'changed', address: r.address, type: r.type, before: r, observed, changed, ...moved });
  }
  return drift;
}

/** The address a provider knows an object by → the one state records it at, where they differ. */
function renamedObjects(recorded: ReadonlyMap<string, RecordedResource>, observedById: ReadonlyMap<string, Observed>): Map<string, string> {
  const renamed = new Map<string, string>();
  for (const r of recorded.values()) {
    const o = observedById.get(r.providerId);
    if (o !== undefined && o.address !== r.address) renamed.set(o.address, r.address);
  }
  return renamed;
}

/** State as reality has it: drifted attributes taken over, resources deleted outside removed. */
export function refreshedView(recorded: ReadonlyMap<string, RecordedResource>, drift: readonly Drift[]): Map<string, RecordedResource> {
  const view = new Map(recorded);
  for (const d of drift) {
    if (d.kind === 'deleted') view.delete(d.address);
    else view.set(d.address, { ...d.before, attributes: d.observed, ...(d.providerId !== undefined ? { providerId: d.providerId } : {}) });
  }
  return view;
}
