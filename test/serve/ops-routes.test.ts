/**
 * The operations routes of `netfirst serve` — state, events, leases, usage, reconcile
 * and audit — against a real server (startServer on a random loopback port, plain
 * fetch) over a SQLite state that a real apply through the API filled: what an operator,
 * a viewer, a partner and a tenant each get, and that the usage export and the status
 * document are byte for byte what the CLI writes for the same state.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../engine/serve/server.js';
import { acquireLock, openState, type TokenRole } from '../../state/index.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(REPO, 'bin', 'netfirst.js');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: Json;
}

interface Lab {
  readonly dir: string;
  readonly statePath: string;
  readonly server: RunningServer;
  token(role: TokenRole, scope?: { partner?: string; tenant?: string }): string;
  api(method: string, path: string, token: string, body?: unknown): Promise<Reply>;
  /** Runs the CLI (bin/netfirst.js) in the lab's directory, on its state. */
  cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
  close(): Promise<void>;
}

async function lab(options: { reconcileMs?: number } = {}): Promise<Lab> {
  const dir = mkdtempSync(join(tmpdir(), 'netfirst-ops-'));
  cpSync(join(REPO, 'examples', 'iswest'), join(dir, 'specs'), { recursive: true });
  const statePath = join(dir, 'state.db');
  let server: RunningServer;
  try {
    server = await startServer({
      statePath, specsDir: join(dir, 'specs'), rateLimitPerMinute: 100_000, bodyLimit: 8 * 1024 * 1024, requestTimeoutMs: 60_000,
      host: '127.0.0.1', port: 0, watch: false, log: () => undefined,
      ...(options.reconcileMs !== undefined ? { reconcileMs: options.reconcileMs } : {}),
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', NETFIRST_STATE: statePath };
  for (const name of ['NETFIRST_SERVER', 'NETFIRST_TOKEN', 'NETFIRST_PARTNER']) delete env[name];
  return {
    dir,
    statePath,
    server,
    token: (role, scope = {}) => server.ctx.store.createToken({ role, ...scope, expiresAt: new Date(Date.now() + 86_400_000) }).secret,
    async api(method, path, token, body) {
      const res = await fetch(server.url + path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, text, json: /json/.test(res.headers.get('content-type') ?? '') && text ? JSON.parse(text) : undefined };
    },
    cli: (...args) => new Promise((done, fail) => {
      const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
      child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
      child.once('error', fail);
      child.once('close', (code) => done({ code, stdout, stderr }));
    }),
    async close() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Plans, approves and applies `request` as `token` through the API; resolves with the finished run. */
async function apply(l: Lab, token: string, request: Record<string, unknown>): Promise<Json> {
  const plan = await l.api('POST', '/api/v1/plans', token, request);
  expect(plan.status, plan.text).toBe(201);
  const approved = await l.api('POST', `/api/v1/plans/${plan.json.id}/approve`, token);
  expect(approved.status, approved.text).toBe(200);
  const started = await l.api('POST', '/api/v1/runs', token, { plan: plan.json.id });
  expect(started.status, started.text).toBe(202);
  for (const deadline = Date.now() + 60_000; ;) {
    const run = await l.api('GET', `/api/v1/runs/${started.json.id}`, token);
    if (run.json.status !== 'running') return run.json;
    if (Date.now() > deadline) throw new Error(`run ${started.json.id} still running after 60s`);
    await new Promise((w) => setTimeout(w, 50));
  }
}

/** Every item of a list, a page of `limit` at a time, following nextCursor. */
async function everyPage(l: Lab, path: string, token: string, limit: number): Promise<{ items: Json[]; pages: number }> {
  const items: Json[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const r = await l.api('GET', `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, token);
    expect(r.status, r.text).toBe(200);
    expect(r.json.items.length).toBeLessThanOrEqual(limit);
    items.push(...r.json.items);
    cursor = r.json.nextCursor;
    pages++;
  } while (cursor !== undefined);
  return { items, pages };
}

function expectProblem(r: Reply, status: number): void {
  expect(r.status, r.text).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(r.json).toMatchObject({ type: expect.stringMatching(/^urn:netfirst:problem:/), title: expect.any(String), status, detail: expect.any(String) });
}

/** What a 404 says without the name asked about: the same for a foreign tenant and for none at all. */
const wordsOf = (r: Reply, name: string): string => String(r.json.detail).split(name).join('NAME');

describe('operations routes on a server that applied iswest', () => {
  let l: Lab;
  const t = {} as Record<'operator' | 'viewer' | 'westside' | 'lexcore' | 'ledgerline' | 'acme' | 'narrowViewer', string>;

  beforeAll(async () => {
    l = await lab();
    t.operator = l.token('operator');
    t.viewer = l.token('viewer');
    t.westside = l.token('partner', { partner: 'westside-it' });
    t.lexcore = l.token('partner', { partner: 'lexcore' });
    t.ledgerline = l.token('partner', { partner: 'ledgerline' });
    t.acme = l.token('tenant', { tenant: 'acme-dental' });
    t.narrowViewer = l.token('viewer', { partner: 'westside-it' });
    expect((await apply(l, t.operator, {})).status).toBe('succeeded');
    // cole-accounting's whole life is in the history: its usage no longer depends on the clock.
    expect((await apply(l, t.operator, { tenants: ['cole-accounting'], destroy: true })).status).toBe('succeeded');
  }, 120_000);

  afterAll(async () => {
    await l?.close();
  });

  describe('GET /api/v1/state', () => {
    it('gives the operator lineage, serial, schema version and the resource count', async () => {
      const r = await l.api('GET', '/api/v1/state', t.operator);
      expect(r.status, r.text).toBe(200);
      const store = l.server.ctx.store;
      expect(r.json).toEqual({ lineage: store.lineage, serial: store.serial(), schemaVersion: store.schemaVersion, resources: store.listResources().length });
      expect(r.json.resources).toBeGreaterThan(0);
    });

    it.each([
      { reason: 'an unscoped viewer reads it', who: 'viewer', want: 200 },
      { reason: "a partner sees its tenants, not the state's totals", who: 'westside', want: 403 },
      { reason: 'a tenant token neither', who: 'acme', want: 403 },
      { reason: 'nor a viewer narrowed to a partner', who: 'narrowViewer', want: 403 },
    ] as const)('$reason', async ({ who, want }) => {
      const r = await l.api('GET', '/api/v1/state', t[who]);
      if (want === 200) expect(r.status, r.text).toBe(200);
      else expectProblem(r, want);
    });
  });

  describe('GET /api/v1/state/resources', () => {
    it('lists every resource by address for the operator, sensitive attributes hidden, paged by cursor', async () => {
      const all = await l.api('GET', '/api/v1/state/resources', t.operator);
      expect(all.status, all.text).toBe(200);
      const addresses = all.json.items.map((r: Json) => r.address);
      expect(addresses).toEqual(l.server.ctx.store.listResources().map((r) => r.address));
      expect(addresses).toEqual([...addresses].sort());
      expect(addresses.some((a: string) => a.startsWith('cole-accounting/'))).toBe(false);
      const user = all.json.items.find((r: Json) => r.type === 'vpn-user');
      expect(user.attributes.password).toBe('(sensitive)');
      expect(all.text).not.toMatch(/hmac-sha256:/);

      const paged = await everyPage(l, '/api/v1/state/resources', t.operator, 4);
      expect(paged.items).toEqual(all.json.items);
      expect(paged.pages).toBe(Math.ceil(addresses.length / 4));
    });

    it('filters by tenant, type and zone', async () => {
      const r = await l.api('GET', '/api/v1/state/resources?tenant=acme-dental&type=vm&zone=iswest-1', t.operator);
      expect(r.status, r.text).toBe(200);
      expect(r.json.items.map((x: Json) => x.address)).toEqual(['acme-dental/vm/backup-1', 'acme-dental/vm/imaging-1', 'acme-dental/vm/pms-1']);
    });

    it("shows a partner only its own tenants, and another partner's tenant as one that does not exist", async () => {
      const mine = await l.api('GET', '/api/v1/state/resources', t.westside);
      expect(mine.status, mine.text).toBe(200);
      expect(new Set(mine.json.items.map((x: Json) => x.tenant))).toEqual(new Set(['acme-dental']));
      expect(mine.text).not.toMatch(/cole-accounting|baker-law/);

      const foreign = await l.api('GET', '/api/v1/state/resources?tenant=baker-law', t.westside);
      const none = await l.api('GET', '/api/v1/state/resources?tenant=nobody-here', t.westside);
      expectProblem(foreign, 404);
      expectProblem(none, 404);
      expect(wordsOf(foreign, 'baker-law')).toBe(wordsOf(none, 'nobody-here'));
    });

    it('refuses a cursor it did not give out, naming the field', async () => {
      const r = await l.api('GET', '/api/v1/state/resources?cursor=bm90LWEtY3Vyc29y', t.operator);
      expectProblem(r, 400);
      expect(r.json.errors).toEqual([{ field: 'cursor', message: expect.any(String) }]);
    });
  });

  describe('GET /api/v1/state/resources/{address}', () => {
    it('shows one resource at its address', async () => {
      const r = await l.api('GET', '/api/v1/state/resources/acme-dental/vm/pms-1', t.westside);
      expect(r.status, r.text).toBe(200);
      expect(r.json).toMatchObject({ address: 'acme-dental/vm/pms-1', type: 'vm', tenant: 'acme-dental', zone: 'iswest-1', attributes: { cpu: 4 } });
    });

    it.each([
      { reason: "another partner's resource", who: 'lexcore', address: 'acme-dental/vm/pms-1' },
      { reason: 'another tenant, for a tenant token', who: 'acme', address: 'baker-law/vm/docs-1' },
      { reason: 'a resource never recorded', who: 'operator', address: 'acme-dental/vm/nope-1' },
    ] as const)('answers 404 in the same words for $reason', async ({ who, address }) => {
      const r = await l.api('GET', `/api/v1/state/resources/${address}`, t[who]);
      expectProblem(r, 404);
      expect(wordsOf(r, address)).toBe('resource NAME was not found');
    });
  });

  describe('GET /api/v1/events', () => {
    it('gives the lifecycle history ascending by id, resumable with after and with the cursor', async () => {
      const all = await l.api('GET', '/api/v1/events?limit=1000', t.operator);
      expect(all.status, all.text).toBe(200);
      const ids = all.json.items.map((e: Json) => e.id);
      expect(ids).toEqual([...ids].sort((a: number, b: number) => a - b));
      expect(new Set(all.json.items.map((e: Json) => e.action))).toEqual(new Set(['create', 'delete']));
      expect(all.json.items.find((e: Json) => e.action === 'delete')).toMatchObject({ tenant: 'cole-accounting', attributes: null });
      expect(all.text).not.toMatch(/hmac-sha256:/);
      expect(all.json.items.find((e: Json) => e.type === 'vpn-user').attributes.password).toBe('(sensitive)');

      const after = await l.api('GET', `/api/v1/events?after=${ids[9]}&limit=3`, t.operator);
      expect(after.json.items.map((e: Json) => e.id)).toEqual(ids.slice(10, 13));
      expect((await everyPage(l, '/api/v1/events', t.operator, 7)).items).toEqual(all.json.items);
    });

    it("shows a partner only its tenants' events; another's tenant is 404", async () => {
      const mine = await everyPage(l, '/api/v1/events', t.lexcore, 5);
      expect(mine.items.length).toBeGreaterThan(0);
      expect(new Set(mine.items.map((e: Json) => e.tenant))).toEqual(new Set(['baker-law']));
      const filtered = await l.api('GET', '/api/v1/events?tenant=baker-law', t.lexcore);
      expect(filtered.json.items).toEqual(mine.items);
      expectProblem(await l.api('GET', '/api/v1/events?tenant=acme-dental', t.lexcore), 404);
    });
  });

  describe('/api/v1/leases', () => {
    it('lists a held lock, lets only the operator break it, and audits that', async () => {
      const held = await acquireLock({ path: l.statePath }, { command: 'apply specs --auto-approve', heartbeatMs: 0 });
      try {
        const listed = await l.api('GET', '/api/v1/leases', t.operator);
        expect(listed.status, listed.text).toBe(200);
        expect(listed.json.items).toEqual([{
          id: held.info.id, scopes: ['state'],
          holder: { owner: held.info.owner, pid: process.pid, host: held.info.host, command: 'apply specs --auto-approve' },
          acquiredAt: held.info.acquiredAt, heartbeatAt: held.info.heartbeatAt, ageMs: expect.any(Number), heartbeatAgeMs: expect.any(Number), alive: true,
        }]);
        expect((await l.api('GET', '/api/v1/leases', t.viewer)).status).toBe(200);
        expectProblem(await l.api('GET', '/api/v1/leases', t.westside), 403);
        expectProblem(await l.api('DELETE', `/api/v1/leases/${held.info.id}`, t.viewer), 403);
        expectProblem(await l.api('DELETE', `/api/v1/leases/${held.info.id}`, t.westside), 403);

        const broken = await l.api('DELETE', `/api/v1/leases/${held.info.id}`, t.operator);
        expect(broken.status, broken.text).toBe(200);
        expect(broken.json).toMatchObject({ id: held.info.id, scopes: ['state'] });
        expect((await l.api('GET', '/api/v1/leases', t.operator)).json.items).toEqual([]);
        expect(held.heartbeat()).toBe(false);
        expectProblem(await l.api('DELETE', `/api/v1/leases/${held.info.id}`, t.operator), 404);

        const audit = await l.api('GET', '/api/v1/audit?action=lease.force-unlock', t.operator);
        expect(audit.json.items.map((a: Json) => [a.target, a.result])).toEqual([[held.info.id, 'ok'], [held.info.id, 'not-found']]);
      } finally {
        held.release();
      }
    });
  });

  describe('GET /api/v1/usage', () => {
    /** A range around cole-accounting's whole life (created and destroyed above). */
    const range = (): { from: string; to: string } => {
      const day = new Date();
      day.setUTCHours(0, 0, 0, 0);
      const from = new Date(day.getTime() - 86_400_000).toISOString().slice(0, 10);
      const to = new Date(day.getTime() + 2 * 86_400_000).toISOString().slice(0, 10);
      return { from, to };
    };

    it.each([
      { reason: 'an operator, one tenant, CSV by the hour', who: 'operator', query: 'tenant=cole-accounting&granularity=hour&format=csv', cli: ['--tenant', 'cole-accounting', '--granularity', 'hour', '--format', 'csv'], type: 'text/csv' },
      { reason: 'an operator, one partner, XML by the day', who: 'operator', query: 'partner=ledgerline&granularity=day&format=xml', cli: ['--partner', 'ledgerline', '--granularity', 'day', '--format', 'xml'], type: 'application/xml' },
      { reason: "a partner's token: its own partner's tenants, JSON", who: 'ledgerline', query: 'granularity=day&format=json', cli: ['--partner', 'ledgerline', '--granularity', 'day', '--format', 'json'], type: 'application/json' },
    ] as const)('is byte for byte what `netfirst usage export` writes: $reason', async ({ who, query, cli, type }) => {
      const { from, to } = range();
      const res = await fetch(`${l.server.url}/api/v1/usage?from=${from}&to=${to}&${query}`, { headers: { authorization: `Bearer ${t[who]}` } });
      const body = await res.text();
      expect(res.status, body).toBe(200);
      expect(res.headers.get('content-type')).toBe(`${type}; charset=utf-8`);
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="usage-[0-9T-]+Z-[0-9T-]+Z-(hour|day)\.(csv|json|xml)"$/);
      // Streamed: sent in chunks as it is computed, its length not known up front.
      expect(res.headers.get('content-length')).toBeNull();
      expect(body).toMatch(/cole-accounting/);
      const local = await l.cli('usage', 'export', 'specs', '--from', from, '--to', to, ...cli);
      expect(local.code, local.stderr).toBe(0);
      expect(body).toBe(local.stdout);
    });

    it('keeps a partner to its own tenants and a tenant token to its tenant, without naming others', async () => {
      const { from, to } = range();
      const q = `from=${from}&to=${to}&granularity=day`;
      const west = await l.api('GET', `/api/v1/usage?${q}`, t.westside);
      expect(west.status, west.text).toBe(200);
      expect(west.text).toMatch(/acme-dental/);
      expect(west.text).not.toMatch(/baker-law|cole-accounting|lexcore|ledgerline/);
      const foreign = await l.api('GET', `/api/v1/usage?${q}&partner=ledgerline`, t.westside);
      const none = await l.api('GET', `/api/v1/usage?${q}&partner=nobody`, t.westside);
      expectProblem(foreign, 404);
      expect(wordsOf(foreign, 'ledgerline')).toBe(wordsOf(none, 'nobody'));

      const acme = await l.api('GET', `/api/v1/usage?${q}`, t.acme);
      expect(acme.text.split('\n').slice(1).filter(Boolean).every((line) => line.startsWith('acme-dental,'))).toBe(true);
      expectProblem(await l.api('GET', `/api/v1/usage?${q}&tenant=cole-accounting`, t.acme), 404);
    });

    it.each([
      { reason: 'a start not on a period boundary', query: 'from=2026-03-01T10:30:00Z&to=2026-03-02', field: 'querystring.from' },
      { reason: 'an end before the start', query: 'from=2026-03-02&to=2026-03-01&granularity=day', field: 'querystring.from' },
      { reason: 'an end that is no date', query: 'from=2026-03-01&to=tomorrow', field: 'querystring.to' },
      { reason: 'no start at all', query: 'to=2026-03-01', field: 'querystring.from' },
      { reason: 'a granularity it does not know', query: 'from=2026-03-01&to=2026-03-02&granularity=week', field: 'querystring.granularity' },
    ])('refuses $reason with a 400 naming the field', async ({ query, field }) => {
      const r = await l.api('GET', `/api/v1/usage?${query}`, t.operator);
      expectProblem(r, 400);
      expect(r.json.errors.map((e: Json) => e.field)).toContain(field);
    });
  });

  describe('GET /api/v1/reconcile', () => {
    it('is the document `netfirst status --json` prints for the same state and specs, with no loop', async () => {
      // One tenant judged by a round, the others not yet: both kinds of entry.
      const round = await l.cli('reconcile', 'specs', '--once', '--tenant', 'acme-dental');
      expect(round.code, round.stderr).toBe(0);
      const r = await l.api('GET', '/api/v1/reconcile', t.operator);
      expect(r.status, r.text).toBe(200);
      const local = await l.cli('status', 'specs', '--json');
      expect(local.code, local.stderr).toBe(0);
      expect(JSON.stringify(r.json, null, 2)).toBe(local.stdout.trimEnd());
      expect(r.json.loop).toBeUndefined();
      expect(r.json.tenants.map((x: Json) => [x.tenant, x.status])).toEqual([['acme-dental', 'Synced'], ['baker-law', 'Unknown'], ['cole-accounting', 'Unknown']]);
    });

    it("shows a partner its tenants only; another's tenant is 404", async () => {
      const r = await l.api('GET', '/api/v1/reconcile', t.westside);
      expect(r.json.tenants.map((x: Json) => x.tenant)).toEqual(['acme-dental']);
      expectProblem(await l.api('GET', '/api/v1/reconcile?tenant=baker-law', t.westside), 404);
    });
  });

  describe('/api/v1/audit', () => {
    it('pages the hash-chained log oldest first, filtered by actor and action', async () => {
      const all = await l.api('GET', '/api/v1/audit?limit=1000', t.operator);
      expect(all.status, all.text).toBe(200);
      const seqs = all.json.items.map((a: Json) => a.seq);
      expect(seqs).toEqual(seqs.map((_: number, i: number) => i + 1));
      expect(all.json.items.map((a: Json) => a.action)).toEqual(expect.arrayContaining(['plan.create', 'plan.approve', 'run.start', 'apply']));
      expect((await everyPage(l, '/api/v1/audit', t.operator, 3)).items).toEqual(all.json.items);
      const after = await l.api('GET', '/api/v1/audit?after=2&limit=2', t.operator);
      expect(after.json.items.map((a: Json) => a.seq)).toEqual([3, 4]);
      const applies = await l.api('GET', '/api/v1/audit?action=apply', t.operator);
      expect(applies.json.items.length).toBe(2);
      expect(applies.json.items.every((a: Json) => a.result === 'succeeded')).toBe(true);
    });

    it('verifies the chain', async () => {
      const r = await l.api('GET', '/api/v1/audit/verify', t.operator);
      expect(r.status, r.text).toBe(200);
      expect(r.json).toEqual({ ok: true, count: expect.any(Number) });
      expect(r.json.count).toBeGreaterThan(5);
    });

    it.each(['viewer', 'westside', 'acme'] as const)('is the operator\'s alone: %s gets 403', async (who) => {
      expectProblem(await l.api('GET', '/api/v1/audit', t[who]), 403);
      expectProblem(await l.api('GET', '/api/v1/audit/verify', t[who]), 403);
    });
  });
});

describe('the reconcile loop inside the server (--reconcile)', () => {
  it('records a verdict for every tenant each round, reports itself, and stops with the server', async () => {
    const l = await lab({ reconcileMs: 100 });
    try {
      const op = l.token('operator');
      let body: Json;
      for (const deadline = Date.now() + 60_000; ;) {
        body = (await l.api('GET', '/api/v1/reconcile', op)).json;
        if (body.loop.rounds >= 2) break;
        if (Date.now() > deadline) throw new Error(`no second round within 60s: ${JSON.stringify(body)}`);
        await new Promise((w) => setTimeout(w, 50));
      }
      expect(body.loop).toMatchObject({ running: true, interval: '100ms', intervalMs: 100, lastRoundAt: expect.any(String) });
      // Nothing applied yet: every tenant's spec asks for what state does not have.
      expect(body.tenants.map((x: Json) => [x.tenant, x.status])).toEqual([['acme-dental', 'OutOfSync'], ['baker-law', 'OutOfSync'], ['cole-accounting', 'OutOfSync']]);
      expect(body.tenants.every((x: Json) => x.checkedAt !== null && x.roundId)).toBe(true);
    } finally {
      await l.server.stop();
    }
    expect(l.server.ctx.reconcileLoop?.status().running).toBe(false);
    const state = openState(l.statePath);
    try {
      const last = state.listTenantStatus();
      expect(last.map((r) => r.status)).toEqual(['OutOfSync', 'OutOfSync', 'OutOfSync']);
      await new Promise((w) => setTimeout(w, 400));
      // Stopped: no round after the drain.
      expect(state.listTenantStatus().map((r) => r.roundId)).toEqual(last.map((r) => r.roundId));
    } finally {
      state.close();
      rmSync(l.dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('ends a long pause between rounds at once when the server drains', async () => {
    const l = await lab({ reconcileMs: 3_600_000 });
    try {
      for (const deadline = Date.now() + 60_000; (l.server.ctx.reconcileLoop?.status().rounds ?? 0) < 1;) {
        if (Date.now() > deadline) throw new Error('no first round within 60s');
        await new Promise((w) => setTimeout(w, 50));
      }
      const started = Date.now();
      await l.server.stop();
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(l.server.ctx.reconcileLoop?.status()).toMatchObject({ running: false, rounds: 1 });
    } finally {
      await l.close();
    }
  }, 120_000);
});
