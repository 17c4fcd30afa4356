/**
 * The load cache: what loading one file produced (its valid documents, already
 * transformed — sizes in bytes, durations in ms — and its diagnostics without the file
 * name), stored as one JSON file per content hash. A hit skips YAML parsing and
 * validation entirely. The cache is best effort: unreadable or foreign entries are
 * misses and failed writes are ignored.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from './diagnostic.js';
import type { AnyDoc } from './schema.js';

/**
 * Bump when schema.ts, units.ts or the diagnostics' wording change: entries hold the
 * validated output and the messages, so a stale entry would serve an old answer.
 */
export const SPEC_CACHE_VERSION = 1;

/** What loading one file yields, independent of its name. */
export interface FileResult {
  readonly documents: readonly { readonly doc: number; readonly value: AnyDoc }[];
  readonly diagnostics: readonly Omit<Diagnostic, 'file'>[];
}

interface Entry extends FileResult {
  readonly sha256: string;
}

export class SpecCache {
  private readonly dir: string;
  private created = false;

  /** `fingerprint` names the schema generation, so entries of another one are never read. */
  constructor(
    private readonly root: string,
    fingerprint: string,
  ) {
    this.dir = join(root, 'specs', `v${SPEC_CACHE_VERSION}-${fingerprint}`);
  }

  get(sha256: string): FileResult | undefined {
    let text: string;
    try {
      text = readFileSync(join(this.dir, `${sha256}.json`), 'utf8');
    } catch {
      return undefined;
    }
    try {
      const entry = JSON.parse(text) as Entry;
      return entry.sha256 === sha256 && Array.isArray(entry.documents) && Array.isArray(entry.diagnostics) ? entry : undefined;
    } catch {
      return undefined;
    }
  }

  put(sha256: string, result: FileResult): void {
    try {
      if (!this.created) this.create();
      const entry: Entry = { sha256, documents: result.documents, diagnostics: result.diagnostics };
      // Write then rename: a concurrent reader sees the whole entry or none.
      const tmp = join(this.dir, `${sha256}.${process.pid}.tmp`);
      writeFileSync(tmp, JSON.stringify(entry));
      renameSync(tmp, join(this.dir, `${sha256}.json`));
    } catch {
      // A cache that cannot be written only costs speed.
    }
  }

  /** Creates this generation's directory and drops the others, which can never hit again. */
  private create(): void {
    this.created = true;
    const parent = join(this.root, 'specs');
    mkdirSync(this.dir, { recursive: true });
    for (const name of readdirSync(parent)) {
      if (join(parent, name) !== this.dir) rmSync(join(parent, name), { recursive: true, force: true });
    }
  }
}
