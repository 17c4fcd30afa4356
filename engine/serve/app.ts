/**
 * The HTTP application: fastify with the zod type provider (request and response schemas
 * are zod schemas, and the OpenAPI 3.1 document is generated from them), bearer-token
 * authentication on /api/v1, a rate limit per token, security headers, body and time
 * limits, and one error handler that answers every failure as problem+json.
 */
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors, isResponseSerializationError, jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler,
  validatorCompiler, type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { UserError } from '../run/errors.js';
import { authenticate } from './auth.js';
import type { Caller } from './caller.js';
import type { ServeContext, ZodApp } from './context.js';
import { HttpProblem, problemBody, type ProblemKind } from './problem.js';
import { registerRoutes } from './routes/index.js';
import { isConsolePath, registerConsole } from './console/index.js';
import { NotFoundPage, sendHtml } from './console/page.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by authentication on /api/v1 requests. */
    caller?: Caller;
  }
}

export const API_VERSION = '1.0.0';

export async function buildApp(ctx: ServeContext): Promise<ZodApp> {
  const app = Fastify({
    logger: false,
    bodyLimit: ctx.options.bodyLimit,
    requestTimeout: ctx.options.requestTimeoutMs,
    // Trailing slashes and case are not routes of their own.
    routerOptions: { ignoreTrailingSlash: true },
    return503OnClosing: true,
  }).withTypeProvider<ZodTypeProvider>();
  // Bodies are JSON: any other media type is a 415, not a body that fails validation.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((error, request, reply) => {
    const problem = problemFor(error);
    // The operator's log gets the cause; the response only says that something failed.
    if (problem.kind === 'internal') process.stderr.write(`netfirst serve: ${request.method} ${request.url.split('?')[0]}: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    return sendProblem(reply, request, problem);
  });
  app.setNotFoundHandler((request, reply) => {
    // A console path with no page is a page that says so (a browser asked for it), not problem+json.
    if (isConsolePath(request.url) && request.method === 'GET' && /text\/html/.test(request.headers.accept ?? '')) return sendHtml(reply, NotFoundPage({ what: 'The page' }), 404);
    return sendProblem(reply, request, new HttpProblem('not-found', `no route ${request.method} ${request.url.split('?')[0]}`));
  });

  await app.register(fastifyHelmet, {
    // The API docs page runs swagger-ui's own scripts and styles, served from the package.
    contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", 'data:'], connectSrc: ["'self'"], formAction: ["'self'"],
      // The server speaks plain HTTP unless a proxy in front adds TLS: upgrading would break its forms.
      upgradeInsecureRequests: null } },
    // Not helmet's no-referrer: with it a browser sends `Origin: null` on every form POST, and the console refuses those as cross-site.
    referrerPolicy: { policy: 'same-origin' },
  });
  await app.register(fastifyRateLimit, {
    global: true,
    hook: 'preHandler',
    max: ctx.options.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => request.caller?.tokenId ?? `addr:${request.ip}`,
    // The API, and the console's sign-in (a token guessed by address), are limited.
    allowList: (request) => !request.url.startsWith('/api/') && !(request.method === 'POST' && request.url.split('?')[0] === '/login'),
    errorResponseBuilder: (_request, context) => {
      const problem = new HttpProblem('rate-limited', `at most ${context.max} requests a minute per token: retry in ${context.after}`);
      // Thrown by the plugin and answered by the error handler; statusCode keeps the plugin's headers apart.
      return Object.assign(problem, { statusCode: 429 });
    },
  });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'netfirst API',
        version: API_VERSION,
        description: 'Plans and runs of tenant specs, zones, state, usage and the audit log of a netfirst server. Every request under /api/v1 takes `Authorization: Bearer <token>` (netfirst token create). Errors are RFC 9457 problem+json.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'an opaque token from `netfirst token create`' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true, uiConfig: { docExpansion: 'list', deepLinking: true } });

  // Server-Timing: how long the server worked on the answer (benchmarks and operators read it).
  const started = new WeakMap<object, number>();
  app.addHook('onRequest', async (request) => {
    started.set(request, performance.now());
    if (request.url.startsWith('/api/')) request.caller = authenticate(ctx, request.headers.authorization);
  });
  app.addHook('onSend', async (request, reply) => {
    const t0 = started.get(request);
    if (t0 !== undefined) reply.header('Server-Timing', `app;dur=${(performance.now() - t0).toFixed(1)}`);
  });
  registerRoutes(app, ctx);
  await registerConsole(app, ctx);
  return app;
}

function problemFor(error: unknown): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const errors = error.validation.map((v) => {
      const at = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
      // An unknown field is an issue of its parent: name the field itself.
      const keys = (v.params as { keys?: unknown } | undefined)?.keys;
      const unknown = Array.isArray(keys) && keys.length > 0 ? keys.map(String).join(', ') : undefined;
      return { field: unknown !== undefined ? [at, unknown].filter((p) => p !== '').join('.') : at || '(whole)', message: v.message ?? 'not valid' };
    });
    const where = error.validationContext ?? 'request';
    return new HttpProblem('bad-request', `the ${where} is not valid: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, { errors: errors.map((e) => ({ ...e, field: `${where}.${e.field}` })) });
  }
  if (error instanceof UserError) return new HttpProblem('refused', error.message);
  if (isResponseSerializationError(error)) return new HttpProblem('internal', 'the server made a response that does not match its own schema; this is a bug in netfirst');
  const fe = error as Partial<FastifyError>;
  const byCode: Record<string, ProblemKind> = {
    FST_ERR_CTP_BODY_TOO_LARGE: 'payload-too-large',
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
    FST_ERR_CTP_EMPTY_JSON_BODY: 'bad-request',
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad-request',
  };
  if (fe.code !== undefined && byCode[fe.code]) return new HttpProblem(byCode[fe.code]!, fe.message ?? 'not valid');
  if (fe.statusCode === 400 || error instanceof SyntaxError) return new HttpProblem('bad-request', `the body is not valid JSON: ${(error as Error).message}`);
  return new HttpProblem('internal', 'the server failed to answer this request; the error is in its log');
}

function sendProblem(reply: FastifyReply, request: FastifyRequest, problem: HttpProblem): FastifyReply {
  for (const [k, v] of Object.entries(problem.headers)) reply.header(k, v);
  return reply.code(problem.status).type('application/problem+json').serializer(JSON.stringify).send(problemBody(problem.kind, problem.message, request.url.split('?')[0], problem.extra));
}
