/**
 * loadSpecs: files and directories in, the spec model and every problem out. Each
 * file is read, hashed, and — unless the cache knows that content — loaded by
 * `loadFile` (YAML stream parsed, documents validated against the schema of their
 * kind). Many uncached files are loaded on several threads (load-parallel.ts); the
 * result is the same SpecSet either way.
 */
import { createHash } from 'node:crypto';
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { z } from 'zod';
import { SpecCache, type FileResult } from './cache.js';
import type { Diagnostic } from './diagnostic.js';
import { loadFile } from './load-file.js';
import { loadTextsInParallel, PARALLEL_MIN_FILES, threadCount } from './load-parallel.js';
import { readSpecFile } from './read-spec-file.js';
import type { Loaded, SpecSet } from './model.js';
import { AnyDocument, type AnyDoc, type PartnersDoc, type TenantDoc, type ZoneDoc } from './schema.js';
import { SourceFile } from './source.js';

export interface LoadOptions {
  /** Directory of the load cache (e.g. `.netfirst/cache`); no caching without it. */
  readonly cacheDir?: string;
  /**
   * Whether uncached files may be loaded on worker threads (default true). They are
   * only when there are at least PARALLEL_MIN_FILES of them and more than one core:
   * below that, starting a worker costs more than it saves.
   */
  readonly parallel?: boolean;
  /**
   * Which of two files defining the same tenant brought its name first (negative: `a`;
   * positive: `b`; 0: unknown, file order decides). The CLI asks git: the file that
   * introduced the name later gets the duplicate error, so no new file or renamed
   * document can take over an existing tenant's name.
   */
  readonly precedence?: (a: string, b: string, tenant: string) => number;
}

/** A file that was read: its content and the hash that keys its result. */
interface ReadFile {
  readonly file: string;
  readonly sha256: string;
  readonly source: SourceFile;
}

/**
 * Loads every YAML document of `paths` (files, or directories searched recursively
 * for *.yaml and *.yml, skipping dot-directories). Never throws for bad input: every
 * problem of every file is in `diagnostics`, and only valid documents are in the model.
 * Hostile input is bounded (limits.ts): oversized, binary and non-regular files are
 * refused unread, and loadFile refuses alias bombs and deep nesting.
 */
export function loadSpecs(paths: readonly string[], options: LoadOptions = {}): SpecSet {
  const diagnostics: Diagnostic[] = [];
  const cache = options.cacheDir ? new SpecCache(options.cacheDir, schemaFingerprint()) : undefined;
  // Reading errors stay in file order among the files' own diagnostics.
  const read: (ReadFile | Diagnostic)[] = [];
  const results = new Map<string, FileResult>();
  const missing = new Map<string, SourceFile>();

  for (const file of listSpecFiles(paths, diagnostics)) {
    const { bytes, problem } = readSpecFile(file);
    if (problem) {
      read.push(problem);
      continue;
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const source = new SourceFile(file, bytes.toString('utf8'));
    read.push({ file, sha256, source });
    cache?.saw(file, sha256);
    if (results.has(sha256) || missing.has(sha256)) continue;
    const hit = cache?.get(sha256);
    if (hit) results.set(sha256, hit);
    else missing.set(sha256, source);
  }

  // loadFile is a function of the text alone, so a content seen twice is loaded once.
  const threads = options.parallel === false || missing.size < PARALLEL_MIN_FILES ? 1 : threadCount();
  const texts = [...missing.values()].map((source) => source.text);
  const loaded = threads > 1 ? loadTextsInParallel(texts, threads) : [...missing.values()].map((source) => ({ result: loadFile(source), json: undefined }));
  [...missing.keys()].forEach((sha256, i) => {
    const { result, json } = loaded[i]!;
    results.set(sha256, result);
    cache?.put(sha256, result, json);
  });
  cache?.save();

  return assembleSpecSet(read.map((entry) => ('sha256' in entry ? { ...entry, result: results.get(entry.sha256)! } : entry)), diagnostics, operatorFiles(paths), options.precedence);
}

/** Where the operator's documents may come from: decided by the paths of a run. */
export type OperatorFiles = (file: string) => boolean;

const OPERATOR_FILE = /^(partners|zone[a-z0-9._-]*)\.ya?ml$/;

/** Whether a file name (no directory) is one the operator's documents may live in: partners.yaml, zone*.yaml. */
export const isOperatorFileName = (name: string): boolean => OPERATOR_FILE.test(name);

/**
 * Zone and Partners documents are the operator's, and are read only from the files the
 * operator designates: `partners.yaml` and `zone*.yaml` at a spec root (the top of a
 * directory given on the command line), or such a file given by its own path. Anywhere
 * else — a tenant file, a subdirectory a partner controls — they are refused, so a
 * partner can never define a zone (and its provider endpoint) or grant itself tenants.
 */
export function operatorFiles(paths: readonly string[]): OperatorFiles {
  const roots = new Set<string>();
  const named = new Set<string>();
  for (const path of paths.length > 0 ? paths : ['.']) {
    if (linksToDirectory(path)) roots.add(resolve(path));
    else named.add(resolve(path));
  }
  return (file) => {
    if (!OPERATOR_FILE.test(basename(file))) return false;
    const full = resolve(file);
    return named.has(full) || roots.has(dirname(full));
  };
}

/** A file read and loaded, as the spec model is assembled from it. */
export interface LoadedFile {
  readonly file: string;
  readonly sha256: string;
  readonly source: SourceFile;
  readonly result: FileResult;
}

/**
 * The spec model from files already loaded (and reading problems, in file order):
 * what loadSpecs ends with, and what `watch` calls again after reloading only the
 * files that changed.
 */
export function assembleSpecSet(
  entries: readonly (LoadedFile | Diagnostic)[],
  before: readonly Diagnostic[] = [],
  isOperatorFile: OperatorFiles = (file) => OPERATOR_FILE.test(basename(file)),
  precedence?: LoadOptions['precedence'],
): SpecSet {
  const diagnostics: Diagnostic[] = [...before];
  const sources = new Map<string, SourceFile>();
  const files: { file: string; sha256: string }[] = [];
  const documents: Loaded<AnyDoc>[] = [];
  for (const entry of entries) {
    if (!('sha256' in entry)) {
      diagnostics.push(entry);
      continue;
    }
    const { file, sha256, source, result } = entry;
    sources.set(file, source);
    files.push({ file, sha256 });
    for (const d of result.diagnostics) diagnostics.push({ ...d, file });
    for (const { doc, value } of result.documents) documents.push({ file, doc, value });
  }

  const locate = (file: string, doc: number, path: readonly (string | number)[]) => sources.get(file)?.locate(doc, path);
  const { zones, tenants, partners } = collect(documents, locate, diagnostics, isOperatorFile, precedence);
  return { zones, tenants, partners, files, diagnostics, locate };
}

type Locate = SpecSet['locate'];

/**
 * Sorts documents into the model by kind; a second Zone or Tenant of a name is an error,
 * and so is a Zone or Partners document outside the operator's files (it is not used).
 */
function collect(documents: readonly Loaded<AnyDoc>[], locate: Locate, diagnostics: Diagnostic[], isOperatorFile: OperatorFiles, precedence?: LoadOptions['precedence']) {
  const zones = new Map<string, Loaded<ZoneDoc>>();
  const tenants = new Map<string, Loaded<TenantDoc>>();
  const partners: Loaded<PartnersDoc>[] = [];
  const duplicate = (kind: string, name: string, first: Loaded<AnyDoc>, second: Loaded<AnyDoc>): void => {
    const namePath = ['metadata', 'name'];
    const at = locate(first.file, first.doc, namePath);
    diagnostics.push({
      severity: 'error',
      summary: `duplicate ${kind} "${name}": already defined at ${first.file}${at ? `:${at.line}:${at.column}` : ''}`,
      ...(kind === 'Tenant' ? { code: 'duplicate-tenant' as const } : {}),
      file: second.file,
      doc: second.doc,
      path: namePath,
      ...locate(second.file, second.doc, namePath),
    });
  };
  for (const loaded of documents) {
    const { value } = loaded;
    const name = value.metadata.name;
    if (value.kind !== 'Tenant' && !isOperatorFile(loaded.file)) {
      const where = value.kind === 'Zone' ? 'zone*.yaml' : 'partners.yaml';
      diagnostics.push({
        severity: 'error',
        summary: `a ${value.kind} document is the operator's and is read only from ${where} at the top of a spec directory: this one is not used`,
        code: 'misplaced-operator-document',
        file: loaded.file,
        doc: loaded.doc,
        path: ['kind'],
        ...locate(loaded.file, loaded.doc, ['kind']),
      });
      continue;
    }
    switch (value.kind) {
      case 'Zone': {
        const first = zones.get(name);
        if (first) duplicate('Zone', name, first, loaded);
        else zones.set(name, { ...loaded, value });
        break;
      }
      case 'Tenant': {
        const first = tenants.get(name);
        if (!first) tenants.set(name, { ...loaded, value });
        else if (first.file !== loaded.file && precedence && precedence(first.file, loaded.file, name) > 0) {
          // The file that came first in history keeps the name; the newer one is the duplicate.
          duplicate('Tenant', name, loaded, first);
          tenants.set(name, { ...loaded, value });
        } else duplicate('Tenant', name, first, loaded);
        break;
      }
      case 'Partners':
        partners.push({ ...loaded, value });
        break;
    }
  }
  return { zones, tenants, partners };
}

/**
 * The files `paths` name, in a stable order: explicit files as given, directory
 * contents sorted by name, each file once. A directory that cannot be read is a
 * diagnostic; one reached again through a symbolic link is walked once.
 */
export function listSpecFiles(paths: readonly string[], diagnostics: Diagnostic[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (file: string): void => {
    const key = resolve(file);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(file);
    }
  };
  const walked = new Set<string>();
  const walk = (dir: string): void => {
    let entries;
    try {
      const real = realpathSync(dir);
      if (walked.has(real)) return;
      walked.add(real);
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (cause) {
      diagnostics.push({ severity: 'error', summary: `cannot read directory: ${(cause as Error).message}`, file: dir });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      const isDir = entry.isDirectory() || (entry.isSymbolicLink() && linksToDirectory(full));
      if (isDir) walk(full);
      else if (YAML_EXTENSIONS.has(extname(entry.name))) add(full);
    }
  };
  for (const path of paths) {
    let stat;
    try {
      stat = statSync(path, { throwIfNoEntry: false });
    } catch (cause) {
      diagnostics.push({ severity: 'error', summary: `cannot read: ${(cause as Error).message}`, file: path });
      continue;
    }
    if (!stat) diagnostics.push({ severity: 'error', summary: 'no such file or directory', file: path });
    else if (stat.isDirectory()) {
      const before = out.length;
      const problems = diagnostics.length;
      walk(path);
      if (out.length === before && diagnostics.length === problems) diagnostics.push({ severity: 'warning', summary: 'directory holds no .yaml or .yml files', file: path });
    } else add(path);
  }
  return out;
}

const YAML_EXTENSIONS = new Set(['.yaml', '.yml']);

/** False for a dangling or looping link too: reading it then reports why. */
function linksToDirectory(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
  } catch {
    return false;
  }
}

let fingerprint: string | undefined;

/** A hash of the schemas' shape, so cache entries die with the schema that made them. */
function schemaFingerprint(): string {
  fingerprint ??= createHash('sha256')
    .update(JSON.stringify(z.toJSONSchema(AnyDocument, { io: 'output', unrepresentable: 'any' })))
    .digest('hex')
    .slice(0, 16);
  return fingerprint;
}
