/**
 * The event history: one append-only row per lifecycle change of a resource (create,
 * update, delete), stamped in the same transaction as the change itself. Billing
 * derives usage hours from it and audit reads it, so `at` is exact (ISO 8601 UTC, ms)
 * and rows are never rewritten.
 */
import type Database from 'better-sqlite3';
import type { Attributes, ResourceTypeName } from '../specs/model/resource.js';

export type EventAction = 'create' | 'update' | 'delete';

export interface StateEvent {
  readonly id: number;
  /** ISO 8601 UTC with milliseconds. */
  readonly at: string;
  readonly runId: string;
  readonly address: string;
  readonly tenant: string;
  readonly zone: string;
  readonly type: ResourceTypeName;
  readonly action: EventAction;
  readonly providerId: string;
  /** Attributes after the change; null for a delete. */
  readonly attributes: Attributes | null;
  /**
   * Who made a change that no provider call made (`state rm`, `state mv`): `user@host`,
   * or `user@host as partner NAME`; absent for a run's own events.
   */
  readonly actor?: string;
  /** The command that made such a change, e.g. `state rm acme/vm/web-1`. */
  readonly command?: string;
}

export type NewEvent = Omit<StateEvent, 'id'>;

/** `from` is inclusive, `to` exclusive; both compare against `at`. */
export interface EventFilter {
  readonly from?: Date | string;
  readonly to?: Date | string;
  readonly tenant?: string;
  /** Only events with a greater id (a reader resuming where it stopped). */
  readonly afterId?: number;
  /**
   * `id` (default): the order things happened. `resource`: grouped by tenant and
   * address, in id order within each — one resource's whole history at a time, for
   * readers (usage metering) that fold each history without holding the others.
   */
  readonly order?: 'id' | 'resource';
}

interface EventRow {
  id: number;
  at: string;
  run_id: string;
  address: string;
  tenant: string;
  zone: string;
  type: string;
  action: string;
  provider_id: string;
  attributes: string | null;
  actor: string | null;
  command: string | null;
}

export interface EventLog {
  /** Appends one event. Call inside the transaction of the change it records. */
  append(event: NewEvent): void;
  iterate(filter?: EventFilter): IterableIterator<StateEvent>;
}

const iso = (t: Date | string): string => (typeof t === 'string' ? new Date(t).toISOString() : t.toISOString());

export function prepareEvents(db: Database.Database): EventLog {
  const insert = db.prepare(`INSERT INTO events (at, run_id, address, tenant, zone, type, action, provider_id, attributes, actor, command)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  // `@x IS NULL OR …` keeps one prepared statement for every combination of filters.
  // Ordering by resource sorts in SQLite (spilling to a temporary file when large) rather
  // than keeping an index that every commit would have to write.
  const where = 'WHERE (@from IS NULL OR at >= @from) AND (@to IS NULL OR at < @to) AND (@tenant IS NULL OR tenant = @tenant) AND id > @after';
  type Params = [{ from: string | null; to: string | null; tenant: string | null; after: number }];
  const select = {
    id: db.prepare<Params, EventRow>(`SELECT * FROM events ${where} ORDER BY id`),
    resource: db.prepare<Params, EventRow>(`SELECT * FROM events ${where} ORDER BY tenant, address, id`),
  };

  return {
    append(e) {
      insert.run(e.at, e.runId, e.address, e.tenant, e.zone, e.type, e.action, e.providerId,
        e.attributes === null ? null : JSON.stringify(e.attributes), e.actor ?? null, e.command ?? null);
    },
    *iterate(filter = {}) {
      const rows = select[filter.order ?? 'id'].iterate({
        from: filter.from === undefined ? null : iso(filter.from),
        to: filter.to === undefined ? null : iso(filter.to),
        tenant: filter.tenant ?? null,
        after: filter.afterId ?? 0,
      });
      for (const row of rows) {
        yield {
          id: row.id,
          at: row.at,
          runId: row.run_id,
          address: row.address,
          tenant: row.tenant,
          zone: row.zone,
          type: row.type as ResourceTypeName,
          action: row.action as EventAction,
          providerId: row.provider_id,
          attributes: row.attributes === null ? null : JSON.parse(row.attributes),
          ...(row.actor === null ? {} : { actor: row.actor }),
          ...(row.command === null ? {} : { command: row.command }),
        };
      }
    },
  };
}
