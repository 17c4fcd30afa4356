/**
 * GET /api/v1/reconcile: each tenant's last reconcile verdict as recorded in state —
 * the `netfirst-status/1` document `netfirst status DIR --json` prints for the server's
 * specs (engine/reconcile statusDocument), only of the tenants the caller sees — and,
 * when the server runs the loop itself (`--reconcile 5m`), how that loop is doing.
 */
import { z } from 'zod';
import { SYNC_STATUSES } from '../../../state/index.js';
import { statusDocument, STATUS_FORMAT } from '../../reconcile/index.js';
import type { ServeContext, ZodApp } from '../context.js';
import { seesTenant, tenantNotFound } from '../caller.js';
import { ProblemSchema } from '../problem.js';
import { callerOf } from './request.js';

const errors = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 429: ProblemSchema };

/** The fields of recordToJson, in its order (a tenant no round looked at yet has only the first three and checkedAt). */
export const TenantStatusSchema = z.object({
  tenant: z.string(),
  status: z.enum([...SYNC_STATUSES, 'Unknown']).describe('Unknown: not reconciled yet'),
  summary: z.string(),
  drifted: z.number().int().optional().describe('resources changed or deleted outside netfirst'),
  pending: z.number().int().optional().describe('changes the spec asks for that drift did not cause'),
  action: z.enum(['none', 'healed', 'synced', 'deferred', 'failed']).optional(),
  actionDetail: z.string().optional(),
  lastError: z.object({ message: z.string(), at: z.string().nullable() }).nullable().optional(),
  checkedAt: z.string().nullable(),
  statusSince: z.string().optional(),
  lastSyncedAt: z.string().nullable().optional(),
  roundId: z.string().optional(),
  drift: z.array(z.object({ address: z.string(), kind: z.enum(['changed', 'deleted']), attributes: z.array(z.string()).optional() })).optional(),
  changes: z.array(z.object({ address: z.string(), action: z.string(), cause: z.enum(['drift', 'spec']) })).optional(),
}).meta({ id: 'TenantStatus' });

export const ReconcileStatusSchema = z.object({
  format: z.literal(STATUS_FORMAT),
  tenants: z.array(TenantStatusSchema),
  loop: z.object({
    running: z.boolean(),
    interval: z.string().describe('between the end of a round and the start of the next, e.g. 5m'),
    intervalMs: z.number().int(),
    rounds: z.number().int().describe('rounds run since the server started'),
    lastRoundAt: z.string().optional().describe('when the last round started'),
    lastError: z.string().optional().describe('why the last round failed as a whole'),
  }).optional().describe("the server's own reconcile loop (netfirst serve --reconcile INTERVAL); absent when it runs none"),
}).meta({ id: 'ReconcileStatus' });

/** `5m`, `30s`, `1h30m`, `200ms`: the interval as it would be given. */
export function formatInterval(ms: number): string {
  if (ms < 1000 || ms % 1000 !== 0) return `${ms}ms`;
  const parts: string[] = [];
  let s = ms / 1000;
  for (const [unit, size] of [['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  return parts.join('');
}

export function reconcileRoutes(app: ZodApp, ctx: ServeContext): void {
  app.get('/api/v1/reconcile', {
    schema: {
      summary: 'Show the last reconcile verdicts',
      description: "Each tenant's last verdict (Synced | OutOfSync | Drifted | Error), as `netfirst status --json` prints it; the tenants of the specs no round has looked at yet are Unknown. With `loop` when the server runs the reconcile loop itself.",
      tags: ['reconcile'],
      querystring: z.object({ tenant: z.union([z.string().max(63), z.array(z.string().max(63)).max(1000)]).optional().describe('only this tenant (repeatable)') }),
      response: { 200: ReconcileStatusSchema, ...errors },
    },
  }, async (request) => {
    const caller = callerOf(request);
    const specs = ctx.source.specs();
    const asked = request.query.tenant === undefined ? [] : Array.isArray(request.query.tenant) ? request.query.tenant : [request.query.tenant];
    for (const t of asked) if (!seesTenant(caller, t, specs)) throw tenantNotFound(t);
    const only = asked.length > 0 ? new Set(asked) : undefined;
    const wanted = (t: string): boolean => (!only || only.has(t)) && seesTenant(caller, t, specs);
    const records = ctx.store.listTenantStatus().filter((r) => wanted(r.tenant));
    const seen = new Set(records.map((r) => r.tenant));
    const unreconciled = [...specs.tenants.keys()].filter((t) => wanted(t) && !seen.has(t)).sort().map((tenant) => ({ tenant }));
    const document = statusDocument(records, unreconciled) as z.infer<typeof ReconcileStatusSchema>;
    const loop = ctx.reconcileLoop?.status();
    if (!loop) return document;
    return {
      ...document,
      loop: {
        running: loop.running,
        interval: formatInterval(loop.intervalMs),
        intervalMs: loop.intervalMs,
        rounds: loop.rounds,
        ...(loop.lastRoundAt !== undefined ? { lastRoundAt: loop.lastRoundAt } : {}),
        ...(loop.lastError !== undefined ? { lastError: loop.lastError } : {}),
      },
    };
  });
}
