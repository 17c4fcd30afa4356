/**
 * Plans and runs through a real `netfirst serve` over HTTP, as a pipeline drives them:
 * every route's success path; only an approved plan that nothing has moved under is
 * applied (409 naming what moved otherwise); Idempotency-Key makes retries safe; every
 * refusal is an RFC 9457 problem with a stable type; body and rate limits hold; no
 * answer holds a stack trace or a path of the server; a list paged while plans are
 * being made shows every plan once. examples/iswest with the sim zone (5ms latency).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { applyPlan, expectNoLeaks, expectProblem, labs, waitFor, type Json, type Lab, type Server, type Token } from './harness.js';

describe('netfirst serve: plans and runs', () => {
  const lab = labs();
  let l: Lab;
  let server: Server;
  let op: Token;

  beforeAll(async () => {
    l = lab();
    [op] = await Promise.all([l.token('operator')]);
    server = await l.serve();
  });

  const plan = async (body: Record<string, unknown>): Promise<Json> => {
    const r = await server.api('POST', '/api/v1/plans', { token: op, body });
    expect(r.status, r.text).toBe(201);
    return r.json;
  };

  it('plans read what really exists first unless the request says refresh: false, as the CLI does', async () => {
    const fresh = await plan({ tenants: ['baker-law'] });
    expect(fresh.renderings.json).toMatchObject({ refreshed: true });
    expect(fresh.renderings.text).not.toContain('(not refreshed)');
    const stale = await plan({ tenants: ['baker-law'], refresh: false });
    expect(stale.renderings.json).toMatchObject({ refreshed: false });
    expect(stale.renderings.text).toMatch(/Plan: \d+ to add, 0 to change, 0 to replace, 0 to destroy \(not refreshed\)\./);
    expect(stale.renderings.markdown).toContain('**Not refreshed**');
    for (const p of [fresh, stale]) expect((await server.api('POST', `/api/v1/plans/${p.id}/discard`, { token: op })).status).toBe(200);
  });

  it('every plan and run route answers its success path', async () => {
    // POST /plans: 201, Location, the plan with its three renderings.
    const made = await server.api('POST', '/api/v1/plans', { token: op, body: { tenants: ['acme-dental'] } });
    expect(made.status, made.text).toBe(201);
    expect(made.headers.get('location')).toBe(`/api/v1/plans/${made.json.id}`);
    expect(made.json).toMatchObject({ status: 'planned', tenants: ['acme-dental'], destroy: false, hasChanges: true, hasErrors: false, summary: { add: 10, change: 0, replace: 0, destroy: 0 }, diagnostics: [] });
    expect(made.json.renderings.text).toMatch(/acme-dental\/vm\/pms-1 will be created/);
    expect(made.json.renderings.markdown).toMatch(/acme-dental/);
    expect(made.json.renderings.json).toMatchObject({ format: expect.stringMatching(/^netfirst-plan\//) });
    const id: string = made.json.id;

    // GET /plans/{id} and GET /plans.
    const shown = await server.api('GET', `/api/v1/plans/${id}`, { token: op });
    expect(shown.status).toBe(200);
    expect(shown.json).toMatchObject({ id, status: 'planned', renderings: { text: made.json.renderings.text } });
    const listed = await server.api('GET', '/api/v1/plans?status=planned', { token: op });
    expect(listed.status).toBe(200);
    expect(listed.json.items.map((p: Json) => p.id)).toContain(id);

    // POST /plans/{id}/approve.
    const approved = await server.api('POST', `/api/v1/plans/${id}/approve`, { token: op });
    expect(approved.status, approved.text).toBe(200);
    expect(approved.json).toMatchObject({ id, status: 'approved', approvedBy: op.id });

    // POST /runs: 202 at once, Location; GET /runs/{id} until it ends.
    const started = await server.api('POST', '/api/v1/runs', { token: op, body: { plan: id } });
    expect(started.status, started.text).toBe(202);
    expect(started.json).toMatchObject({ planId: id, status: 'running', tenants: ['acme-dental'] });
    expect(started.headers.get('location')).toBe(`/api/v1/runs/${started.json.id}`);
    const run = await waitFor(server, `/api/v1/runs/${started.json.id}`, op, (r) => r.status !== 'running');
    expect(run).toMatchObject({ id: started.json.id, status: 'succeeded', finishedAt: expect.any(String) });

    // GET /runs lists it; its events as a JSON page end with run.finished.
    const runs = await server.api('GET', '/api/v1/runs', { token: op });
    expect(runs.status).toBe(200);
    expect(runs.json.items.map((r: Json) => r.id)).toContain(run.id);
    const events = await server.api('GET', `/api/v1/runs/${run.id}/events`, { token: op, headers: { accept: 'application/json' } });
    expect(events.status).toBe(200);
    expect(events.json.items[0]).toMatchObject({ seq: 1, type: 'run.started' });
    expect(events.json.items.at(-1)).toMatchObject({ type: 'run.finished', data: { status: 'succeeded' } });
    expect((await server.api('GET', `/api/v1/plans/${id}`, { token: op })).json.status).toBe('applied');

    // What was applied is recorded: the tenant shows its resources.
    const tenant = await server.api('GET', '/api/v1/tenants/acme-dental', { token: op });
    expect(tenant.json.resources).toBe(10);

    // POST /plans/{id}/discard.
    const other = await plan({ tenants: ['baker-law'] });
    const discarded = await server.api('POST', `/api/v1/plans/${other.id}/discard`, { token: op });
    expect(discarded.status, discarded.text).toBe(200);
    expect(discarded.json).toMatchObject({ id: other.id, status: 'discarded', discardedAt: expect.any(String) });

    // POST /runs/{id}/cancel of a run that has ended: 409 (a running one is cancelled in sse.test.ts).
    expectProblem(await server.api('POST', `/api/v1/runs/${run.id}/cancel`, { token: op }), 409, 'conflict');
  });

  it('only an approved plan runs: planned, discarded, applied and decided-twice are 409', async () => {
    const planned = await plan({ tenants: ['baker-law'] });
    const notYet = await server.api('POST', '/api/v1/runs', { token: op, body: { plan: planned.id } });
    expectProblem(notYet, 409, 'conflict');
    expect(notYet.json.detail).toMatch(/only an approved plan/);

    expect((await server.api('POST', `/api/v1/plans/${planned.id}/discard`, { token: op })).status).toBe(200);
    expectProblem(await server.api('POST', '/api/v1/runs', { token: op, body: { plan: planned.id } }), 409, 'conflict');
    // A discarded plan is not approved afterwards, nor discarded twice.
    expectProblem(await server.api('POST', `/api/v1/plans/${planned.id}/approve`, { token: op }), 409, 'conflict');
    expectProblem(await server.api('POST', `/api/v1/plans/${planned.id}/discard`, { token: op }), 409, 'conflict');
  });

  it('a plan is refused (409) once another apply moved the state serial, naming the serial', async () => {
    const approvedFirst = await plan({ tenants: ['baker-law'] });
    const notApproved = await plan({ tenants: ['baker-law'] });
    expect((await server.api('POST', `/api/v1/plans/${approvedFirst.id}/approve`, { token: op })).status).toBe(200);
    const { run } = await applyPlan(server, op, { tenants: ['cole-accounting'] });
    expect(run.status).toBe('succeeded');

    const stale = await server.api('POST', '/api/v1/runs', { token: op, body: { plan: approvedFirst.id } });
    expectProblem(stale, 409, 'stale-plan');
    expect(stale.json.detail).toMatch(/serial/);
    const lateApproval = await server.api('POST', `/api/v1/plans/${notApproved.id}/approve`, { token: op });
    expectProblem(lateApproval, 409, 'stale-plan');
    expect(lateApproval.json.detail).toMatch(/serial/);
  });

  it('a plan is refused (409) once its spec file changed (edit + POST /specs/sync), naming the file', async () => {
    const made = await plan({ tenants: ['baker-law'] });
    expect((await server.api('POST', `/api/v1/plans/${made.id}/approve`, { token: op })).status).toBe(200);
    l.writeSpec('baker-law.yaml', l.readSpec('baker-law.yaml').replace('cpu: 8\n', 'cpu: 6\n'));
    const synced = await server.api('POST', '/api/v1/specs/sync', { token: op });
    expect(synced.status, synced.text).toBe(200);
    expect(synced.json).toMatchObject({ changedFiles: ['baker-law.yaml'], tenants: ['baker-law'] });

    const stale = await server.api('POST', '/api/v1/runs', { token: op, body: { plan: made.id } });
    expectProblem(stale, 409, 'stale-plan');
    expect(stale.json.detail).toMatch(/baker-law\.yaml/);
    expect(stale.json.detail).not.toContain(l.specs);
  });

  it('Idempotency-Key on POST /plans: the same request twice is one plan; the key with another body is 422', async () => {
    const key = { 'idempotency-key': 'pr-118-plan-1' };
    const first = await server.api('POST', '/api/v1/plans', { token: op, headers: key, body: { tenants: ['baker-law'] } });
    expect(first.status, first.text).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await server.api('POST', '/api/v1/plans', { token: op, headers: key, body: { tenants: ['baker-law'] } });
    expect(again.status, again.text).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.json.id).toBe(first.json.id);
    const mine = await server.api('GET', '/api/v1/plans?tenant=baker-law&limit=1000', { token: op });
    expect(mine.json.items.filter((p: Json) => p.id === first.json.id)).toHaveLength(1);

    const otherBody = await server.api('POST', '/api/v1/plans', { token: op, headers: key, body: { tenants: ['cole-accounting'] } });
    expectProblem(otherBody, 422, 'idempotency-mismatch');
  });

  it('Idempotency-Key on POST /runs: retries, at once and later, start one run only', async () => {
    const made = await plan({ tenants: ['baker-law'] });
    expect((await server.api('POST', `/api/v1/plans/${made.id}/approve`, { token: op })).status).toBe(200);
    const key = { 'idempotency-key': `apply-${made.id}` };
    const post = (): ReturnType<Server['api']> => server.api('POST', '/api/v1/runs', { token: op, headers: key, body: { plan: made.id } });
    const [a, b] = await Promise.all([post(), post()]);
    expect([a.status, b.status], `${a.text}\n${b.text}`).toEqual([202, 202]);
    expect(b.json.id).toBe(a.json.id);
    await waitFor(server, `/api/v1/runs/${a.json.id}`, op, (r) => r.status !== 'running');
    const later = await post();
    expect(later.status, later.text).toBe(202);
    expect(later.json.id).toBe(a.json.id);
    expect(later.headers.get('idempotent-replayed')).toBe('true');

    const runs = await server.api('GET', '/api/v1/runs?limit=1000', { token: op });
    expect(runs.json.items.filter((r: Json) => r.planId === made.id)).toHaveLength(1);
  });

  describe('every refusal is problem+json: type urn:netfirst:problem:*, title, status, detail, instance', () => {
    const badBodies: { reason: string; path: string; body: unknown; field: RegExp }[] = [
      { reason: 'tenants not an array', path: '/api/v1/plans', body: { tenants: 'acme-dental' }, field: /body\.tenants/ },
      { reason: 'a tenant name that is not a DNS label', path: '/api/v1/plans', body: { tenants: ['Acme_Dental'] }, field: /body\.tenants\.0/ },
      { reason: 'refresh not a boolean', path: '/api/v1/plans', body: { refresh: 'yes' }, field: /body\.refresh/ },
      { reason: 'a run without its plan', path: '/api/v1/runs', body: {}, field: /body\.plan/ },
      { reason: 'parallelism out of range', path: '/api/v1/runs', body: { plan: 'plan-x', parallelism: 0 }, field: /body\.parallelism/ },
    ];
    it.each(badBodies)('400 for a bad body, naming the field in detail and errors: $reason', async ({ path, body, field }) => {
      const r = await server.api('POST', path, { token: op, body });
      expectProblem(r, 400, 'bad-request');
      expect(r.json.instance).toBe(path);
      expect(r.json.detail).toMatch(new RegExp(field.source.replace('body\\.', '')));
      expect(r.json.errors?.map((e: Json) => e.field).join(' ')).toMatch(field);
    });

    it('400 for a field the API does not have, named in detail', async () => {
      const r = await server.api('POST', '/api/v1/plans', { token: op, body: { tenant: 'acme-dental' } });
      expectProblem(r, 400, 'bad-request');
      expect(r.json.detail).toMatch(/"tenant"/);
    });

    it('400 for a field the API does not have, named in errors[].field (body.tenant)', async () => {
      // KNOWN: the unrecognized-key issue has an empty path, so errors[].field reads "body.(body)".
      const r = await server.api('POST', '/api/v1/plans', { token: op, body: { tenant: 'acme-dental' } });
      expect(r.json.errors.map((e: Json) => e.field)).toEqual(['body.tenant']);
    });

    it('400 for a body that is not JSON', async () => {
      const r = await server.api('POST', '/api/v1/plans', { token: op, body: '{"tenants": [', headers: { 'content-type': 'application/json' } });
      expectProblem(r, 400, 'bad-request');
    });

    it('400 for a bad query: limit out of range, a cursor the server never gave', async () => {
      const limit = await server.api('GET', '/api/v1/plans?limit=0', { token: op });
      expectProblem(limit, 400, 'bad-request');
      expect(limit.json.detail).toMatch(/limit/);
      const cursor = await server.api('GET', '/api/v1/plans?cursor=bm90LWEtY3Vyc29y', { token: op });
      expectProblem(cursor, 400, 'bad-request');
      expect(cursor.json.errors).toEqual([{ field: 'cursor', message: expect.any(String) }]);
    });

    it('404 for a plan, a run and a route that do not exist', async () => {
      const p = await server.api('GET', '/api/v1/plans/plan-nope', { token: op });
      expectProblem(p, 404, 'not-found');
      expect(p.json.instance).toBe('/api/v1/plans/plan-nope');
      expectProblem(await server.api('GET', '/api/v1/runs/run-nope', { token: op }), 404, 'not-found');
      expectProblem(await server.api('GET', '/api/v1/runs/run-nope/events', { token: op, headers: { accept: 'application/json' } }), 404, 'not-found');
      expectProblem(await server.api('GET', '/api/v1/nothing-here', { token: op }), 404, 'not-found');
      expectProblem(await server.api('GET', '/nothing-here'), 404, 'not-found');
    });

    it.each(['application/xml', 'application/x-www-form-urlencoded'])('415 for a body of media type %s', async (type) => {
      const r = await server.api('POST', '/api/v1/plans', { token: op, body: 'tenants=acme-dental', headers: { 'content-type': type } });
      expectProblem(r, 415, 'unsupported-media-type');
    });

    it('415 for a text/plain body', async () => {
      // KNOWN: fastify's built-in text/plain parser takes it, and validation answers 400 "expected object, received string".
      const r = await server.api('POST', '/api/v1/plans', { token: op, body: '{"tenants":["acme-dental"]}', headers: { 'content-type': 'text/plain' } });
      expectProblem(r, 415, 'unsupported-media-type');
    });
  });

  it('security headers on answers, refusals and the public routes', async () => {
    const answers = await Promise.all([
      server.api('GET', '/api/v1/tenants', { token: op }),
      server.api('GET', '/api/v1/plans/plan-nope', { token: op }),
      server.api('GET', '/api/v1/tenants'),
      server.api('GET', '/healthz'),
      server.api('GET', '/readyz'),
    ]);
    for (const r of answers) {
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    }
    expect(answers.map((r) => r.status)).toEqual([200, 404, 401, 200, 200]);
  });

  it('GET /api/v1/plans paged while plans are being made: every plan that existed once, none twice', async () => {
    for (let i = 0; i < 4; i++) await plan({ tenants: [['acme-dental', 'baker-law', 'cole-accounting'][i % 3]!] });
    const before = await server.api('GET', '/api/v1/plans?limit=1000', { token: op });
    const existing: string[] = before.json.items.map((p: Json) => p.id);
    expect(existing.length).toBeGreaterThanOrEqual(10);

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await server.api('GET', `/api/v1/plans?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token: op });
      expect(page.status, page.text).toBe(200);
      expect(page.json.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.json.items.map((p: Json) => p.id));
      cursor = page.json.nextCursor;
      // A write between every two pages.
      await plan({ tenants: ['cole-accounting'] });
      pages++;
    } while (cursor !== undefined && pages < 100);

    expect(new Set(seen).size, 'no plan twice').toBe(seen.length);
    expect(existing.filter((id) => !seen.includes(id)), 'none missing').toEqual([]);
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(existing.length / 3));
  });

  it("a plan's JSON rendering does not name the server's spec directory (selection.paths, secrets' baseDir)", async () => {
    // KNOWN BUG: toPlanDetail strips "<root>/" from the sealed JSON, but selection.paths and
    // every secret's baseDir hold "<root>" itself, so the server's directory reaches the caller.
    const made = await plan({ tenants: ['acme-dental'] });
    expect(JSON.stringify(made.renderings.json.selection)).not.toContain(l.specs);
    expect(JSON.stringify(made)).not.toContain(l.specs);
  });

  it('no response held a stack frame or a path of the server', () => {
    expectNoLeaks(server, l);
  });
});

describe('netfirst serve: body and rate limits', () => {
  const lab = labs();
  let l: Lab;
  let server: Server;
  let big: Token;
  let busy: Token;
  let other: Token;

  beforeAll(async () => {
    l = lab();
    [big, busy, other] = await Promise.all([l.token('operator'), l.token('operator'), l.token('operator')]);
    server = await l.serve(['--body-limit', '1024', '--rate-limit', '5']);
  });

  it('413 for a body over --body-limit', async () => {
    const tenants = Array.from({ length: 100 }, (_, i) => `tenant-${i}`);
    const r = await server.api('POST', '/api/v1/plans', { token: big, body: { tenants } });
    expectProblem(r, 413, 'payload-too-large');
  });

  it('429 for the 6th request in a minute of a token with --rate-limit 5, with Retry-After; other tokens go on', async () => {
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 6; i++) {
      last = await server.api('GET', '/api/v1/tenants', { token: busy });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expectProblem(last!, 429, 'rate-limited');
    expect(last!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await server.api('GET', '/api/v1/tenants', { token: other })).status).toBe(200);
  });

  it('no response held a stack frame or a path of the server', () => {
    expectNoLeaks(server, l);
  });
});
