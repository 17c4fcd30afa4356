/**
 * The SQLite state store (one owner of state): recorded resources and their
 * allocations, the journal of provider calls, the append-only event history, and
 * immutable snapshots for the planner. Open it with `openState(path)`.
 */
export { openState, type StateOptions, type StateStore } from './store.js';
export type { StateSnapshot } from './snapshot.js';
export type { ResourceRecord } from './resources.js';
export type { Operation, OperationAction, OperationIntent, OperationStatus } from './journal.js';
export type { EventAction, EventFilter, StateEvent } from './events.js';
export { allocationsOf, ALLOCATION_KINDS, type Allocation, type AllocationKind } from './allocations.js';
