/**
 * `netfirst fmt`'s canonical layout of a spec file, text in and text out (pure: no I/O).
 * Canonical: 2-space indentation, sequences indented under their key; keys in the order
 * the schema of the document's kind declares them (unknown keys after, in their own
 * order); one space inside flow brackets (`{ a: 1 }`, `[ a, b ]`) and before a comment;
 * no trailing whitespace; `---` between documents; one newline at the end. What the
 * writer chose is kept, as `terraform fmt` keeps it: a collection written on one line
 * (flow style) stays on one line unless a comment or a multi-line string inside it
 * needs lines of its own, and quoted strings stay quoted. Comments stay with the node
 * they belong to (yaml's Document API).
 *
 * A format never changes meaning: every document of the result must read back as
 * exactly the value it had (anchors, aliases and all), or the file is refused as it is.
 */
import { isDeepStrictEqual } from 'node:util';
import { isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Document, type Node, type Pair, type Scalar } from 'yaml';
import type { z } from 'zod';
import { objectKeys, schemaAt } from './introspect.js';
import { tooManyDocuments, unsafeNesting } from './parse-bounds.js';
import { AnyDocument, PartnersDocument, TenantDocument, ZoneDocument } from './schema.js';
import { PARSE_OPTIONS, SourceFile } from './source.js';

type Schema = z.core.$ZodType;

export type FormatResult =
  | { readonly ok: true; readonly text: string; readonly changed: boolean; readonly problem?: never }
  | { readonly ok: false; readonly problem: FormatProblem; readonly text?: never; readonly changed?: never };

/** Why a file is left as it is: where (1-based), and what. */
export interface FormatProblem {
  readonly line?: number;
  readonly column?: number;
  readonly summary: string;
}

/** Printing: 2 spaces, never folded (a folded line is a layout the writer did not choose). */
const PRINT = { indent: 2, indentSeq: true, lineWidth: 0, minContentWidth: 0, flowCollectionPadding: true } as const;

/** The canonical text of a spec file holding `text`. */
export function formatSpecText(text: string): FormatResult {
  if (tooManyDocuments(text)) return refuse({ summary: 'the file holds too many YAML documents to format' });
  const deep = unsafeNesting(text);
  if (deep !== undefined) return refuse({ ...new SourceFile('', text).position(deep), summary: 'the file nests too deeply to format' });
  let documents: Document.Parsed[];
  try {
    documents = parseAllDocuments(text, PARSE_OPTIONS) as Document.Parsed[];
  } catch (cause) {
    return refuse({ summary: `cannot be parsed as YAML: ${(cause as Error).message}` });
  }
  if (!Array.isArray(documents)) return refuse({ summary: 'cannot be parsed as YAML' });
  for (const document of documents) {
    const error = document.errors[0];
    if (error) return refuse({ ...new SourceFile('', text).position(error.pos[0]), summary: `YAML error: ${firstLine(error.message)}; left as it is` });
  }
  // Only netfirst's own documents are ours to lay out: a CI pipeline or any other YAML
  // beside the specs is left exactly as it is.
  if (!documents.some((d) => isNetfirstDocument(d))) return { ok: true, text, changed: false };
  const before = valuesOf(documents);
  if (before === undefined) return refuse({ summary: 'the file uses more aliases than a spec may: left as it is' });

  const joined = alignComments(documents.map((document, i) => printDocument(document, i, text)).join(''), text);
  // An empty file stays empty; any other ends in exactly one newline.
  const printed = joined.trim() === '' ? '' : joined.replace(/\n*$/, '\n');
  // Trailing spaces can be content (a block scalar's): then the printer's own lines stand.
  const trimmed = printed.split('\n').map((line) => line.trimEnd()).join('\n');
  const result = [trimmed, printed].find((candidate) => isDeepStrictEqual(before, valuesOf(parseAllDocuments(candidate, PARSE_OPTIONS) as Document.Parsed[])));
  // Deeper indentation can take a file past what the loader reads (parse-bounds.ts): it stays as it is.
  if (result !== undefined && unsafeNesting(result) !== undefined) return refuse({ summary: 'in the canonical layout the file would nest deeper than a spec may: left as it is' });
  if (result === undefined) return refuse({ summary: 'formatting would change what the file means (an alias before its anchor?): left as it is' });
  return { ok: true, text: result, changed: result !== text };
}

const refuse = (problem: FormatProblem): FormatResult => ({ ok: false, problem });

/** netfirst's apiVersion, or none and one of its kinds (a document still being written). */
function isNetfirstDocument(document: Document): boolean {
  if (!isMap(document.contents)) return false;
  const version = document.get('apiVersion');
  if (version === undefined) return typeof document.get('kind') === 'string' && Object.hasOwn(SCHEMAS, document.get('kind') as string);
  return typeof version === 'string' && version.startsWith('netfirst/');
}

/**
 * Trailing comments the writer lined up stay lined up: a printed line ending in a
 * comment that stood at a column in the source is padded back to that column (when its
 * content still fits before it). Whitespace before a comment means nothing to YAML, and
 * the result is read back and compared all the same.
 */
function alignComments(printed: string, source: string): string {
  const columns = new Map<string, number>();
  for (const line of source.split('\n')) {
    const at = trailingComment(line);
    if (at !== undefined && !columns.has(line.slice(at))) columns.set(line.slice(at), at);
  }
  if (columns.size === 0) return printed;
  return printed.split('\n').map((line) => {
    const at = trailingComment(line);
    if (at === undefined) return line;
    const column = columns.get(line.slice(at));
    const content = line.slice(0, at).trimEnd();
    return column !== undefined && column > content.length + 1 ? content.padEnd(column) + line.slice(at) : line;
  }).join('\n');
}

/** The column of a ` #` comment that follows content on the line (outside quotes), if any. */
function trailingComment(line: string): number | undefined {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && i > 0 && (line[i - 1] === ' ' || line[i - 1] === '\t')) return line.slice(0, i).trim() === '' ? undefined : i;
  }
  return undefined;
}

const firstLine = (message: string): string => message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');

/** Each document's value (empty documents as null), or undefined when a document errs or expands too many aliases. */
function valuesOf(documents: readonly Document.Parsed[]): unknown[] | undefined {
  try {
    if (documents.some((d) => d.errors.length > 0)) return undefined;
    return documents.filter((d) => !isEmpty(d)).map((d) => d.toJS({ maxAliasCount: 100 }) as unknown);
  } catch {
    return undefined;
  }
}

/** A document with no node (`---` alone, or only comments): the loader skips it, fmt keeps its comments. */
function isEmpty(document: Document): boolean {
  const contents = document.contents;
  return contents === null || (isScalar(contents) && contents.value === null && !contents.anchor && !contents.tag && contents.source !== 'null' && contents.source !== '~');
}

function printDocument(document: Document.Parsed, index: number, source: string): string {
  const marker = index > 0 || document.directives?.docStart === true ? '---\n' : '';
  if (isEmpty(document)) {
    const contents = document.contents as Scalar | null;
    const comments = [document.commentBefore, contents?.commentBefore, contents?.comment, document.comment].filter((c): c is string => typeof c === 'string' && c !== '');
    return marker + comments.flatMap((c) => c.split('\n')).map((c) => `#${c.trimEnd()}\n`).join('');
  }
  if (index > 0) document.directives.docStart = true;
  document.commentBefore = trimComment(document.commentBefore) ?? null;
  document.comment = trimComment(document.comment) ?? null;
  canonical(document.contents, documentSchema(document), source, true);
  const text = document.toString(PRINT);
  return text.endsWith('\n') ? text : `${text}\n`;
}

const SCHEMAS: Readonly<Record<string, Schema>> = { Zone: ZoneDocument, Tenant: TenantDocument, Partners: PartnersDocument };

function documentSchema(document: Document): Schema {
  const kind = document.get('kind');
  return (typeof kind === 'string' ? SCHEMAS[kind] : undefined) ?? AnyDocument;
}

/** Rewrites `node` (and all it holds) into the canonical layout, in place. */
function canonical(node: unknown, schema: Schema | undefined, source: string, top = false, reorder = false): void {
  if (isAlias(node) || !node || typeof node !== 'object') return;
  const n = node as Node;
  n.commentBefore = trimComment(n.commentBefore);
  n.comment = trimComment(n.comment);
  if (isMap(node)) {
    node.flow = node.flow === true && !top && fitsOneLine(node) && !spreadOver(node, source);
    const first = node.items[0];
    // Keys are put in order at the document's top and in its metadata, where every
    // document has the same few; below, the writer's order is kept (it often groups
    // keys with the comment that explains them).
    if (top || reorder) sortPairs(node.items, keyOrder(schema));
    // yaml gives a nested map the comment above its first key: it goes where that key goes.
    // (Above a document's first key it is the file's header, and stays on top.)
    const moved = first && node.items[0] !== first && isScalar(first.key) ? first.key : undefined;
    if (moved && !top && node.commentBefore) {
      moved.commentBefore = moved.commentBefore ? `${node.commentBefore}\n${moved.commentBefore}` : node.commentBefore;
      node.commentBefore = null;
    } else if (moved && top && moved.commentBefore) {
      node.commentBefore = node.commentBefore ? `${node.commentBefore}\n${moved.commentBefore}` : moved.commentBefore;
      moved.commentBefore = null;
    }
    // A blank line stays between entries, never right under the key of the map.
    const head = node.items[0]?.key;
    if (isScalar(head)) head.spaceBefore = false;
    for (const pair of node.items) {
      const key = keyText(pair);
      if (isScalar(pair.key)) canonical(pair.key, undefined, source);
      canonical(pair.value, key === undefined || !schema ? undefined : schemaAt(schema, [key]), source, false, top && key === 'metadata');
    }
  } else if (isSeq(node)) {
    const element = schema ? schemaAt(schema, [0]) : undefined;
    for (const item of node.items) canonical(item, element, source);
    node.flow = node.items.length === 0 || (node.flow === true && fitsOneLine(node) && !spreadOver(node, source));
  }
}

/** A flow collection the writer spread over several lines: it becomes a block, one entry a line. */
function spreadOver(node: Node, source: string): boolean {
  return node.range ? source.slice(node.range[0], node.range[1]).includes('\n') : false;
}

/**
 * Whether a collection written in flow style can stay on one line: nothing inside needs
 * a line of its own. Its own trailing comment follows the line (`key: { a: 1 }  # why`).
 */
function fitsOneLine(node: Node, self = true): boolean {
  const own = self ? Boolean(node.commentBefore) : hasComments(node);
  if (own) return false;
  if (isScalar(node)) return !isMultiline(node);
  if (isAlias(node)) return true;
  if (isMap(node)) return node.items.every((pair) => (!isScalar(pair.key) || fitsOneLine(pair.key, false)) && (pair.value === null || fitsOneLine(pair.value as Node, false)));
  if (isSeq(node)) return node.items.every((item) => fitsOneLine(item as Node, false));
  return false;
}

const hasComments = (node: Node): boolean => Boolean(node.commentBefore || node.comment || node.spaceBefore);
const isMultiline = (node: Scalar): boolean => typeof node.value === 'string' && node.value.includes('\n');

function trimComment(comment: string | null | undefined): string | undefined {
  if (comment === null || comment === undefined) return undefined;
  return comment.split('\n').map((line) => line.trimEnd()).join('\n');
}

function keyText(pair: Pair): string | undefined {
  return isScalar(pair.key) && (typeof pair.key.value === 'string' || typeof pair.key.value === 'number') ? String(pair.key.value) : undefined;
}

/**
 * The order of a mapping's keys: the schema's declaration order, but for a few keys
 * placed where people read them — `previously` (a rename) right after the `name` it
 * explains, a tenant's `partner` right after its `name`.
 */
export function keyOrder(schema: Schema | undefined): readonly string[] {
  const keys = objectKeys(schema);
  for (const key of ['partner', 'previously']) {
    const at = keys.indexOf(key);
    const name = keys.indexOf('name');
    if (at > name && name >= 0) {
      keys.splice(at, 1);
      keys.splice(name + 1, 0, key);
    }
  }
  return keys;
}

/** Known keys in `order`, then the others in their own order (a stable sort). */
function sortPairs(items: Pair[], order: readonly string[]): void {
  if (order.length === 0) return;
  const rank = (pair: Pair): number => {
    const key = keyText(pair);
    const at = key === undefined ? -1 : order.indexOf(key);
    return at === -1 ? order.length : at;
  };
  const ranked = items.map((pair, i) => ({ pair, rank: rank(pair), i }));
  ranked.sort((a, b) => a.rank - b.rank || a.i - b.i);
  ranked.forEach(({ pair }, i) => {
    if (isPair(pair)) items[i] = pair;
  });
}
