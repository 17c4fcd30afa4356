/**
 * The state schema as an ordered list of migrations. `schema_version` records every
 * migration applied; opening a store applies the missing ones in one transaction, so a
 * database is always at exactly one known version. Append new migrations; never edit
 * one that has shipped.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';

export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly up: (db: Database.Database, now: Date) => void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'meta, resources, allocations, journal, events',
    up(db) {
      // Commit cost is dominated by the pages each transaction writes to the WAL, so
      // tables keyed by text are WITHOUT ROWID (no second b-tree) and indexes are few:
      // tenants are address prefixes, allocations are found from the resource's attributes.
      db.exec(`
        CREATE TABLE meta (
          key   TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) STRICT;

        CREATE TABLE resources (
          address     TEXT PRIMARY KEY,
          type        TEXT NOT NULL,
          tenant      TEXT NOT NULL,
          zone        TEXT NOT NULL,
          provider_id TEXT NOT NULL,
          attributes  TEXT NOT NULL,
          depends_on  TEXT NOT NULL,
          bound_to    TEXT NOT NULL,
          protect     INTEGER NOT NULL,
          sensitive   TEXT NOT NULL,
          created_at  TEXT NOT NULL,
          updated_at  TEXT NOT NULL
        ) STRICT, WITHOUT ROWID;

        -- Values in use per zone. 'ip' values are '<networkAddress>:<ip>'.
        CREATE TABLE allocations (
          zone    TEXT NOT NULL,
          kind    TEXT NOT NULL CHECK (kind IN ('vlan', 'vxlan', 'ip', 'public-ip')),
          value   TEXT NOT NULL,
          address TEXT NOT NULL,
          PRIMARY KEY (zone, kind, value)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE journal (
          id          INTEGER PRIMARY KEY,
          run_id      TEXT NOT NULL,
          address     TEXT NOT NULL,
          action      TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete', 'read')),
          type        TEXT NOT NULL,
          tenant      TEXT NOT NULL,
          zone        TEXT NOT NULL,
          provider_id TEXT,
          status      TEXT NOT NULL CHECK (status IN ('pending', 'failed')),
          started_at  TEXT NOT NULL,
          finished_at TEXT,
          message     TEXT
        ) STRICT;

        -- Append-only: rows are never updated or deleted, so ids only grow.
        CREATE TABLE events (
          id          INTEGER PRIMARY KEY,
          at          TEXT NOT NULL,
          run_id      TEXT NOT NULL,
          address     TEXT NOT NULL,
          tenant      TEXT NOT NULL,
          zone        TEXT NOT NULL,
          type        TEXT NOT NULL,
          action      TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete')),
          provider_id TEXT NOT NULL,
          attributes  TEXT
        ) STRICT;
      `);
      const insert = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
      insert.run('lineage', randomUUID());
      insert.run('serial', '0');
    },
  },
  {
    version: 2,
    description: 'locks',
    up(db) {
      // One row per locked scope: the primary key is what makes two holders impossible.
      // Today the only scope is 'state' (the whole database); a per-tenant lock is a
      // scope such as 'tenant:acme-dental', with no change to the table.
      db.exec(`
        CREATE TABLE locks (
          scope        TEXT PRIMARY KEY,
          id           TEXT NOT NULL UNIQUE,
          owner        TEXT NOT NULL,
          pid          INTEGER NOT NULL,
          host         TEXT NOT NULL,
          command      TEXT NOT NULL,
          acquired_at  TEXT NOT NULL,
          heartbeat_at TEXT NOT NULL
        ) STRICT, WITHOUT ROWID;
      `);
    },
  },
  {
    version: 3,
    description: 'journal job ids',
    up(db) {
      // An async provider (CloudStack) accepts a call as a job before it is done: the job
      // and the new object's id are journalled then, so a crash or timeout while polling
      // is resolved by reading that object, never by creating a second one.
      db.exec('ALTER TABLE journal ADD COLUMN job_id TEXT');
    },
  },
  {
    version: 4,
    description: 'reconcile status',
    up(db) {
      // The last verdict of `netfirst reconcile` per tenant (state/reconcile-status.ts).
      db.exec(`
        CREATE TABLE reconcile_status (
          tenant         TEXT PRIMARY KEY,
          status         TEXT NOT NULL CHECK (status IN ('Synced', 'OutOfSync', 'Drifted', 'Error')),
          summary        TEXT NOT NULL,
          drifted        INTEGER NOT NULL,
          pending        INTEGER NOT NULL,
          action         TEXT NOT NULL CHECK (action IN ('none', 'healed', 'synced', 'deferred', 'failed')),
          action_detail  TEXT NOT NULL,
          last_error     TEXT,
          last_error_at  TEXT,
          checked_at     TEXT NOT NULL,
          status_since   TEXT NOT NULL,
          last_synced_at TEXT,
          round_id       TEXT NOT NULL,
          detail         TEXT NOT NULL
        ) STRICT, WITHOUT ROWID;
      `);
    },
  },
  {
    version: 5,
    description: 'secret digest key',
    up(db) {
      // Secret digests in plans and state are HMACs keyed by this random key, which never
      // leaves the database: nobody who sees a plan can test a guess offline (the lineage,
      // printed in every plan, keyed them before). Digests made with the lineage are
      // re-digested by the next run that reads the secret (engine/cli/secrets.ts).
      db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('secret_key', ?)").run(randomBytes(32).toString('hex'));
      // The event history is append-only, but lineage-keyed digests in it are the same
      // oracle: they are replaced by a marker (billing reads no secret attribute).
      const rows = db.prepare<[], { id: number; attributes: string }>("SELECT id, attributes FROM events WHERE attributes LIKE '%sha256:%'").all();
      const scrub = db.prepare('UPDATE events SET attributes = ? WHERE id = ?');
      for (const row of rows) {
        const scrubbed = row.attributes.replace(/"sha256:[0-9a-f]{64}"/g, '"sha256:(removed)"');
        if (scrubbed !== row.attributes) scrub.run(scrubbed, row.id);
      }
    },
  },
  {
    version: 6,
    description: 'API tokens, audit log, API plans and runs, run events, idempotency',
    up(db) {
      // What `netfirst serve` keeps (state/tokens.ts, state/audit.ts, state/api-records.ts).
      // Tokens keep only the sha256 of their secret. The audit log is append-only, which
      // its triggers enforce against netfirst's own bugs and its hash chain (with the head
      // in meta) reveals to anyone who edits the file by other means. A plan's or run's
      // tenants are a JSON array, matched exactly with json_each.
      db.exec(`
        CREATE TABLE api_tokens (
          id           TEXT PRIMARY KEY,
          secret_hash  TEXT NOT NULL UNIQUE,
          role         TEXT NOT NULL CHECK (role IN ('operator', 'partner', 'tenant', 'viewer')),
          partner      TEXT,
          tenant       TEXT,
          description  TEXT,
          created_at   TEXT NOT NULL,
          expires_at   TEXT NOT NULL,
          last_used_at TEXT,
          revoked_at   TEXT,
          CHECK (role <> 'partner' OR partner IS NOT NULL),
          CHECK (role <> 'tenant' OR tenant IS NOT NULL)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE audit_log (
          seq       INTEGER PRIMARY KEY,
          at        TEXT NOT NULL,
          actor     TEXT NOT NULL,
          role      TEXT NOT NULL,
          action    TEXT NOT NULL,
          target    TEXT,
          plan_id   TEXT,
          run_id    TEXT,
          result    TEXT NOT NULL,
          detail    TEXT,
          prev_hash TEXT NOT NULL,
          hash      TEXT NOT NULL
        ) STRICT;
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
          BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
          BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

        CREATE TABLE api_plans (
          id           TEXT PRIMARY KEY,
          created_at   TEXT NOT NULL,
          created_by   TEXT NOT NULL,
          partner      TEXT,
          tenants      TEXT NOT NULL,
          destroy      INTEGER NOT NULL,
          status       TEXT NOT NULL CHECK (status IN ('planned', 'approved', 'discarded', 'applying', 'applied', 'failed')),
          serial       INTEGER NOT NULL,
          spec_hash    TEXT NOT NULL,
          has_changes  INTEGER NOT NULL,
          has_errors   INTEGER NOT NULL,
          summary      TEXT NOT NULL,
          text         TEXT NOT NULL,
          markdown     TEXT NOT NULL,
          json         TEXT NOT NULL,
          request      TEXT NOT NULL,
          approved_by  TEXT,
          approved_at  TEXT,
          discarded_at TEXT
        ) STRICT;
        CREATE INDEX api_plans_newest ON api_plans (created_at, id);

        CREATE TABLE api_runs (
          id          TEXT PRIMARY KEY,
          plan_id     TEXT NOT NULL REFERENCES api_plans (id),
          created_at  TEXT NOT NULL,
          created_by  TEXT NOT NULL,
          partner     TEXT,
          tenants     TEXT NOT NULL,
          status      TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled', 'interrupted')),
          finished_at TEXT,
          summary     TEXT,
          instance    TEXT NOT NULL
        ) STRICT;
        CREATE INDEX api_runs_newest ON api_runs (created_at, id);
        CREATE INDEX api_runs_plan ON api_runs (plan_id);
        CREATE INDEX api_runs_running ON api_runs (instance) WHERE status = 'running';

        CREATE TABLE run_events (
          run_id TEXT NOT NULL REFERENCES api_runs (id),
          seq    INTEGER NOT NULL,
          at     TEXT NOT NULL,
          type   TEXT NOT NULL,
          data   TEXT NOT NULL,
          PRIMARY KEY (run_id, seq)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE idempotency (
          token_id     TEXT NOT NULL,
          key          TEXT NOT NULL,
          request_hash TEXT NOT NULL,
          status       INTEGER NOT NULL,
          body         TEXT NOT NULL,
          created_at   TEXT NOT NULL,
          PRIMARY KEY (token_id, key)
        ) STRICT, WITHOUT ROWID;
      `);
    },
  },
  {
    version: 7,
    description: 'event actor and command',
    up(db) {
      // Events written by `state rm` / `state mv` say who made them and with which command:
      // such an edit asks nothing of a provider, so no run explains it. Older rows (and
      // events of runs, whose run_id explains them) keep NULL.
      db.exec('ALTER TABLE events ADD COLUMN actor TEXT');
      db.exec('ALTER TABLE events ADD COLUMN command TEXT');
    },
  },
  {
    version: 8,
    description: 'tenant versions',
    up(db) {
      // A random version per tenant, drawn afresh by every write to one of its resources
      // (triggers: no write path can forget it). A plan's memo (engine/run/plan-memo.ts)
      // keys a tenant's result by it: equal versions mean the same recorded resources,
      // even across a restored backup and a history that went another way since (a
      // counter would repeat there; 64 random bits do not). `resources` counts them.
      db.exec(`
        CREATE TABLE tenant_versions (
          tenant    TEXT PRIMARY KEY,
          version   INTEGER NOT NULL,
          resources INTEGER NOT NULL
        ) STRICT, WITHOUT ROWID;
        INSERT INTO tenant_versions (tenant, version, resources)
          SELECT tenant, random(), count(*) FROM resources GROUP BY tenant;
        CREATE TRIGGER tenant_version_insert AFTER INSERT ON resources BEGIN
          INSERT INTO tenant_versions (tenant, version, resources) VALUES (NEW.tenant, random(), 1)
            ON CONFLICT (tenant) DO UPDATE SET version = random(), resources = resources + 1;
        END;
        CREATE TRIGGER tenant_version_delete AFTER DELETE ON resources BEGIN
          UPDATE tenant_versions SET version = random(), resources = resources - 1 WHERE tenant = OLD.tenant;
        END;
        CREATE TRIGGER tenant_version_update AFTER UPDATE ON resources BEGIN
          UPDATE tenant_versions SET version = random(), resources = resources - 1 WHERE tenant = OLD.tenant;
          INSERT INTO tenant_versions (tenant, version, resources) VALUES (NEW.tenant, random(), 1)
            ON CONFLICT (tenant) DO UPDATE SET version = random(), resources = resources + 1;
        END;
      `);
    },
  },
];

/**
 * Refuses, before anything is written, a database netfirst must not migrate into: one
 * whose tables are another program's, or whose schema is newer than `migrations`.
 * Reads only, so a refused file is left byte for byte as it was. A database with no
 * tables (a new file), or only an empty schema_version (a first open cut short), is new.
 */
export function checkDatabase(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): void {
  const tables = db.prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();
  const others = tables.filter((name) => name !== 'schema_version' && !name.startsWith('sqlite_'));
  const version = tables.includes('schema_version')
    ? (db.prepare('SELECT max(version) FROM schema_version').pluck().get() as number | null)
    : null;
  if (version === null) {
    if (others.length === 0) return;
    const shown = others.slice(0, 5).join(', ') + (others.length > 5 ? `, … (${others.length} tables)` : '');
    throw new StateFileError('foreign', `it holds tables netfirst does not know (${shown}) and no netfirst schema_version`);
  }
  const latest = migrations.at(-1)?.version ?? 0;
  if (version > latest) {
    throw new StateFileError('newer', `it is at schema version ${version}, newer than this netfirst (${latest}); upgrade netfirst`);
  }
  if (!tables.includes('meta')) throw new StateFileError('corrupt', `it is at schema version ${version} but has no meta table`);
}

/** Why a state file cannot be used: another program's, a newer netfirst's, or damaged. */
export class StateFileError extends Error {
  override readonly name = 'StateFileError';
  constructor(
    readonly kind: 'foreign' | 'newer' | 'corrupt',
    message: string,
  ) {
    super(message);
  }
}

/** Applies every migration newer than the database, in one immediate transaction. Returns the resulting version. */
export function migrate(db: Database.Database, now: Date, migrations: readonly Migration[] = MIGRATIONS): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
    version     INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at  TEXT NOT NULL
  ) STRICT`);
  const run = db.transaction(() => {
    const row = db.prepare('SELECT max(version) AS version FROM schema_version').get() as { version: number | null };
    const current = row.version ?? 0;
    const latest = migrations.at(-1)?.version ?? 0;
    if (current > latest) {
      throw new Error(`state database is at schema version ${current}, newer than this netfirst (${latest}); upgrade netfirst`);
    }
    const record = db.prepare('INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)');
    for (const m of migrations) {
      if (m.version <= current) continue;
      m.up(db, now);
      record.run(m.version, m.description, now.toISOString());
    }
    return Math.max(current, latest);
  });
  return run.immediate();
}
