/**
 * Plans and runs made through `netfirst serve`, the progress events of each run, and
 * the responses kept for Idempotency-Key replays. The server decides what they say;
 * these tables keep them, each write one transaction. Lists page by keyset (newest
 * first, `before` = the last item seen), so a page never shifts while new plans or runs
 * arrive. A plan's or run's tenants are a JSON array matched with json_each: a filter on
 * tenant X finds exactly the plans holding X, never one holding "X-2".
 */
import type Database from 'better-sqlite3';
import { guardWrites } from './state-file.js';

export const API_PLAN_STATUSES = ['planned', 'approved', 'discarded', 'applying', 'applied', 'failed'] as const;
/**
 * The lifecycle the server drives with setPlanStatus (the table checks only `from`):
 *
 * | status      | meaning                                          | moves to              |
 * |-------------|--------------------------------------------------|-----------------------|
 * | `planned`   | made, waiting for approval                       | approved, discarded   |
 * | `approved`  | someone allowed to approved it (approvedBy/At)   | applying, discarded   |
 * | `discarded` | dropped before it ran (discardedAt); final       | —                     |
 * | `applying`  | a run is executing it                            | applied, failed       |
 * | `applied`   | its run succeeded; final                         | —                     |
 * | `failed`    | its run failed or was interrupted; final         | —                     |
 */
export type ApiPlanStatus = (typeof API_PLAN_STATUSES)[number];

export interface ApiPlanRecord {
  readonly id: string;
  /** ISO 8601 UTC with milliseconds, as every timestamp here. */
  readonly createdAt: string;
  /** Token id, or 'cli'. */
  readonly createdBy: string;
  readonly partner?: string;
  readonly tenants: readonly string[];
  readonly destroy: boolean;
  readonly status: ApiPlanStatus;
  /** The state serial the plan was made against. */
  readonly serial: number;
  readonly specHash: string;
  readonly hasChanges: boolean;
  readonly hasErrors: boolean;
  readonly summary: { add: number; change: number; replace: number; destroy: number };
  readonly text: string;
  readonly markdown: string;
  /** The sealed plan JSON. */
  readonly json: string;
  /** JSON of what was asked. */
  readonly request: string;
  readonly approvedBy?: string;
  readonly approvedAt?: string;
  readonly discardedAt?: string;
}

export const RUN_STATUSES = ['running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const;
/** `interrupted`: the server running it stopped (killed) before it finished; found by interruptOrphanedRuns. */
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface RunRecord {
  readonly id: string;
  /** An API plan: a run can only be made of one (foreign key). */
  readonly planId: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly partner?: string;
  readonly tenants: readonly string[];
  readonly status: RunStatus;
  readonly finishedAt?: string;
  readonly summary?: string;
  /** The server instance executing it: a running run of another instance is an orphan once that instance is gone. */
  readonly instance: string;
}

export interface RunEvent {
  readonly runId: string;
  /** 1, 2, 3, … within the run. */
  readonly seq: number;
  readonly at: string;
  readonly type: string;
  /** JSON. */
  readonly data: string;
}

/** Where a page ends: the (createdAt, id) of the last item seen. */
export interface PageCursor {
  readonly createdAt: string;
  readonly id: string;
}

export interface IdempotentResponse {
  /** The hash of the request first made with the key: a different request under the same key is the caller's to refuse. */
  readonly requestHash: string;
  readonly status: number;
  readonly body: string;
}

export interface ApiRecords {
  /** Throws when the id exists. */
  insertPlan(record: ApiPlanRecord): void;
  getPlan(id: string): ApiPlanRecord | undefined;
  /** Keyset pagination: createdAt desc, id desc; `before` = the (createdAt,id) of the last item seen. */
  listPlans(options: { limit: number; before?: PageCursor; partner?: string; tenant?: string; status?: ApiPlanStatus }): ApiPlanRecord[];
  /**
   * Compare-and-set: moves only from one of `from`; returns false when the plan was not in one of them.
   * Moving to `approved` records `by` as approvedBy/approvedAt, to `discarded` `by.at` as discardedAt: both need `by`.
   */
  setPlanStatus(id: string, from: readonly ApiPlanStatus[], to: ApiPlanStatus, by?: { actor: string; at: Date }): boolean;
  /** Throws when the id exists or its plan does not. */
  insertRun(record: RunRecord): void;
  getRun(id: string): RunRecord | undefined;
  /** Keyset pagination as listPlans. */
  listRuns(options: { limit: number; before?: PageCursor; partner?: string; status?: RunStatus }): RunRecord[];
  /**
   * Ends a run that is `running` — or `interrupted`, when the instance thought gone
   * finishes after all: its outcome is the truth. Throws (a bug) for an unknown or
   * already finished run, or when `status` is 'running'.
   */
  finishRun(id: string, status: RunStatus, summary: string, at: Date): void;
  /**
   * Runs left 'running' by another server instance (killed): marked 'interrupted', returned.
   * Call it only when no other instance is serving this state: a live instance's runs would be marked too.
   */
  interruptOrphanedRuns(instance: string, at: Date): RunRecord[];
  /** seq 1,2,3… per run; `data` is stored as JSON (undefined as null). Throws for an unknown run. */
  appendRunEvent(runId: string, type: string, data: unknown, at: Date): RunEvent;
  /** Events with seq > afterSeq, ascending, at most `limit` (all when omitted). */
  runEvents(runId: string, afterSeq: number, limit?: number): RunEvent[];
  /** Idempotency-Key: a stored response for (tokenId, key), or undefined. */
  findIdempotent(tokenId: string, key: string): IdempotentResponse | undefined;
  /** Keeps the first response saved for (tokenId, key): a replay always gets the answer the first request got. */
  saveIdempotent(tokenId: string, key: string, value: IdempotentResponse, at: Date): void;
}

/** What interruptOrphanedRuns writes as the summary of a run it ends. */
export const INTERRUPTED_SUMMARY = 'interrupted: the server running it stopped before it finished';

interface PlanRow {
  id: string;
  created_at: string;
  created_by: string;
  partner: string | null;
  tenants: string;
  destroy: number;
  status: string;
  serial: number;
  spec_hash: string;
  has_changes: number;
  has_errors: number;
  summary: string;
  text: string;
  markdown: string;
  json: string;
  request: string;
  approved_by: string | null;
  approved_at: string | null;
  discarded_at: string | null;
}

interface RunRow {
  id: string;
  plan_id: string;
  created_at: string;
  created_by: string;
  partner: string | null;
  tenants: string;
  status: string;
  finished_at: string | null;
  summary: string | null;
  instance: string;
}

interface EventRow {
  run_id: string;
  seq: number;
  at: string;
  type: string;
  data: string;
}

interface PageParams {
  limit: number;
  before_at: string | null;
  before_id: string | null;
  partner: string | null;
  status: string | null;
}

// `@x IS NULL OR …` keeps one prepared statement for every combination of filters.
const PAGE = `(@before_at IS NULL OR (created_at, id) < (@before_at, @before_id))
  AND (@partner IS NULL OR partner = @partner) AND (@status IS NULL OR status = @status)`;
const NEWEST_FIRST = 'ORDER BY created_at DESC, id DESC LIMIT @limit';

export function prepareApiRecords(db: Database.Database, { verifyFile = () => undefined }: { readonly verifyFile?: () => void } = {}): ApiRecords {
  const guarded = guardWrites(verifyFile);
  const insertPlan = db.prepare(`INSERT INTO api_plans (id, created_at, created_by, partner, tenants, destroy, status, serial, spec_hash,
      has_changes, has_errors, summary, text, markdown, json, request, approved_by, approved_at, discarded_at)
    VALUES (@id, @created_at, @created_by, @partner, @tenants, @destroy, @status, @serial, @spec_hash,
      @has_changes, @has_errors, @summary, @text, @markdown, @json, @request, @approved_by, @approved_at, @discarded_at)`);
  const planById = db.prepare<[string], PlanRow>('SELECT * FROM api_plans WHERE id = ?');
  const listPlans = db.prepare<[PageParams & { tenant: string | null }], PlanRow>(`SELECT * FROM api_plans WHERE ${PAGE}
    AND (@tenant IS NULL OR EXISTS (SELECT 1 FROM json_each(tenants) WHERE value = @tenant)) ${NEWEST_FIRST}`);
  // approvedBy/At and discardedAt are set only by the move to that status, and kept after.
  const setPlanStatus = db.prepare(`UPDATE api_plans SET status = @to,
      approved_by = CASE WHEN @to = 'approved' THEN @actor ELSE approved_by END,
      approved_at = CASE WHEN @to = 'approved' THEN @at ELSE approved_at END,
      discarded_at = CASE WHEN @to = 'discarded' THEN @at ELSE discarded_at END
    WHERE id = @id AND status IN (SELECT value FROM json_each(@from))`);

  const insertRun = db.prepare(`INSERT INTO api_runs (id, plan_id, created_at, created_by, partner, tenants, status, finished_at, summary, instance)
    VALUES (@id, @plan_id, @created_at, @created_by, @partner, @tenants, @status, @finished_at, @summary, @instance)`);
  const runById = db.prepare<[string], RunRow>('SELECT * FROM api_runs WHERE id = ?');
  const listRuns = db.prepare<[PageParams], RunRow>(`SELECT * FROM api_runs WHERE ${PAGE} ${NEWEST_FIRST}`);
  const finishRun = db.prepare("UPDATE api_runs SET status = ?, summary = ?, finished_at = ? WHERE id = ? AND status IN ('running', 'interrupted')");
  const orphans = db.prepare<[string], RunRow>("SELECT * FROM api_runs WHERE status = 'running' AND instance <> ? ORDER BY created_at, id");
  const interrupt = db.prepare("UPDATE api_runs SET status = 'interrupted', summary = ?, finished_at = ? WHERE id = ? AND status = 'running'");

  const lastSeq = db.prepare<[string], number>('SELECT coalesce(max(seq), 0) FROM run_events WHERE run_id = ?').pluck();
  const insertEvent = db.prepare('INSERT INTO run_events (run_id, seq, at, type, data) VALUES (?, ?, ?, ?, ?)');
  const events = db.prepare<[string, number, number], EventRow>('SELECT * FROM run_events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?');

  const findIdempotent = db.prepare<[string, string], { request_hash: string; status: number; body: string }>(
    'SELECT request_hash, status, body FROM idempotency WHERE token_id = ? AND key = ?');
  const saveIdempotent = db.prepare(`INSERT INTO idempotency (token_id, key, request_hash, status, body, created_at)
    VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (token_id, key) DO NOTHING`);

  const interruptOrphans = db.transaction((instance: string, at: string): RunRecord[] => {
    const found = orphans.all(instance);
    for (const row of found) interrupt.run(INTERRUPTED_SUMMARY, at, row.id);
    return found.map((row) => fromRunRow({ ...row, status: 'interrupted', summary: INTERRUPTED_SUMMARY, finished_at: at }));
  });

  const appendEvent = db.transaction((runId: string, type: string, data: string, at: string): RunEvent => {
    const seq = lastSeq.get(runId)! + 1;
    insertEvent.run(runId, seq, at, type, data);
    return { runId, seq, at, type, data };
  });

  const page = (options: { limit: number; before?: PageCursor; partner?: string; status?: string }): PageParams => ({
    limit: options.limit,
    before_at: options.before?.createdAt ?? null,
    before_id: options.before?.id ?? null,
    partner: options.partner ?? null,
    status: options.status ?? null,
  });

  return {
    insertPlan: (record) => guarded(() => void insertPlan.run(toPlanRow(record))),
    getPlan(id) {
      const row = planById.get(id);
      return row ? fromPlanRow(row) : undefined;
    },
    listPlans: (options) => listPlans.all({ ...page(options), tenant: options.tenant ?? null }).map(fromPlanRow),
    setPlanStatus(id, from, to, by) {
      if ((to === 'approved' || to === 'discarded') && by === undefined) throw new Error(`api records: moving plan ${id} to ${to} needs who and when`);
      return guarded(() => setPlanStatus.run({
        id, to, from: JSON.stringify(from), actor: by?.actor ?? null, at: by?.at.toISOString() ?? null,
      }).changes === 1);
    },
    insertRun: (record) => guarded(() => void insertRun.run(toRunRow(record))),
    getRun(id) {
      const row = runById.get(id);
      return row ? fromRunRow(row) : undefined;
    },
    listRuns: (options) => listRuns.all(page(options)).map(fromRunRow),
    finishRun(id, status, summary, at) {
      if (status === 'running') throw new Error(`api records: run ${id} cannot finish as running`);
      const changed = guarded(() => finishRun.run(status, summary, at.toISOString(), id).changes);
      if (changed === 0) {
        const run = runById.get(id);
        throw new Error(run ? `api records: run ${id} already finished (${run.status})` : `api records: no run ${id}`);
      }
    },
    interruptOrphanedRuns: (instance, at) => guarded(() => interruptOrphans.immediate(instance, at.toISOString())),
    appendRunEvent: (runId, type, data, at) => guarded(() => appendEvent.immediate(runId, type, JSON.stringify(data ?? null), at.toISOString())),
    runEvents: (runId, afterSeq, limit) => events.all(runId, afterSeq, limit ?? -1).map((row) => ({
      runId: row.run_id, seq: row.seq, at: row.at, type: row.type, data: row.data,
    })),
    findIdempotent(tokenId, key) {
      const row = findIdempotent.get(tokenId, key);
      return row ? { requestHash: row.request_hash, status: row.status, body: row.body } : undefined;
    },
    saveIdempotent: (tokenId, key, value, at) =>
      guarded(() => void saveIdempotent.run(tokenId, key, value.requestHash, value.status, value.body, at.toISOString())),
  };
}

function toPlanRow(r: ApiPlanRecord): PlanRow {
  return {
    id: r.id, created_at: r.createdAt, created_by: r.createdBy, partner: r.partner ?? null, tenants: JSON.stringify(r.tenants),
    destroy: r.destroy ? 1 : 0, status: r.status, serial: r.serial, spec_hash: r.specHash, has_changes: r.hasChanges ? 1 : 0,
    has_errors: r.hasErrors ? 1 : 0, summary: JSON.stringify(r.summary), text: r.text, markdown: r.markdown, json: r.json,
    request: r.request, approved_by: r.approvedBy ?? null, approved_at: r.approvedAt ?? null, discarded_at: r.discardedAt ?? null,
  };
}

function fromPlanRow(row: PlanRow): ApiPlanRecord {
  return {
    id: row.id,
    createdAt: row.created_at,
    createdBy: row.created_by,
    ...(row.partner !== null ? { partner: row.partner } : {}),
    tenants: JSON.parse(row.tenants) as string[],
    destroy: row.destroy === 1,
    status: row.status as ApiPlanStatus,
    serial: row.serial,
    specHash: row.spec_hash,
    hasChanges: row.has_changes === 1,
    hasErrors: row.has_errors === 1,
    summary: JSON.parse(row.summary) as ApiPlanRecord['summary'],
    text: row.text,
    markdown: row.markdown,
    json: row.json,
    request: row.request,
    ...(row.approved_by !== null ? { approvedBy: row.approved_by } : {}),
    ...(row.approved_at !== null ? { approvedAt: row.approved_at } : {}),
    ...(row.discarded_at !== null ? { discardedAt: row.discarded_at } : {}),
  };
}

function toRunRow(r: RunRecord): RunRow {
  return {
    id: r.id, plan_id: r.planId, created_at: r.createdAt, created_by: r.createdBy, partner: r.partner ?? null,
    tenants: JSON.stringify(r.tenants), status: r.status, finished_at: r.finishedAt ?? null, summary: r.summary ?? null, instance: r.instance,
  };
}

function fromRunRow(row: RunRow): RunRecord {
  return {
    id: row.id,
    planId: row.plan_id,
    createdAt: row.created_at,
    createdBy: row.created_by,
    ...(row.partner !== null ? { partner: row.partner } : {}),
    tenants: JSON.parse(row.tenants) as string[],
    status: row.status as RunStatus,
    ...(row.finished_at !== null ? { finishedAt: row.finished_at } : {}),
    ...(row.summary !== null ? { summary: row.summary } : {}),
    instance: row.instance,
  };
}
