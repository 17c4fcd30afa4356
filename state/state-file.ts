/**
 * The state database as a file on disk. It is private to its owner: created 0600 in a
 * directory netfirst creates 0700, and tightened to 0600 (with its -wal and -shm) when
 * an older netfirst left it readable by others — SQLite creates the -wal and -shm with
 * the main file's mode, so they follow. And it is one file for the life of a store: its
 * device and inode are taken when the store opens, and a store whose path no longer
 * names that file (removed, or replaced by another) refuses to write, because what it
 * wrote would go to a file nobody will ever open again.
 */
import { chmodSync, closeSync, fchmodSync, mkdirSync, openSync, rmSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative } from 'node:path';

/** What tells one file apart from another that later takes its name. */
export interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
}

/** Only the owner reads and writes: states hold allocations, provider IDs and the secret key. */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** The files SQLite keeps beside a database in WAL mode. */
const SIDE_FILES = ['-wal', '-shm'] as const;

/**
 * Creates the empty state file (and any missing directory, 0700) with mode 0600
 * whatever the umask, so SQLite opens a file that was never readable by others.
 * A file that appeared meanwhile is left to `tightenStateFile`.
 */
export function createStateFile(path: string): void {
  createPrivateDirectory(dirname(path));
  let fd: number;
  try {
    fd = openSync(path, 'wx', PRIVATE_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw error;
  }
  try {
    // The umask may have taken more than group and other bits (0277 makes it read-only).
    fchmodSync(fd, PRIVATE_FILE_MODE);
  } finally {
    closeSync(fd);
  }
}

/** Creates `dir` and its missing parents 0700, whatever the umask; an existing directory is the operator's and stays as it is. */
function createPrivateDirectory(dir: string): void {
  const first = mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (first === undefined) return;
  for (let d = dir; ; d = dirname(d)) {
    chmodSync(d, PRIVATE_DIR_MODE);
    if (d === first || dirname(d) === d) break;
  }
}

/**
 * Takes the group and other bits off the state file and its -wal and -shm. Best
 * effort: a file of another user cannot be changed, and is no reason to refuse a run.
 */
export function tightenStateFile(path: string): void {
  for (const file of [path, ...SIDE_FILES.map((s) => path + s)]) {
    const stat = statSync(file, { throwIfNoEntry: false });
    if (!stat?.isFile() || (stat.mode & 0o077) === 0) continue;
    try {
      chmodSync(file, stat.mode & 0o700);
    } catch {
      // EPERM: not ours to change.
    }
  }
}

/** The identity of the file `path` names now, or undefined when there is none. */
export function fileIdentity(path: string): FileIdentity | undefined {
  const stat = statSync(path, { throwIfNoEntry: false });
  return stat ? { dev: stat.dev, ino: stat.ino } : undefined;
}

/** What an outcome was, when it could not be recorded. */
export interface UnrecordedOutcome {
  readonly address: string;
  readonly action: 'create' | 'update' | 'delete' | 'read';
  readonly zone: string;
}

/**
 * The state file the store opened is no longer at its path. With `unrecorded`, the
 * provider call of that operation had completed and its outcome could not be recorded;
 * without, the store refused before anything was asked of a provider.
 */
export class StateFileGoneError extends Error {
  override readonly name = 'StateFileGoneError';
  constructor(
    readonly path: string,
    readonly found: 'removed' | 'replaced',
    readonly unrecorded?: UnrecordedOutcome,
  ) {
    super(`the state database ${displayPath(path)} was removed or replaced during the run: ${found === 'removed' ? 'it no longer exists' : 'another file has taken its name'}`);
  }

  /** The same refusal, for an operation whose provider call had completed. */
  withUnrecorded(outcome: UnrecordedOutcome): StateFileGoneError {
    return new StateFileGoneError(this.path, this.found, outcome);
  }
}

/**
 * A check that `path` still names the file with `identity`; it throws
 * StateFileGoneError when the file was removed or replaced. One stat: cheap enough to
 * run around every commit.
 */
export function stateFileGuard(path: string, identity: FileIdentity): () => void {
  return () => {
    const now = fileIdentity(path);
    if (now === undefined) throw new StateFileGoneError(path, 'removed');
    if (now.dev !== identity.dev || now.ino !== identity.ino) throw new StateFileGoneError(path, 'replaced');
  };
}

/**
 * Wraps writes so each is made only while the file is the one opened, and is known
 * afterwards to have reached it: `verifyFile` (a stateFileGuard) runs before and after.
 */
export function guardWrites(verifyFile: () => void): <T>(write: () => T) => T {
  return (write) => {
    verifyFile();
    const result = write();
    verifyFile();
    return result;
  };
}

/** The identities of the -wal and -shm beside `path` now (those a store's connection holds open). */
export function sideFileIdentities(path: string): Map<string, FileIdentity> {
  const found = new Map<string, FileIdentity>();
  for (const side of SIDE_FILES) {
    const identity = fileIdentity(path + side);
    if (identity) found.set(path + side, identity);
  }
  return found;
}

/**
 * After a store whose file was removed or replaced has closed: SQLite leaves that
 * file's -wal and -shm (it never checkpoints into a moved file), and if they are still
 * at the path the next open would replay them onto whatever file now has the name.
 * Removes those that are still the very files the store had — never another's.
 */
export function removeOrphanedSideFiles(sides: ReadonlyMap<string, FileIdentity>): void {
  for (const [file, identity] of sides) {
    const now = fileIdentity(file);
    if (now?.dev === identity.dev && now.ino === identity.ino) rmSync(file, { force: true });
  }
}

/** `.netfirst/state.db` for a state under the working directory; the path as given elsewhere. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
