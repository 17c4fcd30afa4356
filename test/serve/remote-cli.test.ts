/**
 * The CLI as a client of `netfirst serve` (NETFIRST_SERVER and NETFIRST_TOKEN set): a
 * real server process on a random loopback port, the real CLI in child processes, and
 * what a user relies on — the remote command prints what the local one prints (same
 * stdout, same stderr, same exit code) for plan, apply, status, state list|show|lock and
 * usage export; a partner's token is refused another partner's tenant in the same words
 * whether it exists or not; commands without a remote face refuse instead of quietly
 * running against a local state; run progress survives a dropped connection.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiClient, readEventStream, type ServerEvent } from '../../engine/cli/remote/client.js';
import { acquireLock, type LockHandle } from '../../state/index.js';
import { gitMissing, runGit } from '../cli/git-repo.js';
import { REPO, type Run } from '../cli/harness.js';

const BIN = join(REPO, 'bin', 'netfirst.js');

/** Every process a test starts, killed after it whatever happened. */
const processes = new Set<ChildProcess>();
const dirs: string[] = [];
const closers: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await Promise.all([...processes].map((p) => new Promise<void>((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve();
    p.once('exit', () => resolve());
    p.kill('SIGKILL');
  })));
  processes.clear();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** An environment with nothing of the test runner's netfirst settings. */
function baseEnv(more: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const k of ['NETFIRST_SERVER', 'NETFIRST_TOKEN', 'NETFIRST_PARTNER', 'NETFIRST_STATE']) delete env[k];
  for (const [k, v] of Object.entries(more)) if (v === undefined) delete env[k]; else env[k] = v;
  return env;
}

/** The real CLI, without blocking the test (the server's output is read meanwhile). */
function cli(cwd: string, env: NodeJS.ProcessEnv, args: readonly string[], onStdout?: (text: string, child: ChildProcess) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    processes.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
      onStdout?.(stdout, child);
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => {
      processes.delete(child);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

interface Workspace {
  /** Holds specs/ (a copy of examples/iswest), local/ (a state for local runs) and server/ (the server's). */
  readonly dir: string;
  readonly url: string;
  readonly serverState: string;
  readonly localState: string;
  /** A token of the server's state: `token create ARGS | tail -1`. */
  token(...args: string[]): string;
  /** The CLI in remote mode with `token`. */
  remote(token: string, ...args: string[]): Promise<Run>;
  /** The CLI locally against `state` (default the local one). */
  local(args: readonly string[], state?: string): Promise<Run>;
}

async function workspace(edit?: (specs: string) => void): Promise<Workspace> {
  const dir = mkdtempSync(join(tmpdir(), 'netfirst-remote-'));
  dirs.push(dir);
  cpSync(join(REPO, 'examples', 'iswest'), join(dir, 'specs'), { recursive: true });
  // Unprotected, so a test can destroy what it applied.
  const baker = join(dir, 'specs', 'baker-law.yaml');
  writeFileSync(baker, readFileSync(baker, 'utf8').replaceAll('protect: true', 'protect: false'));
  edit?.(join(dir, 'specs'));
  mkdirSync(join(dir, 'local'));
  mkdirSync(join(dir, 'server'));
  const serverState = join(dir, 'server', 'state.db');
  const localState = join(dir, 'local', 'state.db');
  const token = (...args: string[]): string => {
    const r = spawnSync(process.execPath, [BIN, 'token', 'create', '--expires', '1d', ...args], { cwd: dir, env: baseEnv({ NETFIRST_STATE: serverState }), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`token create: ${r.stderr}`);
    return r.stdout.trim().split('\n').at(-1)!;
  };
  // The state exists (and has its schema) before the server opens it.
  token('--role', 'viewer');

  const server = spawn(process.execPath, [BIN, 'serve', '--listen', '127.0.0.1:0', '--specs', 'specs', '--no-watch'], {
    cwd: dir, env: baseEnv({ NETFIRST_STATE: serverState }), stdio: ['ignore', 'pipe', 'pipe'],
  });
  processes.add(server);
  let log = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`netfirst serve did not start: ${log}`)), 30_000);
    const read = (s: string): void => {
      log += s;
      const m = /listening on (http:\/\/\S+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    server.stdout.setEncoding('utf8').on('data', read);
    server.stderr.setEncoding('utf8').on('data', read);
    server.once('exit', (code) => reject(new Error(`netfirst serve exited (${code}): ${log}`)));
  });
  return {
    dir, url, serverState, localState, token,
    remote: (t, ...args) => cli(dir, baseEnv({ NETFIRST_SERVER: url, NETFIRST_TOKEN: t }), args),
    local: (args, state = localState) => cli(dir, baseEnv({ NETFIRST_STATE: state }), args),
  };
}

/** A loopback port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Progress lines, with their timings taken out and in a stable order (the walk is parallel). */
function progress(stdout: string): string[] {
  return stdout.split('\n').filter((l) => /: (Creating|Modifying|Destroying)\.\.\.$|: \w+ complete after /.test(l)).map((l) => l.replace(/after \S+$/, 'after T')).sort();
}

const closing = (stdout: string): string => stdout.trimEnd().split('\n').at(-1)!.replace(/in \S+\.$/, 'in T.');

/** The plan text a stdout starts with: everything before the first progress line. */
const planPart = (stdout: string): string => stdout.slice(0, stdout.search(/^\S+: Creating\.\.\.$/m));

describe('netfirst CLI in remote mode (NETFIRST_SERVER, NETFIRST_TOKEN)', () => {
  let ws: Workspace;
  let operator: string;

  beforeEach(async () => {
    ws = await workspace();
    operator = ws.token('--role', 'operator');
  });

  it('plans as the local plan does: the same text, JSON changes, exit codes; from the server\'s specs or an uploaded bundle', async () => {
    const local = await ws.local(['plan', 'specs']);
    expect(local.code).toBe(0);
    expect(local.stdout).toContain('Plan: ');

    const ownSpecs = await ws.remote(operator, 'plan');
    expect(ownSpecs).toEqual(local);

    const one = await ws.local(['plan', 'specs', '--tenant', 'baker-law', '--detailed-exitcode']);
    expect(one.code).toBe(2);
    expect(await ws.remote(operator, 'plan', '--tenant', 'baker-law', '--detailed-exitcode')).toEqual(one);
    // The spec files under the path, uploaded: planned with the server's Zone and Partners documents.
    expect(await ws.remote(operator, 'plan', 'specs', '--tenant', 'baker-law', '--detailed-exitcode')).toEqual(one);

    const json = await ws.remote(operator, 'plan', '--tenant', 'baker-law', '--json');
    const localJson = await ws.local(['plan', 'specs', '--tenant', 'baker-law', '--json']);
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { changes: unknown }).changes).toEqual((JSON.parse(localJson.stdout) as { changes: unknown }).changes);

    // The pull-request comment goes to the file, the text plan stays on stdout for the job log.
    const markdown = await ws.remote(operator, 'plan', 'specs', '--tenant', 'baker-law', '--markdown-out', 'plan.md');
    expect(markdown.stdout).toBe(one.stdout);
    expect(readFileSync(join(ws.dir, 'plan.md'), 'utf8')).toContain('baker-law/vm/web-1');

    // Plans are kept on the server: no file, the plan's id instead.
    const out = await ws.remote(operator, 'plan', '--tenant', 'baker-law', '--out', 'saved.json');
    expect(out.code).toBe(1);
    expect(out.stdout).toBe(one.stdout);
    expect(out.stderr).toMatch(/^Error: --out saves no plan file through the server: plans are kept on the server\. Use the plan id plan-[0-9a-f-]+\n$/);
    expect(existsSync(join(ws.dir, 'saved.json'))).toBe(false);
  });

  it('prints spec errors as the local plan does, with the files named as they are here', async () => {
    // Secret files are never uploaded: tenants that read some do not plan from a bundle of the operator's.
    const remote = await ws.remote(operator, 'plan', 'specs');
    expect(remote.code).toBe(1);
    expect(remote.stdout).toBe('');
    const lines = remote.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^specs\/acme-dental\.yaml:28:23: error: spec\.vpn\.siteToSite\[0\]\.preSharedKey: cannot read the pre-shared key of vpn hq: /);
    expect(lines.filter((l) => /^specs\/(acme-dental|cole-accounting)\.yaml:\d+:\d+: error: /.test(l))).toHaveLength(5);
    expect(lines.at(-1)).toBe('Error: 5 errors: nothing was planned or changed');
  });

  it('applies: the plan, the progress lines and "Apply complete!", and the state then lists what a local apply records', async () => {
    const planned = await ws.local(['plan', 'specs', '--tenant', 'baker-law']);
    const localApply = await ws.local(['apply', 'specs', '--tenant', 'baker-law', '--auto-approve']);
    expect(localApply.code).toBe(0);

    const remoteApply = await ws.remote(operator, 'apply', '--tenant', 'baker-law', '--auto-approve');
    expect(remoteApply.stderr).toBe('');
    expect(remoteApply.code).toBe(0);
    expect(planPart(remoteApply.stdout)).toBe(planned.stdout);
    expect(progress(remoteApply.stdout)).toEqual(progress(localApply.stdout));
    expect(progress(remoteApply.stdout)).toContain('baker-law/vm/web-1: Creation complete after T');
    expect(closing(remoteApply.stdout)).toBe('Apply complete! Resources: 19 added, 0 changed, 0 replaced, 0 destroyed in T.');
    expect(closing(remoteApply.stdout)).toBe(closing(localApply.stdout));

    // Nothing left to do: the plan is printed, nothing is approved or run.
    const again = await ws.remote(operator, 'apply', '--tenant', 'baker-law', '--auto-approve');
    expect(again).toEqual(await ws.local(['apply', 'specs', '--tenant', 'baker-law', '--auto-approve']));

    // No terminal and no --auto-approve: the local refusal.
    const unconfirmed = await ws.remote(operator, 'apply', '--tenant', 'cole-accounting');
    const localUnconfirmed = await ws.local(['apply', 'specs', '--tenant', 'cole-accounting']);
    expect(unconfirmed).toEqual(localUnconfirmed);
    expect(unconfirmed.code).toBe(1);

    for (const args of [['state', 'list'], ['state', 'list', '--tenant', 'baker-law'], ['state', 'show', 'baker-law/vm/web-1'], ['state', 'show', 'acme-dental/vm/pms-1']]) {
      const remote = await ws.remote(operator, ...args);
      const local = await ws.local(args);
      // Ids the simulated provider gave, and when: what differs between the two states.
      const ids = (s: string): string => s.replace(/(id\s+= )"[^"]*"/, '$1"…"').replace(/((created|updated)\s+= )\S+/g, '$1…');
      expect({ ...remote, stdout: ids(remote.stdout) }).toEqual({ ...local, stdout: ids(local.stdout) });
    }
    const listed = await ws.remote(operator, 'state', 'list', '--json');
    const withoutIds = (s: string): unknown => (JSON.parse(s) as { providerId?: string }[]).map(({ providerId: _, ...r }) => r);
    expect(withoutIds(listed.stdout)).toEqual(withoutIds((await ws.local(['state', 'list', '--json'])).stdout));
    expect(withoutIds(listed.stdout)).toHaveLength(19);
  });

  it("refuses a partner's upload of another partner's tenant, in the same words whether that tenant exists or not", async () => {
    const lexcore = ws.token('--role', 'partner', '--partner', 'lexcore');
    expect(await ws.remote(lexcore, 'plan')).toEqual(await ws.local(['plan', 'specs', '--partner', 'lexcore']));
    const own = await ws.remote(lexcore, 'plan', 'specs/baker-law.yaml');
    expect(own.code).toBe(0);
    expect(own.stdout).toMatch(/\nPlan: 19 to add, 0 to change, 0 to replace, 0 to destroy\.\n$/);

    const foreign = await ws.remote(lexcore, 'plan', 'specs/acme-dental.yaml');
    expect(foreign.code).toBe(1);
    expect(foreign.stdout).toBe('');
    expect(foreign.stderr).toBe('Error: the bundle holds what this token may not change: acme-dental.yaml:6: tenant acme-dental is not one this token may change\n');
    mkdirSync(join(ws.dir, 'ghost'));
    writeFileSync(join(ws.dir, 'ghost', 'acme-dental.yaml'), readFileSync(join(ws.dir, 'specs', 'acme-dental.yaml'), 'utf8').replace('name: acme-dental', 'name: acme-ghost'));
    const ghost = await ws.remote(lexcore, 'plan', 'ghost');
    expect(ghost).toEqual({ ...foreign, stderr: foreign.stderr.replace('tenant acme-dental', 'tenant acme-ghost') });

    // Reads too: another partner's tenant is answered as one that does not exist.
    const status = await ws.remote(lexcore, 'status', '--tenant', 'acme-dental');
    expect(status).toEqual({ code: 1, stdout: '', stderr: 'Error: tenant acme-dental was not found\n' });
    expect(await ws.remote(lexcore, 'status', '--tenant', 'acme-nowhere')).toEqual({ ...status, stderr: status.stderr.replace('acme-dental', 'acme-nowhere') });
    expect(await ws.remote(lexcore, 'state', 'show', 'acme-dental/vm/pms-1')).toEqual({ code: 1, stdout: '', stderr: 'Error: acme-dental/vm/pms-1 is not in state\n' });
  });

  it('exports usage byte for byte as the local export of the same state, to stdout or a file', async () => {
    expect((await ws.remote(operator, 'apply', '--tenant', 'baker-law', '--auto-approve')).code).toBe(0);
    // Destroyed again (locally, on the server's state): every interval is closed, so the export no longer moves with the clock.
    expect((await ws.local(['destroy', 'specs', '--tenant', 'baker-law', '--auto-approve'], ws.serverState)).code).toBe(0);
    const hour = 3_600_000;
    const start = Math.floor(Date.now() / hour) * hour;
    const iso = (t: number): string => new Date(t).toISOString().replace('.000Z', 'Z');
    const range = ['--from', iso(start - hour), '--to', iso(start + 2 * hour)];
    const note = (s: string): string => s.replace(/known up to now \([^)]*\)/, 'known up to now (…)');
    for (const format of ['csv', 'json', 'xml']) {
      const remote = await ws.remote(operator, 'usage', 'export', ...range, '--format', format);
      const local = await ws.local(['usage', 'export', 'specs', ...range, '--format', format], ws.serverState);
      expect(local.code).toBe(0);
      expect(remote.stdout).toBe(local.stdout);
      expect(note(remote.stderr)).toBe(note(local.stderr));
      expect(remote.code).toBe(0);
    }
    const csv = (await ws.local(['usage', 'export', 'specs', ...range, '--format', 'csv'], ws.serverState)).stdout;
    expect(csv).toContain('baker-law,lexcore,iswest-1,baker-law/vm/web-1,vm,vm-hours');
    const toFile = await ws.remote(operator, 'usage', 'export', ...range, '--out', 'usage.csv');
    expect(toFile.code).toBe(0);
    expect(toFile.stdout).toBe('');
    expect(readFileSync(join(ws.dir, 'usage.csv'), 'utf8')).toBe(csv);
    // The local command's own checks, in its words.
    const bad = ['usage', 'export', '--from', 'yesterday', '--to', iso(start)];
    expect(await ws.remote(operator, ...bad, '--format', 'csv')).toEqual(await ws.local([...bad, '--format', 'csv']));
  });

  it('status and state lock say what the local commands say of the same state', async () => {
    const status = await ws.remote(operator, 'status');
    expect(status).toEqual(await ws.local(['status', 'specs'], ws.serverState));
    expect(status.stdout).toMatch(/^TENANT +STATUS/);
    expect(await ws.remote(operator, 'status', '--json', '--tenant', 'baker-law')).toEqual(await ws.local(['status', 'specs', '--json', '--tenant', 'baker-law'], ws.serverState));

    expect(await ws.remote(operator, 'state', 'lock')).toEqual(await ws.local(['state', 'lock'], ws.serverState));
    let lock: LockHandle | undefined = await acquireLock({ path: ws.serverState }, { command: 'apply specs', heartbeatMs: 0 });
    closers.push(() => {
      lock?.release();
    });
    const age = (s: string): string => s.replace(/heartbeat \d+s ago/, 'heartbeat Ns ago');
    const held = await ws.remote(operator, 'state', 'lock');
    expect(held.stdout).toMatch(/^Locked by .* \(pid \d+, "netfirst apply specs"\) since /);
    expect({ ...held, stdout: age(held.stdout) }).toEqual(await ws.local(['state', 'lock'], ws.serverState).then((r) => ({ ...r, stdout: age(r.stdout) })));
    expect(JSON.parse((await ws.remote(operator, 'state', 'lock', '--json')).stdout)).toEqual(JSON.parse((await ws.local(['state', 'lock', '--json'], ws.serverState)).stdout));
    lock.release();
    lock = undefined;
  });

  it('refuses commands without a remote face, keeps the local-only ones local, and never prints the token', async () => {
    for (const args of [['destroy', '--auto-approve'], ['reconcile', '--once'], ['force-unlock', 'abcd1234'], ['import', 'provider', 'iswest-1'], ['refresh']]) {
      const r = await ws.remote(operator, ...args);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`Error: netfirst ${args[0] === 'import' ? 'import provider' : args[0]} is not available through the server yet (NETFIRST_SERVER is set): unset NETFIRST_SERVER to run it locally, against a local state\n`);
    }
    expect((await ws.remote(operator, 'validate', 'specs')).code).toBe(0);
    expect((await ws.remote(operator, 'schema')).stdout).toContain('"$schema"');

    const noToken = await cli(ws.dir, baseEnv({ NETFIRST_SERVER: ws.url }), ['state', 'list']);
    expect(noToken).toMatchObject({ code: 1, stdout: '' });
    expect(noToken.stderr).toMatch(/^Error: NETFIRST_TOKEN is not set/);

    const wrong = `${operator.slice(0, -4)}AAAA`;
    const refused = await ws.remote(wrong, 'state', 'list');
    expect(refused).toEqual({ code: 1, stdout: '', stderr: 'Error: the token is not valid\n' });

    const down = await cli(ws.dir, baseEnv({ NETFIRST_SERVER: `http://127.0.0.1:${await closedPort()}`, NETFIRST_TOKEN: operator }), ['plan']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^Error: cannot reach the server at http:\/\/127\.0\.0\.1:\d+ \(NETFIRST_SERVER\): ECONNREFUSED/);
    for (const r of [noToken, refused, down]) expect(r.stderr).not.toContain(operator.slice(-20));
  });

  it.skipIf(gitMissing)('--changed-since uploads only the tenant files changed since the merge base, and says which were deleted', async () => {
    const env = { ...baseEnv(), HOME: ws.dir, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
    const git = (...args: string[]): string => runGit(ws.dir, env, args);
    writeFileSync(join(ws.dir, '.gitignore'), 'local/\nserver/\n*.md\n');
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'specs');
    const base = git('rev-parse', 'HEAD').trim();
    const file = join(ws.dir, 'specs', 'baker-law.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/cpu: 2\b/, 'cpu: 3'));
    rmSync(join(ws.dir, 'specs', 'cole-accounting.yaml'));
    const zone = join(ws.dir, 'specs', 'zone.yaml');
    writeFileSync(zone, `${readFileSync(zone, 'utf8')}\n# a comment\n`);

    const r = await ws.remote(operator, 'plan', 'specs', '--changed-since', 'HEAD');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('note: deleted since HEAD, so not uploaded (the server plans no removal from a bundle): specs/cole-accounting.yaml\n');
    expect(r.stdout.startsWith([
      `Changed since HEAD (merge base ${base.slice(0, 12)}): 2 changed files, 1 tenant to plan:`,
      '  baker-law: tenant file specs/baker-law.yaml changed',
      'netfirst will perform the following actions:',
    ].join('\n'))).toBe(true);
    expect(r.stdout).not.toMatch(/acme-dental|cole-accounting\//);

    git('checkout', '-q', '--', 'specs/baker-law.yaml');
    const nothing = await ws.remote(operator, 'plan', 'specs', '--changed-since', 'HEAD', '--detailed-exitcode');
    expect(nothing.code).toBe(0);
    expect(nothing.stdout).toBe(`Changed since HEAD (merge base ${base.slice(0, 12)}): 1 changed file, 0 tenants to plan.\nNo changes. Your infrastructure matches the configuration.\n`);
  });
});

describe('interrupting a remote apply', () => {
  it('Ctrl-C during a remote apply cancels the run on the server and follows it to its end', async () => {
    // Slow operations, so the interrupt lands mid-run.
    const slow = await workspace((specs) => {
      const zone = join(specs, 'zone.yaml');
      writeFileSync(zone, readFileSync(zone, 'utf8').replace('latency: 5ms', 'latency: 400ms'));
    });
    const token = slow.token('--role', 'operator');
    let interrupted = false;
    const run = await cli(slow.dir, baseEnv({ NETFIRST_SERVER: slow.url, NETFIRST_TOKEN: token }), ['apply', '--tenant', 'baker-law', '--auto-approve'], (stdout, child) => {
      if (!interrupted && stdout.includes(': Creating...')) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    expect(interrupted).toBe(true);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Interrupt received: finishing the operations in flight, starting no new ones…');
    expect(run.stdout).toMatch(/\nApply failed\. Resources: \d+ added, 0 changed, 0 replaced, 0 destroyed in \S+; 0 failed, \d+ skipped\./);
    expect(run.stdout).toContain('skipped (interrupted)');
    const runs = await new ApiClient({ server: new URL(slow.url), token }).get<{ items: { status: string }[] }>('/api/v1/runs');
    expect(runs.items.map((r) => r.status)).toEqual(['cancelled']);
  });
});

describe('following a run over Server-Sent Events', () => {
  /** A server that sends `events`, but drops the connection after every `dropEvery` of them; it records each Last-Event-ID. */
  async function flakyServer(events: readonly ServerEvent[], dropEvery: number): Promise<{ url: string; resumedFrom: (string | undefined)[] }> {
    const resumedFrom: (string | undefined)[] = [];
    const server: Server = createServer((request, response) => {
      const last = request.headers['last-event-id'];
      resumedFrom.push(typeof last === 'string' ? last : undefined);
      response.writeHead(200, { 'Content-Type': 'text/event-stream' });
      const from = last === undefined ? 0 : events.findIndex((e) => e.id === last) + 1;
      const batch = events.slice(from, from + dropEvery);
      response.write(': following\n\n');
      for (const e of batch) response.write(`id: ${e.id}\nevent: ${e.event}\ndata: ${e.data}\n\n`);
      if (from + dropEvery >= events.length) return response.end();
      // Cut mid-event (and mid-response), as a dropped connection does.
      response.write('id: x\nevent: resource.do');
      response.socket?.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, resumedFrom };
  }

  it('resumes with Last-Event-ID after a dropped connection: every event once, in order', async () => {
    const events: ServerEvent[] = Array.from({ length: 7 }, (_, i) => ({ id: String(i + 1), event: i === 6 ? 'run.finished' : 'resource.done', data: JSON.stringify({ text: `line ${i + 1}` }) }));
    const { url, resumedFrom } = await flakyServer(events, 3);
    const client = new ApiClient({ server: new URL(url), token: 'nft_test' });
    const seen: ServerEvent[] = [];
    for await (const e of client.events('/api/v1/runs/r/events', { retryMs: 10 })) {
      seen.push(e);
      if (e.event === 'run.finished') break;
    }
    expect(seen).toEqual(events);
    expect(resumedFrom).toEqual([undefined, '3', '6']);
  });

  it('gives up, saying so, when connections bring nothing new', async () => {
    const { url } = await flakyServer([{ id: '1', event: 'run.started', data: '{}' }, { id: '2', event: 'x', data: '{}' }], 0);
    const client = new ApiClient({ server: new URL(url), token: 'nft_test' });
    const follow = async (): Promise<void> => {
      for await (const _ of client.events('/api/v1/runs/r/events', { retryMs: 5, attempts: 3 })) { /* nothing comes */ }
    };
    await expect(follow()).rejects.toThrow(/^lost the connection to the server at http:\/\/127\.0\.0\.1:\d+ while following \/api\/v1\/runs\/r\/events/);
  });

  it.each([
    { reason: 'fields, comments and multi-line data', text: ': hi\n\nid: 4\nevent: resource.done\ndata: {"a":\ndata: 1}\n\n', want: [{ id: '4', event: 'resource.done', data: '{"a":\n1}' }] },
    { reason: 'CRLF line ends', text: 'id: 1\r\nevent: run.started\r\ndata: {}\r\n\r\n', want: [{ id: '1', event: 'run.started', data: '{}' }] },
    { reason: 'an event without id (the server ending a run it no longer has)', text: 'event: run.interrupted\ndata: {}\n\n', want: [{ event: 'run.interrupted', data: '{}' }] },
    { reason: 'an event cut off by the end of the stream is not delivered', text: 'id: 1\nevent: a\ndata: {}\n\nid: 2\nevent: b\ndata: {', want: [{ id: '1', event: 'a', data: '{}' }] },
  ])('reads $reason', async ({ text, want }) => {
    // Split anywhere: an event's lines arrive in pieces.
    const bytes = new TextEncoder().encode(text);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 5) controller.enqueue(bytes.slice(i, i + 5));
        controller.close();
      },
    });
    const got: ServerEvent[] = [];
    for await (const e of readEventStream(body)) got.push(e);
    expect(got).toEqual(want);
  });
});
