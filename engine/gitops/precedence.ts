/**
 * Which of two spec files came first in git history: when two files define the same
 * tenant, the newer one is the duplicate (specs/load.ts), so a file added later can
 * never take over a tenant that exists. Outside a repository nothing is known (0).
 */
import { realpathSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { addedAt, repositoryRoot } from './git.js';

export function gitPrecedence(cwd = process.cwd()): (a: string, b: string) => number {
  let top: string | null | undefined;
  const ages = new Map<string, number | undefined>();
  const ageOf = (file: string): number | undefined => {
    if (top === undefined) {
      try {
        top = repositoryRoot(cwd);
      } catch {
        top = null;
      }
    }
    if (top === null) return undefined;
    if (!ages.has(file)) {
      let abs = resolve(cwd, file);
      try {
        abs = realpathSync(abs);
      } catch {
        // a file that vanished since it was read: unknown
      }
      const rel = relative(top, abs);
      ages.set(file, rel.startsWith('..') ? undefined : addedAt(top, rel.split(sep).join('/')));
    }
    return ages.get(file);
  };
  return (a, b) => {
    const ta = ageOf(a);
    const tb = ageOf(b);
    if (ta === undefined || tb === undefined || ta === tb) return 0;
    return ta < tb ? -1 : 1;
  };
}
