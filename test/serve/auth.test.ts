/**
 * Who may call the API, against a real `netfirst serve` over HTTP: every way a bearer
 * token can be wrong is a 401 problem with a challenge; a partner never learns whether
 * another partner's tenant (or plan) exists — it gets the very 404 a name that exists
 * nowhere gets; a viewer reads but never writes; a tenant token sees its one tenant.
 * examples/iswest: westside-it owns acme-*, lexcore baker-law, ledgerline cole-*.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, expectProblem, labs, type ApiResponse, type Lab, type Server, type Token } from './harness.js';

/** A 404 body with the name it was asked about taken out: what is left must not depend on whether that exists. */
const without = (r: ApiResponse, name: string): unknown => JSON.parse(r.text.split(name).join('NAME'));

describe('netfirst serve: authentication and scope', () => {
  const lab = labs();
  let l: Lab;
  let server: Server;
  let operator: Token;
  let westside: Token;
  let lexcore: Token;
  let viewer: Token;
  let tenant: Token;
  let expiring: Token;
  let revoked: Token;
  let expiringMadeAt: number;

  beforeAll(async () => {
    l = lab();
    [operator, westside, lexcore, viewer, tenant, expiring, revoked] = await Promise.all([
      l.token('operator'),
      l.token('partner', { partner: 'westside-it' }),
      l.token('partner', { partner: 'lexcore' }),
      l.token('viewer'),
      l.token('tenant', { tenant: 'acme-dental' }),
      l.token('operator', { expires: '1s' }),
      l.token('operator'),
    ]);
    // The tokens exist by now: the 1s one expires at most a second from here.
    expiringMadeAt = Date.now();
    server = await l.serve();
  });

  describe('every token that is not a valid one is a 401 with WWW-Authenticate', () => {
    const cases: { reason: string; headers: () => Record<string, string>; detail: RegExp }[] = [
      { reason: 'no Authorization header', headers: () => ({}), detail: /no Authorization header/ },
      { reason: 'not a bearer scheme', headers: () => ({ authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }), detail: /not "Bearer <token>"/ },
      { reason: 'bearer without a token', headers: () => ({ authorization: 'Bearer' }), detail: /not "Bearer <token>"/ },
      { reason: 'two tokens', headers: () => ({ authorization: `Bearer ${operator.secret} ${operator.secret}` }), detail: /not "Bearer <token>"/ },
      { reason: 'a token the server never gave out', headers: () => ({ authorization: `Bearer nft_000000000000_${'x'.repeat(43)}` }), detail: /not valid/ },
      { reason: 'a real token with one character changed', headers: () => ({ authorization: `Bearer ${operator.secret.slice(0, -1)}${operator.secret.endsWith('A') ? 'B' : 'A'}` }), detail: /not valid/ },
    ];
    it.each(cases)('$reason', async ({ headers, detail }) => {
      const r = await server.api('GET', '/api/v1/tenants', { headers: headers() });
      expectProblem(r, 401, 'unauthenticated');
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
      expect(r.json.detail).toMatch(detail);
    });

    it('an expired token (made with --expires 1s)', async () => {
      // Made in beforeAll, before the server started: wait only for what may be left of its second.
      await new Promise((w) => setTimeout(w, Math.max(0, expiringMadeAt + 1100 - Date.now())));
      const r = await server.api('GET', '/api/v1/tenants', { token: expiring });
      expectProblem(r, 401, 'unauthenticated');
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(r.json.detail).toMatch(/expired/);
    });

    it('a revoked token (netfirst token revoke), refused from the next request on', async () => {
      expect((await server.api('GET', '/api/v1/tenants', { token: revoked })).status).toBe(200);
      const out = await l.cli('token', 'revoke', revoked.id);
      expect(out.code, out.stderr).toBe(0);
      const r = await server.api('GET', '/api/v1/tenants', { token: revoked });
      expectProblem(r, 401, 'unauthenticated');
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(r.json.detail).toMatch(/revoked/);
    });

    it('a 401 on a route that does not exist says nothing about routes', async () => {
      const r = await server.api('GET', '/api/v1/no-such-thing');
      expectProblem(r, 401, 'unauthenticated');
    });
  });

  describe('a partner on another partner\'s tenant gets the 404 of a tenant that does not exist', () => {
    it('GET /api/v1/tenants/NAME', async () => {
      const own = await server.api('GET', '/api/v1/tenants/acme-dental', { token: westside });
      expect(own.status, own.text).toBe(200);
      const foreign = await server.api('GET', '/api/v1/tenants/baker-law', { token: westside });
      const nowhere = await server.api('GET', '/api/v1/tenants/zz-nowhere', { token: westside });
      expectProblem(foreign, 404, 'not-found');
      expectProblem(nowhere, 404, 'not-found');
      expect(without(foreign, 'baker-law')).toEqual(without(nowhere, 'zz-nowhere'));
      // …and it is a tenant that exists: the operator and its own partner see it.
      expect((await server.api('GET', '/api/v1/tenants/baker-law', { token: operator })).status).toBe(200);
      expect((await server.api('GET', '/api/v1/tenants/baker-law', { token: lexcore })).status).toBe(200);
    });

    it('POST /api/v1/plans {tenants: [foreign]}', async () => {
      const foreign = await server.api('POST', '/api/v1/plans', { token: westside, body: { tenants: ['baker-law'] } });
      const nowhere = await server.api('POST', '/api/v1/plans', { token: westside, body: { tenants: ['zz-nowhere'] } });
      expectProblem(foreign, 404, 'not-found');
      expectProblem(nowhere, 404, 'not-found');
      expect(without(foreign, 'baker-law')).toEqual(without(nowhere, 'zz-nowhere'));
      expect(foreign.text).not.toMatch(/lexcore/);
    });

    it('GET /api/v1/tenants lists only its own tenants', async () => {
      const r = await server.api('GET', '/api/v1/tenants', { token: westside });
      expect(r.status).toBe(200);
      expect(r.json.items.map((t: { name: string }) => t.name)).toEqual(['acme-dental']);
    });

    it("cannot read, approve, discard or run an operator's plan of another partner's tenant", async () => {
      const made = await server.api('POST', '/api/v1/plans', { token: operator, body: { tenants: ['baker-law'] } });
      expect(made.status, made.text).toBe(201);
      const id: string = made.json.id;
      const missing = 'plan-00000000-0000-4000-8000-000000000000';
      const tries: [string, string, unknown?][] = [
        ['GET', `/api/v1/plans/${id}`],
        ['POST', `/api/v1/plans/${id}/approve`],
        ['POST', `/api/v1/plans/${id}/discard`],
      ];
      for (const [method, path] of tries) {
        const foreign = await server.api(method, path, { token: westside });
        const nowhere = await server.api(method, path.replace(id, missing), { token: westside });
        expectProblem(foreign, 404, 'not-found');
        expect(without(foreign, id)).toEqual(without(nowhere, missing));
      }
      // The operator approves it; the partner still cannot start it.
      expect((await server.api('POST', `/api/v1/plans/${id}/approve`, { token: operator })).status).toBe(200);
      const run = await server.api('POST', '/api/v1/runs', { token: westside, body: { plan: id } });
      expectProblem(run, 404, 'not-found');
      // Nor see it in the list.
      const list = await server.api('GET', '/api/v1/plans', { token: westside });
      expect(list.status).toBe(200);
      expect(list.json.items.map((p: { id: string }) => p.id)).not.toContain(id);
      // The partner that owns the tenant does see it.
      expect((await server.api('GET', `/api/v1/plans/${id}`, { token: lexcore })).status).toBe(200);
      await server.api('POST', `/api/v1/plans/${id}/discard`, { token: operator });
    });
  });

  describe('roles', () => {
    it('a viewer reads but POST /api/v1/plans is 403', async () => {
      expect((await server.api('GET', '/api/v1/tenants', { token: viewer })).status).toBe(200);
      const r = await server.api('POST', '/api/v1/plans', { token: viewer, body: { tenants: ['acme-dental'] } });
      expectProblem(r, 403, 'forbidden');
      expect(r.json.detail).toMatch(/viewer/);
    });

    it('a tenant token sees exactly its one tenant', async () => {
      const r = await server.api('GET', '/api/v1/tenants', { token: tenant });
      expect(r.status).toBe(200);
      expect(r.json.items.map((t: { name: string }) => t.name)).toEqual(['acme-dental']);
      expectProblem(await server.api('GET', '/api/v1/tenants/baker-law', { token: tenant }), 404, 'not-found');
    });

    it('the operator sees every tenant', async () => {
      const r = await server.api('GET', '/api/v1/tenants', { token: operator });
      expect(r.json.items.map((t: { name: string }) => t.name)).toEqual(['acme-dental', 'baker-law', 'cole-accounting']);
    });
  });

  it('no response held a stack frame or a path of the server', () => {
    expectNoLeaks(server, l);
  });
});
