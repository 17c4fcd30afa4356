/**
 * The status row a round leaves for a tenant: its verdict and what was done about it,
 * carried forward from the previous row (since when the status holds, the last error
 * and when it was last Synced). Pure.
 */
import type { SyncAction, TenantSyncRecord } from '../../state/index.js';
import type { TenantVerdict } from './verdict.js';

export interface TenantAction {
  readonly kind: SyncAction;
  readonly detail: string;
  /** A failure while acting (a provider call refused): becomes the tenant's last error. */
  readonly error?: string;
}

export const NO_ACTION: TenantAction = { kind: 'none', detail: '' };

export function nextRecord(
  previous: TenantSyncRecord | undefined,
  verdict: TenantVerdict,
  action: TenantAction,
  round: { readonly id: string; readonly at: string },
): TenantSyncRecord {
  const error = verdict.error ?? action.error;
  const lastError = error ?? previous?.lastError;
  const lastErrorAt = error !== undefined ? round.at : previous?.lastErrorAt;
  const lastSyncedAt = verdict.status === 'Synced' ? round.at : previous?.lastSyncedAt;
  return {
    tenant: verdict.tenant,
    status: verdict.status,
    summary: verdict.summary,
    drifted: verdict.drifted,
    pending: verdict.pending,
    action: action.kind,
    actionDetail: action.detail,
    ...(lastError !== undefined ? { lastError } : {}),
    ...(lastErrorAt !== undefined ? { lastErrorAt } : {}),
    checkedAt: round.at,
    statusSince: previous?.status === verdict.status ? previous.statusSince : round.at,
    ...(lastSyncedAt !== undefined ? { lastSyncedAt } : {}),
    roundId: round.id,
    detail: verdict.detail,
  };
}
