/**
 * A real `netfirst serve` for end-to-end tests: a scratch directory with a copy of an
 * example as the spec source and its own SQLite state, the server started from
 * bin/netfirst.js on a random port (its URL read from the line it prints), tokens made
 * as `netfirst token create` makes them (its rules, in this process), plain fetch against it, and an
 * SSE reader. Every process and directory a test makes is ended and removed after it
 * (or after the describe, for what beforeAll made), whether the test passed or not.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, expect } from 'vitest';
import { issueCliToken, tokenRequestOf } from '../../engine/serve/token-request.js';
import { openState } from '../../state/index.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(REPO, 'bin', 'netfirst.js');

/** A parsed JSON body; tests read fields they know the shape of. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Token {
  /** The bearer token, as `token create` printed it on its last line. */
  readonly secret: string;
  /** Its id (for `token revoke`), from the line `token create` writes to stderr. */
  readonly id: string;
}

export interface TokenOptions {
  readonly partner?: string;
  readonly tenant?: string;
  readonly expires?: string;
}

export interface ApiOptions {
  readonly token?: Token | string;
  /** An object is sent as JSON; a string as it is (set content-type in headers). */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed, when it is JSON (application/json or application/problem+json). */
  readonly json: Json;
}

export interface SseEvent {
  readonly id?: string;
  readonly event: string;
  readonly data: string;
  /** `data` parsed as JSON, or undefined when it is not JSON. */
  readonly json: Json;
}

export interface SseStream {
  /** The next event, or undefined when the server ended the stream. */
  next(timeoutMs?: number): Promise<SseEvent | undefined>;
  /** Drops the connection (as a client that goes away does). */
  close(): void;
}

export interface Server {
  readonly url: string;
  readonly pid: number;
  /** What the process wrote so far. */
  stdout(): string;
  stderr(): string;
  /** Every response body this server gave through api() and sse(), to check for leaks. */
  readonly bodies: string[];
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  api(method: string, path: string, options?: ApiOptions): Promise<ApiResponse>;
  /** Opens the SSE stream of `path` (a run's /events). */
  sse(path: string, options?: { token?: Token | string; lastEventId?: string | number }): Promise<SseStream>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<void>;
}

export interface LabOptions {
  /** The example copied as the spec source (examples/NAME). */
  readonly example?: string;
  /** Applied to the copied spec files before anything starts: path from the spec root → new text. */
  readonly edit?: (read: (file: string) => string) => Record<string, string>;
}

export interface Lab {
  /** The scratch directory: the specs, the state, the server's own files. */
  readonly dir: string;
  /** The spec source the server serves. */
  readonly specs: string;
  readonly statePath: string;
  /** The environment every process of the lab runs with. */
  readonly env: NodeJS.ProcessEnv;
  /** Runs the CLI on the lab's state. */
  cli(...args: string[]): Promise<CliRun>;
  token(role: 'operator' | 'partner' | 'tenant' | 'viewer', options?: TokenOptions): Promise<Token>;
  /** Starts `netfirst serve --listen 127.0.0.1:0 --specs specs` with `args` more, and waits for its URL. */
  serve(args?: readonly string[], env?: Record<string, string>): Promise<Server>;
  readSpec(file: string): string;
  writeSpec(file: string, text: string): void;
}

/** Children of every lab in this file: killed when the test worker exits, whatever happened. */
const everyChild = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of everyChild) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

interface Owned {
  readonly children: Set<ChildProcess>;
  readonly dirs: string[];
}

/**
 * Labs for one test file (call at the top of a describe): a lab made inside a test is
 * cleaned up after that test, one made in beforeAll after the describe.
 */
export function labs(): (options?: LabOptions) => Lab {
  const perTest: Owned = { children: new Set(), dirs: [] };
  const perSuite: Owned = { children: new Set(), dirs: [] };
  let inTest = false;
  beforeEach(() => {
    inTest = true;
  });
  afterEach(async () => {
    inTest = false;
    await cleanup(perTest);
  });
  afterAll(async () => {
    await cleanup(perTest);
    await cleanup(perSuite);
  });
  return (options = {}) => makeLab(options, inTest ? perTest : perSuite);
}

async function cleanup(owned: Owned): Promise<void> {
  const waits: Promise<unknown>[] = [];
  for (const child of owned.children) {
    if (child.exitCode === null && child.signalCode === null) {
      waits.push(new Promise((done) => child.once('exit', done)));
      child.kill('SIGKILL');
    }
  }
  await Promise.all(waits);
  owned.children.clear();
  for (const dir of owned.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

function makeLab(options: LabOptions, owned: Owned): Lab {
  const dir = mkdtempSync(join(tmpdir(), 'netfirst-serve-'));
  owned.dirs.push(dir);
  const specs = join(dir, 'specs');
  cpSync(join(REPO, 'examples', options.example ?? 'iswest'), specs, { recursive: true });
  const readSpec = (file: string): string => readFileSync(join(specs, file), 'utf8');
  for (const [file, text] of Object.entries(options.edit?.(readSpec) ?? {})) writeFileSync(join(specs, file), text);
  const statePath = join(dir, 'state.db');
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', NETFIRST_STATE: statePath };
  // The CLI's remote mode and a partner of the test runner's own environment stay out.
  for (const name of ['NETFIRST_SERVER', 'NETFIRST_TOKEN', 'NETFIRST_PARTNER', 'FORCE_COLOR']) delete env[name];

  const track = (child: ChildProcess): ChildProcess => {
    owned.children.add(child);
    everyChild.add(child);
    child.once('exit', () => everyChild.delete(child));
    return child;
  };

  const cli = (...args: string[]): Promise<CliRun> => new Promise((done, fail) => {
    const child = track(spawn(process.execPath, [BIN, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] }));
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.once('error', fail);
    child.once('close', (code) => done({ code, stdout, stderr }));
  });

  return {
    dir,
    specs,
    statePath,
    env,
    cli,
    async token(role, opts = {}) {
      // What `netfirst token create` does (the same rules, record and audit entry), in this
      // process: a CLI start per token would cost a second or more of every test that signs in.
      const asked = tokenRequestOf({ role, ...opts, expires: opts.expires ?? '1d' }, { label: (field) => `--${field}`, now: new Date() });
      if (!asked.ok) throw new Error(`token create: ${asked.problems.map((p) => p.message).join('; ')}`);
      const state = openState(statePath);
      try {
        const { secret, record } = issueCliToken(state, asked.token, new Date());
        return { secret, id: record.id };
      } finally {
        state.close();
      }
    },
    serve: (args = [], extraEnv = {}) => startServe(dir, { ...env, ...extraEnv }, args, track),
    readSpec,
    writeSpec: (file, text) => writeFileSync(join(specs, file), text),
  };
}

const LISTENING = /netfirst serve: listening on (http:\/\/\S+)/;

function startServe(dir: string, env: NodeJS.ProcessEnv, args: readonly string[], track: (c: ChildProcess) => ChildProcess): Promise<Server> {
  const child = track(spawn(process.execPath, [BIN, 'serve', '--listen', '127.0.0.1:0', '--specs', 'specs', ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] }));
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`netfirst serve did not say where it listens within 30s:\n${stdout}${stderr}`)), 30_000);
    const onData = (): void => {
      const m = LISTENING.exec(stdout);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      done(serverAt(m[1]!, child, exited, () => stdout, () => stderr));
    };
    child.stdout!.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      fail(new Error(`netfirst serve exited (${code ?? signal}) before listening:\n${stdout}${stderr}`));
    });
  });
}

const bearer = (token: Token | string | undefined): Record<string, string> =>
  token === undefined ? {} : { authorization: `Bearer ${typeof token === 'string' ? token : token.secret}` };

function serverAt(url: string, child: ChildProcess, exited: Server['exited'], stdout: () => string, stderr: () => string): Server {
  const bodies: string[] = [];
  const server: Server = {
    url,
    pid: child.pid!,
    stdout,
    stderr,
    bodies,
    exited,
    async api(method, path, options = {}) {
      const headers: Record<string, string> = { ...bearer(options.token) };
      let body: string | undefined;
      if (options.body !== undefined) {
        body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
        if (typeof options.body !== 'string') headers['content-type'] = 'application/json';
      }
      Object.assign(headers, options.headers ?? {});
      const res = await fetch(url + path, { method, headers, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(30_000) });
      const text = await res.text();
      bodies.push(text);
      const type = res.headers.get('content-type') ?? '';
      let json: Json;
      if (/json/.test(type) && text.length > 0) json = JSON.parse(text);
      return { status: res.status, headers: res.headers, text, json };
    },
    async sse(path, options = {}) {
      const abort = new AbortController();
      const headers: Record<string, string> = { accept: 'text/event-stream', ...bearer(options.token) };
      if (options.lastEventId !== undefined) headers['last-event-id'] = String(options.lastEventId);
      const res = await fetch(url + path, { headers, signal: abort.signal });
      if (res.status !== 200 || !res.body) {
        const text = await res.text();
        bodies.push(text);
        throw new Error(`GET ${path} as an event stream: ${res.status} ${text}`);
      }
      return sseReader(res.body.getReader(), abort, bodies);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  return server;
}

/** Reads text/event-stream: blocks apart by a blank line; `id:`, `event:`, `data:` fields; `:` lines are comments. */
function sseReader(reader: ReadableStreamDefaultReader<Uint8Array>, abort: AbortController, bodies: string[]): SseStream {
  const decoder = new TextDecoder();
  let buffer = '';
  let ended = false;
  const queue: SseEvent[] = [];
  const take = (): void => {
    for (let at = buffer.indexOf('\n\n'); at >= 0; at = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, at);
      buffer = buffer.slice(at + 2);
      bodies.push(block);
      let id: string | undefined;
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') id = value;
        else if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (id === undefined && data.length === 0 && event === 'message') continue;
      const text = data.join('\n');
      let json: Json;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      queue.push({ ...(id !== undefined ? { id } : {}), event, data: text, json });
    }
  };
  return {
    async next(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (queue.length === 0 && !ended) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no event within ${timeoutMs}ms`);
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<'timeout'>((done) => (timer = setTimeout(() => done('timeout'), left)));
        const read = await Promise.race([reader.read(), timeout]).finally(() => clearTimeout(timer));
        if (read === 'timeout') throw new Error(`no event within ${timeoutMs}ms`);
        if (read.done) ended = true;
        else {
          buffer += decoder.decode(read.value, { stream: true });
          take();
        }
      }
      return queue.shift();
    },
    close() {
      ended = true;
      abort.abort();
      reader.cancel().catch(() => undefined);
    },
  };
}

/** Reads a stream to its end (or until `until` says stop), failing after `timeoutMs` in all. */
export async function readEvents(stream: SseStream, until?: (e: SseEvent) => boolean, timeoutMs = 60_000): Promise<SseEvent[]> {
  const deadline = Date.now() + timeoutMs;
  const out: SseEvent[] = [];
  for (;;) {
    const e = await stream.next(Math.max(1, deadline - Date.now()));
    if (e === undefined) return out;
    out.push(e);
    if (until?.(e)) return out;
  }
}

/** Polls GET `path` until `done` holds for its body; returns that body. */
export async function waitFor(server: Server, path: string, token: Token, done: (body: Json) => boolean, timeoutMs = 60_000): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await server.api('GET', path, { token });
    if (r.status === 200 && done(r.json)) return r.json;
    if (Date.now() > deadline) throw new Error(`GET ${path} did not reach the awaited state within ${timeoutMs}ms: ${r.status} ${r.text.slice(0, 500)}`);
    await new Promise((w) => setTimeout(w, 100));
  }
}

/** The fields every problem+json answer has, with the status it was sent with. */
export function expectProblem(r: ApiResponse, status: number, kind?: string): void {
  expect(r.status, r.text).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(r.json).toMatchObject({ type: expect.stringMatching(/^urn:netfirst:problem:[a-z-]+$/), title: expect.any(String), status, detail: expect.any(String) });
  expect(typeof r.json.instance).toBe('string');
  if (kind !== undefined) expect(r.json.type).toBe(`urn:netfirst:problem:${kind}`);
}

/** A stack frame as V8 prints one ("\n    at fn (/path/file.ts:12:3)"), raw or JSON-escaped. */
const STACK_FRAME = /(?:\n|\\n)\s*at \S[^\n]*?:\d+:\d+\)?|\((?:file:\/\/)?\/[^()\s]+\.[cm]?[jt]s:\d+:\d+\)/;

/**
 * Leaks already reported, masked here so the checks keep finding any other one; each has
 * an `it.fails` of its own that says what is wrong (remove the mask when that test flips):
 * - a plan's renderings.json holds the server's spec directory itself, as a whole JSON
 *   string (selection.paths, and every secret's baseDir): plans-runs.test.ts, "a plan's
 *   JSON rendering does not name the server's spec directory";
 * - a bundle plan's renderings.json holds where the server keeps the bundle
 *   (STATE_DIR/server/bundles/UUID: every source.file, secrets' baseDir, selection.paths):
 *   bundle.test.ts, "a bundle plan's JSON rendering does not name where the server keeps it".
 */
const KNOWN_LEAKS = (_lab: Pick<Lab, 'dir' | 'specs'>): [RegExp, string][] => [];

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** No body the server gave holds a stack frame, or a path inside the lab's directory or the repository. */
export function expectNoLeaks(server: Pick<Server, 'bodies'>, lab: Pick<Lab, 'dir' | 'specs'>): void {
  for (const given of server.bodies) {
    let body = given;
    for (const [leak, mask] of KNOWN_LEAKS(lab)) body = body.replace(leak, mask);
    expect(body, 'a stack frame in a response').not.toMatch(STACK_FRAME);
    expect(body.includes(lab.dir), `the server's directory ${lab.dir} in a response: …${body.slice(Math.max(0, body.indexOf(lab.dir) - 150), body.indexOf(lab.dir) + 150)}…`).toBe(false);
    expect(body.includes(REPO), `the repository path ${REPO} in a response: …${body.slice(Math.max(0, body.indexOf(REPO) - 150), body.indexOf(REPO) + 150)}…`).toBe(false);
  }
}

/** Plans, approves and runs `request` as `token`, waits for the run to end; returns the plan and the run. */
export async function applyPlan(server: Server, token: Token, request: Record<string, unknown>): Promise<{ plan: Json; run: Json }> {
  const made = await server.api('POST', '/api/v1/plans', { token, body: request });
  expect(made.status, made.text).toBe(201);
  const approved = await server.api('POST', `/api/v1/plans/${made.json.id}/approve`, { token });
  expect(approved.status, approved.text).toBe(200);
  const started = await server.api('POST', '/api/v1/runs', { token, body: { plan: made.json.id } });
  expect(started.status, started.text).toBe(202);
  const run = await waitFor(server, `/api/v1/runs/${started.json.id}`, token, (r) => r.status !== 'running');
  return { plan: made.json, run };
}
