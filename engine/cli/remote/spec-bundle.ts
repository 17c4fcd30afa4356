/**
 * The spec bundle a remote `plan` or `apply` uploads: the Tenant spec files under the
 * paths given (what a pull request's branch holds), each named relative to the path it
 * was found under. Zone and Partners documents are never uploaded — the server plans
 * with its own. With `--changed-since REV`, only the files whose tenants changed since
 * the merge base of REV and HEAD (working tree included) go up; deleted files cannot,
 * and the caller says so.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { formatDiagnostic, hasErrors, type Diagnostic } from '../../../specs/diagnostic.js';
import { isOperatorFileName, listSpecFiles } from '../../../specs/load.js';
import { summarizeSpecText, tenantsForChanges, type ChangedFile, type TenantFacts } from '../../gitops/changed.js';
import { changedFiles, fileAt, GitError, mergeBase, repositoryRoot, resolveCommit } from '../../gitops/git.js';
import { documentHeads } from '../../gitops/partner-change.js';
import type { ChangedSelection } from '../../gitops/select.js';
import { readSpecText, realOrSelf } from '../../gitops/working-tree.js';
import { CliError } from '../errors.js';

export interface BundleFile {
  /** Relative to the path it was found under: what the server names it by. */
  readonly path: string;
  readonly content: string;
}

export interface SpecBundle {
  readonly files: readonly BundleFile[];
  /** A bundle path → the file as the local CLI names it (diagnostics are shown so). */
  readonly shownAs: ReadonlyMap<string, string>;
  /** `--changed-since`: what was compared and the tenants it selected. */
  readonly changed?: ChangedSelection;
  /** `--changed-since`: spec files deleted since the merge base (repository paths), which no bundle can carry. */
  readonly deleted: readonly string[];
}

/** A spec root as given: a directory (files named relative to it) or one file (named by its base name). */
interface Root {
  readonly given: string;
  readonly real: string;
  readonly directory: boolean;
}

/** Whether a file holds only the operator's documents (or is named as their files are): never uploaded. */
function operatorsOnly(file: string, text: string): boolean {
  if (isOperatorFileName(basename(file))) return true;
  const heads = documentHeads(text);
  // A file that does not parse goes up: the server's loader reports its errors as the local one would.
  return heads.length > 0 && heads.every((h) => h.kind === 'Zone' || h.kind === 'Partners');
}

function rootsOf(paths: readonly string[]): Root[] {
  return paths.map((given) => {
    const stat = statSync(given, { throwIfNoEntry: false });
    if (!stat) throw new CliError(`${given}: error: no such file or directory`);
    return { given, real: realOrSelf(resolve(given)), directory: stat.isDirectory() };
  });
}

/** The bundle name and the local name of `file` (an absolute or cwd-relative path) under `root`. */
function namesUnder(root: Root, file: string): { path: string; shown: string } {
  if (!root.directory) return { path: basename(root.given), shown: root.given };
  const path = relative(root.real, realOrSelf(resolve(file))).split(sep).join('/');
  return { path, shown: join(root.given, path) };
}

function add(files: BundleFile[], shownAs: Map<string, string>, path: string, shown: string, content: string): void {
  const before = shownAs.get(path);
  if (before !== undefined) {
    if (before === shown) return;
    throw new CliError(`${before} and ${shown} would both be uploaded as ${path}: pass one of their directories`);
  }
  shownAs.set(path, shown);
  files.push({ path, content });
}

/** Every Tenant spec file under `paths` (default `.`). */
export function bundleOfPaths(paths: readonly string[]): SpecBundle {
  const files: BundleFile[] = [];
  const shownAs = new Map<string, string>();
  for (const root of rootsOf(paths.length > 0 ? paths : ['.'])) {
    const diagnostics: Diagnostic[] = [];
    const listed = listSpecFiles([root.given], diagnostics);
    if (hasErrors(diagnostics)) throw new CliError(diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic).join('\n'));
    for (const file of listed) {
      const content = readFileSync(file, 'utf8');
      if (operatorsOnly(file, content)) continue;
      const { path, shown } = namesUnder(root, file);
      add(files, shownAs, path, shown, content);
    }
  }
  return { files, shownAs, deleted: [] };
}

/**
 * The Tenant spec files under `paths` (default `.`) whose tenants changed since the
 * merge base of `rev` and HEAD, as `plan --changed-since` judges a tenant file: a
 * tenant counts when its document (not its comments or layout) differs.
 */
export function bundleOfChanges(paths: readonly string[], rev: string, cwd: string = process.cwd()): SpecBundle {
  const roots = rootsOf(paths.length > 0 ? paths : ['.']);
  let top: string;
  let base: string;
  let changed: { path: string; status: ChangedFile['status'] }[];
  try {
    top = repositoryRoot(cwd);
    base = mergeBase(top, resolveCommit(top, rev), rev);
    changed = changedFiles(top, base);
  } catch (error) {
    if (error instanceof GitError) throw new CliError(error.message);
    throw error;
  }
  const rootOf = (abs: string): Root | undefined => roots.find((r) => (r.directory ? abs.startsWith(`${r.real}${sep}`) : abs === r.real));

  const considered: { file: ChangedFile; root: Root; abs: string; text: string; parses: boolean }[] = [];
  const deleted: string[] = [];
  for (const { path, status } of changed) {
    if (!/\.ya?ml$/i.test(path)) continue;
    const abs = join(top, path);
    const root = rootOf(abs);
    if (!root) continue;
    const { path: inRoot } = namesUnder(root, abs);
    // Hidden directories and files are not specs (the loader skips them too).
    if (inRoot.split('/').some((part) => part.startsWith('.'))) continue;
    const before = fileAt(top, base, path) ?? '';
    if (status === 'deleted') {
      if (!operatorsOnly(abs, before)) deleted.push(path);
      continue;
    }
    const text = readSpecText(abs);
    if (operatorsOnly(abs, text)) continue;
    considered.push({ file: { path, status, before: summarizeSpecText(before), after: summarizeSpecText(text) }, root, abs, text, parses: documentHeads(text).length > 0 });
  }

  const facts: TenantFacts[] = considered.flatMap(({ file }) => file.after.flatMap((d) => (d.kind === 'Tenant'
    ? [{ name: d.name, zone: d.zone ?? '', ...(d.partner !== undefined ? { partner: d.partner } : {}), secretFiles: [], unallocated: false }]
    : [])));
  const tenants = tenantsForChanges({ files: considered.map((c) => c.file), tenants: facts, recordedTenants: new Set() });
  const selected = new Set(tenants.map((t) => t.tenant));

  const files: BundleFile[] = [];
  const shownAs = new Map<string, string>();
  for (const c of considered) {
    // A changed file that does not parse goes up too: its errors are the plan's to report.
    if (!c.parses || c.file.after.some((d) => d.kind === 'Tenant' && selected.has(d.name))) {
      const { path, shown } = namesUnder(c.root, c.abs);
      add(files, shownAs, path, shown, c.text);
    }
  }
  return {
    files,
    shownAs,
    changed: {
      rev,
      base,
      files: [...considered.map((c) => ({ path: c.file.path, status: c.file.status })), ...deleted.map((path) => ({ path, status: 'deleted' as const }))]
        .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
      tenants,
    },
    deleted,
  };
}
