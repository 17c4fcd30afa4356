/**
 * usage export: the billing records of a period from the state's event history, as CSV,
 * JSON or XML, to stdout or a file. The specs (default `.`) only say which partner each
 * tenant belongs to. A file is written beside its final name and renamed into place
 * when complete, so a billing job never reads half an export.
 */
import { Readable } from 'node:stream';
import { formatDiagnostic, hasErrors } from '../../../specs/diagnostic.js';
import { formatInstant, partnersOfSpecs, usageExport } from '../../usage/index.js';
import { usageRequest, writeUsage, type UsageFlags } from '../usage-output.js';
import { CliError } from '../errors.js';
import { printErr } from '../output.js';
import { loadWorkspaceSpecs, openWorkspaceState, type GlobalOptions } from '../../run/workspace.js';

export interface UsageExportOptions extends GlobalOptions, UsageFlags {
  /** Tests pin the clock; usage after now is not counted. */
  readonly now?: () => Date;
}

export async function usageExportCommand(paths: string[], options: UsageExportOptions): Promise<number> {
  const { range, format, tenants, out } = usageRequest(options);

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
    await writeUsage(Readable.from(chunks), out);
  } finally {
    state.close();
  }
  return 0;
}
