/**
 * `usage export` in remote mode: the flags are checked here with the local command's
 * words (the range, the format, --tenant with --partner), then GET /api/v1/usage is
 * streamed to stdout, or to a file written beside its final name and renamed into place
 * when complete — a billing job never reads half an export.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, createWriteStream, fsyncSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { FORMATS, formatInstant, parseRange, type UsageFormat } from '../../usage/index.js';
import { CliError } from '../errors.js';
import { printErr } from '../output.js';
import type { ApiClient } from './client.js';

export interface RemoteUsageOptions {
  readonly from?: string;
  readonly to?: string;
  readonly granularity?: string;
  readonly tenant?: string[];
  readonly partner?: string;
  readonly format?: string;
  readonly out?: string;
}

function chooseFormat(options: RemoteUsageOptions): UsageFormat {
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

export async function exportUsage(client: ApiClient, options: RemoteUsageOptions, now: () => Date = () => new Date()): Promise<void> {
  const parsed = parseRange({ from: options.from, to: options.to, granularity: options.granularity });
  if (!parsed.ok) throw new CliError(parsed.problems.join('\n'));
  const { range } = parsed;
  const format = chooseFormat(options);
  const tenants = options.tenant ?? [];
  if (tenants.length > 0 && options.partner !== undefined) throw new CliError('--tenant and --partner cannot be combined: choose one');
  const out = options.out === undefined || options.out === '-' ? undefined : resolve(options.out);
  if (out) checkOutput(out);

  const response = await client.stream('/api/v1/usage', {
    query: { from: options.from, to: options.to, granularity: range.granularity, format, tenant: tenants, partner: options.partner },
  });
  if (now().getTime() < range.to) printErr(`note: usage is known up to now (${formatInstant(now().getTime())}); later hours of the range have none yet`);
  if (!response.body) throw new CliError('the server sent no export');
  const body = Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>);
  if (out) await writeWhole(out, body);
  else await writeStdout(body);
}

/** Writes to stdout; a reader that stops early (`| head`) ends the export quietly. */
async function writeStdout(body: Readable): Promise<void> {
  try {
    await pipeline(body, process.stdout, { end: false });
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'EPIPE') throw streamFailure(error);
  }
}

/** The connection broke mid-export: said plainly (the file, if any, is left as it was). */
function streamFailure(error: unknown): Error {
  if (error instanceof CliError) return error;
  return new CliError(`the export from the server broke off: ${error instanceof Error ? error.message : String(error)}`);
}

/**
 * Writes `body` to a temporary file in `out`'s directory, flushes it to disk and renames
 * it over `out`; on any failure, or an interrupt, the temporary file is removed and `out`
 * is left as it was.
 */
async function writeWhole(out: string, body: Readable): Promise<void> {
  const temp = join(dirname(out), `.${basename(out)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const cleanUp = (): void => rmSync(temp, { force: true });
  const onSignal = (signal: NodeJS.Signals): void => {
    cleanUp();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const file = createWriteStream(temp, { flags: 'wx' });
    try {
      await pipeline(body, file);
    } catch (error) {
      throw (error as { syscall?: unknown }).syscall !== undefined ? new CliError(`cannot write ${out}: ${(error as Error).message}`) : streamFailure(error);
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
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot write ${out}: ${(error as Error).message}`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
