/**
 * diff: desired resources against recorded state → one Change per address. Pure.
 * Replacement cascades along `boundTo`: a VM on a replaced network is replaced too,
 * and so are its disks. Resources of tenants whose spec vanished are orphans: kept
 * (and reported) unless `prune` is set. A rename (`previously:`) moves the record, and
 * references to it follow the object, not the name: a port forward naming a renamed VM
 * compares its recorded `vm` through the run's moves, so it is neither replaced nor
 * updated for the rename (apply moves the records and rewrites those references).
 */
import { ATTRIBUTES } from '../../specs/model/attributes.js';
import { followAddresses } from '../../specs/model/follow-addresses.js';
import type { DesiredResource, RecordedResource } from '../../specs/model/resource.js';
import { REPLACEMENT_REQUESTED, type Change } from './change.js';
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
  /** `--replace`: replace these (recorded and desired) even though nothing forces it. */
  readonly replace?: ReadonlySet<string>;
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

  // Old address → new, for every record this run moves: references compare through it.
  const moves = new Map<string, string>();
  for (const [address, p] of priors) if (p.movedFrom !== undefined) moves.set(p.movedFrom, address);

  // First pass: each resource on its own.
  const own = new Map<string, Change>();
  for (const d of desired) {
    const change = compare(d, priors.get(d.address), moves);
    own.set(d.address, input.replace?.has(d.address) ? requested(change) : change);
  }

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

/** The change as a replacement asked for by name (`--replace`); a create or delete stays as it is. */
function requested(change: Change): Change {
  switch (change.action) {
    case 'replace':
      return { ...change, requested: true, reason: REPLACEMENT_REQUESTED };
    case 'update':
    case 'noop':
      return {
        action: 'replace', address: change.address, type: change.type, tenant: change.tenant, before: change.before, after: change.after,
        requiresReplace: [], replacedWith: [], changed: change.action === 'update' ? change.changed : [], requested: true,
        ...(change.movedFrom ? { movedFrom: change.movedFrom } : {}), reason: REPLACEMENT_REQUESTED,
      };
    default:
      return change;
  }
}

function compare(d: DesiredResource, prior: Prior | undefined, moves: ReadonlyMap<string, string>): Change {
  // Object literals of one fixed shape per action: this runs once per resource (50k+).
  if (!prior) return { action: 'create', address: d.address, type: d.type, tenant: d.tenant, after: d };
  const { before, movedFrom } = prior;
  const moved = movedFrom ? { movedFrom } : undefined;
  if (before.type !== d.type) {
    return { action: 'replace', address: d.address, type: d.type, tenant: d.tenant, before, after: d,
      requiresReplace: ['type'], replacedWith: [], changed: ['type'], ...moved };
  }
  let changed: string[] | undefined;
  for (const k of Object.keys(d.attributes)) {
    const recorded = before.attributes[k];
    if (!valuesEqual(d.attributes[k], recorded === undefined ? recorded : followAddresses(recorded, moves))) (changed ??= []).push(k);
  }
  if (!changed) {
    // Only the protection changed: an update that records it, calling no provider.
    if (d.protect !== before.protect) {
      return { action: 'update', address: d.address, type: d.type, tenant: d.tenant, before, after: d, changed: [],
        reason: `protect: ${before.protect} -> ${d.protect} (recorded in state; the provider is not called)`, ...moved };
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
