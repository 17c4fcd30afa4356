/**
 * Whether dist/ holds a build of the sources as they are now. The build writes
 * dist/build-stamp.json last: each input it compiled or copied with the mtime it had
 * before it was read. dist/ is fresh while every listed input still has that mtime (an
 * edit in place, a save by rename, a git checkout all change it; so does restoring an
 * older copy) and none is gone. A new source matters only once an existing one imports
 * it, and that edit is seen.
 *
 * The check stats every listed input (about 400 files) and reads nothing else: it runs
 * at every start of bin/netfirst.js, so it must cost a few milliseconds (the bench's
 * start rows include it). Plain JavaScript, no dependencies: it runs before anything
 * is compiled.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The folders compiled to dist/, with the same layout. */
export const SOURCE_ROOTS = ['engine', 'providers', 'specs', 'state'];

export const STAMP = 'build-stamp.json';

/**
 * Why dist/ under `root` cannot be used (not built, the first input changed or gone
 * since), or undefined when it is fresh.
 * @param {string} root the package's directory
 * @returns {string | undefined}
 */
export function staleReason(root) {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(join(root, 'dist', STAMP), 'utf8'));
  } catch {
    return 'dist/ is not built';
  }
  if (typeof stamp?.inputs !== 'object' || stamp.inputs === null) return `dist/${STAMP} is not a build stamp`;
  const prefix = join(root, '/');
  for (const input in stamp.inputs) {
    const stat = statSync(prefix + input, { throwIfNoEntry: false });
    if (stat === undefined) return `${input} is gone since the build`;
    if (stat.mtimeMs !== stamp.inputs[input]) return `${input} changed since the build`;
  }
  return undefined;
}
