/**
 * Which build of netfirst is running: a hash of the package version and of the name,
 * size and mtime of every module under the running tree's source roots (dist/ when the
 * compiled CLI runs, the sources under tsx). Results kept across runs (the plan memo)
 * carry it, so a new release or an edited source never serves an old answer. Stats about
 * 400 files: a few milliseconds, once per process.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folders a build compiles, as scripts/dist-stamp.js lists them. */
const SOURCE_ROOTS = ['engine', 'providers', 'specs', 'state'];
const MODULE = /\.(?:ts|tsx|js|cjs|mjs)$/;

let fingerprint: string | undefined;

export function codeFingerprint(): string {
  fingerprint ??= compute();
  return fingerprint;
}

function compute(): string {
  // engine/run/ → the tree's root: the repository (sources) or dist/ (compiled).
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const hash = createHash('sha256').update(`netfirst ${packageVersion(root)}\n`);
  const visit = (dir: string, rel: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory()) visit(path, `${rel}/${e.name}`);
      else if (MODULE.test(e.name)) {
        const stat = statSync(path, { throwIfNoEntry: false });
        if (stat) hash.update(`${rel}/${e.name}\0${stat.size}\0${stat.mtimeMs}\n`);
      }
    }
  };
  for (const r of SOURCE_ROOTS) visit(join(root, r), r);
  return hash.digest('hex');
}

function packageVersion(root: string): string {
  for (const candidate of [join(root, 'package.json'), join(root, '..', 'package.json')]) {
    try {
      const parsed = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: unknown; version?: unknown };
      if (parsed.name === 'netfirst' && typeof parsed.version === 'string') return parsed.version;
    } catch {
      // Not there (dist/ has no package.json of its own): try the next.
    }
  }
  return 'unknown';
}
