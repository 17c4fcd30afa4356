/**
 * The audit log: records chain by hash, and verifyAudit finds — and names — a record
 * changed, removed from the middle, removed from the end, or re-hashed, as someone who
 * edits the file with sqlite3 would leave it. Appending after a removal does not hide it.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { AUDIT_GENESIS_HASH, auditHash, openState, type AuditEntry, type StateStore } from '../../state/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'netfirst-audit-'));
  dirs.push(dir);
  return join(dir, 'state.db');
}

const at = (i: number) => new Date(Date.parse('2025-06-01T12:00:00.000Z') + i * 1000);

const entry = (i: number): AuditEntry => ({
  actor: i % 2 === 0 ? 'cli' : 'a1b2c3d4e5f6',
  role: 'operator',
  action: i % 3 === 0 ? 'plan.approve' : 'plan.create',
  target: `plan-${i}`,
  planId: `plan-${i}`,
  result: 'ok',
  ...(i % 4 === 0 ? { detail: `note ${i}` } : {}),
});

/** A state with `n` audit records (seq 1…n). */
function withRecords(path: string, n: number): StateStore {
  const state = openState(path);
  for (let i = 1; i <= n; i++) state.appendAudit(entry(i), at(i));
  return state;
}

/** Edits the database as someone with the file and sqlite3 would: the append-only triggers dropped first. */
function tamper(path: string, ...sql: string[]): void {
  const db = new Database(path);
  db.exec('DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;');
  for (const s of sql) db.exec(s);
  db.close();
}

/** Record `seq` with its detail and predecessor set, and its hash computed anew, as a careful forger would. */
function rehashed(path: string, seq: number, detail: string, prevHash?: string): string {
  const state = openState(path);
  const record = state.listAudit({ after: seq - 1, limit: 1 })[0]!;
  state.close();
  const { hash: _, ...fields } = { ...record, detail, prevHash: prevHash ?? record.prevHash };
  return `UPDATE audit_log SET detail = '${detail}', prev_hash = '${fields.prevHash}', hash = '${auditHash(fields)}' WHERE seq = ${seq}`;
}

describe('appendAudit', () => {
  it('numbers records from 1 and chains each to the one before', () => {
    const state = withRecords(tempPath(), 3);
    const records = state.listAudit({ limit: 10 });
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(records[0]!.prevHash).toBe(AUDIT_GENESIS_HASH);
    expect(records[1]!.prevHash).toBe(records[0]!.hash);
    expect(records[2]!.prevHash).toBe(records[1]!.hash);
    expect(records[0]).toEqual({
      seq: 1, at: '2025-06-01T12:00:01.000Z', actor: 'a1b2c3d4e5f6', role: 'operator', action: 'plan.create', target: 'plan-1',
      planId: 'plan-1', result: 'ok', prevHash: AUDIT_GENESIS_HASH, hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    state.close();
  });

  it('hashes the canonical JSON of the record: sorted keys, absent fields left out, without the hash', () => {
    const state = withRecords(tempPath(), 1);
    const [record] = state.listAudit({ limit: 1 });
    const { hash, ...fields } = record!;
    const canonical = JSON.stringify(Object.fromEntries(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : 1))));
    expect(hash).toBe(createHash('sha256').update(canonical).digest('hex'));
    state.close();
  });

  it('is refused by the database itself when anything tries to change or remove a record', () => {
    const path = tempPath();
    withRecords(path, 2).close();
    const db = new Database(path);
    expect(() => db.exec("UPDATE audit_log SET result = 'refused' WHERE seq = 1")).toThrow(/append-only/);
    expect(() => db.exec('DELETE FROM audit_log WHERE seq = 2')).toThrow(/append-only/);
    db.close();
  });
});

describe('listAudit', () => {
  it.each([
    { reason: 'everything, oldest first', given: { limit: 100 }, want: [1, 2, 3, 4, 5, 6, 7, 8] },
    { reason: 'a page after a seq', given: { after: 3, limit: 2 }, want: [4, 5] },
    { reason: 'one actor', given: { actor: 'cli', limit: 100 }, want: [2, 4, 6, 8] },
    { reason: 'one action', given: { action: 'plan.approve', limit: 100 }, want: [3, 6] },
    { reason: 'actor and action together, after a seq', given: { actor: 'cli', action: 'plan.approve', after: 2, limit: 100 }, want: [6] },
    { reason: 'past the end is empty', given: { after: 8, limit: 100 }, want: [] },
    { reason: 'newest first, a page before a seq (the console reads the log backwards)', given: { before: 7, newestFirst: true, limit: 3 }, want: [6, 5, 4] },
    { reason: 'newest first, one actor', given: { actor: 'cli', newestFirst: true, limit: 3 }, want: [8, 6, 4] },
  ])('$reason', ({ given, want }) => {
    const state = withRecords(tempPath(), 8);
    expect(state.listAudit(given).map((r) => r.seq)).toEqual(want);
    state.close();
  });
});

describe('verifyAudit', () => {
  it.each([
    { reason: 'an empty log is whole', given: 0, want: { ok: true, count: 0 } },
    { reason: 'a log as written is whole', given: 5, want: { ok: true, count: 5 } },
  ])('$reason', ({ given, want }) => {
    const state = withRecords(tempPath(), given);
    expect(state.verifyAudit()).toEqual(want);
    state.close();
  });

  it.each([
    {
      reason: 'a changed detail is named by its seq',
      given: (_path: string) => ["UPDATE audit_log SET detail = 'nothing to see' WHERE seq = 3"],
      want: { ok: false, count: 2, seq: 3, problem: 'record 3 was changed (its hash does not match its contents)' },
    },
    {
      reason: 'a changed actor on the newest record is named too',
      given: (_path: string) => ["UPDATE audit_log SET actor = 'cli' WHERE seq = 5"],
      want: { ok: false, count: 4, seq: 5, problem: 'record 5 was changed (its hash does not match its contents)' },
    },
    {
      reason: 'a record removed from the middle',
      given: (_path: string) => ['DELETE FROM audit_log WHERE seq = 3'],
      want: { ok: false, count: 2, seq: 3, problem: 'record 3 is missing or was reordered (record 4 names another predecessor)' },
    },
    {
      reason: 'the first record removed',
      given: (_path: string) => ['DELETE FROM audit_log WHERE seq = 1'],
      want: { ok: false, count: 0, seq: 1, problem: 'record 1 is missing or was reordered (record 2 names another predecessor)' },
    },
    {
      reason: 'the newest record removed',
      given: (_path: string) => ['DELETE FROM audit_log WHERE seq = 5'],
      want: { ok: false, count: 4, seq: 5, problem: 'the newest records were removed: the chain ends at 4 but 5 was written' },
    },
    {
      reason: 'the two newest records removed',
      given: (_path: string) => ['DELETE FROM audit_log WHERE seq >= 4'],
      want: { ok: false, count: 3, seq: 4, problem: 'the newest records were removed: the chain ends at 3 but 5 was written' },
    },
    {
      reason: 'every record removed',
      given: (_path: string) => ['DELETE FROM audit_log'],
      want: { ok: false, count: 0, seq: 1, problem: 'the newest records were removed: the chain ends at 0 but 5 was written' },
    },
    {
      reason: 'a middle record re-hashed after its change is found by its successor',
      given: (path: string) => [rehashed(path, 2, 'forged')],
      want: { ok: false, count: 1, seq: 2, problem: 'record 2 was replaced or reordered (record 3 names another predecessor)' },
    },
    {
      reason: 'a first record re-hashed to name a predecessor',
      given: (path: string) => [rehashed(path, 1, 'forged', 'f'.repeat(64))],
      want: { ok: false, count: 0, seq: 1, problem: 'record 1 was replaced (it names a predecessor, but it is the first)' },
    },
    {
      reason: 'the newest record re-hashed after its change is found by the head',
      given: (path: string) => [rehashed(path, 5, 'forged')],
      want: { ok: false, count: 4, seq: 5, problem: 'record 5 was replaced (its hash is not the one written)' },
    },
    {
      reason: 'the newest records removed together with the head',
      given: (_path: string) => ['DELETE FROM audit_log WHERE seq >= 4', "DELETE FROM meta WHERE key = 'audit_head'"],
      want: { ok: false, count: 3, seq: 4, problem: 'the audit head is missing from meta: the chain of 3 records cannot be shown complete' },
    },
    {
      reason: 'a damaged head',
      given: (_path: string) => ["UPDATE meta SET value = 'x' WHERE key = 'audit_head'"],
      want: { ok: false, count: 5, seq: 5, problem: 'the audit head in meta was changed: it is not a record number and hash' },
    },
  ])('finds tampering: $reason', ({ given, want }) => {
    const path = tempPath();
    withRecords(path, 5).close();
    tamper(path, ...given(path));
    const state = openState(path);
    expect(state.verifyAudit()).toEqual(want);
    state.close();
  });

  it('still finds a removed newest record after later appends (they chain to the head, not the last row)', () => {
    const path = tempPath();
    withRecords(path, 5).close();
    tamper(path, 'DELETE FROM audit_log WHERE seq = 5');
    const state = openState(path);
    const next = state.appendAudit(entry(6), at(6));
    expect(next.seq).toBe(6);
    expect(state.verifyAudit()).toEqual({ ok: false, count: 4, seq: 5, problem: 'record 5 is missing or was reordered (record 6 names another predecessor)' });
    state.close();
  });

  it('refuses to append after a damaged head rather than chain to a guess', () => {
    const path = tempPath();
    withRecords(path, 2).close();
    tamper(path, "UPDATE meta SET value = '{}' WHERE key = 'audit_head'");
    const state = openState(path);
    expect(() => state.appendAudit(entry(3), at(3))).toThrow(/head .* is damaged/);
    expect(state.listAudit({ limit: 10 })).toHaveLength(2);
    state.close();
  });

  it('keeps one chain when two stores append to the same file in turn', () => {
    const path = tempPath();
    const a = openState(path);
    const b = openState(path);
    for (let i = 1; i <= 6; i++) (i % 2 === 0 ? a : b).appendAudit(entry(i), at(i));
    expect(a.verifyAudit()).toEqual({ ok: true, count: 6 });
    a.close();
    b.close();
  });
});
