/**
 * Keeping a file netfirst writes (an import's `*.secrets.env`) out of git: the working
 * copy it lies in (the nearest directory above holding `.git`, a directory or a
 * worktree's file), whether the `.gitignore` at that copy's top ignores it, and adding
 * the pattern there, once, when it does not. Only that one file is read and written:
 * nested `.gitignore` files and git's global excludes are not consulted, and a
 * repository without a `.gitignore` is left alone (its owner is told, not overruled).
 */
import { appendFileSync, existsSync, lstatSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

export type IgnoreOutcome =
  /** Not inside a git working copy: nothing to do. */
  | { readonly kind: 'outside-git' }
  /** A working copy without a `.gitignore` at its top (or one that is not a plain file): left alone. */
  | { readonly kind: 'no-gitignore'; readonly top: string }
  /** The `.gitignore` ignores the file already. */
  | { readonly kind: 'covered'; readonly gitignore: string }
  /** The pattern was appended to the `.gitignore`. */
  | { readonly kind: 'added'; readonly gitignore: string }
  /** The file's name does not match the pattern: adding it would not help (a `--secrets-file` named otherwise). */
  | { readonly kind: 'pattern-misses'; readonly gitignore: string };

/** The top of the git working copy holding `dir`, or undefined. */
export function gitTop(dir: string): string | undefined {
  for (let at = resolve(dir); ; at = dirname(at)) {
    if (existsSync(join(at, '.git'))) return at;
    if (dirname(at) === at) return undefined;
  }
}

/**
 * Whether `gitignore` (the text of a top-level .gitignore) ignores `path` (relative to
 * the working copy's top, `/`-separated): git's rules for one file — comments, `!`
 * negation (the last matching line wins), `dir/` patterns matching directories above the
 * file, patterns without a slash matching a name at any depth, `*`, `?`, `**`, `[…]`.
 */
export function ignoredBy(gitignore: string, path: string): boolean {
  const parts = path.split('/').filter((p) => p !== '');
  let ignored = false;
  for (const raw of gitignore.split(/\r?\n/)) {
    let line = raw.replace(/(?<!\\)\s+$/, '');
    if (line === '' || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    if (negated) line = line.slice(1);
    const dirOnly = line.endsWith('/');
    if (dirOnly) line = line.slice(0, -1);
    const anchored = line.includes('/');
    if (line.startsWith('/')) line = line.slice(1);
    const pattern = globRegExp(line);
    const hit = parts.some((_, i) => {
      if (dirOnly && i === parts.length - 1) return false;
      return pattern.test(anchored ? parts.slice(0, i + 1).join('/') : parts[i]!);
    });
    if (hit) ignored = !negated;
  }
  return ignored;
}

function globRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*' && glob[i + 1] === '*') {
      // `**/` any directories (also none), a trailing `**` everything below.
      if (glob[i + 2] === '/') {
        out += '(?:.*/)?';
        i += 2;
      } else {
        out += '.*';
        i += 1;
      }
    } else if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else if (ch === '\\' && i + 1 < glob.length) out += escapeRegExp(glob[++i]!);
    else if (ch === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) out += '\\[';
      else {
        const body = glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
        out += `[${body}]`;
        i = end;
      }
    } else out += escapeRegExp(ch);
  }
  return new RegExp(`^${out}$`);
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * Makes sure git ignores `file` through `pattern` in the `.gitignore` at the top of its
 * working copy: appended (with a comment saying why) unless some line there ignores the
 * file already. A `.gitignore` that is a symbolic link or anything but a plain file is
 * never written through.
 */
export function keepOutOfGit(file: string, pattern: string, why: string): IgnoreOutcome {
  const absolute = resolve(file);
  const top = gitTop(dirname(absolute));
  if (top === undefined) return { kind: 'outside-git' };
  const gitignore = join(top, '.gitignore');
  const stat = lstatSync(gitignore, { throwIfNoEntry: false });
  if (stat === undefined || !stat.isFile()) return { kind: 'no-gitignore', top };
  const path = relative(top, absolute).split(sep).join('/');
  const text = readFileSync(gitignore, 'utf8');
  if (ignoredBy(text, path)) return { kind: 'covered', gitignore };
  if (!ignoredBy(pattern, path)) return { kind: 'pattern-misses', gitignore };
  appendFileSync(gitignore, `${text === '' || text.endsWith('\n') ? '' : '\n'}# ${why}\n${pattern}\n`);
  return { kind: 'added', gitignore };
}
