/**
 * The simulated world: its own SQLite file (so deleting netfirst's state leaves the
 * world standing, as deleting a state file leaves a real cloud standing). Objects are
 * rows with a CloudStack-like UUID and a netfirst address tag; `claims` holds every
 * value that must be unique in the zone (VLANs, VNIs, IPs…) with its holder. All
 * methods are synchronous; callers group check + write in `transaction`.
 */
import { chmodSync, closeSync, fchmodSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Attributes, ResourceTypeName } from '../../specs/model/resource.js';

export type ClaimKind = 'vlan' | 'vxlan' | 'public-ip' | 'ip' | 'static-nat' | 'port-forward' | 'vpn-peer' | 'vpn-user';

/** A value only one object in the zone may hold. 'ip' values are `<networkId>:<ip>`. */
export interface Claim {
  readonly kind: ClaimKind;
  readonly value: string;
  /** How a person names it in a message: `VLAN 310`, `IP 10.0.0.5`. */
  readonly label: string;
}

export interface SimObject {
  readonly id: string;
  readonly type: ResourceTypeName;
  readonly tenant: string;
  readonly zone: string;
  /** The netfirst address tag (like a CloudStack resource tag), used to adopt objects. */
  readonly address: string;
  readonly attributes: Attributes;
  /** Provider IDs of the objects it was created against, by address. */
  readonly refs: { readonly [address: string]: string };
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface World {
  get(id: string): SimObject | undefined;
  /** The id of the object holding a claim, if any. */
  holder(kind: ClaimKind, value: string): string | undefined;
  /** Ids of objects other than the network holding IPs on it (VM NICs). */
  nicHolders(networkId: string, limit: number): string[];
  insert(obj: SimObject, claims: readonly Claim[]): void;
  /** Rewrites an object, releasing `before` claims it no longer holds and taking new `after` ones. */
  replace(obj: SimObject, before: readonly Claim[], after: readonly Claim[]): void;
  remove(id: string, claims: readonly Claim[]): void;
  list(type: ResourceTypeName, zone: string, tenant?: string): IterableIterator<SimObject>;
  /** Every object, sorted by type then address. */
  all(): SimObject[];
  /** Totals of what VMs and disks consume, by cluster and by tier. */
  usage(): { compute: { cluster: string; cpu: number; memoryMiB: number }[]; storage: { tier: string; gib: number }[] };
  /**
   * Runs `fn` as one change of the world (all or nothing). Changes made in the same run
   * of microtasks commit together: await `durable()` before telling anyone a change was made.
   */
  transaction<T>(fn: () => T): T;
  /** Resolves once every change made so far is committed (rejects if that commit failed: they are undone). */
  durable(): Promise<void>;
  close(): void;
}

type ObjectRow = [id: string, type: string, tenant: string, zone: string, address: string, attributes: string, refs: string, createdAt: string, updatedAt: string];
const COLUMNS = 'id, type, tenant, zone, address, attributes, refs, created_at, updated_at';

const rowToObject = (r: ObjectRow): SimObject => ({
  id: r[0],
  type: r[1] as ResourceTypeName,
  tenant: r[2],
  zone: r[3],
  address: r[4],
  attributes: JSON.parse(r[5]),
  refs: JSON.parse(r[6]),
  createdAt: r[7],
  updatedAt: r[8],
});

const SCHEMA_VERSION = 1;

/**
 * The world stands for a zone's inventory: like the state beside it, it is its owner's
 * only. Created 0600 (SQLite gives its -wal and -shm the same mode) in a directory
 * created 0700; one an older netfirst left readable by others is tightened.
 */
function keepPrivate(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    const fd = openSync(path, 'wx', 0o600);
    try {
      fchmodSync(fd, 0o600);
    } finally {
      closeSync(fd);
    }
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    const stat = statSync(file, { throwIfNoEntry: false });
    if (!stat?.isFile() || (stat.mode & 0o077) === 0) continue;
    try {
      chmodSync(file, stat.mode & 0o700);
    } catch {
      // Another user's file: not ours to change.
    }
  }
}

/** Opens (creating if needed) the world file of zone `zoneName`; refuses a file that belongs to another zone. */
export function openWorld(path: string, zoneName: string): World {
  if (path !== ':memory:') keepPrivate(path);
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    // The simulated world needs to survive a killed process (WAL guarantees that at any
    // synchronous level), not a power cut: without fsync its commits cost half as much.
    db.pragma('synchronous = OFF');
    db.pragma('wal_autocheckpoint = 10000');
    db.pragma('journal_size_limit = 67108864');
    db.transaction(() => {
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) throw new Error(`world schema version ${version} is newer than this netfirst (${SCHEMA_VERSION})`);
      if (version < 1) {
        db.exec(`
          CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT, WITHOUT ROWID;
          CREATE TABLE objects (
            id         TEXT PRIMARY KEY,
            type       TEXT NOT NULL,
            tenant     TEXT NOT NULL,
            zone       TEXT NOT NULL,
            address    TEXT NOT NULL,
            attributes TEXT NOT NULL,
            refs       TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
          ) STRICT, WITHOUT ROWID;
          -- Writes are the hot path (every create), so no secondary indexes: listing by type
          -- is a rare scan, and claims are found from their holder's attributes when released.
          CREATE TABLE claims (
            kind      TEXT NOT NULL,
            value     TEXT NOT NULL,
            object_id TEXT NOT NULL,
            PRIMARY KEY (kind, value)
          ) STRICT, WITHOUT ROWID;
        `);
        db.prepare("INSERT INTO meta (key, value) VALUES ('zone', ?)").run(zoneName);
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }
    }).immediate();
    const owner = (db.prepare("SELECT value FROM meta WHERE key = 'zone'").pluck().get() as string | undefined) ?? zoneName;
    if (owner !== zoneName) throw new Error(`it holds the world of zone ${owner}, not ${zoneName}`);
  } catch (err) {
    db.close();
    throw new Error(`cannot open simulated zone ${zoneName} at ${path}: ${(err as Error).message}`, { cause: err });
  }

  const get = db.prepare<[string], ObjectRow>(`SELECT ${COLUMNS} FROM objects WHERE id = ?`).raw(true);
  const holder = db.prepare<[string, string], string>('SELECT object_id FROM claims WHERE kind = ? AND value = ?').pluck(true);
  // 'ip' claims of a network are the key range ['<id>:', '<id>;') (';' follows ':').
  const nicHolders = db
    .prepare<[string, string, string, number], string>(
      "SELECT DISTINCT object_id FROM claims WHERE kind = 'ip' AND value >= ? AND value < ? AND object_id <> ? LIMIT ?")
    .pluck(true);
  const insert = db.prepare(`INSERT INTO objects (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const update = db.prepare('UPDATE objects SET attributes = ?, refs = ?, updated_at = ? WHERE id = ?');
  const del = db.prepare('DELETE FROM objects WHERE id = ?');
  const claim = db.prepare('INSERT INTO claims (kind, value, object_id) VALUES (?, ?, ?)');
  const release = db.prepare('DELETE FROM claims WHERE kind = ? AND value = ? AND object_id = ?');
  const listAll = db.prepare<[string, string], ObjectRow>(`SELECT ${COLUMNS} FROM objects WHERE type = ? AND zone = ? ORDER BY address`).raw(true);
  const listTenant = db
    .prepare<[string, string, string], ObjectRow>(`SELECT ${COLUMNS} FROM objects WHERE type = ? AND zone = ? AND tenant = ? ORDER BY address`)
    .raw(true);
  const all = db.prepare<[], ObjectRow>(`SELECT ${COLUMNS} FROM objects ORDER BY type, address`).raw(true);
  const run = db.transaction((fn: () => unknown) => fn());
  // Capacity in use, summed by SQLite from the JSON attributes (no parsing in JS at open).
  const computeUsage = db.prepare<[], { cluster: string; cpu: number; memoryMiB: number }>(`
    SELECT attributes ->> '$.cluster' AS cluster, sum(attributes ->> '$.cpu') AS cpu, sum(attributes ->> '$.memoryMiB') AS memoryMiB
    FROM objects WHERE type = 'vm' GROUP BY 1`);
  const storageUsage = db.prepare<[], { tier: string; gib: number }>(`
    SELECT tier, sum(gib) AS gib FROM (
      SELECT attributes ->> '$.rootDisk.tier' AS tier, attributes ->> '$.rootDisk.sizeGiB' AS gib FROM objects WHERE type = 'vm'
      UNION ALL
      SELECT attributes ->> '$.tier', attributes ->> '$.sizeGiB' FROM objects WHERE type = 'disk'
    ) GROUP BY tier`);

  const claimKey = (c: Claim) => `${c.kind}\0${c.value}`;

  // Group commit: the first change opens a transaction, each change is a savepoint in
  // it, and a microtask queued then commits them all — the changes made by the calls
  // handled in the same run of microtasks share it (a commit per change cost more than
  // the change). The process being killed before that commit loses changes no caller was
  // told of (durable() had not resolved).
  let group: { resolve: () => void; reject: (e: unknown) => void }[] | undefined;
  const commitGroup = (): void => {
    const waiters = group ?? [];
    group = undefined;
    try {
      db.exec('COMMIT');
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      for (const w of waiters) w.reject(error);
      return;
    }
    for (const w of waiters) w.resolve();
  };

  return {
    get(id) {
      const row = get.get(id);
      return row ? rowToObject(row) : undefined;
    },
    holder: (kind, value) => holder.get(kind, value),
    nicHolders: (networkId, limit) => nicHolders.all(`${networkId}:`, `${networkId};`, networkId, limit),
    insert(o, claims) {
      insert.run(o.id, o.type, o.tenant, o.zone, o.address, JSON.stringify(o.attributes), JSON.stringify(o.refs), o.createdAt, o.updatedAt);
      for (const c of claims) claim.run(c.kind, c.value, o.id);
    },
    replace(o, before, after) {
      update.run(JSON.stringify(o.attributes), JSON.stringify(o.refs), o.updatedAt, o.id);
      const keep = new Set(after.map(claimKey));
      const had = new Set(before.map(claimKey));
      for (const c of before) if (!keep.has(claimKey(c))) release.run(c.kind, c.value, o.id);
      for (const c of after) if (!had.has(claimKey(c))) claim.run(c.kind, c.value, o.id);
    },
    remove(id, claims) {
      for (const c of claims) release.run(c.kind, c.value, id);
      del.run(id);
    },
    *list(type, zone, tenant) {
      const rows = tenant === undefined ? listAll.all(type, zone) : listTenant.all(type, zone, tenant);
      for (const row of rows) yield rowToObject(row);
    },
    all: () => all.all().map(rowToObject),
    usage: () => ({ compute: computeUsage.all(), storage: storageUsage.all() }),
    transaction<T>(fn: () => T): T {
      if (group === undefined) {
        db.exec('BEGIN IMMEDIATE');
        group = [];
        queueMicrotask(commitGroup);
      }
      return run(fn) as T;
    },
    durable: () => (group === undefined ? Promise.resolve() : new Promise<void>((resolve, reject) => group!.push({ resolve, reject }))),
    close() {
      if (group !== undefined) commitGroup();
      db.close();
    },
  };
}
