/**
 * One spec file opened for an edit of one Tenant: its YAML documents (yaml's Document
 * API, comments kept), the Tenant found by metadata.name, and the file written back.
 * Writing back keeps the file's own layout wherever the edit did not reach: yaml's
 * printer normalizes some whitespace (the column of a trailing comment), so every
 * line the edit left alone is taken from the original text, byte for byte.
 */
import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node, type YAMLMap, type YAMLSeq } from 'yaml';
import { diffArrays } from 'diff';
import { PARSE_OPTIONS } from '../source.js';
import { unsafeNesting } from '../parse-bounds.js';
import type { EditProblem } from './outcome.js';

export interface TenantFile {
  readonly text: string;
  readonly documents: readonly Document.Parsed[];
  /** Index of the Tenant's document in the file. */
  readonly doc: number;
  readonly document: Document.Parsed;
  /** The Tenant's `spec` mapping. */
  readonly spec: YAMLMap;
}

/**
 * Opens `text` for an edit of tenant `name`. Refused (a problem, not an exception): a file
 * the loader would refuse, YAML errors, no Tenant of that name, or a Tenant whose `spec` is
 * not a plain mapping (a form never edits what it cannot see whole).
 */
export function openTenantFile(text: string, name: string): TenantFile | EditProblem {
  if (unsafeNesting(text) !== undefined) return fileProblem('the spec file is nested too deeply to edit');
  let documents: Document.Parsed[];
  try {
    documents = parseAllDocuments(text, PARSE_OPTIONS) as Document.Parsed[];
  } catch {
    return fileProblem('the spec file cannot be parsed as YAML: fix it first');
  }
  if (!Array.isArray(documents)) return fileProblem('the spec file cannot be parsed as YAML: fix it first');
  const doc = documents.findIndex((d) => d.errors.length === 0 && isTenantNamed(d, name));
  if (documents.some((d) => d.errors.length > 0)) return fileProblem('the spec file has YAML errors: fix them before editing it here');
  if (doc < 0) return fileProblem(`the spec file holds no Tenant named ${name}`);
  const document = documents[doc]!;
  const spec = document.get('spec', true);
  if (!isMap(spec)) return fileProblem(`the spec of tenant ${name} is not a plain mapping: edit the file by hand`);
  return { text, documents, doc, document, spec };
}

function isTenantNamed(document: Document.Parsed, name: string): boolean {
  return document.get('kind') === 'Tenant' && document.getIn(['metadata', 'name']) === name;
}

const fileProblem = (message: string): EditProblem => ({ problems: [{ field: '', message }] });

export const isProblem = (x: object): x is EditProblem => 'problems' in x;

/** Printing options: no folding, so a one-line flow collection stays on one line. */
const PRINT = { lineWidth: 0 } as const;

/**
 * The file's new text. yaml prints the untouched file and the edited one; a line diff of
 * the two gives the edit's hunks, and each hunk is applied to the original text where
 * the lines around it stand (a printed line stands for the original line with the same
 * indentation and the same characters but for spacing). So everything the edit did not
 * reach stays as written — a trailing comment's column, `[80, 443]`, blank lines — and
 * only new and changed lines are the printer's. If the result does not read back as
 * exactly the edited documents, the printer's text is used as it is (comments kept).
 */
export function renderTenantFile(file: TenantFile): string {
  const edited = file.documents.map((d) => d.toString(PRINT)).join('');
  try {
    const reparsed = parseAllDocuments(file.text, PARSE_OPTIONS) as Document.Parsed[];
    const original = file.text.split('\n');
    const before = reparsed.map((d) => d.toString(PRINT)).join('').split('\n');
    const hunks = hunksOf(before, edited.split('\n'));
    const originalOf = alignment(before, original, sameLine);
    if (hunks === undefined || originalOf === undefined) return edited;
    const out: string[] = [];
    let next = 0;
    for (const hunk of hunks) {
      // The original lines of the nearest printed lines before and after the hunk that have one.
      let k = hunk.start - 1;
      while (k >= 0 && !originalOf.has(k)) k--;
      let m = hunk.end;
      while (m < before.length && !originalOf.has(m)) m++;
      const from = k >= 0 ? originalOf.get(k)! + 1 : 0;
      const to = m < before.length ? originalOf.get(m)! : original.length;
      if (from < next || to < from) return edited;
      out.push(...original.slice(next, from));
      // Lines between that no printed line stands for: kept before an insertion, replaced by a change.
      if (hunk.start === hunk.end) out.push(...original.slice(from, to));
      const replaced = original.slice(from, to);
      out.push(...(hunk.start !== hunk.end && replaced.length === hunk.lines.length ? hunk.lines.map((line, i) => commentAligned(line, replaced[i]!)) : hunk.lines));
      next = to;
    }
    out.push(...original.slice(next));
    const text = out.join('\n');
    return sameDocuments(text, file.documents) ? text : edited;
  } catch {
    return edited;
  }
}

/**
 * `line` (the printer's) with its trailing comment at the column `was` (the line it
 * replaces) had it, when both end in the same comment: `memory: 16GiB          # heavy`.
 * Lines with quotes are left alone: a `#` inside a string is no comment.
 */
function commentAligned(line: string, was: string): string {
  const comment = /^([^'"#]*\S)(\s+)(#.*)$/;
  const now = comment.exec(line);
  const before = comment.exec(was);
  if (!now || !before || now[3] !== before[3]) return line;
  const column = before[1]!.length + before[2]!.length;
  return now[1]!.length < column ? `${now[1]!.padEnd(column)}${now[3]}` : line;
}

/** A run of printed lines `start`..`end` (exclusive) replaced by `lines`. */
interface Hunk {
  readonly start: number;
  end: number;
  readonly lines: string[];
}

function hunksOf(before: string[], after: string[]): Hunk[] | undefined {
  const parts = diffArrays(before, after, { maxEditLength: MAX_EDIT_LINES });
  if (parts === undefined) return undefined;
  const hunks: Hunk[] = [];
  let at = 0;
  let open: Hunk | undefined;
  for (const part of parts) {
    if (!part.added && !part.removed) {
      open = undefined;
      at += part.value.length;
      continue;
    }
    if (!open) hunks.push((open = { start: at, end: at, lines: [] }));
    if (part.removed) {
      at += part.value.length;
      open.end = at;
    } else open.lines.push(...part.value);
  }
  return hunks;
}

/** A diff bigger than this is no form edit: the printer's text is used. */
const MAX_EDIT_LINES = 20_000;

/** Two lines stand for each other when their indentation is the same and the rest differs only in spacing. */
function sameLine(printed: string, written: string): boolean {
  const indent = (l: string): string => /^[ \t]*/.exec(l)![0];
  return indent(printed) === indent(written) && printed.replace(/\s+/g, '') === written.replace(/\s+/g, '');
}

/** Index in `b` of each line of `a` the diff pairs with one. */
function alignment(a: readonly string[], b: readonly string[], same: (x: string, y: string) => boolean): Map<number, number> | undefined {
  const out = new Map<number, number>();
  let i = 0;
  let j = 0;
  const parts = diffArrays(a as string[], b as string[], { comparator: same, maxEditLength: MAX_EDIT_LINES });
  if (parts === undefined) return undefined;
  for (const part of parts) {
    if (part.added) j += part.value.length;
    else if (part.removed) i += part.value.length;
    else for (let k = 0; k < part.value.length; k++) out.set(i++, j++);
  }
  return out;
}

/** Whether `text` holds the same documents, value for value and comment for comment. */
function sameDocuments(text: string, documents: readonly Document.Parsed[]): boolean {
  const read = parseAllDocuments(text, PARSE_OPTIONS) as Document.Parsed[];
  if (!Array.isArray(read) || read.length !== documents.length || read.some((d) => d.errors.length > 0)) return false;
  return read.every((d, i) => d.toString(PRINT) === documents[i]!.toString(PRINT));
}

/** A map's value at `key` as a node (aliases refused by the caller: an edit through one would change every use). */
export function child(map: YAMLMap, key: string): Node | undefined {
  const value = map.get(key, true) as Node | undefined;
  return value ?? undefined;
}

/**
 * The item of `seq` whose `name` is `name`, with its index. An alias among the items is
 * refused when no plain item has the name: editing through it would edit its anchor, and
 * so every copy.
 */
export function itemNamed(seq: YAMLSeq, name: string): { readonly index: number; readonly item: YAMLMap } | 'alias' | undefined {
  let aliased = false;
  for (let index = 0; index < seq.items.length; index++) {
    const item = seq.items[index];
    if (isAlias(item)) aliased = true;
    else if (isMap(item) && item.get('name') === name) return { index, item };
  }
  return aliased ? 'alias' : undefined;
}

/** Whether `node` is a sequence, a mapping, or a scalar, for "is this what a form expects here" checks. */
export const shapeOf = (node: Node | undefined): 'seq' | 'map' | 'scalar' | 'alias' | 'none' =>
  node === undefined ? 'none' : isSeq(node) ? 'seq' : isMap(node) ? 'map' : isScalar(node) ? 'scalar' : isAlias(node) ? 'alias' : 'none';
