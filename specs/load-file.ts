/**
 * loadFile: one file's text in, its validated documents and its diagnostics out — the
 * unit the load cache stores and load workers compute. A pure function of the text:
 * the same text gives the same result on any thread. Work on the happy path is parse
 * + plain-value conversion + zod; positions are computed only for diagnostics.
 */
import type { Diagnostic } from './diagnostic.js';
import type { FileResult } from './cache.js';
import { explainIssues, isRecord, type Problem } from './issues.js';
import { MAX_DIAGNOSTICS_PER_FILE, MAX_DOCUMENTS_PER_FILE, MAX_NESTING_DEPTH } from './limits.js';
import { COMPOSE_SAFE_DEPTH, tooManyDocuments, unsafeNesting } from './parse-bounds.js';
import { plainValue } from './plain-value.js';
import { API_VERSION, KINDS, PartnersDocument, TenantDocument, ZoneDocument, type AnyDoc } from './schema.js';
import { findNode, SourceFile, startOf, PARSE_OPTIONS } from './source.js';
import { didYouMean } from './suggest.js';
import { isScalar, parseAllDocuments, type Document, type YAMLError } from 'yaml';

const SCHEMAS = { Zone: ZoneDocument, Tenant: TenantDocument, Partners: PartnersDocument } as const;
type Kind = keyof typeof SCHEMAS;

type FileDiagnostic = Omit<Diagnostic, 'file'>;

/**
 * Parses and validates one file's text: the cacheable unit. Never throws for any text:
 * YAML errors, refused documents (plain-value.ts) and schema problems are diagnostics,
 * at most MAX_DIAGNOSTICS_PER_FILE of them and a line counting the rest.
 */
export function loadFile(source: SourceFile): FileResult {
  const documents: { doc: number; value: AnyDoc }[] = [];
  const diagnostics: FileDiagnostic[] = [];
  let dropped = 0;
  const add = (d: FileDiagnostic): void => {
    if (diagnostics.length < MAX_DIAGNOSTICS_PER_FILE) diagnostics.push(d);
    else dropped++;
  };
  const deep = unsafeNesting(source.text);
  if (deep !== undefined) return { documents, diagnostics: [{ severity: 'error', summary: tooDeepToParse, ...source.position(deep) }] };
  if (tooManyDocuments(source.text)) {
    return { documents, diagnostics: [{ severity: 'error', summary: `more than ${MAX_DOCUMENTS_PER_FILE.toLocaleString('en-US')} YAML documents in one file; split it`, line: 1, column: 1 }] };
  }
  let parsed: Document.Parsed[];
  try {
    parsed = parseAllDocuments(source.text, PARSE_OPTIONS) as Document.Parsed[];
  } catch (cause) {
    // yaml turns the stack overflows it expects into errors; this is for any other.
    return { documents, diagnostics: [{ severity: 'error', summary: parseFailure(cause), line: 1, column: 1 }] };
  }
  parsed.forEach((document, doc) => {
    const seen = new Set<string>();
    const report = (severity: 'error' | 'warning', error: YAMLError): void => {
      const summary = yamlSummary(error);
      // One token can fail several ways at the same place; the user needs it once.
      const key = `${error.pos[0]}:${summary}`;
      if (seen.has(key)) return;
      seen.add(key);
      add({ severity, summary, doc, ...source.position(error.pos[0]) });
    };
    for (const error of document.errors) report('error', error);
    for (const warning of document.warnings) report('warning', warning);
    // A document with nothing but comments (or `---` twice) is no spec, and no mistake.
    const contents = document.contents;
    if (document.errors.length > 0 || contents === null || (isScalar(contents) && contents.value === null)) return;
    const plain = plainValue(contents);
    if (plain.refused) {
      add({ severity: 'error', summary: plain.refused.summary, doc, ...source.position(startOf(plain.refused.node)) });
      return;
    }
    const result = validateDocument(plain.value);
    if (result.success) documents.push({ doc, value: result.data });
    else for (const problem of result.problems) {
      // Locating costs a tree walk: only problems that will be shown are located.
      if (diagnostics.length < MAX_DIAGNOSTICS_PER_FILE) add(problemDiagnostic(problem, source, document, doc));
      else dropped++;
    }
  });
  diagnostics.sort(byPosition);
  if (dropped > 0) {
    diagnostics.push({ severity: 'error', summary: `${dropped} more ${dropped === 1 ? 'problem' : 'problems'} in this file not shown` });
  }
  return { documents, diagnostics };
}

/** Diagnostics of a file in reading order (zod reports unknown fields after the others). */
const byPosition = (a: FileDiagnostic, b: FileDiagnostic): number =>
  (a.doc ?? 0) - (b.doc ?? 0) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0);

const tooDeepToParse = `nested or indented too deeply to parse (beyond ${COMPOSE_SAFE_DEPTH} levels); specs nest at most ${MAX_NESTING_DEPTH} levels`;

const isStackOverflow = (message: string): boolean => /call stack|stack overflow/i.test(message);

function parseFailure(cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  return isStackOverflow(message) ? tooDeepToParse : `cannot parse YAML: ${message}`;
}

/** A YAML error in the user's words: stack overflows are nesting. */
function yamlSummary(error: YAMLError): string {
  return error.code === 'RESOURCE_EXHAUSTION' || isStackOverflow(error.message) ? tooDeepToParse : error.message;
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
