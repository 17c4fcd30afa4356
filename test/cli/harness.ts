/**
 * Runs the real CLI (bin/netfirst.js) in a child process, the way users and pipelines
 * do, inside a scratch directory holding a copy of an example.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(REPO, 'bin', 'netfirst.js');

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Sandbox {
  readonly dir: string;
  run(...args: string[]): Run;
  read(file: string): string;
  write(file: string, text: string): void;
  /** Replace exactly one occurrence of `from` in `file`. */
  edit(file: string, from: string | RegExp, to: string): void;
  remove(): void;
}

export function sandbox(example = 'iswest', env: Record<string, string> = {}): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'netfirst-e2e-'));
  cpSync(join(REPO, 'examples', example), join(dir, example), { recursive: true });
  const path = (f: string): string => join(dir, f);
  return {
    dir,
    run(...args) {
      const r = spawnSync(process.execPath, [BIN, ...args], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1', NETFIRST_STATE: '', NETFIRST_SERVER: '', NETFIRST_TOKEN: '', ...env },
        timeout: 120_000,
      });
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
    read: (f) => readFileSync(path(f), 'utf8'),
    write: (f, text) => writeFileSync(path(f), text),
    edit(f, from, to) {
      const text = readFileSync(path(f), 'utf8');
      const count = typeof from === 'string' ? text.split(from).length - 1 : (text.match(new RegExp(from, 'g')) ?? []).length;
      if (count !== 1) throw new Error(`edit ${f}: expected exactly one match of ${String(from)}, found ${count}`);
      writeFileSync(path(f), text.replace(from, to));
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
