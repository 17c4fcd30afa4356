/**
 * What `usage export` does the same way locally and through the server: the checks of
 * its flags (range, format, --tenant with --partner, --out), and where the records go —
 * stdout, or a file written beside its final name and renamed into place when complete,
 * so a billing job never reads half an export.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, createWriteStream, fsyncSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FORMATS, parseRange, type UsageFormat, type UsageRange } from '../usage/index.js';
import { CliError } from './errors.js';

export interface UsageFlags {
  readonly from?: string;
  readonly to?: string;
  readonly granularity?: string;
  readonly tenant?: string[];
  readonly partner?: string;
  readonly format?: string;
  readonly out?: string;
}

export interface UsageRequest {
  readonly range: UsageRange;
  readonly format: UsageFormat;
  readonly tenants: readonly string[];
  /** The file to write (absolute), or undefined for stdout. */
  readonly out: string | undefined;
}

/** The flags checked, each refusal one line naming the flag. */
export function usageRequest(options: UsageFlags): UsageRequest {
  const parsed = parseRange({ from: options.from, to: options.to, granularity: options.granularity });
  if (!parsed.ok) throw new CliError(parsed.problems.join('\n'));
  const format = chooseFormat(options);
  const tenants = options.tenant ?? [];
  if (tenants.length > 0 && options.partner !== undefined) throw new CliError('--tenant and --partner cannot be combined: choose one');
  const out = options.out === undefined || options.out === '-' ? undefined : resolve(options.out);
  if (out) checkOutput(out);
  return { range: parsed.range, format, tenants, out };
}

function chooseFormat(options: UsageFlags): UsageFormat {
  const named = options.format ?? (options.out ? extname(options.out).slice(1).toLowerCase() : undefined);
  if (named === undefined || named === '') throw new CliError(`--format is required: one of ${FORMATS.join(', ')}`);
  if (!(FORMATS as readonly string[]).includes(named)) {
    throw new CliError(options.format
      ? `--format must be one of ${FORMATS.join(', ')}, not ${JSON.stringify(options.format)}`
      : `--format is required (the extension of ${options.out} names none of ${FORMATS.join(', ')})`);
  }
  return named as UsageFormat;
}

function checkOutput(out: string): void {
  const dir = statSync(dirname(out), { throwIfNoEntry: false });
  if (!dir?.isDirectory()) throw new CliError(`--out ${out}: directory ${dirname(out)} does not exist`);
  if (statSync(out, { throwIfNoEntry: false })?.isDirectory()) throw new CliError(`--out ${out} is a directory: name a file`);
}

/**
 * Writes `body` to stdout or `out`. `sourceFailed` turns a failure of the source (not of
 * writing) into what the command reports; by default it passes through.
 */
export async function writeUsage(body: Readable, out: string | undefined, sourceFailed: (error: unknown) => unknown = (error) => error): Promise<void> {
  if (out) await writeWhole(out, body, sourceFailed);
  else await writeStdout(body, sourceFailed);
}

/** A reader that stops early (`| head`) ends the export quietly. */
async function writeStdout(body: Readable, sourceFailed: (error: unknown) => unknown): Promise<void> {
  try {
    await pipeline(body, process.stdout, { end: false });
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'EPIPE') throw sourceFailed(error);
  }
}

/**
 * Writes `body` to a temporary file in `out`'s directory, flushes it to disk and renames
 * it over `out`; on any failure, or an interrupt, the temporary file is removed and `out`
 * is left as it was.
 */
async function writeWhole(out: string, body: Readable, sourceFailed: (error: unknown) => unknown): Promise<void> {
  const temp = join(dirname(out), `.${basename(out)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const cleanUp = (): void => rmSync(temp, { force: true });
  const onSignal = (signal: NodeJS.Signals): void => {
    cleanUp();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    try {
      await pipeline(body, createWriteStream(temp, { flags: 'wx' }));
    } catch (error) {
      // The file system's errors name a syscall; anything else came from the source.
      throw (error as { syscall?: unknown }).syscall !== undefined ? new CliError(`cannot write ${out}: ${(error as Error).message}`) : sourceFailed(error);
    }
    const fd = openSync(temp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, out);
  } catch (error) {
    cleanUp();
    if (!(error instanceof CliError) && (error as { syscall?: unknown }).syscall !== undefined) throw new CliError(`cannot write ${out}: ${(error as Error).message}`);
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
