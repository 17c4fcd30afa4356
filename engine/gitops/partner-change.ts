/**
 * judgePartnerChange: a partner's pull request judged as a whole. Every file it adds,
 * changes or deletes under the spec directories is attributed to an owner, and every
 * file the partner may not write is refused at that file — never silently left out of
 * the plan. A partner may write only:
 * - spec files whose Tenant documents, before and after, are all tenants it manages
 *   (by the base revision's Partners document), and that hold no Zone or Partners
 *   document (those are the operator's);
 * - other files inside its own secret directories.
 * Symbolic links are refused anywhere. Pure: git and the file system are read by the caller.
 * Messages name the file and the rule, never another partner's tenants.
 */
import type { Diagnostic } from '../../specs/diagnostic.js';
import { LineCounter, parseAllDocuments } from 'yaml';
import { MAX_SPEC_FILE_BYTES } from '../../specs/limits.js';
import { unsafeNesting } from '../../specs/parse-bounds.js';
import type { FileStatus } from './changed.js';

/** One document of a spec file, as far as ownership cares. */
export interface DocumentHead {
  readonly kind?: string;
  readonly name?: string;
  /** 1-based line of the document's `kind` (or its start). */
  readonly line: number;
}

export interface PartnerChangedFile {
  /** The file as the run names it (relative to the working directory). */
  readonly file: string;
  /** Relative to the repository root. */
  readonly repoPath: string;
  readonly status: FileStatus;
  /** Whether the working tree holds a symbolic link at this path. */
  readonly symlink: boolean;
  /** A YAML file the loader reads (under a spec directory, not under a dot-directory). */
  readonly spec: boolean;
  /** Documents at the base revision and in the working tree (empty when absent). */
  readonly before: readonly DocumentHead[];
  readonly after: readonly DocumentHead[];
}

export interface PartnerChangeInput {
  readonly partner: string;
  readonly owns: (tenant: string) => boolean;
  /** The partner's secret directories, relative to the repository root (from the base Partners document). */
  readonly secretDirs: readonly string[];
  readonly files: readonly PartnerChangedFile[];
}

export function judgePartnerChange(input: PartnerChangeInput): Diagnostic[] {
  const out: Diagnostic[] = [];
  const refuse = (f: PartnerChangedFile, line: number, summary: string): void => {
    out.push({ severity: 'error', summary, file: f.file, line, column: 1 });
  };
  for (const f of input.files) {
    const verb = f.status === 'added' ? 'adds' : f.status === 'deleted' ? 'deletes' : 'changes';
    if (f.symlink) {
      refuse(f, 1, `a partner's change may not add or change symbolic links (partner ${input.partner} ${verb} this one)`);
      continue;
    }
    if (!f.spec) {
      if (input.secretDirs.some((d) => f.repoPath.startsWith(`${d}/`))) continue;
      const dirs = input.secretDirs.length > 0 ? input.secretDirs.join(', ') : 'none';
      refuse(f, 1, `partner ${input.partner} may write only its tenants' spec files and files in its secret directories (${dirs}): this change ${verb} another file`);
      continue;
    }
    const heads = [...f.after.map((h) => ({ ...h, now: true })), ...f.before.map((h) => ({ ...h, now: false }))];
    const lineOf = (h: { line: number; now: boolean }): number => (h.now ? h.line : 1);
    const operatorDoc = heads.find((h) => h.kind === 'Zone' || h.kind === 'Partners');
    if (operatorDoc) {
      refuse(f, lineOf(operatorDoc), `a partner's change may not add, change or delete ${operatorDoc.kind} documents: they are the operator's (partner ${input.partner} ${verb} a file that holds one)`);
      continue;
    }
    const foreign = heads.find((h) => h.kind === 'Tenant' && h.name !== undefined && !input.owns(h.name));
    if (foreign) {
      refuse(f, lineOf(foreign), foreign.now && !f.before.some((h) => h.name === foreign.name)
        ? `partner ${input.partner} may write only tenants it manages: tenant ${foreign.name} is not one of them`
        : `partner ${input.partner} may change only the files of tenants it manages: this file holds a tenant it does not manage`);
    }
  }
  return out;
}

/** The documents of a YAML text with their kind, name and line; lenient (the loader reports what does not parse). */
export function documentHeads(text: string): DocumentHead[] {
  // Bounded as the loader is: such a file is refused by the loader anyway.
  if (text.length > MAX_SPEC_FILE_BYTES || unsafeNesting(text) !== undefined) return [];
  const lineCounter = new LineCounter();
  let docs;
  try {
    docs = parseAllDocuments(text, { lineCounter, uniqueKeys: false });
  } catch {
    return [];
  }
  const out: DocumentHead[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    const contents = doc.contents;
    if (!contents || !('items' in contents)) continue;
    let kind: string | undefined;
    let name: string | undefined;
    let line = lineCounter.linePos(contents.range?.[0] ?? 0).line;
    for (const item of contents.items as { key?: unknown; value?: unknown }[]) {
      const key = scalar(item.key);
      if (key === 'kind') {
        kind = scalar(item.value);
        const range = (item.key as { range?: [number, number, number] }).range;
        if (range) line = lineCounter.linePos(range[0]).line;
      } else if (key === 'metadata' && item.value && typeof item.value === 'object' && 'items' in item.value) {
        for (const m of (item.value as { items: { key?: unknown; value?: unknown }[] }).items) if (scalar(m.key) === 'name') name = scalar(m.value);
      }
    }
    if (kind !== undefined || name !== undefined) out.push({ ...(kind !== undefined ? { kind } : {}), ...(name !== undefined ? { name } : {}), line });
  }
  return out;
}

function scalar(node: unknown): string | undefined {
  if (node && typeof node === 'object' && 'value' in node) {
    const v = (node as { value: unknown }).value;
    return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
  }
  return undefined;
}
