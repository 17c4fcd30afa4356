/**
 * /api/v1/runs: start the apply of an approved plan, follow it, cancel it. Progress is a
 * stream of Server-Sent Events (each resource started, done or failed, with counts),
 * resumable with Last-Event-ID; the same events are a JSON page for clients that poll.
 */
import { z } from 'zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RunEvent, RunRecord, RunStatus } from '../../../state/index.js';
import type { ServeContext, ZodApp } from '../context.js';
import { requireWriter, type Caller } from '../caller.js';
import { idempotent } from '../idempotency.js';
import { decodeCursor, encodeCursor, PageQuery, pageOf } from '../pagination.js';
import { planInScope } from '../plan-service.js';
import { HttpProblem, ProblemSchema } from '../problem.js';
import { startRun } from '../run-service.js';
import { IdempotencyHeaders, IdParams, RunEventSchema, RunRequestSchema, RunSchema, RunStatusSchema } from '../schemas.js';
import { callerOf } from './request.js';

const errors = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema, 429: ProblemSchema, 503: ProblemSchema };

export const toRun = (r: RunRecord): z.infer<typeof RunSchema> => ({
  id: r.id, planId: r.planId, status: r.status, createdAt: r.createdAt, createdBy: r.createdBy,
  ...(r.partner !== undefined ? { partner: r.partner } : {}),
  tenants: [...r.tenants],
  ...(r.finishedAt !== undefined ? { finishedAt: r.finishedAt } : {}),
  ...(r.summary !== undefined ? { summary: r.summary } : {}),
});

const toEvent = (e: RunEvent): z.infer<typeof RunEventSchema> => ({ seq: e.seq, at: e.at, type: e.type, data: JSON.parse(e.data) as Record<string, unknown> });

/** A run the caller may see (its plan's scope rule), else 404 as for a run that does not exist. */
export function visibleRun(ctx: ServeContext, caller: Caller, id: string): RunRecord {
  const run = ctx.store.getRun(id);
  if (!run || !planInScope(caller, run, ctx.source.specs())) throw new HttpProblem('not-found', `run ${id} was not found`);
  return run;
}

/** One page of the runs `caller` may see, newest first (the API's list and the console's). */
export function visibleRuns(
  ctx: ServeContext,
  caller: Caller,
  query: { limit: number; cursor?: string | undefined; status?: RunStatus | undefined },
): { items: RunRecord[]; nextCursor?: string } {
  const { limit, cursor, status } = query;
  const after = decodeCursor(cursor, 2);
  let before = after ? { createdAt: String(after[0]), id: String(after[1]) } : undefined;
  const specs = ctx.source.specs();
  const items: RunRecord[] = [];
  for (let rounds = 0; items.length < limit && rounds < 50; rounds++) {
    const batch = ctx.store.listRuns({ limit, ...(before ? { before } : {}), ...(status ? { status } : {}), ...(caller.role === 'partner' && caller.partner ? { partner: caller.partner } : {}) });
    for (const r of batch) if (items.length < limit && planInScope(caller, r, specs)) items.push(r);
    if (batch.length < limit) break;
    const last = batch.at(-1)!;
    before = { createdAt: last.createdAt, id: last.id };
  }
  const last = items.at(-1);
  return { items, ...(items.length === limit && last ? { nextCursor: encodeCursor([last.createdAt, last.id]) } : {}) };
}

/** Asks a running run to stop (the API's and the console's), with its audit record; answers the run as it is now. */
export function cancelRun(ctx: ServeContext, caller: Caller, id: string): RunRecord {
  requireWriter(caller);
  const run = visibleRun(ctx, caller, id);
  if (!ctx.runs.cancel(run.id)) throw new HttpProblem('conflict', `run ${run.id} is ${run.status}: only a running run can be cancelled`);
  ctx.audit(caller, { action: 'run.cancel', runId: run.id, planId: run.planId, result: 'ok' });
  return ctx.store.getRun(run.id)!;
}

export function runRoutes(app: ZodApp, ctx: ServeContext): void {
  app.post('/api/v1/runs', {
    schema: {
      summary: 'Apply an approved plan',
      description: 'Starts the apply and answers at once (202); follow it at /api/v1/runs/{id}/events. Refused (409) when the plan is not approved, or when the state or specs moved since it was planned, naming what moved.',
      tags: ['runs'], body: RunRequestSchema, headers: IdempotencyHeaders, response: { 202: RunSchema, ...errors },
    },
  }, async (request, reply) => {
    const caller = callerOf(request);
    return idempotent(ctx, caller, request.headers['idempotency-key'], 'POST /runs', request.body, reply, async () => {
      const run = await startRun(ctx, caller, request.body);
      reply.header('Location', `/api/v1/runs/${run.id}`);
      return { status: 202, body: toRun(run) };
    });
  });

  app.get('/api/v1/runs', {
    schema: {
      summary: 'List runs', tags: ['runs'],
      querystring: PageQuery.extend({ status: RunStatusSchema.optional() }),
      response: { 200: pageOf(RunSchema, 'RunPage'), ...errors },
    },
  }, async (request) => {
    const { limit, cursor, status } = request.query;
    const page = visibleRuns(ctx, callerOf(request), { limit, cursor, status });
    return { items: page.items.map(toRun), ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}) };
  });

  app.get('/api/v1/runs/:id', {
    schema: { summary: 'Show a run', tags: ['runs'], params: IdParams, response: { 200: RunSchema, ...errors } },
  }, async (request) => toRun(visibleRun(ctx, callerOf(request), request.params.id)));

  app.post('/api/v1/runs/:id/cancel', {
    schema: {
      summary: 'Cancel a run', description: 'Operations in flight finish and are recorded; nothing new starts. The run ends as cancelled.',
      tags: ['runs'], params: IdParams, response: { 202: RunSchema, ...errors },
    },
  }, async (request, reply) => {
    const run = cancelRun(ctx, callerOf(request), request.params.id);
    reply.code(202);
    return toRun(run);
  });

  app.get('/api/v1/runs/:id/events', {
    schema: {
      summary: 'Follow a run',
      description: 'Server-Sent Events (text/event-stream): every event has its `id` (seq), `event` (type) and `data` (JSON); a client that reconnects with Last-Event-ID (or ?after=) gets only what it missed. The stream ends after run.finished. With Accept: application/json, a page of the events after `after` instead.',
      tags: ['runs'], params: IdParams,
      querystring: z.object({ after: z.coerce.number().int().min(0).optional().describe('events after this seq'), limit: PageQuery.shape.limit }),
      headers: z.object({ 'last-event-id': z.string().max(20).optional() }),
      produces: ['text/event-stream', 'application/json'],
      response: { 200: z.object({ items: z.array(RunEventSchema), nextCursor: z.string().optional() }).describe('application/json; the SSE stream has the same events'), ...errors },
    },
  }, async (request, reply) => {
    const caller = callerOf(request);
    const run = visibleRun(ctx, caller, request.params.id);
    const header = request.headers['last-event-id'];
    const after = header !== undefined && /^\d+$/.test(header) ? Number(header) : request.query.after ?? 0;
    if (!/text\/event-stream/.test(request.headers.accept ?? '') && /application\/json/.test(request.headers.accept ?? '')) {
      const events = ctx.store.runEvents(run.id, after, request.query.limit);
      const last = events.at(-1);
      return { items: events.map(toEvent), ...(events.length === request.query.limit && last ? { nextCursor: encodeCursor([last.seq]) } : {}) };
    }
    await streamEvents(ctx, run, after, request, reply);
    return reply;
  });
}

/** Writes the run's events after `after`, then each new one as it comes, until run.finished (the API's stream and the console's). */
export async function streamEvents(ctx: ServeContext, run: RunRecord, after: number, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  reply.hijack();
  const out = reply.raw;
  out.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Content-Type-Options': 'nosniff',
    'X-Accel-Buffering': 'no',
  });
  let sent = after;
  let finished = false;
  const write = (e: RunEvent): void => {
    if (e.seq <= sent || finished) return;
    sent = e.seq;
    out.write(`id: ${e.seq}\nevent: ${e.type}\ndata: ${e.data}\n\n`);
    if (e.type === 'run.finished') finished = true;
  };
  await new Promise<void>((resolve) => {
    let heartbeat: NodeJS.Timeout | undefined;
    const close = (): void => {
      unsubscribe();
      if (heartbeat) clearInterval(heartbeat);
      if (!out.writableEnded) out.end();
      resolve();
    };
    // Subscribed before the backlog is read: nothing falls between the two (seq dedups).
    const unsubscribe = ctx.runs.subscribe(run.id, (e) => {
      write(e);
      if (finished) close();
    });
    for (let page = ctx.store.runEvents(run.id, sent, 500); page.length > 0 && !finished; page = ctx.store.runEvents(run.id, sent, 500)) for (const e of page) write(e);
    // A run no longer running here (ended, or cut short by a restart) sends nothing more.
    if (finished || !ctx.runs.isActive(run.id)) {
      if (!finished) out.write(`event: run.${ctx.store.getRun(run.id)?.status ?? 'gone'}\ndata: {}\n\n`);
      close();
      return;
    }
    out.write(': following\n\n');
    heartbeat = setInterval(() => out.write(': keep-alive\n\n'), 15_000);
    request.raw.on('close', close);
  });
}
