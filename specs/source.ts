/**
 * A spec file's text and the positions inside it. Parsing keeps no line table: lines
 * are counted only when a diagnostic or `locate` needs one, and a file's YAML tree is
 * rebuilt on demand (files that came from the cache were never parsed at all).
 */
import { unsafeNesting } from './parse-bounds.js';
import { isAlias, isMap, isNode, isScalar, isSeq, LineCounter, parseAllDocuments, type Alias, type Document, type Node } from 'yaml';

/**
 * Options for every parse, so `locate` sees the same tree the loader validated. yaml's
 * duplicate-key check compares each key with every other of its map — minutes for one
 * hostile map of 400,000 keys — so plain-value.ts checks keys instead, in linear time.
 */
export const PARSE_OPTIONS = { prettyErrors: false, uniqueKeys: false } as const;

export interface Position {
  readonly line: number;
  readonly column: number;
}

/** Where a path leads inside a YAML document. */
export interface Found {
  /** The node at the path, or the deepest ancestor present in the document. */
  readonly node: Node;
  /** The key of the last pair walked through, when the path ends in a map entry. */
  readonly key?: Node;
  /** True when the whole path exists. */
  readonly complete: boolean;
}

export class SourceFile {
  private lineCounter: LineCounter | undefined;
  private documents: readonly Document.Parsed[] | undefined;

  constructor(
    readonly file: string,
    readonly text: string,
  ) {}

  /** The YAML documents of the file, parsed once on first use (none if the parser fails: loadFile reported why). */
  parsed(): readonly Document.Parsed[] {
    if (!this.documents) {
      try {
        this.documents = unsafeNesting(this.text) === undefined ? (parseAllDocuments(this.text, PARSE_OPTIONS) as Document.Parsed[]) : [];
      } catch {
        this.documents = [];
      }
    }
    return this.documents;
  }

  /** 1-based line and column of a character offset. */
  position(offset: number): Position {
    if (!this.lineCounter) {
      const counter = new LineCounter();
      counter.addNewLine(0);
      for (let i = this.text.indexOf('\n'); i !== -1; i = this.text.indexOf('\n', i + 1)) counter.addNewLine(i + 1);
      this.lineCounter = counter;
    }
    const { line, col } = this.lineCounter.linePos(offset);
    return { line, column: col };
  }

  /** Position of the node at `path` in document `doc`, or of its nearest ancestor present. */
  locate(doc: number, path: readonly PropertyKey[]): Position | undefined {
    const document = this.parsed()[doc];
    if (!document) return undefined;
    const found = findNode(document, path);
    return found ? this.position(startOf(found.node)) : undefined;
  }
}

/** Start offset of a node (for an entry with an empty value, callers pass its key). */
export const startOf = (node: Node): number => node.range?.[0] ?? 0;

/** Walks `path` through maps (by key) and sequences (by index), following aliases. */
export function findNode(document: Document, path: readonly PropertyKey[]): Found | undefined {
  let node = resolve(document, document.contents);
  if (!node) return undefined;
  let key: Node | undefined;
  for (const segment of path) {
    let next: Node | undefined;
    key = undefined;
    if (isMap(node)) {
      for (const pair of node.items) {
        const k = pair.key as Node | null;
        if (k && isScalar(k) && String(k.value) === String(segment)) {
          key = k;
          // `memory:` with nothing after it: the key is the only place to point at.
          const value = resolve(document, pair.value as Node | null);
          next = value && !isEmptyScalar(value) ? value : k;
          break;
        }
      }
    } else if (isSeq(node) && typeof segment === 'number') {
      next = resolve(document, node.items[segment] as Node | null);
    }
    if (!next) return { node, complete: false };
    node = next;
  }
  return key ? { node, key, complete: true } : { node, complete: true };
}

const isEmptyScalar = (node: Node): boolean => isScalar(node) && node.value === null && node.range?.[0] === node.range?.[1];

function resolve(document: Document, node: Node | null | undefined): Node | undefined {
  if (!node) return undefined;
  return isAlias(node) ? (aliasTargets(document).get(node) ?? node) : node;
}

const targets = new WeakMap<Document, Map<Alias, Node>>();

/**
 * What each alias of `document` names, found in one walk: `Alias.resolve` walks the
 * whole document per call, which many diagnostics on a file of many aliases would
 * make quadratic. As yaml resolves: the last node before the alias with its anchor.
 */
function aliasTargets(document: Document): Map<Alias, Node> {
  let found = targets.get(document);
  if (found) return found;
  found = new Map();
  const anchors = new Map<string, Node>();
  // Document order with an explicit stack: a document with errors may nest arbitrarily deep.
  const stack: unknown[] = [document.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (target) found.set(node, target);
      continue;
    }
    if (!isNode(node)) continue;
    if (node.anchor) anchors.set(node.anchor, node);
    if (isMap(node)) for (let i = node.items.length - 1; i >= 0; i--) stack.push(node.items[i]!.value, node.items[i]!.key);
    else if (isSeq(node)) for (let i = node.items.length - 1; i >= 0; i--) stack.push(node.items[i]);
  }
  targets.set(document, found);
  return found;
}
