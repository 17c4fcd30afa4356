/**
 * Edits of the record that ask nothing of a provider: `state rm` forgets resources,
 * `state mv` moves records to new addresses. Each edit is one transaction — rows,
 * allocations, events and serial together or not at all — and every event it writes
 * says who made it and with which command, since no run explains it.
 *
 * | edit    | resource rows                         | allocations         | events                          |
 * |---------|---------------------------------------|---------------------|---------------------------------|
 * | forget  | removed                               | released            | `delete` per address            |
 * | move    | re-keyed; references of others follow | re-keyed to the new | `delete` old + `create` new; `update` of a record whose attributes named it |
 * | import  | written (address and provider ID free) | none                | `create`                        |
 *
 * A move keeps the provider ID, so billing (engine/usage) sees the same object's hours
 * continue at the new address. What may be edited (ownership, locks, pending operations,
 * address shapes) is the caller's to decide: this only writes.
 */
import type Database from 'better-sqlite3';
import { followAddressesIn } from '../specs/model/follow-addresses.js';
import type { RecordedResource } from '../specs/model/resource.js';
import type { EventLog } from './events.js';
import type { ResourceRecord, ResourceTable } from './resources.js';
import { guardWrites } from './state-file.js';

/** Who edits, for the event history. */
export interface EditAuthor {
  /** `user@host`, or `user@host as partner NAME`. */
  readonly actor: string;
  /** The command line after `netfirst`. */
  readonly command: string;
  /** Groups the events of one edit (like a run's id). */
  readonly runId: string;
}

export interface StateEdits {
  /** Removes the records of `addresses` (each must be recorded); returns them as they were. */
  forgetResources(addresses: readonly string[], author: EditAuthor): RecordedResource[];
  /**
   * Moves each record `from` → `to` (each `from` recorded, each `to` free), and rewrites
   * `dependsOn` / `boundTo` of every other record that names a moved address. Returns the
   * records at their new addresses.
   */
  moveResources(moves: readonly { readonly from: string; readonly to: string }[], author: EditAuthor): RecordedResource[];
  /**
   * Records an object that already exists (`netfirst import ADDRESS ID`), as adoption
   * does: refused when the address is recorded, or its provider ID is recorded at any
   * other address (one object is never managed twice). Returns the record.
   */
  importResource(record: ResourceRecord, author: EditAuthor): RecordedResource;
}

interface EditDeps {
  readonly resources: ResourceTable;
  readonly events: EventLog;
  readonly now: () => Date;
  readonly verifyFile: () => void;
}

export function prepareStateEdits(db: Database.Database, { resources, events, now, verifyFile }: EditDeps): StateEdits {
  const bumpSerial = db.prepare("UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'serial'");
  const byProviderId = db.prepare<[string], { address: string }>('SELECT address FROM resources WHERE provider_id = ? LIMIT 1');

  const importOne = db.transaction((record: ResourceRecord, author: EditAuthor): RecordedResource => {
    if (resources.get(record.address)) throw new Error(`state: ${record.address} is already recorded; nothing was imported`);
    if (byProviderId.get(record.providerId)) throw new Error(`state: provider ID ${record.providerId} is already recorded; nothing was imported`);
    const at = now().toISOString();
    const recorded: RecordedResource = { ...record, createdAt: at, updatedAt: at };
    resources.write(recorded);
    events.append({
      at, runId: author.runId, address: recorded.address, tenant: recorded.tenant, zone: recorded.zone, type: recorded.type, action: 'create',
      providerId: recorded.providerId, attributes: recorded.attributes, actor: author.actor, command: author.command,
    });
    bumpSerial.run();
    return recorded;
  });

  const forget = db.transaction((addresses: readonly string[], author: EditAuthor): RecordedResource[] => {
    const at = now().toISOString();
    const removed = addresses.map((address) => {
      const row = resources.get(address);
      if (!row) throw new Error(`state: ${address} is not recorded; nothing was removed`);
      resources.remove(address);
      events.append({
        at, runId: author.runId, address, tenant: row.tenant, zone: row.zone, type: row.type, action: 'delete',
        providerId: row.providerId, attributes: null, actor: author.actor, command: author.command,
      });
      return row;
    });
    if (removed.length > 0) bumpSerial.run();
    return removed;
  });

  const move = db.transaction((moves: readonly { from: string; to: string }[], author: EditAuthor): RecordedResource[] => {
    const at = now().toISOString();
    const renamed = new Map(moves.map((m) => [m.from, m.to] as const));
    const rows = moves.map(({ from, to }) => {
      const row = resources.get(from);
      if (!row) throw new Error(`state: ${from} is not recorded; nothing was moved`);
      if (resources.get(to) && !renamed.has(to)) throw new Error(`state: ${to} is already recorded; nothing was moved`);
      return row;
    });
    for (const row of rows) resources.remove(row.address);
    const follow = (list: readonly string[]): readonly string[] => list.map((a) => renamed.get(a) ?? a);
    const moved = rows.map((row) => {
      const to = renamed.get(row.address)!;
      const attributes = followAddressesIn(row.attributes, renamed);
      const record: RecordedResource = { ...row, address: to, attributes, dependsOn: follow(row.dependsOn), boundTo: follow(row.boundTo), updatedAt: at };
      resources.write(record);
      const base = { at, runId: author.runId, tenant: row.tenant, zone: row.zone, type: row.type, providerId: row.providerId, actor: author.actor, command: author.command };
      events.append({ ...base, address: row.address, action: 'delete', attributes: null });
      events.append({ ...base, address: to, action: 'create', attributes });
      return record;
    });
    // References to a moved record follow it — dependency lists and attributes that hold
    // its address (a disk's `vm`, a port forward's `vm`): they name the same object, whose
    // provider ID is kept, so no plan may replace them for the move.
    const tenants = new Set(rows.map((r) => r.tenant));
    const movedTo = new Set(moved.map((m) => m.address));
    for (const tenant of tenants) {
      for (const other of resources.listByTenant(tenant)) {
        if (movedTo.has(other.address)) continue;
        const attributes = followAddressesIn(other.attributes, renamed);
        const names = (list: readonly string[]): boolean => list.some((a) => renamed.has(a));
        if (attributes === other.attributes && !names(other.dependsOn) && !names(other.boundTo)) continue;
        resources.write({ ...other, attributes, dependsOn: follow(other.dependsOn), boundTo: follow(other.boundTo), updatedAt: at });
        if (attributes !== other.attributes) {
          events.append({
            at, runId: author.runId, address: other.address, tenant: other.tenant, zone: other.zone, type: other.type, action: 'update',
            providerId: other.providerId, attributes, actor: author.actor, command: author.command,
          });
        }
      }
    }
    if (moved.length > 0) bumpSerial.run();
    return moved;
  });

  // Only while the state file is the one opened, and known afterwards to have reached it.
  const guarded = guardWrites(verifyFile);

  return {
    forgetResources: (addresses, author) => guarded(() => forget.immediate(addresses, author)),
    moveResources: (moves, author) => guarded(() => move.immediate(moves, author)),
    importResource: (record, author) => guarded(() => importOne.immediate(record, author)),
  };
}
