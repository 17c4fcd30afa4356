/**
 * The state schema versions, for `netfirst version`: the one this netfirst writes, and
 * the one a state file is at — read without migrating or creating anything, so asking
 * never changes a file (an older one is migrated by the next command that opens it).
 */
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';

/** The schema version this netfirst migrates every state to. */
export const STATE_SCHEMA_VERSION: number = MIGRATIONS.at(-1)?.version ?? 0;

export type StateFileVersion =
  | { readonly kind: 'none' }
  | { readonly kind: 'at'; readonly version: number }
  | { readonly kind: 'unreadable'; readonly reason: string };

/** The schema version of the state at `path`; `none` when no file is there (none is created). */
export function stateFileVersion(path: string): StateFileVersion {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return { kind: 'none' };
  if (!stat.isFile()) return { kind: 'unreadable', reason: 'not a regular file' };
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const version = db.prepare('SELECT max(version) FROM schema_version').pluck().get();
    return typeof version === 'number' ? { kind: 'at', version } : { kind: 'unreadable', reason: 'no schema version recorded' };
  } catch (error) {
    return { kind: 'unreadable', reason: error instanceof Error ? error.message : String(error) };
  } finally {
    db?.close();
  }
}
