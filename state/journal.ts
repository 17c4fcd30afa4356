/**
 * The journal: every provider call is recorded as an intent before it starts and
 * resolved after it returns, so a crash or kill leaves a `pending` row saying exactly
 * what was in flight. Resolving an operation is one transaction: resource row,
 * allocations, event, journal status and serial change together or not at all.
 *
 * | outcome         | allowed actions  | resource row                  | event  |
 * |-----------------|------------------|-------------------------------|--------|
 * | commitCreate    | create           | upserted, createdAt = now     | create |
 * | commitUpdate    | update, read     | upserted, createdAt kept      | update |
 * | commitDelete    | delete, read     | removed if it is that object  | delete |
 * | commitNoChange  | read             | untouched                     | none   |
 * | failOperation   | any              | untouched                     | none   |
 *
 * Every write is made only while the state file is still the one the store opened, and
 * checked again after it (`verifyFile`): a write to a removed or replaced file would be
 * lost without a trace. A commit refused so carries what the completed call did
 * (StateFileGoneError.unrecorded), for the run to name what it could not record.
 */
import type Database from 'better-sqlite3';
import type { RecordedResource, ResourceTypeName } from '../specs/model/resource.js';
import type { EventLog } from './events.js';
import type { ResourceRecord, ResourceTable } from './resources.js';
import { guardWrites, StateFileGoneError } from './state-file.js';

export type OperationAction = 'create' | 'update' | 'delete' | 'read';
/** Finished operations leave the journal (their event is the history); failed ones stay for reports. */
export type OperationStatus = 'pending' | 'failed';

/** What is about to be asked of a provider. */
export interface OperationIntent {
  readonly address: string;
  readonly action: OperationAction;
  readonly type: ResourceTypeName;
  readonly tenant: string;
  readonly zone: string;
  readonly runId: string;
  /** The object acted on, when it already exists (update, delete, read). */
  readonly providerId?: string;
}

export interface Operation extends OperationIntent {
  /** The provider's job for this call, when it accepted the call as an async job. */
  readonly jobId?: string;
  readonly id: number;
  readonly status: OperationStatus;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly message: string | null;
}

interface JournalRow {
  id: number;
  run_id: string;
  address: string;
  action: string;
  type: string;
  tenant: string;
  zone: string;
  provider_id: string | null;
  job_id: string | null;
  status: string;
  started_at: string;
  finished_at: string | null;
  message: string | null;
}

function rowToOperation(row: JournalRow): Operation {
  return {
    id: row.id,
    runId: row.run_id,
    address: row.address,
    action: row.action as OperationAction,
    type: row.type as ResourceTypeName,
    tenant: row.tenant,
    zone: row.zone,
    ...(row.provider_id === null ? {} : { providerId: row.provider_id }),
    ...(row.job_id === null || row.job_id === undefined ? {} : { jobId: row.job_id }),
    status: row.status as OperationStatus,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    message: row.message,
  };
}

/** A finished call's outcome, as commitCreate, commitUpdate or commitDelete take it. */
export type OutcomeCommit =
  | { readonly action: 'create' | 'update'; readonly opId: number; readonly resource: ResourceRecord }
  | { readonly action: 'delete'; readonly opId: number; readonly address: string };

export interface Journal {
  beginOperation(intent: OperationIntent): number;
  /** Journals several intents in one transaction (operations that start together); ids in order. */
  beginOperations(intents: readonly OperationIntent[]): number[];
  commitCreate(opId: number, resource: ResourceRecord): RecordedResource;
  commitUpdate(opId: number, resource: ResourceRecord): RecordedResource;
  commitDelete(opId: number, address: string): void;
  commitNoChange(opId: number): void;
  /**
   * Commits the outcomes of several finished calls in one transaction, each in a
   * savepoint of its own: one that is refused (its result at its index) leaves the
   * others committed. Undefined at an index: committed. When the transaction itself
   * fails, every outcome fails with it (all results are that error).
   */
  commitOutcomes(outcomes: readonly OutcomeCommit[]): (Error | undefined)[];
  failOperation(opId: number, message: string): void;
  /**
   * The provider accepted the call as an async job: its job id and the id of the object
   * it is making, durable before the provider is polled.
   */
  noteAccepted(opId: number, accepted: { readonly providerId?: string; readonly jobId?: string }): void;
  /**
   * Records objects that already exist in a provider (adoption), all in one
   * transaction: nothing was asked of a provider, so there is no intent to journal.
   * Their history starts with a `create` event now, under `runId`.
   */
  recordAdopted(runId: string, resources: readonly ResourceRecord[]): RecordedResource[];
  pendingOperations(): Operation[];
  operation(opId: number): Operation | undefined;
}

export interface JournalDeps {
  readonly resources: ResourceTable;
  readonly events: EventLog;
  readonly now: () => Date;
  /** Throws StateFileGoneError when the state file is no longer the one opened (none for `:memory:`). */
  readonly verifyFile?: () => void;
}

export function prepareJournal(db: Database.Database, { resources, events, now, verifyFile = () => undefined }: JournalDeps): Journal {
  const insert = db.prepare(`INSERT INTO journal (run_id, address, action, type, tenant, zone, provider_id, status, started_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)`);
  const byId = db.prepare<[number], JournalRow>('SELECT * FROM journal WHERE id = ?');
  const pending = db.prepare<[], JournalRow>("SELECT * FROM journal WHERE status = 'pending' ORDER BY id");
  const finish = db.prepare("UPDATE journal SET status = ?, finished_at = ?, message = ? WHERE id = ? AND status = 'pending'");
  // A finished operation's history is its event; keeping only pending and failed rows
  // keeps every commit to one journal page and `pendingOperations` a scan of a small table.
  const forget = db.prepare('DELETE FROM journal WHERE id = ?');
  // Operations begun through this store, so a commit need not read its row back.
  const begun = new Map<number, Operation>();
  const bumpSerial = db.prepare("UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'serial'");

  /** The pending operation `opId`, checked against what the caller is about to commit; a mismatch is a bug. */
  function pendingOp(opId: number, allowed: readonly OperationAction[], address?: string): Operation {
    let op = begun.get(opId);
    if (!op) {
      const row = byId.get(opId);
      if (!row) throw new Error(`journal: no operation ${opId} (already committed?)`);
      op = rowToOperation(row);
    }
    if (op.status !== 'pending') throw new Error(`journal: operation ${opId} (${op.action} ${op.address}) is already ${op.status}`);
    if (!allowed.includes(op.action)) throw new Error(`journal: operation ${opId} is a ${op.action}, not one of ${allowed.join(', ')}`);
    if (address !== undefined && address !== op.address) {
      throw new Error(`journal: operation ${opId} is for ${op.address}, not ${address}`);
    }
    return op;
  }

  function write(op: Operation, resource: ResourceRecord, action: 'create' | 'update', at: string): RecordedResource {
    const prior = action === 'update' ? resources.get(resource.address) : undefined;
    const recorded: RecordedResource = {
      address: resource.address,
      type: resource.type,
      tenant: resource.tenant,
      zone: resource.zone,
      providerId: resource.providerId,
      attributes: resource.attributes,
      dependsOn: resource.dependsOn,
      boundTo: resource.boundTo,
      protect: resource.protect,
      sensitive: resource.sensitive,
      createdAt: prior?.createdAt ?? at,
      updatedAt: at,
    };
    resources.write(recorded);
    events.append({
      at, runId: op.runId, address: recorded.address, tenant: recorded.tenant, zone: recorded.zone,
      type: recorded.type, action, providerId: recorded.providerId, attributes: recorded.attributes,
    });
    forget.run(op.id);
    bumpSerial.run();
    return recorded;
  }

  const commitCreate = db.transaction((opId: number, resource: ResourceRecord) =>
    write(pendingOp(opId, ['create'], resource.address), resource, 'create', now().toISOString()));

  const commitUpdate = db.transaction((opId: number, resource: ResourceRecord) =>
    write(pendingOp(opId, ['update', 'read'], resource.address), resource, 'update', now().toISOString()));

  const commitDelete = db.transaction((opId: number, address: string) => {
    const op = pendingOp(opId, ['delete', 'read'], address);
    const at = now().toISOString();
    const row = resources.get(address);
    // A create-before-destroy replacement has already recorded its new object at this
    // address: deleting the old object must not remove the new one's row.
    const sameObject = row !== undefined && (op.providerId === undefined || op.providerId === row.providerId);
    if (sameObject) resources.remove(address);
    events.append({
      at, runId: op.runId, address, tenant: row?.tenant ?? op.tenant, zone: row?.zone ?? op.zone, type: row?.type ?? op.type,
      action: 'delete', providerId: op.providerId ?? row?.providerId ?? '', attributes: null,
    });
    forget.run(op.id);
    bumpSerial.run();
  });

  // The outer transaction of a batch; each outcome's own transaction nests as a savepoint.
  const commitMany = db.transaction((outcomes: readonly OutcomeCommit[]): (Error | undefined)[] => outcomes.map((o) => {
    try {
      if (o.action === 'delete') commitDelete(o.opId, o.address);
      else if (o.action === 'create') commitCreate(o.opId, o.resource);
      else commitUpdate(o.opId, o.resource);
      return undefined;
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }));

  const commitNoChange = db.transaction((opId: number) => {
    const op = pendingOp(opId, ['read']);
    forget.run(op.id);
  });

  const failOperation = db.transaction((opId: number, message: string) => {
    const op = pendingOp(opId, ['create', 'update', 'delete', 'read']);
    finish.run('failed', now().toISOString(), message, op.id);
  });

  const accept = db.prepare("UPDATE journal SET provider_id = coalesce(?, provider_id), job_id = coalesce(?, job_id) WHERE id = ? AND status = 'pending'");

  const recordAdopted = db.transaction((runId: string, records: readonly ResourceRecord[]) => {
    const at = now().toISOString();
    const out = records.map((resource) => {
      if (resources.get(resource.address)) throw new Error(`state: ${resource.address} is already recorded; it cannot be adopted`);
      const recorded: RecordedResource = { ...resource, createdAt: at, updatedAt: at };
      resources.write(recorded);
      events.append({
        at, runId, address: recorded.address, tenant: recorded.tenant, zone: recorded.zone,
        type: recorded.type, action: 'create', providerId: recorded.providerId, attributes: recorded.attributes,
      });
      return recorded;
    });
    if (out.length > 0) bumpSerial.run();
    return out;
  });

  // Only while the state file is the one opened, and known afterwards to have reached it.
  const guarded = guardWrites(verifyFile);

  /** The outcome of operation `opId`'s completed provider call; if the state file is gone, the refusal names it. */
  function outcome<T>(opId: number, write: () => T): T {
    try {
      return guarded(write);
    } catch (error) {
      if (!(error instanceof StateFileGoneError)) throw error;
      const op = begun.get(opId) ?? operationById(opId);
      throw op ? error.withUnrecorded({ address: op.address, action: op.action, zone: op.zone }) : error;
    }
  }

  function operationById(opId: number): Operation | undefined {
    const row = byId.get(opId);
    return row ? rowToOperation(row) : undefined;
  }

  /** Forget an operation once its outcome is committed (only after the transaction succeeded). */
  function settled<T>(opId: number, result: T): T {
    begun.delete(opId);
    return result;
  }

  function begin(intent: OperationIntent): number {
    const startedAt = now().toISOString();
    const info = insert.run(intent.runId, intent.address, intent.action, intent.type, intent.tenant, intent.zone,
      intent.providerId ?? null, startedAt);
    const id = Number(info.lastInsertRowid);
    begun.set(id, {
      id, runId: intent.runId, address: intent.address, action: intent.action, type: intent.type, tenant: intent.tenant,
      zone: intent.zone, ...(intent.providerId === undefined ? {} : { providerId: intent.providerId }),
      status: 'pending', startedAt, finishedAt: null, message: null,
    });
    return id;
  }
  const beginMany = db.transaction((intents: readonly OperationIntent[]) => intents.map(begin));

  return {
    beginOperation: (intent) => guarded(() => begin(intent)),
    beginOperations: (intents) => guarded(() => beginMany.immediate(intents)),
    commitCreate: (opId, resource) => settled(opId, outcome(opId, () => commitCreate.immediate(opId, resource))),
    commitUpdate: (opId, resource) => settled(opId, outcome(opId, () => commitUpdate.immediate(opId, resource))),
    commitDelete: (opId, address) => settled(opId, outcome(opId, () => commitDelete.immediate(opId, address))),
    commitOutcomes(outcomes) {
      let results: (Error | undefined)[];
      try {
        results = guarded(() => commitMany.immediate(outcomes));
      } catch (error) {
        // Nothing of the batch is known committed: each names its own unrecorded outcome.
        return outcomes.map((o) => {
          if (!(error instanceof StateFileGoneError)) return error instanceof Error ? error : new Error(String(error));
          const op = begun.get(o.opId) ?? operationById(o.opId);
          return op ? error.withUnrecorded({ address: op.address, action: op.action, zone: op.zone }) : error;
        });
      }
      outcomes.forEach((o, i) => { if (results[i] === undefined) begun.delete(o.opId); });
      return results;
    },
    commitNoChange: (opId) => settled(opId, guarded(() => commitNoChange.immediate(opId))),
    // A failed call changed nothing at the provider: nothing to name if it cannot be recorded.
    failOperation: (opId, message) => settled(opId, guarded(() => failOperation.immediate(opId, message))),
    recordAdopted: (runId, records) => guarded(() => recordAdopted.immediate(runId, records)),
    noteAccepted(opId, accepted) {
      // Not guarded: it runs inside a provider's call, which must not fail for it; the
      // commit that follows finds a state file that is gone.
      accept.run(accepted.providerId ?? null, accepted.jobId ?? null, opId);
      const op = begun.get(opId);
      if (op && accepted.providerId !== undefined && op.providerId === undefined) begun.set(opId, { ...op, providerId: accepted.providerId });
    },
    pendingOperations: () => pending.all().map(rowToOperation),
    operation: operationById,
  };
}
