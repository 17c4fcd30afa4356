/**
 * Files a run writes for their owner's eyes only (a saved plan holds addresses,
 * allocations and keyed secret digests): mode 0600 whether the file is new or is
 * overwritten — an existing file keeps its mode when opened, so it is changed before a
 * byte of the new content is written.
 */
import { closeSync, fchmodSync, openSync, writeFileSync } from 'node:fs';
import { UserError } from './errors.js';

const PRIVATE_FILE_MODE = 0o600;

/** Writes `text` to `path`, created or truncated, readable and writable by its owner only. */
export function writePrivateFile(path: string, text: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'w', PRIVATE_FILE_MODE);
    fchmodSync(fd, PRIVATE_FILE_MODE);
    writeFileSync(fd, text);
  } catch (error) {
    throw new UserError(`cannot write ${path}: ${(error as Error).message}`, 1);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
