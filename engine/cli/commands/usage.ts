/**
 * usage export: the billing records of a period from the state's event history, as CSV,
 * JSON or XML, to stdout or a file. The specs (default `.`) only say which partner each
 * tenant belongs to. A file is written beside its final name and renamed into place
 * when complete, so a billing job never reads half an export.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, createWriteStream } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { formatDiagnostic, hasErrors } from '../../../specs/diagnostic.js';
import { FORMATS, formatInstant, parseRange, partnersOfSpecs, type UsageFormat, usageExport } from '../../usage/index.js';
import { CliError } from '../errors.js';
import { printErr } from '../output.js';
import { loadWorkspaceSpecs, openWorkspaceState, type GlobalOptions } from '../../run/workspace.js';

export interface UsageExportOptions extends GlobalOptions {
  readonly from?: string;
  readonly to?: string;
  readonly granularity?: string;
  readonly tenant?: string[];
  readonly partner?: string;
  readonly format?: string;
  readonly out?: string;
  /** Tests pin the clock; usage after now is not counted. */
  readonly now?: () => Date;
}

function chooseFormat(options: UsageExportOptions): UsageFormat {
  const named = options.format ?? (options.out ? extname(options.out).slice(1).toLowerCase() : undefined);
  if (named === undefined || named === '') throw new CliError(`--format is required: one of ${FORMATS.join(', ')}`);
  if (!(FORMATS as readonly string[]).includes(named)) {
    throw new CliError(options.format
      ? `--format must be one of ${FORMATS.join(', ')}, not ${JSON.stringify(options.format)}`
      : `--format is required (the extension of ${options.out} names none of ${FORMATS.join(', ')})`);
  }
  return named as UsageFormat;
}

export async function usageExportCommand(paths: string[], options: UsageExportOptions): Promise<number> {
  const parsed = parseRange({ from: options.from, to: options.to, granularity: options.granularity });
  if (!parsed.ok) throw new CliError(parsed.problems.join('\n'));
  const { range } = parsed;
  const format = chooseFormat(options);
  const tenants = options.tenant ?? [];
  if (tenants.length > 0 && options.partner !== undefined) throw new CliError('--tenant and --partner cannot be combined: choose one');
  const out = options.out === undefined || options.out === '-' ? undefined : resolve(options.out);
  if (out) checkOutput(out);

  const specs = loadWorkspaceSpecs(paths, options);
  if (hasErrors(specs.diagnostics)) {
    throw new CliError(`the specs do not load, so partners cannot be resolved (pass only the files you need, e.g. the Partners file):\n${
      specs.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic).join('\n')}`);
  }
  const directory = partnersOfSpecs(specs);
  const partner = options.partner ?? (process.env.NETFIRST_PARTNER || undefined);
  if (partner !== undefined && !directory.known.includes(partner)) {
    throw new CliError(`partner ${partner} is named by no loaded spec (known: ${directory.known.join(', ') || 'none'}); pass the Partners file or the tenant specs`);
  }
  const now = (options.now ?? (() => new Date()))().getTime();
  if (now < range.to) printErr(`note: usage is known up to now (${formatInstant(now)}); later hours of the range have none yet`);

  const state = openWorkspaceState(options);
  try {
    // The same export GET /api/v1/usage streams (engine/usage/export.ts).
    const chunks = usageExport((filter) => state.events(filter), { range, format, directory, tenants, partner, now });
    if (out) await writeWhole(out, chunks);
    else await writeStdout(chunks);
  } finally {
    state.close();
  }
  return 0;
}

/** Writes to stdout; a reader that stops early (`| head`) ends the export quietly. */
async function writeStdout(chunks: Iterable<string>): Promise<void> {
  try {
    await pipeline(Readable.from(chunks), process.stdout, { end: false });
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'EPIPE') throw error;
  }
}

function checkOutput(out: string): void {
  const dir = statSync(dirname(out), { throwIfNoEntry: false });
  if (!dir?.isDirectory()) throw new CliError(`--out ${out}: directory ${dirname(out)} does not exist`);
  if (statSync(out, { throwIfNoEntry: false })?.isDirectory()) throw new CliError(`--out ${out} is a directory: name a file`);
}

/**
 * Writes `chunks` to a temporary file in `out`'s directory, flushes it to disk and
 * renames it over `out`; on any failure, or an interrupt, the temporary file is removed
 * and `out` is left as it was.
 */
async function writeWhole(out: string, chunks: Iterable<string>): Promise<void> {
  const temp = join(dirname(out), `.${basename(out)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const cleanUp = (): void => rmSync(temp, { force: true });
  const onSignal = (signal: NodeJS.Signals): void => {
    cleanUp();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await pipeline(Readable.from(chunks), createWriteStream(temp, { flags: 'wx' }));
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
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && !code.startsWith('SQLITE_')) throw new CliError(`cannot write ${out}: ${(error as Error).message}`);
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
