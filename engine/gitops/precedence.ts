/**
 * Which of two tenant documents came first in git history: the commit that introduced
 * each tenant's name into its file (git's pickaxe). When two files define the same tenant,
 * the one that introduced the name later is the duplicate (specs/load.ts) — a file added
 * later, or an older file whose document was renamed to another's tenant, never takes
 * over a tenant that exists; when two tenants want one VLAN or address, the later spec is
 * the one refused (verify-zone.ts). Outside a repository, or with no difference git can
 * tell, nothing is known (0).
 */
import { realpathSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { introducedAt, repositoryRoot } from './git.js';

export interface GitHistory {
  /** Seconds since the epoch when `name` entered `file`; Infinity if uncommitted; undefined if unknown. */
  introduced(file: string, name: string): number | undefined;
  /** Negative when (`fileA`, `nameA`) came first, positive when (`fileB`, `nameB`) did, 0 unknown or equal. */
  compare(fileA: string, nameA: string, fileB: string, nameB: string): number;
}

export function gitHistory(cwd = process.cwd()): GitHistory {
  let top: string | null | undefined;
  const ages = new Map<string, number | undefined>();
  const introduced = (file: string, name: string): number | undefined => {
    if (top === undefined) {
      try {
        top = repositoryRoot(cwd);
      } catch {
        top = null;
      }
    }
    if (top === null) return undefined;
    const key = `${file}\0${name}`;
    if (!ages.has(key)) {
      let abs = resolve(cwd, file);
      try {
        abs = realpathSync(abs);
      } catch {
        // a file that vanished since it was read: unknown below
      }
      const rel = relative(top, abs);
      ages.set(key, rel.startsWith('..') ? undefined : introducedAt(top, rel.split(sep).join('/'), name));
    }
    return ages.get(key);
  };
  return {
    introduced,
    compare(fileA, nameA, fileB, nameB) {
      const ta = introduced(fileA, nameA);
      const tb = introduced(fileB, nameB);
      if (ta === undefined || tb === undefined || ta === tb) return 0;
      return ta < tb ? -1 : 1;
    },
  };
}

/** For the loader: which of two files brought tenant `name` first. */
export function gitPrecedence(cwd = process.cwd()): (a: string, b: string, name: string) => number {
  const history = gitHistory(cwd);
  return (a, b, name) => history.compare(a, name, b, name);
}
