/**
 * `netfirst sim serve --cloudstack-api`: a sim zone behind a CloudStack-compatible API,
 * so the cloudstack provider (or any CloudStack client) can be tried without a
 * CloudStack. The zone's pools, clusters, tiers and templates come from its spec; what
 * clients create lives in memory until the command stops (SIGINT or SIGTERM).
 */
import type { CloudStackServerOptions, FaultCode } from '../../../providers/cloudstack/server/index.js';
import { formatDiagnostic, hasErrors } from '../../../specs/diagnostic.js';
import { parseDuration } from '../../../specs/units.js';
import { CliError } from '../errors.js';
import { print, printErr } from '../output.js';
import { untilStopped } from '../../run/signals.js';
import { loadWorkspaceSpecs, type GlobalOptions } from '../../run/workspace.js';

export interface SimServeOptions extends GlobalOptions {
  /** `host:port`, `[v6]:port`, `:port` or `port` (default 127.0.0.1:8080). */
  readonly listen?: string;
  /** The zone to serve, when the specs hold several. */
  readonly zone?: string;
  /** Speak the CloudStack API — the only API `sim serve` has, so required. */
  readonly cloudstackApi?: boolean;
  /** How long async jobs stay pending: a duration (`50ms`, `2s`) or milliseconds (default 50ms). */
  readonly jobDelay?: string;
  /** default.page.size: the longest page a list answers (default 500). */
  readonly pageSize?: string;
  /** Share (0–1) of mutating requests refused before they do anything, deterministically from --fault-seed. */
  readonly faultRate?: string;
  readonly faultSeed?: string;
  /** Which codes injected refusals use: a comma-separated subset of 431,530,533 (default all three). */
  readonly faultCodes?: string;
  /** Share (0–1) of async jobs that never report an outcome (their work is still done). */
  readonly jobTimeoutRate?: string;
}

type Tuning = Pick<CloudStackServerOptions, 'jobDelayMs' | 'maxPageSize' | 'faults'>;

function number(flag: string, text: string, min: number, max: number, integer: boolean): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new CliError(`${flag} ${text}: give ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`);
  }
  return n;
}

/** The endpoint's tuning from the command line, refused with the flag's name when malformed. */
export function tuning(options: SimServeOptions): Tuning {
  const out: { -readonly [K in keyof Tuning]: Tuning[K] } = {};
  if (options.jobDelay !== undefined) {
    const ms = /^\d+$/.test(options.jobDelay) ? Number(options.jobDelay) : parseDuration(options.jobDelay);
    if (ms === undefined) throw new CliError(`--job-delay ${options.jobDelay}: give a duration such as 50ms or 2s`);
    out.jobDelayMs = ms;
  }
  if (options.pageSize !== undefined) out.maxPageSize = number('--page-size', options.pageSize, 1, 10_000, true);
  const rate = options.faultRate !== undefined ? number('--fault-rate', options.faultRate, 0, 1, false) : 0;
  const jobTimeoutRate = options.jobTimeoutRate !== undefined ? number('--job-timeout-rate', options.jobTimeoutRate, 0, 1, false) : undefined;
  if (rate > 0 || jobTimeoutRate !== undefined) {
    const codes = options.faultCodes?.split(',').map((c) => {
      const code = c.trim();
      if (code !== '431' && code !== '530' && code !== '533') throw new CliError(`--fault-codes ${options.faultCodes}: give some of 431,530,533`);
      return Number(code) as FaultCode;
    });
    out.faults = {
      rate, seed: options.faultSeed !== undefined ? number('--fault-seed', options.faultSeed, 0, 2 ** 31 - 1, true) : 0,
      ...(codes ? { codes } : {}), ...(jobTimeoutRate !== undefined ? { jobTimeoutRate } : {}),
    };
  }
  return out;
}

const API_KEY_ENV = 'NETFIRST_SIM_API_KEY';
const SECRET_KEY_ENV = 'NETFIRST_SIM_SECRET_KEY';

export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*))?:?(\d+)$/.exec(text.trim());
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port > 65535) throw new CliError(`--listen ${text}: give host:port, such as 127.0.0.1:8080`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

export async function simServeCommand(paths: string[], options: SimServeOptions): Promise<number> {
  if (!options.cloudstackApi) throw new CliError('netfirst sim serve speaks one API, CloudStack\'s: pass --cloudstack-api');
  const listen = parseListen(options.listen ?? '127.0.0.1:8080');
  const tuned = tuning(options);
  const apiKey = process.env[API_KEY_ENV];
  const secretKey = process.env[SECRET_KEY_ENV];
  const missing = [[API_KEY_ENV, apiKey], [SECRET_KEY_ENV, secretKey]].filter(([, v]) => !v).map(([k]) => k);
  if (missing.length > 0 || !apiKey || !secretKey) {
    throw new CliError(`set ${missing.join(' and ')}: the key pair clients must sign their requests with (any strings you choose)`);
  }

  const specs = loadWorkspaceSpecs(paths, options);
  if (hasErrors(specs.diagnostics)) throw new CliError(specs.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic).join('\n'));
  const zones = [...specs.zones.keys()];
  const zoneName = options.zone ?? (zones.length === 1 ? zones[0] : undefined);
  if (zoneName === undefined) {
    throw new CliError(zones.length === 0
      ? `no Zone in ${paths.join(' ') || '.'}: pass the zone's spec file`
      : `the specs hold zones ${zones.join(', ')}: pick one with --zone`);
  }
  const zone = specs.zones.get(zoneName);
  if (!zone) throw new CliError(`zone ${zoneName} is not described by the specs in ${paths.join(' ') || '.'}; known zones: ${zones.join(', ') || 'none'}`);

  const { startCloudStackServer } = await import('../../../providers/cloudstack/server/index.js');
  let server: Awaited<ReturnType<typeof startCloudStackServer>>;
  try {
    server = await startCloudStackServer({ zoneName, zone: zone.value.spec, apiKey, secretKey, log: printErr, ...tuned }, listen);
  } catch (error) {
    throw new CliError(`cannot listen on ${listen.host}:${listen.port}: ${error instanceof Error ? error.message : String(error)}`);
  }
  print([
    `CloudStack API for zone ${zoneName} listening on ${server.url}`,
    `Requests must be signed with ${API_KEY_ENV} / ${SECRET_KEY_ENV}. Point a zone at it with:`,
    '',
    '  provider:',
    '    type: cloudstack',
    `    endpoint: ${server.url}`,
    `    apiKey: { env: ${API_KEY_ENV} }`,
    `    secretKey: { env: ${SECRET_KEY_ENV} }`,
    '',
    'Ctrl-C stops it; what clients created is kept in memory only and goes with it.',
  ].join('\n'));

  await untilStopped();
  await server.close();
  printErr('stopped');
  return 0;
}
