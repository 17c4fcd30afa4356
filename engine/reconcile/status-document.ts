/**
 * The `netfirst-status/1` document: `netfirst status --json` prints it and
 * GET /api/v1/reconcile answers it — every tenant's last recorded verdict, and the
 * tenants of the specs that no round has looked at yet, sorted by tenant. Pure.
 */
import type { TenantSyncRecord } from '../../state/index.js';
import { recordToJson, STATUS_FORMAT, type UnreconciledTenant } from './render.js';

export interface StatusDocument {
  readonly format: typeof STATUS_FORMAT;
  readonly tenants: Record<string, unknown>[];
}

export function statusDocument(records: readonly TenantSyncRecord[], unreconciled: readonly UnreconciledTenant[]): StatusDocument {
  return {
    format: STATUS_FORMAT,
    tenants: [
      ...records.map(recordToJson),
      ...unreconciled.map((u) => ({ tenant: u.tenant, status: 'Unknown', summary: 'not reconciled yet', checkedAt: null })),
    ].sort((a, b) => ((a.tenant as string) < (b.tenant as string) ? -1 : 1)),
  };
}
