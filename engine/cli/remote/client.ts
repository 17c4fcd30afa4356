/**
 * The CLI's client of `netfirst serve` (remote mode: NETFIRST_SERVER and NETFIRST_TOKEN
 * set). JSON over Node's fetch with the bearer token; every answer that is not a success
 * becomes one CliError — a problem+json answer says its detail, then its diagnostics as
 * the CLI prints them. Run progress is read as Server-Sent Events and resumed with
 * Last-Event-ID when the connection drops. The token travels only in the Authorization
 * header: no message, URL or error ever holds it.
 */
import type { ApiDiagnostic, Problem } from '../../serve/problem.js';
import { formatDiagnostic, type Diagnostic } from '../../../specs/diagnostic.js';
import { CliError } from '../errors.js';

/** Where the server is and who the CLI is to it. */
export interface RemoteConfig {
  readonly server: URL;
  readonly token: string;
}

/** The remote configuration from the environment; refused, naming what is wrong, when it is incomplete. */
export function remoteConfig(env: NodeJS.ProcessEnv = process.env): RemoteConfig {
  const text = env.NETFIRST_SERVER ?? '';
  let server: URL;
  try {
    server = new URL(text);
  } catch {
    throw new CliError(`NETFIRST_SERVER must be the server's URL, such as http://127.0.0.1:8080, not ${JSON.stringify(text.slice(0, 200))}`);
  }
  if (server.protocol !== 'http:' && server.protocol !== 'https:') throw new CliError(`NETFIRST_SERVER must be an http:// or https:// URL, not ${server.protocol}`);
  // Credentials belong in NETFIRST_TOKEN; a URL is printed in messages.
  if (server.username !== '' || server.password !== '') throw new CliError('NETFIRST_SERVER must not hold credentials: put the token in NETFIRST_TOKEN');
  const token = (env.NETFIRST_TOKEN ?? '').trim();
  if (token === '') throw new CliError(`NETFIRST_TOKEN is not set: NETFIRST_SERVER (${server.origin}) needs a token (netfirst token create, on the server)`);
  if (/\s/.test(token)) throw new CliError('NETFIRST_TOKEN holds whitespace: it must be the token alone, as token create printed it');
  // A bearer token sent in clear text can be read on the way: say so once, unless the server is this machine.
  if (server.protocol === 'http:' && !LOOPBACK.test(server.hostname) && env.NETFIRST_ALLOW_HTTP !== '1') {
    process.stderr.write(`warning: NETFIRST_SERVER ${server.origin} is plain http: the token crosses the network readable; use https (NETFIRST_ALLOW_HTTP=1 silences this)\n`);
  }
  return { server, token };
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

/** A problem+json answer, kept whole for callers that treat some kinds apart; its message is what the CLI prints. */
export class RemoteProblem extends CliError {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super([problem.detail, ...(problem.diagnostics ?? []).map((d) => formatDiagnostic(diagnosticOf(d)))].join('\n'));
    this.problem = problem;
  }

  /** The slug of the problem's stable type (`invalid-specs`, `not-found`, …). */
  get kind(): string {
    return this.problem.type.replace(/^urn:netfirst:problem:/, '');
  }
}

/** A diagnostic as the API sends it (path dotted), back as the engine's own, for printing. */
export function diagnosticOf(d: ApiDiagnostic, file: (name: string) => string = (name) => name): Diagnostic {
  return {
    severity: d.severity,
    summary: d.summary,
    ...(d.detail !== undefined ? { detail: d.detail } : {}),
    ...(d.file !== undefined ? { file: file(d.file) } : {}),
    ...(d.line !== undefined ? { line: d.line } : {}),
    ...(d.column !== undefined ? { column: d.column } : {}),
    ...(d.path !== undefined ? { path: d.path.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)) } : {}),
    ...(d.address !== undefined ? { address: d.address } : {}),
  };
}

export type Query = Readonly<Record<string, string | number | boolean | readonly string[] | undefined>>;

export interface RequestOptions {
  readonly query?: Query;
  readonly body?: unknown;
  /** Sent as Idempotency-Key: a retry after a dropped connection does nothing twice. */
  readonly idempotencyKey?: string;
  /** Longest wait for the whole answer (default the client's). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** One event of a Server-Sent Events stream. */
export interface ServerEvent {
  readonly id?: string;
  readonly event: string;
  readonly data: string;
}

export interface EventOptions {
  /** Resume after this event (sent as Last-Event-ID). */
  readonly lastEventId?: string;
  /** Stops following (the generator returns). */
  readonly signal?: AbortSignal;
  /** A connection silent this long is taken as dropped (the server sends a comment every 15s). */
  readonly idleMs?: number;
  /** Connections in a row that bring nothing new before giving up. */
  readonly attempts?: number;
  /** Pause before reconnecting, doubled up to 5s. */
  readonly retryMs?: number;
}

export interface ClientOptions {
  readonly fetch?: typeof fetch;
  /** Longest wait for an answer (default 5 minutes: a plan with --refresh reads every provider). */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5 * 60_000;
/** Answers that mean "try again": the server restarting, a proxy in front of it. */
const TRANSIENT = new Set([502, 503, 504]);

export class ApiClient {
  readonly server: URL;
  readonly #token: string;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;

  constructor(config: RemoteConfig, options: ClientOptions = {}) {
    this.server = config.server;
    this.#token = config.token;
    this.#fetch = options.fetch ?? fetch;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  static fromEnv(env: NodeJS.ProcessEnv = process.env): ApiClient {
    return new ApiClient(remoteConfig(env));
  }

  /** The URL of `path` (under the server URL's own path, for a server behind a prefix) with `query`. */
  url(path: string, query: Query = {}): URL {
    const base = this.server.pathname.replace(/\/+$/, '');
    const url = new URL(`${base}${path}`, this.server);
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(one));
    }
    return url;
  }

  get<T>(path: string, options: Omit<RequestOptions, 'body' | 'idempotencyKey'> = {}): Promise<T> {
    return this.json<T>('GET', path, options);
  }

  post<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.json<T>('POST', path, options);
  }

  /** A JSON request; the answer's JSON, or a RemoteProblem / CliError. */
  async json<T>(method: 'GET' | 'POST' | 'DELETE', path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.#send(method, path, { ...options, accept: 'application/json' });
    try {
      const text = await response.text();
      if (text === '') return undefined as T;
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new CliError(`the server answered ${method} ${path} with something that is not JSON: is NETFIRST_SERVER (${this.server.origin}) a netfirst server?`);
      }
    } catch (error) {
      throw this.#failure(error, method, path, options.timeoutMs);
    }
  }

  /** A streamed answer (usage exports): the body, read by the caller. */
  async stream(path: string, options: Omit<RequestOptions, 'body' | 'idempotencyKey'> & { readonly accept?: string } = {}): Promise<Response> {
    // No overall time limit: a long export streams for as long as it takes.
    return this.#send('GET', path, { ...options, accept: options.accept ?? '*/*', timeoutMs: 0 });
  }

  /**
   * Follows a Server-Sent Events stream until the consumer stops (or `signal` aborts).
   * A connection that drops, ends or stays silent is opened again with Last-Event-ID,
   * so no event is missed or repeated; it gives up (CliError) only after `attempts`
   * connections in a row brought nothing new.
   */
  async *events(path: string, options: EventOptions = {}): AsyncGenerator<ServerEvent> {
    let lastId = options.lastEventId;
    const attempts = options.attempts ?? 8;
    const idleMs = options.idleMs ?? 45_000;
    let pause = options.retryMs ?? 250;
    let fruitless = 0;
    let cause: unknown;
    for (;;) {
      if (options.signal?.aborted) return;
      const connection = new AbortController();
      const stop = (): void => connection.abort();
      options.signal?.addEventListener('abort', stop, { once: true });
      let idle: NodeJS.Timeout | undefined;
      const alive = (): void => {
        clearTimeout(idle);
        idle = setTimeout(stop, idleMs);
      };
      let progressed = false;
      try {
        alive();
        const response = await this.#fetch(this.url(path), {
          method: 'GET',
          headers: { ...this.#headers('text/event-stream'), ...(lastId !== undefined ? { 'Last-Event-ID': lastId } : {}) },
          signal: connection.signal,
        });
        if (!response.ok) {
          if (!TRANSIENT.has(response.status)) throw await this.#problem(response, 'GET', path);
          cause = new Error(`${response.status} ${response.statusText}`);
        } else if (response.body) {
          for await (const event of readEventStream(response.body, alive)) {
            if (event.id !== undefined) lastId = event.id;
            progressed = true;
            fruitless = 0;
            pause = options.retryMs ?? 250;
            yield event;
          }
          cause = new Error('the server closed the stream');
        }
      } catch (error) {
        if (error instanceof CliError) throw error;
        if (options.signal?.aborted) return;
        cause = error;
      } finally {
        clearTimeout(idle);
        options.signal?.removeEventListener('abort', stop);
        // Ends the connection when the consumer stops early, too.
        connection.abort();
      }
      if (!progressed && ++fruitless >= attempts) {
        throw new CliError(`lost the connection to the server at ${this.server.origin} while following ${path} (${reasonOf(cause)}); what it was doing goes on there`);
      }
      await sleep(pause, options.signal);
      pause = Math.min(pause * 2, 5_000);
    }
  }

  /** Every item of a paginated list, page after page (following nextCursor to the end). */
  async *pages<T>(path: string, query: Query = {}): AsyncGenerator<T> {
    let cursor: string | undefined;
    do {
      const page = await this.get<{ items: T[]; nextCursor?: string }>(path, { query: { ...query, limit: 1000, cursor } });
      yield* page.items;
      cursor = page.nextCursor;
    } while (cursor !== undefined);
  }

  #headers(accept: string): Record<string, string> {
    return { Authorization: `Bearer ${this.#token}`, Accept: accept, 'User-Agent': 'netfirst-cli' };
  }

  /** Sends one request; the response when it succeeded (2xx), else throws its problem. */
  async #send(method: string, path: string, options: RequestOptions & { readonly accept: string }): Promise<Response> {
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const signals = [...(timeoutMs > 0 ? [AbortSignal.timeout(timeoutMs)] : []), ...(options.signal ? [options.signal] : [])];
    const headers: Record<string, string> = this.#headers(options.accept);
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (options.idempotencyKey !== undefined) headers['Idempotency-Key'] = options.idempotencyKey;
    const init: RequestInit = {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(signals.length > 0 ? { signal: AbortSignal.any(signals) } : {}),
    };
    // Safe to send again after a dropped connection: reads, and writes that carry an Idempotency-Key.
    const retries = method === 'GET' || options.idempotencyKey !== undefined ? 2 : 0;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.#fetch(this.url(path, options.query), init);
      } catch (error) {
        if (attempt < retries && connectionDropped(error)) {
          await sleep(200 * (attempt + 1));
          continue;
        }
        throw this.#failure(error, method, path, timeoutMs);
      }
      if (response.ok) return response;
      if (attempt < retries && TRANSIENT.has(response.status)) {
        await response.body?.cancel().catch(() => undefined);
        await sleep(500 * (attempt + 1));
        continue;
      }
      throw await this.#problem(response, method, path);
    }
  }

  /** A failure to talk to the server, said for people (never with the token). */
  #failure(error: unknown, method: string, path: string, timeoutMs: number | undefined): Error {
    if (error instanceof CliError) return error;
    const name = (error as { name?: unknown }).name;
    if (name === 'TimeoutError') return new CliError(`the server at ${this.server.origin} did not answer ${method} ${path} within ${Math.round((timeoutMs ?? this.#timeoutMs) / 1000)}s`);
    if (name === 'AbortError') return new CliError(`${method} ${path} was stopped before the server answered`);
    return new CliError(`cannot reach the server at ${this.server.origin} (NETFIRST_SERVER): ${reasonOf(error)}`);
  }

  async #problem(response: Response, method: string, path: string): Promise<CliError> {
    let text = '';
    try {
      text = await response.text();
    } catch {
      // The status alone says enough.
    }
    const problem = problemOf(text);
    if (problem) return new RemoteProblem(problem);
    return new CliError(`the server answered ${method} ${path} with ${response.status} ${response.statusText || 'and no problem details'}`);
  }
}

/** The problem details in a body, or undefined when it holds none. */
function problemOf(text: string): Problem | undefined {
  try {
    const body = JSON.parse(text) as Partial<Problem>;
    if (typeof body.detail === 'string' && typeof body.status === 'number') {
      return { type: typeof body.type === 'string' ? body.type : 'about:blank', title: typeof body.title === 'string' ? body.title : '', ...body, detail: body.detail, status: body.status };
    }
  } catch {
    // Not JSON: no details.
  }
  return undefined;
}

/** Node's fetch says "fetch failed" and keeps the reason (ECONNREFUSED, …) in its cause. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  if (cause && typeof cause.code === 'string') return `${cause.code}${typeof cause.message === 'string' && !cause.message.includes(cause.code) ? ` (${cause.message})` : ''}`;
  if (cause && typeof cause.message === 'string') return cause.message;
  return error.message;
}

function connectionDropped(error: unknown): boolean {
  const code = ((error as Error | undefined)?.cause as { code?: unknown } | undefined)?.code;
  return code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE';
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * The events of a text/event-stream body (the WHATWG rules this server's streams use:
 * `id:`, `event:`, `data:` lines, a blank line ends an event, `:` lines are comments).
 * `alive` is called on every chunk, so a caller can tell a silent connection.
 */
export async function* readEventStream(body: ReadableStream<Uint8Array>, alive: () => void = () => undefined): AsyncGenerator<ServerEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let id: string | undefined;
  let event = '';
  let data: string[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      alive();
      buffer += decoder.decode(value, { stream: true });
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl).replace(/\r$/, '');
        buffer = buffer.slice(nl + 1);
        if (line === '') {
          if (data.length > 0 || event !== '') yield { ...(id !== undefined ? { id } : {}), event: event || 'message', data: data.join('\n') };
          id = undefined;
          event = '';
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') data.push(value);
        else if (field === 'event') event = value;
        else if (field === 'id' && !value.includes('\0')) id = value;
      }
    }
  } finally {
    // A consumer that stops early ends the body (and so the connection).
    await reader.cancel().catch(() => undefined);
  }
}
