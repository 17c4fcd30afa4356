/**
 * The state store: the one owner of `.netfirst/state.db`. Opening creates the file and
 * its directory (private to the owner: state-file.ts), switches to WAL, and migrates;
 * every write is a transaction, made only while the path still names the file opened;
 * reads come back as plain typed values. The default path is the CLI's business, not this.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { RecordedResource } from '../specs/model/resource.js';
import type { Allocation } from './allocations.js';
import { type ApiRecords, prepareApiRecords } from './api-records.js';
import { type AuditLog, prepareAudit } from './audit.js';
import { type EventFilter, prepareEvents, type StateEvent } from './events.js';
import { prepareStateEdits, type StateEdits } from './edits.js';
import { type Journal, prepareJournal } from './journal.js';
import { checkDatabase, migrate, StateFileError } from './migrations.js';
import { prepareReconcileStatus, type ReconcileStatusTable } from './reconcile-status.js';
import { prepareResources } from './resources.js';
import { prepareDigestRewrites, type RewriteSecretDigests } from './secret-digests.js';
import { buildSnapshot, type StateSnapshot } from './snapshot.js';
import { prepareTokens, type TokenTable } from './tokens.js';
import { createStateFile, type FileIdentity, fileIdentity, removeOrphanedSideFiles, sideFileIdentities, stateFileGuard, tightenStateFile } from './state-file.js';

export interface StateOptions {
  /** Clock used for every timestamp the store writes (tests inject one). */
  readonly now?: () => Date;
}

/** The resources' journal and history, then what `netfirst serve` keeps: tokens, audit log, API plans and runs. */
export interface StateStore extends Journal, StateEdits, ReconcileStatusTable, TokenTable, AuditLog, ApiRecords {
  readonly path: string;
  /** Random UUID fixed when the database was created: tells one state apart from a copy of another. */
  readonly lineage: string;
  readonly schemaVersion: number;
  /**
   * The random key (32 bytes) that keys secret digests and saved-plan seals. It never
   * leaves the database: not in plans, JSON, markdown, events or logs.
   */
  readonly secretKey: Buffer;
  /** Moves recorded secret digests to new values where they still hold the old (secret-digests.ts). */
  readonly rewriteSecretDigests: RewriteSecretDigests;
  /** Goes up by one with every committed change to resources. */
  serial(): number;
  /**
   * Throws StateFileGoneError when `path` no longer names the file this store opened
   * (removed or replaced since). Every write checks it before and after; a run checks it
   * once more at its end.
   */
  verifyFile(): void;
  getResource(address: string): RecordedResource | undefined;
  /** Every resource, sorted by address. */
  listResources(): RecordedResource[];
  listByTenant(tenant: string): RecordedResource[];
  listAllocations(zone?: string): Allocation[];
  /**
   * Lifecycle events in id order. The connection is busy until the iterator finishes
   * (or `return()`s): finish iterating before writing through this store.
   */
  events(filter?: EventFilter): IterableIterator<StateEvent>;
  snapshot(): StateSnapshot;
  /**
   * Every tenant with recorded resources: a version drawn afresh by each write to one of
   * them (migration 8), and how many there are. Cheap: no resource is read.
   */
  tenantVersions(): ReadonlyMap<string, TenantVersion>;
  close(): void;
}

export interface TenantVersion {
  /** Random 64 bits as a decimal string: equal exactly when the tenant's records are the same. */
  readonly version: string;
  readonly resources: number;
}

/**
 * Opens (creating if need be) and migrates the state at `path`. Throws an Error whose
 * message names the path and says what is wrong — "… is not a netfirst state
 * database: …", "… is corrupt: …", "cannot open state …: …" — for the CLI to print as
 * one line. A file that is not a netfirst state (another program's SQLite database, a
 * newer schema, random bytes) is refused before anything is written to it.
 */
export function openState(path: string, options: StateOptions = {}): StateStore {
  const now = options.now ?? (() => new Date());
  if (path !== ':memory:') {
    const stat = statSync(path, { throwIfNoEntry: false });
    // SQLite would block on a FIFO and fail obscurely on a directory or device.
    if (stat && !stat.isFile()) throw new Error(`${path} is not a netfirst state database: it is not a regular file`);
    try {
      if (!stat) createStateFile(path);
    } catch (err) {
      throw new Error(`cannot open state ${path}: ${(err as Error).message}`, { cause: err });
    }
  }
  let db: Database.Database;
  try {
    db = new Database(path);
  } catch (err) {
    throw new Error(`cannot open state ${path}: ${(err as Error).message}`, { cause: err });
  }
  // Taken right after the open: the file SQLite holds open, as far as a path can tell.
  const identity = path === ':memory:' ? undefined : fileIdentity(path);
  const verifyFile = identity === undefined ? () => undefined : stateFileGuard(resolve(path), identity);
  try {
    checkDatabase(db);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // Runs for different tenants write the same file side by side (per-tenant locks):
    // a write waits for the other's transaction instead of failing with SQLITE_BUSY.
    db.pragma('busy_timeout = 15000');
    // Checkpoints (which fsync) dominate commit cost at the default 1,000 pages; 10,000
    // pages (~40 MB of WAL) lets hot pages (journal and event tails) coalesce first.
    db.pragma('wal_autocheckpoint = 10000');
    db.pragma('journal_size_limit = 67108864');
    const schemaVersion = migrate(db, now());
    // Only a file known to be a netfirst state is ours to tighten: another program's
    // database, refused above, keeps its mode.
    if (identity !== undefined) tightenStateFile(path);
    // The -wal and -shm exist once the first transaction ran (the migration's check).
    const sides = identity === undefined ? new Map<string, FileIdentity>() : sideFileIdentities(resolve(path));
    return assemble(db, path, schemaVersion, now, { verifyFile, sides });
  } catch (err) {
    db.close();
    throw new Error(openFailure(path, err), { cause: err });
  }
}

function fileIsGone(verifyFile: () => void): boolean {
  try {
    verifyFile();
    return false;
  } catch {
    return true;
  }
}

/** One line for why the state at `path` did not open. */
function openFailure(path: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown }).code;
  if (err instanceof StateFileError) {
    if (err.kind === 'foreign') return `${path} is not a netfirst state database: ${message}`;
    if (err.kind === 'newer') return `${path}: ${message}`;
    return `${path} is corrupt: ${message}`;
  }
  if (code === 'SQLITE_NOTADB') return `${path} is not a netfirst state database: it is not an SQLite database (${message})`;
  if (code === 'SQLITE_CORRUPT') return `${path} is corrupt: ${message}`;
  return `cannot open state ${path}: ${message}`;
}

/** The file a store opened: the check that it is still at its path, and the -wal and -shm it had beside it. */
interface OpenedFile {
  readonly verifyFile: () => void;
  readonly sides: ReadonlyMap<string, FileIdentity>;
}

function assemble(db: Database.Database, path: string, schemaVersion: number, now: () => Date, { verifyFile, sides }: OpenedFile): StateStore {
  const getMeta = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
  const lineage = getMeta.get('lineage')?.value;
  if (lineage === undefined) throw new StateFileError('corrupt', 'meta has no lineage');
  const secretKeyHex = getMeta.get('secret_key')?.value;
  if (secretKeyHex === undefined || !/^[0-9a-f]{64}$/.test(secretKeyHex)) throw new StateFileError('corrupt', 'meta has no secret key');
  const secretKey = Buffer.from(secretKeyHex, 'hex');
  const serial = (): number => Number(getMeta.get('serial')?.value ?? 0);

  const resources = prepareResources(db);
  const events = prepareEvents(db);
  const journal = prepareJournal(db, { resources, events, now, verifyFile });
  const edits = prepareStateEdits(db, { resources, events, now, verifyFile });
  const reconcileStatus = prepareReconcileStatus(db);
  const tokens = prepareTokens(db, { now, verifyFile });
  const audit = prepareAudit(db, { verifyFile });
  const apiRecords = prepareApiRecords(db, { verifyFile });

  const versions = db.prepare<[], [string, bigint, bigint]>('SELECT tenant, version, resources FROM tenant_versions WHERE resources > 0').raw(true).safeIntegers(true);

  let cached: StateSnapshot | undefined;
  // One read transaction: the serial and the rows come from the same database version.
  const takeSnapshot = db.transaction((): StateSnapshot => {
    const current = serial();
    if (cached?.serial !== current) cached = buildSnapshot(lineage, current, resources.each);
    return cached;
  });

  return {
    ...journal,
    ...edits,
    ...reconcileStatus,
    ...tokens,
    ...audit,
    ...apiRecords,
    path,
    lineage,
    schemaVersion,
    secretKey,
    rewriteSecretDigests: prepareDigestRewrites(db, resources, verifyFile),
    serial,
    verifyFile,
    getResource: resources.get,
    listResources: resources.list,
    listByTenant: resources.listByTenant,
    listAllocations: resources.listAllocations,
    events: events.iterate,
    snapshot: () => takeSnapshot(),
    tenantVersions: () => new Map(versions.all().map(([tenant, version, count]) => [tenant, { version: String(version), resources: Number(count) }])),
    close() {
      const gone = fileIsGone(verifyFile);
      db.close();
      if (gone) removeOrphanedSideFiles(sides);
    },
  };
}
