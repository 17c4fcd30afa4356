/**
 * Reading the working tree for the change questions: real paths (a tmpdir may be a
 * symbolic link) and spec texts read as the loader would read them — a regular file
 * within the size limit, anything else as empty (the loader reports it), so a FIFO or
 * a huge file in a branch never hangs or bloats the judgment.
 */
import { lstatSync, readFileSync, realpathSync } from 'node:fs';
import { MAX_SPEC_FILE_BYTES } from '../../specs/limits.js';

export function realOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

export function readSpecText(file: string): string {
  try {
    const stat = lstatSync(file);
    if (!stat.isFile() || stat.size > MAX_SPEC_FILE_BYTES) return '';
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
