/**
 * diff: desired resources against recorded state → one Change per address. Pure.
 * Replacement cascades along `boundTo`: a VM on a replaced network is replaced too,
 * and so are its disks. Resources of tenants whose spec vanished are orphans: kept
 * (and reported) unless `prune` is set.
 */
import { ATTRIBUTES } from '../../specs/model/attributes.js';
import type { DesiredResource, RecordedResource } from '../../specs/model/resource.js';
import type { Change } from './change.js';
import { valuesEqual } from './values.js';

export interface DiffInput {
  readonly desired: readonly DesiredResource[];
  readonly recorded: ReadonlyMap<string, RecordedResource>;
  /** Tenants the loaded specs describe. */
  readonly specTenants: ReadonlySet<string>;
  /** When set, only resources of these tenants are compared (others are left alone). */
  readonly scopeTenants?: ReadonlySet<string>;
  /** Delete resources of tenants whose spec is gone. */
  readonly prune: boolean;
}

export interface DiffResult {
  readonly changes: Change[];
  readonly orphanedTenants: string[];
}

type Prior = { readonly before: RecordedResource; readonly movedFrom?: string };

export function diffResources(input: DiffInput): DiffResult {
  const inScope = (tenant: string): boolean => !input.scopeTenants || input.scopeTenants.has(tenant);
  const desired = input.desired.filter((d) => inScope(d.tenant));
  const byAddress = new Map(desired.map((d) => [d.address, d] as const));

  // Match each desired resource with what state recorded: same address, or a rename.
  const priors = new Map<string, Prior>();
  const claimed = new Set<string>();
  for (const d of desired) {
    const same = input.recorded.get(d.address);
    if (same) {
      priors.set(d.address, { before: same });
      claimed.add(d.address);
    }
  }
  for (const d of desired) {
    if (priors.has(d.address) || !d.previously || claimed.has(d.previously) || byAddress.has(d.previously)) continue;
    const old = input.recorded.get(d.previously);
    if (old && old.type === d.type) {
      priors.set(d.address, { before: old, movedFrom: d.previously });
      claimed.add(d.previously);
    }
  }

  // First pass: each resource on its own.
  const own = new Map<string, Change>();
  for (const d of desired) own.set(d.address, compare(d, priors.get(d.address)));

  // Second pass: replacement cascades along boundTo, dependencies first.
  const final = new Map<string, Change>();
  const visiting = new Set<string>();
  const resolve = (address: string): Change | undefined => {
    const done = final.get(address);
    if (done) return done;
    const change = own.get(address);
    if (!change) return undefined;
    if (visiting.has(address)) return change; // cycles are reported by order; do not loop here
    visiting.add(address);
    let result = change;
    if (change.action === 'update' || change.action === 'noop') {
      const replacedWith = byAddress.get(address)!.boundTo.filter((b) => resolve(b)?.action === 'replace');
      if (replacedWith.length > 0) {
        result = {
          action: 'replace',
          address,
          type: change.type,
          tenant: change.tenant,
          before: change.before,
          after: change.after,
          requiresReplace: [],
          replacedWith,
          changed: change.action === 'update' ? change.changed : [],
          ...(change.movedFrom ? { movedFrom: change.movedFrom } : {}),
          reason: `${replacedWith.join(', ')} ${replacedWith.length === 1 ? 'is' : 'are'} replaced`,
        };
      }
    }
    visiting.delete(address);
    final.set(address, result);
    return result;
  };
  for (const d of desired) resolve(d.address);

  const kept: Change[] = [];
  for (const d of desired) kept.push(final.get(d.address)!);
  const deletes: Change[] = [];
  const orphaned = new Set<string>();
  for (const [address, r] of input.recorded) {
    if (claimed.has(address) || byAddress.has(address)) continue;
    if (!inScope(r.tenant)) continue;
    if (input.specTenants.has(r.tenant)) {
      deletes.push({ action: 'delete', address, type: r.type, tenant: r.tenant, before: r, reason: 'not in spec' });
    } else if (input.prune) {
      deletes.push({ action: 'delete', address, type: r.type, tenant: r.tenant, before: r, reason: 'tenant spec removed (--prune)' });
    } else {
      orphaned.add(r.tenant);
    }
  }
  // Desired resources arrive in address order (TimSort keeps that linear); deletes merge in.
  const changes = kept.concat(deletes).sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  return { changes, orphanedTenants: [...orphaned].sort() };
}

function compare(d: DesiredResource, prior: Prior | undefined): Change {
  // Object literals of one fixed shape per action: this runs once per resource (50k+).
  if (!prior) return { action: 'create', address: d.address, type: d.type, tenant: d.tenant, after: d };
  const { before, movedFrom } = prior;
  const moved = movedFrom ? { movedFrom, reason: `moved from ${movedFrom}` } : undefined;
  if (before.type !== d.type) {
    return { action: 'replace', address: d.address, type: d.type, tenant: d.tenant, before, after: d,
      requiresReplace: ['type'], replacedWith: [], changed: ['type'], ...moved };
  }
  let changed: string[] | undefined;
  for (const k of Object.keys(d.attributes)) {
    if (!valuesEqual(d.attributes[k], before.attributes[k])) (changed ??= []).push(k);
  }
  if (!changed) {
    // Only the protection changed: an update that records it, calling no provider.
    if (d.protect !== before.protect) {
      return { action: 'update', address: d.address, type: d.type, tenant: d.tenant, before, after: d, changed: [],
        reason: `protect: ${before.protect} -> ${d.protect} (recorded in state; the provider is not called)`, ...(moved ? { movedFrom: moved.movedFrom } : {}) };
    }
    return moved
      ? { action: 'noop', address: d.address, type: d.type, tenant: d.tenant, before, after: d, ...moved }
      : { action: 'noop', address: d.address, type: d.type, tenant: d.tenant, before, after: d };
  }
  changed.sort();
  const forceNew = ATTRIBUTES[d.type].forceNew.filter((k) => changed.includes(k));
  if (forceNew.length > 0) {
    return { action: 'replace', address: d.address, type: d.type, tenant: d.tenant, before, after: d,
      requiresReplace: forceNew, replacedWith: [], changed, reason: `${forceNew.join(', ')} cannot change in place`, ...moved };
  }
  return { action: 'update', address: d.address, type: d.type, tenant: d.tenant, before, after: d, changed, ...moved };
}
