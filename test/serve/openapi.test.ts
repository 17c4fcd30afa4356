/**
 * The OpenAPI document a real `netfirst serve` gives at /openapi.json: a valid OpenAPI
 * 3.1 document (checked by @readme/openapi-parser), every operation in it served by the
 * server (none answered by the router's "no route"), and the same document as the copy
 * committed at docs/openapi.json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileErrors, validate } from '@readme/openapi-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, labs, REPO, type Json, type Lab, type Server, type Token } from './harness.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

describe('netfirst serve: the OpenAPI document', () => {
  const lab = labs();
  let l: Lab;
  let server: Server;
  let op: Token;
  let doc: Json;

  beforeAll(async () => {
    l = lab();
    [op] = await Promise.all([l.token('operator')]);
    server = await l.serve();
    const r = await server.api('GET', '/openapi.json');
    expect(r.status, r.text).toBe(200);
    doc = r.json;
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toBe('3.1.0');
    // validate() dereferences in place: hand it a copy.
    const result = await validate(structuredClone(doc));
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
  });

  it('every operation in it is served (none is answered "no route"), with a status it documents', async () => {
    const operations: [string, string, Json][] = [];
    for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
      for (const method of METHODS) if (item[method]) operations.push([method.toUpperCase(), path, item[method]]);
    }
    expect(operations.length).toBeGreaterThanOrEqual(10);
    const unserved: string[] = [];
    const undocumented: string[] = [];
    for (const [method, path, operation] of operations) {
      // Path parameters get a value no resource has: the route answers a 404 of its own (or 400), never "no route".
      const concrete = path.replace(/\{[^}]+\}/g, 'zz-none');
      const r = await server.api(method, concrete, { token: op, headers: { accept: 'application/json' }, ...(method === 'GET' || method === 'DELETE' ? {} : { body: {} }) });
      if (r.status === 404 && /^no route/.test(r.json?.detail ?? '')) unserved.push(`${method} ${path}`);
      else if (!Object.keys(operation.responses ?? {}).includes(String(r.status))) undocumented.push(`${method} ${concrete}: ${r.status} ${r.text.slice(0, 200)}`);
    }
    expect(unserved).toEqual([]);
    expect(undocumented).toEqual([]);
  });

  it('the committed copy docs/openapi.json is current', () => {
    const committed = JSON.parse(readFileSync(join(REPO, 'docs', 'openapi.json'), 'utf8')) as Json;
    expect(committed).toEqual(doc);
  });

  it('/docs renders the API reference offline: every script and style it loads comes from this server, none from a CDN', async () => {
    let page = await fetch(`${server.url}/docs`, { redirect: 'follow' });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/swagger-ui/i);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(1);
    for (const asset of assets) {
      expect(asset, 'an asset from another host').not.toMatch(/^(https?:)?\/\//);
      page = await fetch(new URL(asset, page.url));
      expect(page.status, asset).toBe(200);
    }
    // The reference reads the document this server serves (swagger-initializer names it).
    const init = await (await fetch(new URL('./static/swagger-initializer.js', `${server.url}/docs/`))).text();
    const code = init.replace(/\/\/[^\n]*/g, '');
    expect(code).not.toMatch(/https?:\/\/(?!127\.0\.0\.1|localhost)/);
    expect(page.headers.get('content-security-policy') ?? (await fetch(`${server.url}/docs/`)).headers.get('content-security-policy')).toMatch(/default-src 'self'/);
  });

  it('no response held a stack frame or a path of the server', () => {
    expectNoLeaks(server, l);
  });
});
