/**
 * The SQLite state store (one owner of state): recorded resources and their
 * allocations, the journal of provider calls, the append-only event history,
 * immutable snapshots for the planner, the lock one writer holds while it applies, and
 * what `netfirst serve` keeps: API tokens, the hash-chained audit log, API plans and runs.
 * Open it with `openState(path)`; lock it with `acquireLock(store, …)`.
 */
export { openState, type StateOptions, type StateStore, type TenantVersion } from './store.js';
export type { StateSnapshot } from './snapshot.js';
export { displayPath, StateFileGoneError, type UnrecordedOutcome } from './state-file.js';
export type { ResourceRecord } from './resources.js';
export type { DigestRewrite } from './secret-digests.js';
export type { Operation, OperationAction, OperationIntent, OperationStatus, OutcomeCommit } from './journal.js';
export type { EventAction, EventFilter, StateEvent } from './events.js';
export type { EditAuthor, StateEdits } from './edits.js';
export {
  SYNC_STATUSES, type ReconcileStatusTable, type SyncAction, type SyncStatus, type TenantSyncDetail, type TenantSyncRecord,
} from './reconcile-status.js';
export { TOKEN_ROLES, TOKEN_TOUCH_INTERVAL_MS, type NewToken, type TokenRecord, type TokenRole, type TokenTable } from './tokens.js';
export { AUDIT_GENESIS_HASH, auditHash, type AuditEntry, type AuditLog, type AuditRecord, type AuditVerdict } from './audit.js';
export {
  API_PLAN_STATUSES, INTERRUPTED_SUMMARY, RUN_STATUSES, type ApiPlanRecord, type ApiPlanStatus, type ApiRecords, type IdempotentResponse,
  type PageCursor, type RunEvent, type RunRecord, type RunStatus,
} from './api-records.js';
export { allocationsOf, ALLOCATION_KINDS, type Allocation, type AllocationKind } from './allocations.js';
export {
  acquireLock, currentLock, describeHolder, describeReleaseFailure, forceUnlock, formatAge, formatInstant, isProcessRunning, listLocks, STATE_SCOPE,
  LockReleaseError, StateLockedError, thisHolder, type AcquireOptions, type LockableState, type LockHandle, type LockHolder, type LockInfo,
  type LockRefusal,
} from './lock.js';
