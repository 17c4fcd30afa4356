/**
 * loadSpecs: files and directories in, the spec model and every problem out. Each
 * file is read, hashed, and — unless the cache knows that content — parsed as a YAML
 * stream whose documents are validated against the schema of their kind. Work on the
 * happy path is parse + toJS + zod; positions are computed only for diagnostics.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { z } from 'zod';
import { SpecCache, type FileResult } from './cache.js';
import type { Diagnostic } from './diagnostic.js';
import { explainIssues, isRecord, type Problem } from './issues.js';
import type { Loaded, SpecSet } from './model.js';
import { API_VERSION, AnyDocument, KINDS, PartnersDocument, TenantDocument, ZoneDocument, type AnyDoc, type PartnersDoc, type TenantDoc, type ZoneDoc } from './schema.js';
import { findNode, SourceFile, startOf, PARSE_OPTIONS } from './source.js';
import { didYouMean } from './suggest.js';
import { isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node } from 'yaml';

export interface LoadOptions {
  /** Directory of the load cache (e.g. `.netfirst/cache`); no caching without it. */
  readonly cacheDir?: string;
}

const SCHEMAS = { Zone: ZoneDocument, Tenant: TenantDocument, Partners: PartnersDocument } as const;
type Kind = keyof typeof SCHEMAS;

/**
 * Loads every YAML document of `paths` (files, or directories searched recursively
 * for *.yaml and *.yml, skipping dot-directories). Never throws for bad input: every
 * problem of every file is in `diagnostics`, and only valid documents are in the model.
 */
export function loadSpecs(paths: readonly string[], options: LoadOptions = {}): SpecSet {
  const diagnostics: Diagnostic[] = [];
  const cache = options.cacheDir ? new SpecCache(options.cacheDir, schemaFingerprint()) : undefined;
  const sources = new Map<string, SourceFile>();
  const files: { file: string; sha256: string }[] = [];
  const documents: Loaded<AnyDoc>[] = [];

  for (const file of listSpecFiles(paths, diagnostics)) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (cause) {
      diagnostics.push({ severity: 'error', summary: `cannot read file: ${(cause as Error).message}`, file });
      continue;
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const source = new SourceFile(file, bytes.toString('utf8'));
    sources.set(file, source);
    files.push({ file, sha256 });
    cache?.saw(file, sha256);
    let result = cache?.get(sha256);
    if (!result) {
      result = loadFile(source);
      cache?.put(sha256, result);
    }
    for (const d of result.diagnostics) diagnostics.push({ ...d, file });
    for (const { doc, value } of result.documents) documents.push({ file, doc, value });
  }

  cache?.save();
  const locate = (file: string, doc: number, path: readonly (string | number)[]) => sources.get(file)?.locate(doc, path);
  const { zones, tenants, partners } = collect(documents, locate, diagnostics);
  return { zones, tenants, partners, files, diagnostics, locate };
}

/** Parses and validates one file's text: the cacheable unit. */
export function loadFile(source: SourceFile): FileResult {
  const documents: { doc: number; value: AnyDoc }[] = [];
  const diagnostics: Omit<Diagnostic, 'file'>[] = [];
  const parsed = parseAllDocuments(source.text, PARSE_OPTIONS) as Document.Parsed[];
  parsed.forEach((document, doc) => {
    for (const error of document.errors) diagnostics.push({ severity: 'error', summary: error.message, doc, ...source.position(error.pos[0]) });
    for (const warning of document.warnings) diagnostics.push({ severity: 'warning', summary: warning.message, doc, ...source.position(warning.pos[0]) });
    // A document with nothing but comments (or `---` twice) is no spec, and no mistake.
    const contents = document.contents;
    if (document.errors.length > 0 || contents === null || (isScalar(contents) && contents.value === null)) return;
    let input: unknown;
    try {
      input = plainValue(contents) ?? document.toJS();
    } catch (cause) {
      diagnostics.push({ severity: 'error', summary: (cause as Error).message, doc, ...source.position(startOf(contents)) });
      return;
    }
    const result = validateDocument(input);
    if (result.success) documents.push({ doc, value: result.data });
    else for (const problem of result.problems) diagnostics.push(problemDiagnostic(problem, source, document, doc));
  });
  return { documents, diagnostics: diagnostics.sort(byPosition) };
}

/** Diagnostics of a file in reading order (zod reports unknown fields after the others). */
const byPosition = (a: Omit<Diagnostic, 'file'>, b: Omit<Diagnostic, 'file'>): number =>
  (a.doc ?? 0) - (b.doc ?? 0) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0);

const UNSUPPORTED = Symbol('unsupported');

/**
 * The document as plain JSON values, like `toJS()` but about four times faster because
 * it handles only what specs use: maps with scalar keys, sequences and scalars (whose
 * values the composer already resolved). Anything else — aliases, collection keys —
 * returns undefined and the caller falls back to `toJS()`.
 */
function plainValue(root: Node | null): unknown {
  const convert = (node: unknown): unknown => {
    if (isScalar(node)) return node.value;
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      for (const pair of node.items) {
        const key = pair.key;
        if (!isScalar(key) || (key.value !== null && typeof key.value === 'object')) throw UNSUPPORTED;
        const name = String(key.value);
        const value = pair.value === null ? null : convert(pair.value);
        // As toJS does: a `__proto__` key is data, never the prototype.
        if (name === '__proto__') Object.defineProperty(out, name, { value, writable: true, enumerable: true, configurable: true });
        else out[name] = value;
      }
      return out;
    }
    if (isSeq(node)) return node.items.map((item) => (item === null ? null : convert(item)));
    throw UNSUPPORTED;
  };
  try {
    return convert(root);
  } catch (error) {
    if (error === UNSUPPORTED) return undefined;
    throw error;
  }
}

type Validation = { success: true; data: AnyDoc; problems?: never } | { success: false; data?: never; problems: Problem[] };

/** Validates one document against the schema its `kind` names, so errors come from the right one. */
export function validateDocument(input: unknown): Validation {
  if (!isRecord(input)) {
    return { success: false, problems: [{ path: [], anchor: 'value', summary: 'a spec document must be a mapping with apiVersion, kind, metadata and spec' }] };
  }
  const kind = input.kind;
  if (typeof kind !== 'string' || !(kind in SCHEMAS)) {
    const problems: Problem[] = [];
    if (input.apiVersion !== API_VERSION) {
      problems.push(input.apiVersion === undefined
        ? { path: [], anchor: 'value', summary: 'missing required field "apiVersion"' }
        : { path: ['apiVersion'], anchor: 'value', summary: `must be ${API_VERSION}; got ${JSON.stringify(input.apiVersion)}` });
    }
    const suggestion = typeof kind === 'string' ? didYouMean(kind, KINDS) : undefined;
    problems.push(kind === undefined
      ? { path: [], anchor: 'value', summary: `missing required field "kind" (one of ${KINDS.join(', ')})` }
      : { path: ['kind'], anchor: 'value', summary: `must be one of ${KINDS.join(', ')}; got ${JSON.stringify(kind)}${suggestion ? `; did you mean "${suggestion}"?` : ''}` });
    return { success: false, problems };
  }
  const schema = SCHEMAS[kind as Kind];
  const result = schema.safeParse(input);
  if (result.success) return { success: true, data: result.data };
  return { success: false, problems: explainIssues(result.error.issues, schema, input) };
}

function problemDiagnostic(problem: Problem, source: SourceFile, document: Document.Parsed, doc: number): Omit<Diagnostic, 'file'> {
  const found = findNode(document, problem.path);
  const node = found && (problem.anchor === 'key' && found.complete && found.key ? found.key : found.node);
  const position = node ? source.position(startOf(node)) : {};
  return { severity: 'error', summary: problem.summary, doc, path: problem.path, ...position };
}

type Locate = SpecSet['locate'];

/** Sorts documents into the model by kind; a second Zone or Tenant of a name is an error. */
function collect(documents: readonly Loaded<AnyDoc>[], locate: Locate, diagnostics: Diagnostic[]) {
  const zones = new Map<string, Loaded<ZoneDoc>>();
  const tenants = new Map<string, Loaded<TenantDoc>>();
  const partners: Loaded<PartnersDoc>[] = [];
  const duplicate = (kind: string, name: string, first: Loaded<AnyDoc>, second: Loaded<AnyDoc>): void => {
    const namePath = ['metadata', 'name'];
    const at = locate(first.file, first.doc, namePath);
    diagnostics.push({
      severity: 'error',
      summary: `duplicate ${kind} "${name}": already defined at ${first.file}${at ? `:${at.line}:${at.column}` : ''}`,
      file: second.file,
      doc: second.doc,
      path: namePath,
      ...locate(second.file, second.doc, namePath),
    });
  };
  for (const loaded of documents) {
    const { value } = loaded;
    const name = value.metadata.name;
    switch (value.kind) {
      case 'Zone': {
        const first = zones.get(name);
        if (first) duplicate('Zone', name, first, loaded);
        else zones.set(name, { ...loaded, value });
        break;
      }
      case 'Tenant': {
        const first = tenants.get(name);
        if (first) duplicate('Tenant', name, first, loaded);
        else tenants.set(name, { ...loaded, value });
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
 * contents sorted by name, each file once.
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
  const walk = (dir: string): void => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      const isDir = entry.isDirectory() || (entry.isSymbolicLink() && statSync(full, { throwIfNoEntry: false })?.isDirectory() === true);
      if (isDir) walk(full);
      else if (YAML_EXTENSIONS.has(extname(entry.name))) add(full);
    }
  };
  for (const path of paths) {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) diagnostics.push({ severity: 'error', summary: 'no such file or directory', file: path });
    else if (stat.isDirectory()) {
      const before = out.length;
      walk(path);
      if (out.length === before) diagnostics.push({ severity: 'warning', summary: 'directory holds no .yaml or .yml files', file: path });
    } else add(path);
  }
  return out;
}

const YAML_EXTENSIONS = new Set(['.yaml', '.yml']);

let fingerprint: string | undefined;

/** A hash of the schemas' shape, so cache entries die with the schema that made them. */
function schemaFingerprint(): string {
  fingerprint ??= createHash('sha256')
    .update(JSON.stringify(z.toJSONSchema(AnyDocument, { io: 'output', unrepresentable: 'any' })))
    .digest('hex')
    .slice(0, 16);
  return fingerprint;
}
