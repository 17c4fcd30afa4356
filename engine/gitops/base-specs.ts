/**
 * The operator's documents as they were at the merge base: in a partner's run with
 * `--changed-since`, the Partners and Zone documents that decide ownership, quotas,
 * pools and secret policy are read from the base revision, never from the branch
 * under review — a partner cannot grant itself tenants or raise its own quotas by
 * editing partners.yaml in its pull request.
 */
import { join, relative, resolve, sep } from 'node:path';
import { statSync } from 'node:fs';
import type { Diagnostic } from '../../specs/diagnostic.js';
import { loadFile } from '../../specs/load-file.js';
import { isOperatorFileName } from '../../specs/load.js';
import type { Loaded } from '../../specs/model.js';
import type { PartnersDoc, ZoneDoc } from '../../specs/schema.js';
import { SourceFile } from '../../specs/source.js';
import { fileAt, filesAt } from './git.js';


export interface BaseOperatorDocs {
  readonly zones: ReadonlyMap<string, Loaded<ZoneDoc>>;
  readonly partners: readonly Loaded<PartnersDoc>[];
  /** The base texts, by the file name the run uses for them (relative to the working directory, as loadSpecs names files). */
  readonly sources: ReadonlyMap<string, SourceFile>;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Loads the operator files of each spec root at `base`: `partners.yaml` and `zone*.yaml`
 * at the top of each directory path, and each file path whose name is one of those.
 * `top` is the repository root; `cwd` the run's working directory (file names are given
 * as the loader gives them: the path as typed, joined with the file's name).
 */
export function operatorDocsAt(top: string, base: string, paths: readonly string[], cwd: string): BaseOperatorDocs {
  const candidates: { name: string; repoPath: string }[] = [];
  const inRepo = (abs: string): string | undefined => {
    const rel = relative(top, abs);
    return rel.startsWith('..') || resolve(top, rel) !== abs ? undefined : rel.split(sep).join('/');
  };
  for (const path of paths.length > 0 ? paths : ['.']) {
    const abs = resolve(cwd, path);
    const repoPath = inRepo(abs);
    if (repoPath === undefined) continue;
    if (isDirectory(abs)) {
      for (const file of filesAt(top, base, repoPath)) {
        const name = file.slice(file.lastIndexOf('/') + 1);
        if (isOperatorFileName(name)) candidates.push({ name: join(path, name), repoPath: file });
      }
    } else if (isOperatorFileName(abs.slice(abs.lastIndexOf(sep) + 1))) {
      candidates.push({ name: path, repoPath });
    }
  }
  const zones = new Map<string, Loaded<ZoneDoc>>();
  const partners: Loaded<PartnersDoc>[] = [];
  const sources = new Map<string, SourceFile>();
  const diagnostics: Diagnostic[] = [];
  for (const { name, repoPath } of candidates) {
    const text = fileAt(top, base, repoPath);
    if (text === undefined) continue;
    const source = new SourceFile(name, text);
    sources.set(name, source);
    const result = loadFile(source);
    for (const d of result.diagnostics) diagnostics.push({ ...d, file: name, summary: `at the merge base: ${d.summary}` });
    for (const { doc, value } of result.documents) {
      if (value.kind === 'Zone' && !zones.has(value.metadata.name)) zones.set(value.metadata.name, { file: name, doc, value });
      else if (value.kind === 'Partners') partners.push({ file: name, doc, value });
    }
  }
  return { zones, partners, sources, diagnostics };
}

/** False for anything that is not a directory, a dangling or looping link included. */
function isDirectory(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
  } catch {
    return false;
  }
}
