/**
 * loadFile: one file's text in, its validated documents and its diagnostics out — the
 * unit the load cache stores and load workers compute. A pure function of the text:
 * the same text gives the same result on any thread. Work on the happy path is parse
 * + plain-value conversion + zod; positions are computed only for diagnostics.
 */
import type { Diagnostic } from './diagnostic.js';
import type { FileResult } from './cache.js';
import { explainIssues, isRecord, type Problem } from './issues.js';
import { API_VERSION, KINDS, PartnersDocument, TenantDocument, ZoneDocument, type AnyDoc } from './schema.js';
import { findNode, SourceFile, startOf, PARSE_OPTIONS } from './source.js';
import { didYouMean } from './suggest.js';
import { isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node } from 'yaml';

const SCHEMAS = { Zone: ZoneDocument, Tenant: TenantDocument, Partners: PartnersDocument } as const;
type Kind = keyof typeof SCHEMAS;

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
