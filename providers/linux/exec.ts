/**
 * Running the kernel's tools: every command is a file and an argument array handed to
 * execFile — never a shell, so nothing from a spec can become shell syntax. Commands
 * that must run inside a network namespace go through `ip netns exec NAME`, which also
 * gives them the namespace's own /etc/netns/NAME files. Failures become ProviderErrors
 * carrying the command and what it printed on stderr. A command a user runs in a VM
 * (`netfirst exec`) is entered further — its own mount, PID and root — by vm-enter.ts.
 */
import { execFile, spawn } from 'node:child_process';
import { constants } from 'node:os';
import { ProviderError } from '../contract.js';

export interface RunOptions {
  /** Run inside this network namespace. */
  readonly netns?: string;
  /** Written to the command's stdin (e.g. an `nft -f -` script). */
  readonly input?: string;
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
}

export class CommandFailed extends ProviderError {
  constructor(readonly command: readonly string[], readonly stderr: string, readonly exitCode: number | null) {
    super('internal', `${command.join(' ')}: ${stderr.trim() || `exit code ${String(exitCode)}`}`);
    this.name = 'CommandFailed';
  }
}

/** The argv that runs `file args` (inside `netns` when given). */
export function commandLine(file: string, args: readonly string[], netns?: string): string[] {
  return netns === undefined ? [file, ...args] : ['ip', 'netns', 'exec', netns, file, ...args];
}

/** Runs a command to completion and returns its stdout; a non-zero exit throws CommandFailed. */
export function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  const argv = commandLine(file, args, options.netns);
  return new Promise((resolve, reject) => {
    const child = execFile(argv[0]!, argv.slice(1), {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      timeout: options.timeoutMs ?? 30_000,
      ...(options.env ? { env: options.env } : {}),
    }, (error, stdout, stderr) => {
      if (error) {
        const code = typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : null;
        reject(new CommandFailed(argv, stderr || error.message, code));
      } else {
        resolve(stdout);
      }
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** `ip ARGS` (in `netns` with `ip -n`, which needs no exec). */
export function ip(args: readonly string[], netns?: string): Promise<string> {
  return run('ip', netns === undefined ? args : ['-n', netns, ...args]);
}

/** `ip -j ARGS` parsed; an empty answer is an empty list. */
export async function ipJson<T>(args: readonly string[], netns?: string): Promise<T[]> {
  const out = await ip(['-j', ...args], netns);
  return out.trim() === '' ? [] : (JSON.parse(out) as T[]);
}

/**
 * Starts a long-running program detached (a daemon such as charon), its output to the
 * given log file descriptor; returns its pid. It outlives this process, as a daemon must.
 */
export function startDaemon(file: string, args: readonly string[], options: { netns?: string; env?: NodeJS.ProcessEnv; logFd: number }): number {
  const argv = commandLine(file, args, options.netns);
  const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', options.logFd, options.logFd], ...(options.env ? { env: options.env } : {}) });
  child.unref();
  if (child.pid === undefined) throw new ProviderError('internal', `could not start ${argv.join(' ')}`);
  return child.pid;
}

/**
 * Runs argv attached to this terminal (stdin, stdout and stderr inherited) and resolves
 * to its exit code; a command ended by a signal gives 128 + the signal's number, as a
 * shell would.
 */
export function runAttached(argv: readonly string[], env?: NodeJS.ProcessEnv): Promise<number> {
  return new Promise<number>((resolveExit, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'inherit', ...(env ? { env } : {}) });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolveExit(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1)));
  });
}

/** True when `error` says the object is already there (idempotent creates). */
export const alreadyExists = (error: unknown): boolean => error instanceof CommandFailed && /File exists|already exists|already assigned/i.test(error.stderr);
/** True when `error` says the object is not there (idempotent deletes). */
export const notFound = (error: unknown): boolean =>
  error instanceof CommandFailed && /Cannot find device|does not exist|No such file|No such process|not found|Cannot open network namespace/i.test(error.stderr);
