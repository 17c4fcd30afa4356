/**
 * The verdict on one tenant in one round, from what the round found for it: errors,
 * drift (reality ≠ state) and the plan's changes (spec ≠ state, or corrections of
 * drift). Pure: plain values in, a verdict out.
 *
 * Precedence, strongest first: `Error` (we do not know the truth) › `Drifted` (someone
 * changed things outside netfirst: the most urgent to hear about) › `OutOfSync` (the
 * spec asks for changes) › `Synced`.
 */
import type { SyncStatus, TenantSyncDetail } from '../../state/index.js';
import { isEffective, summarize, type Change } from '../plan/change.js';
import type { Drift } from '../plan/drift.js';

/** Why a change is in the plan: drift it corrects, or the spec asking for something new. */
export type ChangeCause = 'drift' | 'spec';

export interface TenantFindings {
  readonly tenant: string;
  /** Why the round failed for this tenant, one line each; any makes it `Error`. */
  readonly errors: readonly string[];
  readonly drift: readonly Drift[];
  /** The tenant's changes in the plan (noops are ignored). */
  readonly changes: readonly Change[];
  /** In state, but no spec describes it (its file is gone). */
  readonly orphaned: boolean;
}

export interface TenantVerdict {
  readonly tenant: string;
  readonly status: SyncStatus;
  readonly summary: string;
  readonly drifted: number;
  readonly pending: number;
  /** The first error, when the status is Error. */
  readonly error?: string;
  readonly detail: TenantSyncDetail;
}

/**
 * A change corrects drift when the resource it touches (or a bound dependency whose
 * replacement forces it) drifted; every other change is the spec's.
 */
export function causeOf(change: Change, driftedAddresses: ReadonlySet<string>): ChangeCause {
  if (driftedAddresses.has(change.address)) return 'drift';
  if ('movedFrom' in change && change.movedFrom !== undefined && driftedAddresses.has(change.movedFrom)) return 'drift';
  if (change.action === 'replace' && change.requiresReplace.length === 0 && change.replacedWith.some((a) => driftedAddresses.has(a))) return 'drift';
  return 'spec';
}

export function judgeTenant(f: TenantFindings): TenantVerdict {
  const driftedAddresses = new Set(f.drift.map((d) => d.address));
  const effective = f.changes.filter(isEffective);
  const changes = effective.map((c) => ({ address: c.address, action: c.action, cause: causeOf(c, driftedAddresses) }));
  const detail: TenantSyncDetail = {
    drift: f.drift.map((d) => (d.kind === 'changed' ? { address: d.address, kind: d.kind, attributes: d.changed } : { address: d.address, kind: d.kind })),
    changes,
  };
  const pendingChanges = effective.filter((_, i) => changes[i]!.cause === 'spec');
  const base = { tenant: f.tenant, drifted: f.drift.length, pending: pendingChanges.length, detail };
  if (f.errors.length > 0) {
    const more = f.errors.length > 1 ? ` (and ${f.errors.length - 1} more error${f.errors.length > 2 ? 's' : ''})` : '';
    return { ...base, status: 'Error', summary: `${f.errors[0]}${more}`, error: f.errors[0]! };
  }
  if (f.drift.length > 0) {
    const spec = pendingChanges.length > 0 ? `; and the spec asks for ${describeChanges(pendingChanges)}` : '';
    return { ...base, status: 'Drifted', summary: `${describeDrift(f.drift)}${spec}` };
  }
  if (pendingChanges.length > 0) {
    const orphan = f.orphaned ? 'no spec describes it any more: ' : '';
    return { ...base, status: 'OutOfSync', summary: `${orphan}the spec asks for ${describeChanges(pendingChanges)}` };
  }
  if (f.orphaned) {
    return { ...base, status: 'OutOfSync', summary: 'no spec describes it any more: its resources are left as they are (--prune destroys them)' };
  }
  return { ...base, status: 'Synced', summary: 'reality, state and spec agree' };
}

const SHOWN = 3;

function listed(items: readonly string[]): string {
  return items.length <= SHOWN ? items.join(', ') : `${items.slice(0, SHOWN).join(', ')}, and ${items.length - SHOWN} more`;
}

/** `1 changed outside netfirst (acme/vm/web-1: memoryMiB), 1 deleted outside netfirst (acme/vm/web-1/disk/data)` */
export function describeDrift(drift: readonly Drift[]): string {
  const changed = drift.filter((d) => d.kind === 'changed').map((d) => `${d.address}: ${d.changed.join(', ')}`);
  const deleted = drift.filter((d) => d.kind === 'deleted').map((d) => d.address);
  const parts: string[] = [];
  if (changed.length > 0) parts.push(`${changed.length} changed outside netfirst (${listed(changed)})`);
  if (deleted.length > 0) parts.push(`${deleted.length} deleted outside netfirst (${listed(deleted)})`);
  return parts.join(', ');
}

/** `1 to add, 2 to change (acme/vm/web-2, acme/network/office, acme/vm/web-1)` */
export function describeChanges(changes: readonly Change[]): string {
  const s = summarize(changes);
  const counts = ([['create', 'to add'], ['update', 'to change'], ['replace', 'to replace'], ['delete', 'to destroy']] as const)
    .filter(([action]) => s[action] > 0)
    .map(([action, words]) => `${s[action]} ${words}`);
  return `${counts.join(', ')} (${listed(changes.map((c) => c.address))})`;
}
