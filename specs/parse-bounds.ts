/**
 * What a text may cost `yaml`, checked before it is parsed: how deeply it nests and
 * how many documents it holds.
 *
 * Nesting. yaml's
 * composer recurses once per level; around 800 levels the stack runs out, which yaml
 * mostly reports as an error but which has also aborted the whole process (V8 failing
 * to compile a regular expression at the stack's edge). So no text nesting more than
 * COMPOSE_SAFE_DEPTH levels reaches the composer.
 *
 * The bound is sound — never below the real depth — and cheap for ordinary files:
 * - Block collections nest only by indentation or by compact indicators (`- - x`,
 *   `? - x`), and a node's column grows at least every second level, so a node
 *   starting at column c is at most 2c + 2 levels deep in block collections.
 * - Flow collections nest by `[` and `{`: first the count of those characters in the
 *   whole text bounds them; only when that is not enough is the text lexed with
 *   yaml's Lexer (about a sixth of a parse), whose flow level is exact.
 *
 * Documents. yaml spends about 12 µs on each, even an empty one: 4 MiB of `---` lines
 * would take a dozen seconds. Every document after the first starts at a `---` or
 * `...` marker in column 0, so counting those bounds the count.
 */
import { Lexer } from 'yaml';
import { MAX_DOCUMENTS_PER_FILE } from './limits.js';

/** True when `text` may hold more than MAX_DOCUMENTS_PER_FILE documents. */
export function tooManyDocuments(text: string): boolean {
  let markers = 0;
  for (let i = 0; i < text.length; i = text.indexOf('\n', i) + 1 || text.length) {
    const c = text.charCodeAt(i);
    if ((c === 0x2d || c === 0x2e) && text.charCodeAt(i + 1) === c && text.charCodeAt(i + 2) === c && isBlank(text.charCodeAt(i + 3))) {
      if (++markers >= MAX_DOCUMENTS_PER_FILE) return true;
    }
  }
  return false;
}

/** Deepest nesting handed to the composer, about a third of where its stack runs out. */
export const COMPOSE_SAFE_DEPTH = 256;

/** The offset at which `text` may nest deeper than COMPOSE_SAFE_DEPTH, or undefined. */
export function unsafeNesting(text: string): number | undefined {
  const lines = blockBounds(text);
  let opens = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) opens++;
  }
  if (lines.max + opens <= COMPOSE_SAFE_DEPTH) return undefined;
  return lexedNesting(text, lines);
}

interface BlockBounds {
  /** Offset where each line starts. */
  readonly starts: readonly number[];
  /** Bound on the block depth of the nodes starting on each line. */
  readonly bounds: readonly number[];
  readonly max: number;
}

/** Per line, 2c + 2 for the column c after its indentation and compact indicators. */
function blockBounds(text: string): BlockBounds {
  const starts: number[] = [];
  const bounds: number[] = [];
  let max = 0;
  for (let start = 0; start <= text.length; ) {
    let i = start;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09) i++;
      else if ((c === 0x2d || c === 0x3f || c === 0x3a) && isBlank(text.charCodeAt(i + 1))) i++;
      else break;
    }
    const bound = 2 * (i - start) + 2;
    starts.push(start);
    bounds.push(bound);
    if (bound > max) max = bound;
    const end = text.indexOf('\n', i);
    if (end === -1) break;
    start = end + 1;
  }
  return { starts, bounds, max };
}

/** Space, tab, line end or end of text: what must follow a block indicator. */
const isBlank = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || Number.isNaN(c);

/** Control tokens of yaml's Lexer that stand for no source text. */
const DOCUMENT = '\x02';
const FLOW_END = '\x18';
const SCALAR = '\x1f';

function lexedNesting(text: string, lines: BlockBounds): number | undefined {
  let offset = 0;
  let line = 0;
  let flow = 0;
  let blockAtFlowStart = 0;
  const lineOf = (at: number): number => {
    while (line + 1 < lines.starts.length && lines.starts[line + 1]! <= at) line++;
    return line;
  };
  for (const token of new Lexer().lex(text)) {
    if (token === DOCUMENT || token === SCALAR) continue;
    if (token === FLOW_END) {
      flow = 0;
      continue;
    }
    const at = offset;
    offset += token.length;
    if (token === '[' || token === '{') {
      if (flow === 0) blockAtFlowStart = lines.bounds[lineOf(at)]!;
      flow++;
      if (blockAtFlowStart + flow > COMPOSE_SAFE_DEPTH) return at;
    } else if (token === ']' || token === '}') {
      if (flow > 0) flow--;
    } else if (flow === 0 && lines.bounds[lineOf(at)]! > COMPOSE_SAFE_DEPTH) return at;
  }
  return undefined;
}
