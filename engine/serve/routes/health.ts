/** Liveness, readiness and the OpenAPI document: public, no token. */
import { z } from 'zod';
import type { ServeContext, ZodApp } from '../context.js';
import { ProblemSchema } from '../problem.js';

export function healthRoutes(app: ZodApp, ctx: ServeContext): void {
  app.get('/healthz', {
    schema: { summary: 'Liveness: the process answers', tags: ['server'], security: [], response: { 200: z.object({ status: z.literal('ok') }) } },
  }, async () => ({ status: 'ok' as const }));

  app.get('/readyz', {
    schema: {
      summary: 'Readiness: the state opens and the specs are loaded; 503 while draining',
      tags: ['server'], security: [],
      response: { 200: z.object({ status: z.literal('ready'), serial: z.number().int(), specs: z.object({ files: z.number().int(), commit: z.string().optional() }) }), 503: ProblemSchema },
    },
  }, async (_request, reply) => {
    if (ctx.draining()) {
      reply.code(503).type('application/problem+json');
      return { type: 'urn:netfirst:problem:draining', title: 'The server is shutting down', status: 503, detail: 'draining: finishing runs, taking no new work' };
    }
    const commit = ctx.source.commit();
    return { status: 'ready' as const, serial: ctx.store.serial(), specs: { files: ctx.source.specs().files.length, ...(commit ? { commit } : {}) } };
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
