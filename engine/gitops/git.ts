/**
 * The few git questions `plan --changed-since` asks, each one `git` process run with
 * an argument array (never a shell). Failures become GitError with a message fit for
 * users; nothing here reads a git config of its own beyond what git itself does.
 */
import { execFileSync } from 'node:child_process';
import type { FileStatus } from './changed.js';

export class GitError extends Error {
  override readonly name = 'GitError';
}

function git(cwd: string, args: readonly string[]): string {
  try {
    return execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 256 * 1024 * 1024,
      // Never prompt (credentials, pagers) inside a pipeline.
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat', LC_ALL: 'C' },
    });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string; status?: number | null };
    if (e.code === 'ENOENT') throw new GitError('git is not installed (or not on PATH): --changed-since needs it', { cause: error });
    const stderr = typeof e.stderr === 'string' ? e.stderr.trim().split('\n')[0] : '';
    throw new GitError(`git ${args[0]} failed${stderr ? `: ${stderr}` : ''}`, { cause: error });
  }
}

/** A revision as given by a user: refused when git could read it as an option. */
export function checkRevision(rev: string): string | undefined {
  if (rev.trim() === '') return '--changed-since needs a git revision (a branch, tag or commit), not an empty value';
  if (rev.startsWith('-')) return `--changed-since ${rev}: a revision cannot start with "-"`;
  if (/[\0\n\r]/.test(rev)) return '--changed-since: the revision holds a control character';
  return undefined;
}

/**
 * Brings the working copy `top` up to its upstream branch, fast-forward only: a working
 * copy that diverged, has local edits in the way, or has no upstream is a GitError and is
 * left as it was (the server keeps planning what it has).
 */
export function pullFastForward(top: string): void {
  git(top, ['pull', '--ff-only', '--quiet', '--no-rebase']);
}

/** The top directory of the work tree `cwd` is in. */
export function repositoryRoot(cwd: string): string {
  try {
    return git(cwd, ['rev-parse', '--show-toplevel']).trim();
  } catch (error) {
    if (error instanceof GitError && /not a git repository/i.test(error.message)) {
      throw new GitError(`--changed-since: ${cwd} is not inside a git repository`, { cause: error });
    }
    throw error;
  }
}

/** The commit `rev` names. */
export function resolveCommit(top: string, rev: string): string {
  const refused = checkRevision(rev);
  if (refused) throw new GitError(refused);
  try {
    return git(top, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]).trim();
  } catch (error) {
    throw new GitError(`--changed-since ${rev}: unknown revision (fetch it first, e.g. git fetch origin main)`, { cause: error });
  }
}

/**
 * Where the current branch left `commit`: changes made on `rev` since then belong to
 * others, not to this branch (as `git diff REV...HEAD`).
 */
export function mergeBase(top: string, commit: string, rev: string): string {
  try {
    git(top, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
  } catch (error) {
    throw new GitError('--changed-since: HEAD has no commit yet', { cause: error });
  }
  try {
    return git(top, ['merge-base', commit, 'HEAD']).trim();
  } catch (error) {
    throw new GitError(`--changed-since ${rev}: it shares no history with HEAD`, { cause: error });
  }
}

/**
 * Files whose working-tree content differs from `base` — committed, staged, unstaged
 * and untracked (ignored files excepted) — with paths relative to `top`. Renames count
 * as a deletion and an addition.
 */
export function changedFiles(top: string, base: string): { path: string; status: FileStatus }[] {
  const out = new Map<string, FileStatus>();
  const fields = git(top, ['diff', '--name-status', '-z', '--no-renames', '--no-ext-diff', '--no-textconv', base, '--']).split('\0');
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const code = fields[i]!;
    const path = fields[i + 1]!;
    out.set(path, code.startsWith('A') ? 'added' : code.startsWith('D') ? 'deleted' : 'modified');
  }
  for (const path of git(top, ['ls-files', '--others', '--exclude-standard', '--full-name', '-z']).split('\0')) {
    if (path !== '') out.set(path, 'added');
  }
  return [...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([path, status]) => ({ path, status }));
}

/** The content of `path` (relative to `top`) at `commit`, or undefined when it is not a file there. */
export function fileAt(top: string, commit: string, path: string): string | undefined {
  try {
    return git(top, ['cat-file', 'blob', `${commit}:${path}`]);
  } catch {
    return undefined;
  }
}

/**
 * The regular files directly inside `dir` (relative to `top`, '' for the top) at
 * `commit`: their paths relative to `top`. Symbolic links and subdirectories are left out.
 */
export function filesAt(top: string, commit: string, dir: string): string[] {
  const prefix = dir === '' ? '' : `${dir.replace(/\/+$/, '')}/`;
  const out: string[] = [];
  for (const entry of git(top, ['ls-tree', '-z', '--full-tree', commit, '--', ...(prefix === '' ? [] : [prefix])]).split('\0')) {
    const tab = entry.indexOf('\t');
    if (tab < 0) continue;
    const [mode, type] = entry.slice(0, tab).split(' ');
    if (type === 'blob' && (mode === '100644' || mode === '100755')) out.push(entry.slice(tab + 1));
  }
  return out;
}

/**
 * When `text` first appeared in `path` (relative to `top`) in the history of HEAD, in
 * seconds since the epoch: the commit that introduced a tenant's name into its file (git's
 * pickaxe, a fixed string). Infinity when no commit has it (a working-tree edit: newer
 * than anything), undefined when git cannot tell.
 */
export function introducedAt(top: string, path: string, text: string): number | undefined {
  try {
    const out = git(top, ['log', '--reverse', '--format=%ct', `-S${text}`, '--', path]).trim();
    return out === '' ? Infinity : Number(out.split('\n')[0]);
  } catch {
    return undefined;
  }
}
