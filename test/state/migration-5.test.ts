/**
 * Migration 5 (secret digest key): a state made before it gets a random key, and the
 * lineage-keyed digests in its append-only event history are replaced by a marker, so
 * no copy of the old offline oracle is left in the database.
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

describe('migration 5: secret digest key', () => {
  it('gives an old state a key and scrubs lineage-keyed digests from its events', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netfirst-m5-'));
    dirs.push(dir);
    const path = join(dir, 'state.db');
    const old = `sha256:${'ab'.repeat(32)}`;
    // A state at version 4, as written before this netfirst, with one event holding a digest.
    const db = new Database(path);
    migrate(db, new Date('2025-01-01T00:00:00Z'), MIGRATIONS.filter((m) => m.version <= 4));
    db.prepare("INSERT INTO events (at, run_id, address, tenant, zone, type, action, provider_id, attributes) VALUES ('2025-01-01T00:00:00Z', 'r', 'acme/vpn-user/alice', 'acme', 'z1', 'vpn-user', 'create', 'u-1', ?)")
      .run(JSON.stringify({ name: 'alice', password: old }));
    db.close();

    const state = openState(path);
    expect(state.secretKey).toHaveLength(32);
    state.close();
    const after = new Database(path, { readonly: true });
    const attributes = after.prepare('SELECT attributes FROM events').pluck().get() as string;
    after.close();
    expect(attributes).not.toContain(old);
    expect(JSON.parse(attributes)).toEqual({ name: 'alice', password: 'sha256:(removed)' });
  });

  it('gives two states two different keys', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netfirst-m5-'));
    dirs.push(dir);
    const a = openState(join(dir, 'a.db'));
    const b = openState(join(dir, 'b.db'));
    expect(a.secretKey.equals(b.secretKey)).toBe(false);
    a.close();
    b.close();
  });
});
