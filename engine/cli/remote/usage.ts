/**
 * `usage export` in remote mode: the flags are checked here with the local command's
 * words (the range, the format, --tenant with --partner), then GET /api/v1/usage is
 * streamed to stdout, or to a file written beside its final name and renamed into place
 * when complete — a billing job never reads half an export.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { formatInstant } from '../../usage/index.js';
import { usageRequest, writeUsage, type UsageFlags } from '../usage-output.js';
import { CliError } from '../errors.js';
import { printErr } from '../output.js';
import type { ApiClient } from './client.js';

export type RemoteUsageOptions = UsageFlags;

export async function exportUsage(client: ApiClient, options: RemoteUsageOptions, now: () => Date = () => new Date()): Promise<void> {
  const { range, format, tenants, out } = usageRequest(options);
  const response = await client.stream('/api/v1/usage', {
    query: { from: options.from, to: options.to, granularity: range.granularity, format, tenant: tenants, partner: options.partner },
  });
  if (now().getTime() < range.to) printErr(`note: usage is known up to now (${formatInstant(now().getTime())}); later hours of the range have none yet`);
  if (!response.body) throw new CliError('the server sent no export');
  const body = Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>);
  await writeUsage(body, out, streamFailure);
}

/** The connection broke mid-export: said plainly (the file, if any, is left as it was). */
function streamFailure(error: unknown): Error {
  if (error instanceof CliError) return error;
  return new CliError(`the export from the server broke off: ${error instanceof Error ? error.message : String(error)}`);
}
