/**
 * The HTTP side of the endpoint: node:http on `/client/api`, GET with a query string or
 * POST with a form body (CloudStack reads both; the first value of a name wins), JSON
 * answers with HTTP status = errorcode. One log line per request and per finished job,
 * with the values of secret parameters (pre-shared keys, passwords, signatures) taken
 * out of the whole line — whatever else it says.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildCatalog, type ZoneSpec } from './catalog.js';
import { handleRequest, type Endpoint } from './dispatch.js';
import { faultInjector, type FaultCode } from './faults.js';
import { createJobQueue } from './jobs.js';
import { cloudstackDate } from './json.js';
import { createState } from './state.js';

export interface CloudStackServerOptions {
  readonly zoneName: string;
  /** The zone spec (ZoneDoc['spec']) the endpoint's catalog and capacity come from. */
  readonly zone: ZoneSpec;
  readonly apiKey: string;
  readonly secretKey: string;
  /** How long async jobs stay pending (default 50). */
  readonly jobDelayMs?: number;
  /** default.page.size: the longest page, and the page length without `pagesize` (default 500). */
  readonly maxPageSize?: number;
  readonly faults?: {
    readonly rate: number;
    readonly seed: number;
    readonly codes?: readonly FaultCode[];
    /** Share of jobs that never finish (their work is still done). */
    readonly jobTimeoutRate?: number;
  };
  readonly now?: () => Date;
  /** Where the request log goes, one line at a time (default: nowhere). Secrets never reach it. */
  readonly log?: (line: string) => void;
}

export interface CloudStackServer {
  /** `http://host:port/client/api` */
  readonly url: string;
  close(): Promise<void>;
}

const PATHS = new Set(['/client/api', '/client/api/']);
const MAX_BODY = 1 << 20;
/** Parameters whose values never appear in a log line. */
const SECRET_PARAMS = new Set(['ipsecpsk', 'password', 'signature', 'apikey', 'secretkey', 'sessionkey', 'presharedkey']);

export async function startCloudStackServer(options: CloudStackServerOptions, listen: { host: string; port: number }): Promise<CloudStackServer> {
  const now = options.now ?? (() => new Date());
  const log = options.log ?? ((): void => {});
  const onBug = (command: string, error: unknown): void => {
    log(`BUG in ${command}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  };
  const endpoint: Endpoint = {
    catalog: buildCatalog(options.zoneName, options.zone, cloudstackDate(now())),
    state: createState(),
    jobs: createJobQueue({
      delayMs: options.jobDelayMs ?? 50, now, onBug,
      onFinish: (command, jobid, error) => {
        // Job refusals are built from the endpoint's own words and ids, never from secret parameters.
        log(error ? `job ${jobid} ${command} failed ${error.errorcode}: ${error.message}` : `job ${jobid} ${command} succeeded`);
      },
    }),
    faults: faultInjector(options.faults),
    keys: { apiKey: options.apiKey, secretKey: options.secretKey },
    maxPageSize: options.maxPageSize ?? 500,
    now,
    onBug,
  };

  const server = createServer((req, res) => {
    serve(endpoint, req, res, log).catch((error: unknown) => {
      onBug('request', error);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return {
    url: `http://${host}:${port}/client/api`,
    close: async () => {
      endpoint.jobs.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function serve(endpoint: Endpoint, req: IncomingMessage, res: ServerResponse, log: (line: string) => void): Promise<void> {
  const started = Date.now();
  const url = new URL(req.url ?? '/', 'http://endpoint');
  if (!PATHS.has(url.pathname)) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: the CloudStack API is at /client/api\n');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'POST') {
    res.writeHead(405, { allow: 'GET, POST', 'content-type': 'text/plain' }).end('GET or POST\n');
    return;
  }
  const raw = new Map<string, string>();
  const take = (params: URLSearchParams): void => {
    for (const [k, v] of params) if (!raw.has(k)) raw.set(k, v);
  };
  take(url.searchParams);
  if (req.method === 'POST') {
    const body = await readBody(req);
    if (body === undefined) {
      res.writeHead(413, { 'content-type': 'text/plain' }).end('Request body too large\n');
      return;
    }
    take(new URLSearchParams(body));
  }
  const answer = handleRequest(endpoint, raw);
  const text = JSON.stringify(answer.body);
  res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
  log(redact(requestLine(req.method, answer, raw, Date.now() - started), raw));
}

function requestLine(method: string, answer: ReturnType<typeof handleRequest>, raw: ReadonlyMap<string, string>, ms: number): string {
  const params = [...raw]
    .filter(([k]) => k !== 'command')
    .map(([k, v]) => `${k}=${SECRET_PARAMS.has(k.toLowerCase()) ? '(sensitive)' : v}`)
    .join(' ');
  const inner = Object.values(answer.body)[0];
  const error = answer.status !== 200 && typeof inner === 'object' && inner !== null && 'errortext' in inner ? ` — ${String(inner.errortext)}` : '';
  const refusal = answer.refusal !== undefined ? ` (${answer.refusal})` : '';
  return `${method} ${answer.command ?? '-'} ${answer.status}${refusal} ${ms}ms ${params}${error}`;
}

/** Takes every secret parameter's value out of a line, wherever it ended up. */
function redact(line: string, raw: ReadonlyMap<string, string>): string {
  let out = line;
  for (const [k, v] of raw) if (SECRET_PARAMS.has(k.toLowerCase()) && v.length >= 3) out = out.split(v).join('(sensitive)');
  return out;
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
