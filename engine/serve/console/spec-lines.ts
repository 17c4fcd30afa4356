/**
 * The lines of a spec file that are one tenant's document, with their line numbers in
 * the file (so `#L12` and a diagnostic's line agree). A file may hold several documents,
 * some of them other tenants — perhaps another partner's: only the tenant's own
 * document is shown (from the end of the one before it, so its `---` and leading
 * comments come along). A file that cannot be split shows nothing rather than too much.
 */
import { parseAllDocuments } from 'yaml';
import { unsafeNesting } from '../../../specs/parse-bounds.js';
import { PARSE_OPTIONS } from '../../../specs/source.js';

export interface SpecLines {
  /** The number of the first line shown (1-based). */
  readonly first: number;
  readonly lines: readonly string[];
}

export function tenantLines(text: string, doc: number): SpecLines | undefined {
  const all = text.replace(/\r?\n$/, '').split(/\r?\n/);
  if (unsafeNesting(text) !== undefined) return undefined;
  let documents;
  try {
    documents = parseAllDocuments(text, PARSE_OPTIONS);
  } catch {
    return undefined;
  }
  if (!Array.isArray(documents) || doc < 0 || doc >= documents.length) return undefined;
  if (documents.length === 1) return { first: 1, lines: all };
  const start = doc === 0 ? 0 : documents[doc - 1]!.range[2];
  const end = documents[doc]!.range[2];
  const lineAt = (offset: number): number => text.slice(0, offset).split('\n').length - 1;
  const from = lineAt(start);
  // nodeEnd sits at the start of the next line when the document ends with a newline.
  const to = Math.max(from + 1, end > 0 && text[end - 1] === '\n' ? lineAt(end) : lineAt(end) + 1);
  return { first: from + 1, lines: all.slice(from, Math.min(to, all.length)) };
}
