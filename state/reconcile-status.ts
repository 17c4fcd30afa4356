/**
 * Reconciliation status: the last verdict of `netfirst reconcile` for each tenant, so
 * `netfirst status` can show it after the loop has exited. One row per tenant, replaced
 * by every round that looked at that tenant; the engine (engine/reconcile) decides what
 * a row says, this table only keeps it.
 */
import type Database from 'better-sqlite3';

/**
 * | status      | what the last round saw                                              |
 * |-------------|----------------------------------------------------------------------|
 * | `Synced`    | reality = state = spec: the plan is empty                            |
 * | `OutOfSync` | the spec asks for changes state does not have (not caused by drift)  |
 * | `Drifted`   | reality differs from state: something was changed outside netfirst   |
 * | `Error`     | the round failed for this tenant (bad spec, provider unreachable, …) |
 */
export type SyncStatus = 'Synced' | 'OutOfSync' | 'Drifted' | 'Error';

export const SYNC_STATUSES: readonly SyncStatus[] = ['Synced', 'OutOfSync', 'Drifted', 'Error'];

/**
 * What the round did about the tenant: nothing; corrected it (`healed`: drift,
 * `synced`: spec changes too); wanted to but could not start (`deferred`: the state
 * was locked or moved, or the loop was stopping); or tried and some change failed.
 */
export type SyncAction = 'none' | 'healed' | 'synced' | 'deferred' | 'failed';

/** Timestamps are ISO 8601 UTC with milliseconds. */
export interface TenantSyncRecord {
  readonly tenant: string;
  readonly status: SyncStatus;
  /** One line for people: what differs, or why the round failed. */
  readonly summary: string;
  /** Resources changed or deleted outside netfirst. */
  readonly drifted: number;
  /** Changes the spec asks for that drift did not cause. */
  readonly pending: number;
  readonly action: SyncAction;
  /** What the action did, or why it was deferred or failed; empty for `none`. */
  readonly actionDetail: string;
  /** The last error seen for this tenant (kept after it recovers), with when. */
  readonly lastError?: string;
  readonly lastErrorAt?: string;
  /** When the round that wrote this row looked at the tenant. */
  readonly checkedAt: string;
  /** When the tenant entered its current status. */
  readonly statusSince: string;
  /** The last round that found it Synced. */
  readonly lastSyncedAt?: string;
  readonly roundId: string;
  /** Addresses behind the verdict: what drifted and what the spec asks for. */
  readonly detail: TenantSyncDetail;
}

export interface TenantSyncDetail {
  readonly drift: readonly { readonly address: string; readonly kind: 'changed' | 'deleted'; readonly attributes?: readonly string[] }[];
  readonly changes: readonly { readonly address: string; readonly action: string; readonly cause: 'drift' | 'spec' }[];
}

interface Row {
  tenant: string;
  status: string;
  summary: string;
  drifted: number;
  pending: number;
  action: string;
  action_detail: string;
  last_error: string | null;
  last_error_at: string | null;
  checked_at: string;
  status_since: string;
  last_synced_at: string | null;
  round_id: string;
  detail: string;
}

export interface ReconcileStatusTable {
  /** Every tenant's last record, sorted by tenant. */
  listTenantStatus(): TenantSyncRecord[];
  /**
   * Writes `records` in one transaction. With `replaceAll`, rows of tenants not in
   * `records` are deleted (a round that looked at every tenant is the whole truth).
   */
  saveTenantStatus(records: readonly TenantSyncRecord[], options?: { readonly replaceAll?: boolean }): void;
}

export function prepareReconcileStatus(db: Database.Database): ReconcileStatusTable {
  const list = db.prepare<[], Row>('SELECT * FROM reconcile_status ORDER BY tenant');
  const upsert = db.prepare(`INSERT INTO reconcile_status
      (tenant, status, summary, drifted, pending, action, action_detail, last_error, last_error_at, checked_at, status_since, last_synced_at, round_id, detail)
      VALUES (@tenant, @status, @summary, @drifted, @pending, @action, @action_detail, @last_error, @last_error_at, @checked_at, @status_since, @last_synced_at, @round_id, @detail)
    ON CONFLICT (tenant) DO UPDATE SET
      status = excluded.status, summary = excluded.summary, drifted = excluded.drifted, pending = excluded.pending,
      action = excluded.action, action_detail = excluded.action_detail, last_error = excluded.last_error,
      last_error_at = excluded.last_error_at, checked_at = excluded.checked_at, status_since = excluded.status_since,
      last_synced_at = excluded.last_synced_at, round_id = excluded.round_id, detail = excluded.detail`);
  const tenants = db.prepare<[], string>('SELECT tenant FROM reconcile_status').pluck();
  const remove = db.prepare('DELETE FROM reconcile_status WHERE tenant = ?');

  const save = db.transaction((records: readonly TenantSyncRecord[], replaceAll: boolean) => {
    for (const r of records) upsert.run(toRow(r));
    if (!replaceAll) return;
    const kept = new Set(records.map((r) => r.tenant));
    for (const t of tenants.all()) if (!kept.has(t)) remove.run(t);
  });

  return {
    listTenantStatus: () => list.all().map(fromRow),
    saveTenantStatus: (records, options = {}) => save.immediate(records, options.replaceAll ?? false),
  };
}

function toRow(r: TenantSyncRecord): Row {
  return {
    tenant: r.tenant, status: r.status, summary: r.summary, drifted: r.drifted, pending: r.pending, action: r.action,
    action_detail: r.actionDetail, last_error: r.lastError ?? null, last_error_at: r.lastErrorAt ?? null,
    checked_at: r.checkedAt, status_since: r.statusSince, last_synced_at: r.lastSyncedAt ?? null, round_id: r.roundId,
    detail: JSON.stringify(r.detail),
  };
}

function fromRow(row: Row): TenantSyncRecord {
  return {
    tenant: row.tenant,
    status: row.status as SyncStatus,
    summary: row.summary,
    drifted: row.drifted,
    pending: row.pending,
    action: row.action as SyncAction,
    actionDetail: row.action_detail,
    ...(row.last_error !== null ? { lastError: row.last_error } : {}),
    ...(row.last_error_at !== null ? { lastErrorAt: row.last_error_at } : {}),
    checkedAt: row.checked_at,
    statusSince: row.status_since,
    ...(row.last_synced_at !== null ? { lastSyncedAt: row.last_synced_at } : {}),
    roundId: row.round_id,
    detail: JSON.parse(row.detail) as TenantSyncDetail,
  };
}
