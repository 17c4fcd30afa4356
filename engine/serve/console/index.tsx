/**
 * The web console: server-rendered pages on `netfirst serve` at `/`, signed in with the
 * API's own tokens and scoped by the same roles. Every change it makes is a change to a
 * tenant's spec, shown as a plan and applied as an approved run.
 */
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ServeContext, ZodApp } from '../context.js';
import { HttpProblem } from '../problem.js';
import { assetRoutes } from './assets.js';
import { guardForm, guardPage, type ConsoleContext } from './guard.js';
import { ErrorPage, NotFoundPage, sendHtml } from './page.js';
import { auditPages } from './pages/audit.js';
import { editPages } from './pages/edit.js';
import { fleetPages } from './pages/fleet.js';
import { loginPages } from './pages/login.js';
import { planPages } from './pages/plans.js';
import { runPages } from './pages/runs.js';
import { tenantPages } from './pages/tenant.js';
import { tokensPages } from './pages/tokens.js';
import { usagePages } from './pages/usage.js';
import { zonePages } from './pages/zones.js';
import { DEFAULT_SESSION_LIMITS, SessionStore } from './session.js';

export { isConsolePath } from './guard.js';

/** Pages, in the order the navigation lists them; each registers its own routes. */
const PAGES: readonly ((app: ZodApp, cx: ConsoleContext) => void)[] = [loginPages, fleetPages, tenantPages, editPages, planPages, runPages, zonePages, usagePages, auditPages, tokensPages];

export async function registerConsole(app: ZodApp, ctx: ServeContext): Promise<ConsoleContext> {
  const sessions = new SessionStore({
    idleMs: ctx.options.sessionIdleMs ?? DEFAULT_SESSION_LIMITS.idleMs,
    maxMs: ctx.options.sessionMaxMs ?? DEFAULT_SESSION_LIMITS.maxMs,
  });
  const cx: ConsoleContext = { ...ctx, sessions };
  assetRoutes(app);
  // Forms and cookies are the console's only: the API's bodies stay JSON and its identity a bearer token.
  await app.register(async (scope: FastifyInstance) => {
    const pages = scope.withTypeProvider<ZodTypeProvider>() as unknown as ZodApp;
    await scope.register(fastifyCookie);
    await scope.register(fastifyFormbody, { bodyLimit: 256 * 1024 });
    scope.addHook('onRequest', (request, reply) => guardPage(cx, request, reply));
    scope.addHook('preHandler', (request) => guardForm(request));
    scope.setErrorHandler((error, request, reply) => {
      const viewer = request.viewer;
      if (error instanceof HttpProblem) {
        if (error.status === 404) return sendHtml(reply, <NotFoundPage viewer={viewer} what="The page" />, 404);
        const title = error.status === 403 ? 'Not allowed' : error.status === 409 ? 'Conflict' : error.status === 503 ? 'Shutting down' : 'Not done';
        return sendHtml(reply, <ErrorPage viewer={viewer} status={error.status} title={title} message={error.message} />, error.status);
      }
      const fe = error as { statusCode?: number; message?: string };
      if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
        return sendHtml(reply, <ErrorPage viewer={viewer} status={fe.statusCode} title="Not done" message={`The request was not valid: ${fe.message ?? ''}`} />, fe.statusCode);
      }
      process.stderr.write(`netfirst serve: ${request.method} ${request.url.split('?')[0]}: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
      return sendHtml(reply, <ErrorPage viewer={viewer} status={500} title="Something went wrong" message="The server failed to show this page; the error is in its log." />, 500);
    });
    for (const page of PAGES) page(pages, cx);
  });
  return cx;
}

