/**
 * The load cache: what loading one file produced (its valid documents, already
 * transformed — sizes in bytes, durations in ms — and its diagnostics without the file
 * name), keyed by the sha256 of the file's content. A hit skips YAML parsing and
 * validation entirely. All entries live in one JSON file per schema generation,
 * because a thousand small writes cost more than parsing one large file. The cache is
 * best effort: an unreadable or foreign cache is empty and failed writes are ignored.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Diagnostic } from './diagnostic.js';
import type { AnyDoc } from './schema.js';

/**
 * Bump when schema.ts, units.ts or the diagnostics' wording change: entries hold the
 * validated output and the messages, so a stale entry would serve an old answer.
 */
export const SPEC_CACHE_VERSION = 4;

/** What loading one file yields, independent of its name. */
export interface FileResult {
  readonly documents: readonly { readonly doc: number; readonly value: AnyDoc }[];
  readonly diagnostics: readonly Omit<Diagnostic, 'file'>[];
}

interface CacheFile {
  readonly generation: string;
  /** Last content hash seen for each absolute path: entries nobody points at are dropped. */
  readonly files: Record<string, string>;
  readonly entries: Record<string, FileResult>;
}

export class SpecCache {
  private readonly generation: string;
  private readonly path: string;
  private contents: CacheFile | undefined;
  private dirty = false;
  /** Entries put as JSON text, so saving does not stringify them again. */
  private readonly json = new Map<string, string>();

  /** `fingerprint` names the schema generation, so entries of another one are never read. */
  constructor(
    private readonly dir: string,
    fingerprint: string,
  ) {
    this.generation = `v${SPEC_CACHE_VERSION}-${fingerprint}`;
    this.path = join(dir, `specs-${this.generation}.json`);
  }

  get(sha256: string): FileResult | undefined {
    const { entries } = this.read();
    const entry = Object.hasOwn(entries, sha256) ? entries[sha256] : undefined;
    return entry && Array.isArray(entry.documents) && Array.isArray(entry.diagnostics) ? entry : undefined;
  }

  /** `json`, when given, is `result` as JSON already (from a load worker): saving writes it as is. */
  put(sha256: string, result: FileResult, json?: string): void {
    this.read().entries[sha256] = result;
    if (json !== undefined) this.json.set(sha256, json);
    this.dirty = true;
  }

  /** Records which content `file` had in this load. */
  saw(file: string, sha256: string): void {
    const files = this.read().files;
    const key = resolve(file);
    if (files[key] !== sha256) {
      files[key] = sha256;
      this.dirty = true;
    }
  }

  /** Writes the cache if this load changed it, keeping only entries some file still has. */
  save(): void {
    if (!this.dirty) return;
    const { files, entries } = this.read();
    // A CacheFile, written by hand so that entries put as JSON are copied, not stringified.
    const kept: string[] = [];
    for (const sha of new Set(Object.values(files))) {
      if (Object.hasOwn(entries, sha)) kept.push(`${JSON.stringify(sha)}:${this.json.get(sha) ?? JSON.stringify(entries[sha])}`);
    }
    const text = `{"generation":${JSON.stringify(this.generation)},"files":${JSON.stringify(files)},"entries":{${kept.join(',')}}}`;
    try {
      // 0700: it is usually the first thing created in `.netfirst`, which holds the state.
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      // Write then rename: a concurrent reader sees a whole cache or the previous one.
      const tmp = `${this.path}.${process.pid}.tmp`;
      writeFileSync(tmp, text);
      renameSync(tmp, this.path);
      for (const name of readdirSync(this.dir)) {
        // Other generations can never hit again.
        if (name.startsWith('specs-v') && name.endsWith('.json') && join(this.dir, name) !== this.path) rmSync(join(this.dir, name), { force: true });
      }
      this.dirty = false;
    } catch {
      // A cache that cannot be written only costs speed.
    }
  }

  private read(): CacheFile {
    if (this.contents) return this.contents;
    let contents: CacheFile = { generation: this.generation, files: {}, entries: {} };
    try {
      const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as Partial<CacheFile>;
      if (parsed.generation === this.generation && isObject(parsed.files) && isObject(parsed.entries)) contents = parsed as CacheFile;
    } catch {
      // Missing or damaged: start empty.
    }
    this.contents = contents;
    return contents;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
