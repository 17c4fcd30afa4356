/**
 * The server's spec source, kept warm: the specs of one directory (or git working copy)
 * held in memory between requests, each file reloaded only when its bytes change, so a
 * plan after a one-tenant edit parses one file. `sync` picks up new commits or edits
 * (POST /api/v1/specs/sync, or the watcher); `hash` fingerprints what the specs were,
 * so an approved plan is refused once they have moved.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { SpecSet } from '../../specs/model.js';
import { SpecWorkspace, type Touched } from '../watch/spec-workspace.js';
import { pullFastForward, repositoryRoot, resolveCommit } from '../gitops/git.js';

export interface SpecSource {
  readonly root: string;
  /** The specs as last synced. */
  specs(): SpecSet;
  /** The specs as they would be with `file` holding `text` (a console edit judged before it is written). */
  specsWith(file: string, text: string): SpecSet;
  /** sha256 over every file's path (from the root) and content hash, in path order. */
  hash(): string;
  /** The commit the working copy is at, when the root is in a git repository. */
  commit(): string | undefined;
  /**
   * Reads what changed on disk (files added, removed or edited); says what it concerned.
   * With `pull`, the working copy is first brought up to its upstream (fast-forward only;
   * a failure is a GitError and nothing is read again).
   */
  sync(options?: { readonly pull?: boolean }): SyncResult;
}

export interface SyncResult {
  readonly touched: Touched;
  readonly changedFiles: readonly string[];
  readonly hash: string;
  readonly commit?: string;
}

export function specHash(specs: Pick<SpecSet, 'files'>, root: string): string {
  const h = createHash('sha256');
  const files = specs.files.map((f) => [relative(root, f.file), f.sha256] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [file, sha] of files) h.update(`${file}\0${sha}\n`);
  return h.digest('hex');
}

/** `onSync` hears of every sync, whoever asked for it (the API, the watcher). */
export function openSpecSource(dir: string, onSync?: (result: SyncResult) => void): SpecSource {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new Error(`--specs ${dir}: not a directory`);
  const workspace = new SpecWorkspace([root]);
  let specs = workspace.specs();
  let hash = specHash(specs, root);
  const headOf = (): string | undefined => {
    try {
      return resolveCommit(repositoryRoot(root), 'HEAD');
    } catch {
      return undefined;
    }
  };
  let commit = headOf();
  return {
    root,
    specs: () => specs,
    specsWith: (file, text) => workspace.specsWith(file, text),
    hash: () => hash,
    commit: () => commit,
    sync(options = {}) {
      if (options.pull) pullFastForward(repositoryRoot(root));
      const before = new Map(specs.files.map((f) => [f.file, f.sha256]));
      let touched = workspace.rescan();
      for (const f of specs.files) {
        const t = workspace.reload(f.file);
        if (t) touched = { tenants: new Set([...touched.tenants, ...t.tenants]), zones: new Set([...touched.zones, ...t.zones]), partners: touched.partners || t.partners };
      }
      specs = workspace.specs();
      hash = specHash(specs, root);
      commit = headOf();
      const after = new Map(specs.files.map((f) => [f.file, f.sha256]));
      const changed = new Set<string>();
      for (const [file, sha] of after) if (before.get(file) !== sha) changed.add(relative(root, file));
      for (const file of before.keys()) if (!after.has(file)) changed.add(relative(root, file));
      const result = { touched, changedFiles: [...changed].sort(), hash, ...(commit !== undefined ? { commit } : {}) };
      onSync?.(result);
      return result;
    },
  };
}
