/**
 * Reconciliation results for people (one line per tenant, a status table) and for
 * machines (`netfirst-status/1` objects, one JSON line per tenant per round). Pure.
 */
import type { Colors } from 'picocolors/types.js';
import { formatAge, formatInstant, type SyncStatus, type TenantSyncRecord } from '../../state/index.js';

export const STATUS_FORMAT = 'netfirst-status/1';

function paint(status: SyncStatus | 'Unknown', colors: Colors): string {
  const text = status.padEnd(9);
  switch (status) {
    case 'Synced':
      return colors.green(text);
    case 'OutOfSync':
      return colors.yellow(text);
    case 'Drifted':
      return colors.magenta(text);
    case 'Error':
      return colors.red(text);
    default:
      return colors.dim(text);
  }
}

/** `2026-03-01T10:00:00Z acme-dental  Drifted    1 changed outside netfirst (…) → healed: 1 change applied` */
export function renderRoundLine(record: TenantSyncRecord, colors: Colors, width = 0): string {
  const action = record.action === 'none' ? '' : ` → ${record.action}${record.actionDetail ? `: ${record.actionDetail}` : ''}`;
  const error = record.action === 'failed' && record.lastError ? ` (${record.lastError})` : '';
  return `${formatInstant(record.checkedAt)} ${record.tenant.padEnd(width)} ${paint(record.status, colors)} ${record.summary}${action}${error}`;
}

/** The record as JSON (the shape of `status --json` entries and `reconcile --json` lines). */
export function recordToJson(record: TenantSyncRecord): Record<string, unknown> {
  return {
    tenant: record.tenant,
    status: record.status,
    summary: record.summary,
    drifted: record.drifted,
    pending: record.pending,
    action: record.action,
    actionDetail: record.actionDetail,
    lastError: record.lastError === undefined ? null : { message: record.lastError, at: record.lastErrorAt ?? null },
    checkedAt: record.checkedAt,
    statusSince: record.statusSince,
    lastSyncedAt: record.lastSyncedAt ?? null,
    roundId: record.roundId,
    drift: record.detail.drift,
    changes: record.detail.changes,
  };
}

/** Tenants named by the specs that no round has looked at yet. */
export interface UnreconciledTenant {
  readonly tenant: string;
}

/** The `netfirst status` table: one row per tenant, then the last error of each tenant that has one. */
export function renderStatusTable(records: readonly TenantSyncRecord[], unreconciled: readonly UnreconciledTenant[], now: Date, colors: Colors): string {
  if (records.length === 0 && unreconciled.length === 0) return 'No reconciliation has run yet: start one with netfirst reconcile DIR (or --once).';
  const width = Math.max(6, ...records.map((r) => r.tenant.length), ...unreconciled.map((u) => u.tenant.length));
  const age = (iso: string): string => `${formatAge(now.getTime() - Date.parse(iso))} ago`;
  const lines = [`${'TENANT'.padEnd(width)} ${'STATUS'.padEnd(9)} ${'SINCE'.padEnd(9)} ${'CHECKED'.padEnd(9)} ${'LAST SYNCED'.padEnd(11)} SUMMARY`];
  const rows = [
    ...records.map((r) => ({ tenant: r.tenant, line: `${r.tenant.padEnd(width)} ${paint(r.status, colors)} ${age(r.statusSince).padEnd(9)} ${age(r.checkedAt).padEnd(9)} ${(r.lastSyncedAt ? age(r.lastSyncedAt) : 'never').padEnd(11)} ${r.summary}${r.action === 'none' ? '' : ` → ${r.action}${r.actionDetail ? `: ${r.actionDetail}` : ''}`}` })),
    ...unreconciled.map((u) => ({ tenant: u.tenant, line: `${u.tenant.padEnd(width)} ${paint('Unknown', colors)} ${'-'.padEnd(9)} ${'never'.padEnd(9)} ${'never'.padEnd(11)} not reconciled yet` })),
  ].sort((a, b) => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0));
  lines.push(...rows.map((r) => r.line));
  const errors = records.filter((r) => r.lastError !== undefined);
  if (errors.length > 0) {
    lines.push('', 'Last errors:');
    for (const r of errors) lines.push(`  ${r.tenant} (${r.lastErrorAt ? age(r.lastErrorAt) : 'unknown time'}): ${r.lastError}`);
  }
  return lines.join('\n');
}
