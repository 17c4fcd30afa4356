/**
 * `netfirst fmt [--check] [--diff] [PATHS…]`: rewrites spec files in the canonical layout
 * (specs/format.ts), finding them as validate does (default: the current directory).
 *
 * Each file is written atomically (a temporary file beside it, renamed over it) with its
 * mode kept, and only when its text changes. A file that does not parse, or that could
 * not be formatted without changing its meaning, is named with its line and left as it
 * is (exit 1). A file reached through a symbolic link whose target lies outside the
 * paths given is never written — a spec repository could point one at /etc — and is
 * reported instead (exit 1). `--check` writes nothing: it lists the files that would
 * change and exits 3 when there are any, for CI.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { formatDiagnostic, type Diagnostic } from '../../../specs/diagnostic.js';
import { formatSpecText } from '../../../specs/format.js';
import { listSpecFiles } from '../../../specs/load.js';
import { readSpecFile } from '../../../specs/read-spec-file.js';
import { CliError } from '../errors.js';
import { colorsFor, print, printErr } from '../output.js';

export interface FmtOptions {
  readonly check?: boolean;
  readonly diff?: boolean;
  readonly json?: boolean;
}

/** Exit code of `fmt --check` when a file is not in the canonical layout (Terraform's `fmt -check` exits non-zero too). */
export const FMT_CHECK_DIFFERS = 3;

export async function fmtCommand(paths: readonly string[], options: FmtOptions): Promise<number> {
  const given = paths.length > 0 ? paths : ['.'];
  const problems: Diagnostic[] = [];
  const files = listSpecFiles(given, problems);
  const inside = writableArea(given);
  const changed: string[] = [];
  const done = new Set<string>();
  for (const file of files) {
    let real: string;
    try {
      real = realpathSync(file);
    } catch (cause) {
      problems.push({ severity: 'error', summary: `cannot read: ${(cause as Error).message}`, file });
      continue;
    }
    if (!inside(real)) {
      problems.push({ severity: 'error', summary: `is a symbolic link to ${real}, outside the paths given: not formatted (give that file's directory too to format it)`, file });
      continue;
    }
    if (done.has(real)) continue;
    done.add(real);
    const { bytes, problem } = readSpecFile(real);
    if (problem) {
      problems.push({ ...problem, file });
      continue;
    }
    const before = bytes.toString('utf8');
    const result = formatSpecText(before);
    if (!result.ok) {
      problems.push({ severity: 'error', file, ...result.problem });
      continue;
    }
    if (!result.changed) continue;
    changed.push(file);
    if (options.diff && !options.json) printDiff(file, before, result.text);
    if (!options.check) writeAtomically(real, result.text);
  }
  const errors = problems.filter((d) => d.severity === 'error').length;
  if (options.json) {
    print(JSON.stringify({ check: options.check === true, changed, problems }, null, 2));
  } else {
    const c = colorsFor(process.stderr);
    for (const d of problems) printErr(d.severity === 'error' ? c.red(formatDiagnostic(d)) : c.yellow(formatDiagnostic(d)));
    if (!options.diff) for (const file of changed) print(file);
    if (options.check && changed.length > 0) {
      printErr(`${changed.length} file${changed.length === 1 ? ' is' : 's are'} not in the canonical layout: run netfirst fmt to rewrite ${changed.length === 1 ? 'it' : 'them'}.`);
    }
  }
  if (errors > 0) return 1;
  return options.check && changed.length > 0 ? FMT_CHECK_DIFFERS : 0;
}

/**
 * Whether a file's real path lies inside what the command line names: a directory given
 * (its real path, so a directory named through a link is still the user's choice), or
 * the directory of a file given. A link inside them pointing elsewhere is outside.
 */
function writableArea(given: readonly string[]): (real: string) => boolean {
  const roots: string[] = [];
  for (const path of given) {
    try {
      const isDir = statSync(path).isDirectory();
      roots.push(realpathSync(isDir ? path : dirname(path)));
    } catch {
      // listSpecFiles reported it.
    }
  }
  return (real) => roots.some((root) => real === root || real.startsWith(root.endsWith(sep) ? root : root + sep));
}

/** Replaces `file` (a real path, no link) by `text` in one rename, keeping its mode; a failed write leaves it whole. */
function writeAtomically(file: string, text: string): void {
  const mode = statSync(file).mode & 0o7777;
  const temporary = join(dirname(file), `.${basename(file)}.fmt-${randomBytes(6).toString('hex')}`);
  try {
    writeFileSync(temporary, text, { mode, flag: 'wx' });
    chmodSync(temporary, mode);
    renameSync(temporary, file);
  } catch (cause) {
    try {
      unlinkSync(temporary);
    } catch {
      // Never created.
    }
    throw new CliError(`cannot write ${file}: ${(cause as Error).message} (the file is unchanged)`);
  }
}

function printDiff(file: string, before: string, after: string): void {
  const c = colorsFor(process.stdout);
  const patch = createTwoFilesPatch(file, file, before, after, undefined, undefined, { context: 3 });
  const lines = patch.split('\n').filter((line) => !line.startsWith('=====') && !line.startsWith('Index: '));
  print(lines.map((line) => (line.startsWith('+') && !line.startsWith('+++') ? c.green(line) : line.startsWith('-') && !line.startsWith('---') ? c.red(line) : line)).join('\n'));
}
