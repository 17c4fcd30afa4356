/**
 * The OpenAPI 3.1 document of the API, made without a running server: the routes are
 * registered on an app whose context is never touched (handlers only read it per
 * request). `netfirst serve --openapi` prints it; docs/openapi.json is the committed copy
 * that CI checks to be current.
 */
import { buildApp } from './app.js';
import type { ServeContext } from './context.js';

export async function openApiDocument(): Promise<Record<string, unknown>> {
  const untouched = new Proxy({}, { get: (_t, key) => { throw new Error(`the OpenAPI document was asked for ctx.${String(key)}`); } });
  const ctx = {
    options: { statePath: '', specsDir: '', rateLimitPerMinute: 1, bodyLimit: 1, requestTimeoutMs: 1 },
    store: untouched, source: untouched, runs: untouched,
    draining: () => false, now: () => new Date(0), audit: () => undefined,
  } as unknown as ServeContext;
  const app = await buildApp(ctx);
  await app.ready();
  const doc = app.swagger() as unknown as Record<string, unknown>;
  await app.close();
  return doc;
}

/** The committed form: sorted keys are not needed (fastify keeps route order); two-space JSON and a newline. */
export const renderOpenApi = (doc: unknown): string => `${JSON.stringify(doc, null, 2)}\n`;
