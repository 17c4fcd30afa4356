/**
 * The audit log: who did what through the API or CLI, and with what result. Append-only
 * and hash-chained: each record's hash covers its fields and its predecessor's hash, and
 * the newest (seq, hash) — the head — is kept in meta, written in the same transaction
 * as every append. So changing, removing or reordering any record, the newest included,
 * is found by `verifyAudit`. A new record chains to the head, never to whatever row is
 * last, so a removal stays visible after later appends.
 */
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { guardWrites } from './state-file.js';

export interface AuditEntry {
  /** A token id, or 'cli'. */
  readonly actor: string;
  readonly role: string;
  /** e.g. 'plan.create', 'plan.approve', 'run.start', 'apply', 'token.revoke'. */
  readonly action: string;
  readonly target?: string;
  readonly planId?: string;
  readonly runId?: string;
  /** 'ok' | 'refused' | 'failed' | … */
  readonly result: string;
  readonly detail?: string;
}

export interface AuditRecord extends AuditEntry {
  /** 1, 2, 3, … with no gaps. */
  readonly seq: number;
  /** ISO 8601 UTC with milliseconds. */
  readonly at: string;
  /** The previous record's hash; 64 zeros for the first. */
  readonly prevHash: string;
  /** sha256 (hex) of the canonical JSON of every other field (auditHash). */
  readonly hash: string;
}

export type AuditVerdict =
  | { ok: true; count: number }
  /**
   * `count`: records found intact before the problem; `seq`: the first record wrong or
   * missing (or that may be missing); `problem`: what, in words, for people.
   */
  | { ok: false; count: number; seq: number; problem: string };

export interface AuditLog {
  appendAudit(entry: AuditEntry, at: Date): AuditRecord;
  /**
   * seq > after (and < before, when given), at most limit: ascending, or with
   * `newestFirst` descending (the newest `limit` of the range — a page of a log read backwards).
   */
  listAudit(options: { after?: number; before?: number; newestFirst?: boolean; limit: number; actor?: string; action?: string }): AuditRecord[];
  /**
   * Walks the whole chain: each hash = sha256 of the canonical JSON of the record's fields
   * (sorted keys, without `hash`) including prevHash; first prevHash = 64 zeros. Also
   * compares the last record with a head (seq, hash) kept in the meta table and updated in
   * the same transaction as every append, so removing the newest record(s) is found too.
   */
  verifyAudit(): AuditVerdict;
}

export const AUDIT_GENESIS_HASH = '0'.repeat(64);
const HEAD_KEY = 'audit_head';

interface Row {
  seq: number;
  at: string;
  actor: string;
  role: string;
  action: string;
  target: string | null;
  plan_id: string | null;
  run_id: string | null;
  result: string;
  detail: string | null;
  prev_hash: string;
  hash: string;
}

interface Head {
  readonly seq: number;
  readonly hash: string;
}

/**
 * The hash of a record: sha256 (hex) of its fields but `hash` as JSON with sorted keys
 * and absent optional fields left out. Records are flat, so sorting the top-level keys
 * makes the text canonical.
 */
export function auditHash(record: Omit<AuditRecord, 'hash'>): string {
  const fields = Object.fromEntries(Object.entries(record).filter(([key, value]) => key !== 'hash' && value !== undefined));
  return createHash('sha256').update(JSON.stringify(fields, Object.keys(fields).sort()), 'utf8').digest('hex');
}

export function prepareAudit(db: Database.Database, { verifyFile = () => undefined }: { readonly verifyFile?: () => void } = {}): AuditLog {
  const guarded = guardWrites(verifyFile);
  const insert = db.prepare(`INSERT INTO audit_log (seq, at, actor, role, action, target, plan_id, run_id, result, detail, prev_hash, hash)
    VALUES (@seq, @at, @actor, @role, @action, @target, @plan_id, @run_id, @result, @detail, @prev_hash, @hash)`);
  const getHead = db.prepare<[string], string>('SELECT value FROM meta WHERE key = ?').pluck();
  const setHead = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  const range = `SELECT * FROM audit_log WHERE seq > @after AND (@before IS NULL OR seq < @before)
    AND (@actor IS NULL OR actor = @actor) AND (@action IS NULL OR action = @action)`;
  type Range = { after: number; before: number | null; limit: number; actor: string | null; action: string | null };
  const list = db.prepare<[Range], Row>(`${range} ORDER BY seq LIMIT @limit`);
  const listNewest = db.prepare<[Range], Row>(`${range} ORDER BY seq DESC LIMIT @limit`);
  const all = db.prepare<[], Row>('SELECT * FROM audit_log ORDER BY seq');

  /** The head in meta; undefined when none was written, 'unreadable' when it is not a (seq, hash). */
  const readHead = (): Head | 'unreadable' | undefined => {
    const value = getHead.get(HEAD_KEY);
    return value === undefined ? undefined : parseHead(value);
  };

  const append = db.transaction((entry: AuditEntry, at: Date): AuditRecord => {
    const stored = readHead();
    // Appending after a damaged head would chain the new record to a guess.
    if (stored === 'unreadable') throw new Error(`audit: the head in meta (${HEAD_KEY}) is damaged; run verifyAudit`);
    const head = stored ?? { seq: 0, hash: AUDIT_GENESIS_HASH };
    const unhashed: Omit<AuditRecord, 'hash'> = {
      seq: head.seq + 1, at: at.toISOString(), actor: entry.actor, role: entry.role, action: entry.action,
      ...(entry.target !== undefined ? { target: entry.target } : {}),
      ...(entry.planId !== undefined ? { planId: entry.planId } : {}),
      ...(entry.runId !== undefined ? { runId: entry.runId } : {}),
      result: entry.result,
      ...(entry.detail !== undefined ? { detail: entry.detail } : {}),
      prevHash: head.hash,
    };
    const record: AuditRecord = { ...unhashed, hash: auditHash(unhashed) };
    insert.run(toRow(record));
    setHead.run(HEAD_KEY, JSON.stringify({ seq: record.seq, hash: record.hash } satisfies Head));
    return record;
  });

  // One read transaction: the head and the rows are of the same database version.
  const verify = db.transaction((): AuditVerdict => {
    let count = 0;
    let last: Head = { seq: 0, hash: AUDIT_GENESIS_HASH };
    for (const row of all.iterate()) {
      const record = fromRow(row);
      if (auditHash(record) !== record.hash) {
        return { ok: false, count, seq: record.seq, problem: `record ${record.seq} was changed (its hash does not match its contents)` };
      }
      if (record.seq !== last.seq + 1) {
        const missing = last.seq + 1;
        return { ok: false, count, seq: missing, problem: `record ${missing} is missing or was reordered (record ${record.seq} names another predecessor)` };
      }
      if (record.prevHash !== last.hash && last.seq === 0) {
        return { ok: false, count, seq: 1, problem: 'record 1 was replaced (it names a predecessor, but it is the first)' };
      }
      if (record.prevHash !== last.hash) {
        // The predecessor's own hash held: it was replaced by a record hashed anew.
        return {
          ok: false, count: count - 1, seq: last.seq,
          problem: `record ${last.seq} was replaced or reordered (record ${record.seq} names another predecessor)`,
        };
      }
      count++;
      last = { seq: record.seq, hash: record.hash };
    }
    const head = readHead();
    if (head === 'unreadable') {
      return { ok: false, count, seq: last.seq, problem: `the audit head in meta was changed: it is not a record number and hash` };
    }
    if (head === undefined) {
      if (count === 0) return { ok: true, count };
      return { ok: false, count, seq: last.seq + 1, problem: `the audit head is missing from meta: the chain of ${count} records cannot be shown complete` };
    }
    if (head.seq > last.seq) {
      return { ok: false, count, seq: last.seq + 1, problem: `the newest records were removed: the chain ends at ${last.seq} but ${head.seq} was written` };
    }
    if (head.seq < last.seq) {
      return { ok: false, count, seq: head.seq + 1, problem: `records after ${head.seq} were added outside netfirst: the chain ends at ${last.seq} but ${head.seq} was written last` };
    }
    if (head.hash !== last.hash) {
      return { ok: false, count: count - 1, seq: last.seq, problem: `record ${last.seq} was replaced (its hash is not the one written)` };
    }
    return { ok: true, count };
  });

  return {
    appendAudit: (entry, at) => guarded(() => append.immediate(entry, at)),
    listAudit: ({ after = 0, before, newestFirst = false, limit, actor, action }) =>
      (newestFirst ? listNewest : list).all({ after, before: before ?? null, limit, actor: actor ?? null, action: action ?? null }).map(fromRow),
    verifyAudit: () => verify.deferred(),
  };
}

function parseHead(value: string): Head | 'unreadable' {
  try {
    const head = JSON.parse(value) as Partial<Head>;
    if (Number.isSafeInteger(head.seq) && typeof head.hash === 'string' && /^[0-9a-f]{64}$/.test(head.hash)) return { seq: head.seq!, hash: head.hash };
  } catch {
    // Not JSON: unreadable as well.
  }
  return 'unreadable';
}

function toRow(r: AuditRecord): Row {
  return {
    seq: r.seq, at: r.at, actor: r.actor, role: r.role, action: r.action, target: r.target ?? null, plan_id: r.planId ?? null,
    run_id: r.runId ?? null, result: r.result, detail: r.detail ?? null, prev_hash: r.prevHash, hash: r.hash,
  };
}

function fromRow(row: Row): AuditRecord {
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    role: row.role,
    action: row.action,
    ...(row.target !== null ? { target: row.target } : {}),
    ...(row.plan_id !== null ? { planId: row.plan_id } : {}),
    ...(row.run_id !== null ? { runId: row.run_id } : {}),
    result: row.result,
    ...(row.detail !== null ? { detail: row.detail } : {}),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
