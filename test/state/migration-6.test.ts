/**
 * Migration 6 (what `netfirst serve` keeps): a state made before it opens with its
 * resources, events and keys untouched, gains the new tables empty, and is usable for
 * tokens, audit and API records at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openState } from '../../state/index.js';
import { migrate, MIGRATIONS } from '../../state/migrations.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

const NEW_TABLES = ['api_plans', 'api_runs', 'api_tokens', 'audit_log', 'idempotency', 'run_events'];

describe('migration 6: API tokens, audit log, API plans and runs', () => {
  it('upgrades a version-5 state without touching what it held', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netfirst-m6-'));
    dirs.push(dir);
    const path = join(dir, 'state.db');
    const db = new Database(path);
    migrate(db, new Date('2025-01-01T00:00:00.000Z'), MIGRATIONS.filter((m) => m.version <= 5));
    db.prepare("INSERT INTO events (at, run_id, address, tenant, zone, type, action, provider_id, attributes) VALUES ('2025-01-01T00:00:00.000Z', 'r', 'acme/network/office', 'acme', 'z1', 'network', 'create', 'net-1', '{}')").run();
    const meta = db.prepare('SELECT key, value FROM meta ORDER BY key').all();
    db.close();

    const state = openState(path);
    expect(state.schemaVersion).toBeGreaterThanOrEqual(6);
    expect([...state.events()]).toHaveLength(1);
    expect(state.listTokens()).toEqual([]);
    expect(state.verifyAudit()).toEqual({ ok: true, count: 0 });
    expect(state.listPlans({ limit: 10 })).toEqual([]);
    state.appendAudit({ actor: 'cli', role: 'operator', action: 'token.create', result: 'ok' }, new Date('2025-06-01T00:00:00.000Z'));
    state.close();

    const after = new Database(path, { readonly: true });
    // The meta rows from before are unchanged; the audit head is the one new key.
    expect(after.prepare("SELECT key, value FROM meta WHERE key <> 'audit_head' ORDER BY key").all()).toEqual(meta);
    const tables = after.prepare<[], { name: string; strict: number }>("SELECT name, strict FROM pragma_table_list WHERE schema = 'main'").all();
    after.close();
    for (const name of NEW_TABLES) expect(tables.find((t) => t.name === name), name).toEqual({ name, strict: 1 });
  });
});
