/**
 * Committing a console edit of one spec file, so the repository stays the truth: to
 * the checked-out branch (the file as written in the working copy, and nothing else
 * that happens to be staged), or to a new review branch made with plumbing and a
 * temporary index — the working copy, its index and HEAD untouched. Every git call is
 * one process with an argument array (never a shell), never prompting.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitError } from './git.js';

/** Who made the edit: the commit's author; the committer is the server's git identity (or netfirst's). */
export interface CommitAuthor {
  readonly name: string;
  readonly email: string;
}

interface GitCall {
  readonly input?: string;
  readonly env?: Readonly<Record<string, string>>;
}

function git(top: string, args: readonly string[], call: GitCall = {}): string {
  try {
    return execFileSync('git', args, {
      cwd: top,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(call.input !== undefined ? { input: call.input } : {}),
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat', LC_ALL: 'C', ...call.env },
    });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new GitError('git is not installed (or not on PATH): the console cannot commit its edits', { cause: error });
    const stderr = typeof e.stderr === 'string' ? e.stderr.trim().split('\n')[0] : '';
    throw new GitError(`git ${args[0]} failed${stderr ? `: ${stderr}` : ''}`, { cause: error });
  }
}

/** The top of the work tree `dir` is in, or undefined when it is in none. */
export function workTreeOf(dir: string): string | undefined {
  try {
    return git(dir, ['rev-parse', '--show-toplevel']).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Why `name` cannot be a branch name, or undefined. */
export function branchNameProblem(name: string): string | undefined {
  if (name === '' || name.startsWith('-') || /[\0\n\r]/.test(name)) return 'is not a branch name';
  try {
    git(process.cwd(), ['check-ref-format', '--branch', name]);
    return undefined;
  } catch {
    return 'is not a valid git branch name';
  }
}

/** Author, and a committer when the repository has no identity of its own (a server's working copy often has none). */
function identityEnv(top: string, author: CommitAuthor): Record<string, string> {
  const env: Record<string, string> = { GIT_AUTHOR_NAME: author.name, GIT_AUTHOR_EMAIL: author.email };
  let configured = '';
  try {
    configured = git(top, ['config', '--get', 'user.email']).trim();
  } catch {
    configured = '';
  }
  if (configured === '') Object.assign(env, { GIT_COMMITTER_NAME: 'netfirst serve', GIT_COMMITTER_EMAIL: 'netfirst-serve@localhost' });
  return env;
}

/**
 * Commits the working-tree content of `path` (relative to `top`) to the checked-out
 * branch, and only it: whatever else is staged stays staged and uncommitted. Returns the commit.
 */
export function commitFileToBranch(top: string, path: string, message: string, author: CommitAuthor): string {
  try {
    git(top, ['symbolic-ref', '--quiet', 'HEAD']);
  } catch (error) {
    throw new GitError('the working copy is on no branch (a detached HEAD): there is no branch the server tracks to commit to', { cause: error });
  }
  git(top, ['add', '--', path]);
  git(top, ['commit', '--quiet', '--only', '-m', message, '--', path], { env: identityEnv(top, author) });
  return git(top, ['rev-parse', 'HEAD']).trim();
}

/**
 * Makes branch `branch` (which must not exist) from HEAD's commit with `path` (relative
 * to `top`) holding `content`. The working copy, the index and HEAD are not touched: the
 * tree is built in a temporary index. Returns the commit.
 */
export function commitFileToNewBranch(top: string, branch: string, path: string, content: string, message: string, author: CommitAuthor): string {
  const base = git(top, ['rev-parse', '--verify', 'HEAD^{commit}']).trim();
  const listed = git(top, ['ls-tree', '-z', base, '--', path]).split('\0')[0] ?? '';
  const mode = /^(100644|100755) blob /.exec(listed)?.[1] ?? '100644';
  const blob = git(top, ['hash-object', '-w', '--stdin', `--path=${path}`], { input: content }).trim();
  const scratch = mkdtempSync(join(tmpdir(), 'netfirst-index-'));
  try {
    const env = { GIT_INDEX_FILE: join(scratch, 'index') };
    git(top, ['read-tree', base], { env });
    git(top, ['update-index', '--add', '--cacheinfo', `${mode},${blob},${path}`], { env });
    const tree = git(top, ['write-tree'], { env }).trim();
    const commit = git(top, ['commit-tree', tree, '-p', base, '-F', '-'], { input: message, env: identityEnv(top, author) }).trim();
    // An empty old value: the ref is made, never moved (a branch of that name already there is refused).
    git(top, ['update-ref', '-m', 'netfirst console edit', `refs/heads/${branch}`, commit, '']);
    return commit;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
