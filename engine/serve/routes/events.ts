/**
 * /api/v1/events: the state's lifecycle history — one event per resource created,
 * updated or deleted, in the order things happened (ascending id), only of the tenants
 * the caller sees. A page resumes after the last id it gave (`after`, or its cursor).
 */
import { z } from 'zod';
import type { StateEvent } from '../../../state/index.js';
import { DIGEST_PREFIX } from '../../run/secrets.js';
import { LEGACY_DIGEST_PREFIX } from '../../run/legacy-digests.js';
import type { ServeContext, ZodApp } from '../context.js';
import { seesAll, seesTenant, tenantNotFound } from '../caller.js';
import { decodeCursor, encodeCursor, PageQuery, pageOf } from '../pagination.js';
import { HttpProblem, ProblemSchema } from '../problem.js';
import { callerOf } from './request.js';

/** The id (seq) a cursor of this list holds; a cursor of another list is refused as not this server's. */
function idCursor(cursor: string | undefined): number {
  const id = decodeCursor(cursor, 1)?.[0] ?? 0;
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) throw new HttpProblem('bad-request', 'cursor is not a cursor this server gave out', { errors: [{ field: 'cursor', message: 'not a valid cursor' }] });
  return id;
}

const errors = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 429: ProblemSchema };

export const StateEventSchema = z.object({
  id: z.number().int().describe('ascending in the order the changes were committed'),
  at: z.string().describe('ISO 8601 UTC with milliseconds'),
  runId: z.string(),
  address: z.string(),
  tenant: z.string(),
  zone: z.string(),
  type: z.string(),
  action: z.enum(['create', 'update', 'delete']),
  providerId: z.string(),
  attributes: z.record(z.string(), z.unknown()).nullable().describe('after the change (null for a delete); sensitive attributes read "(sensitive)"'),
}).meta({ id: 'StateEvent' });

/** Secrets are kept as keyed digests; even those stay in the state. */
const isDigest = (v: unknown): boolean => typeof v === 'string' && (v.startsWith(DIGEST_PREFIX) || v.startsWith(LEGACY_DIGEST_PREFIX));

function publicEvent(e: StateEvent): z.infer<typeof StateEventSchema> {
  let attributes: Record<string, unknown> | null = null;
  if (e.attributes !== null) {
    attributes = { ...e.attributes };
    for (const [k, v] of Object.entries(attributes)) if (isDigest(v)) attributes[k] = '(sensitive)';
  }
  return { id: e.id, at: e.at, runId: e.runId, address: e.address, tenant: e.tenant, zone: e.zone, type: e.type, action: e.action, providerId: e.providerId, attributes };
}

export function eventRoutes(app: ZodApp, ctx: ServeContext): void {
  app.get('/api/v1/events', {
    schema: {
      summary: 'List lifecycle events',
      description: "The state's history, ascending by id: every create, update and delete of a resource, with its attributes after the change. Resume with `after` (the last id seen) or the page's cursor.",
      tags: ['state'],
      querystring: PageQuery.extend({
        after: z.coerce.number().int().min(0).optional().describe('only events with a greater id'),
        tenant: z.string().max(63).optional().describe("only this tenant's events"),
      }),
      response: { 200: pageOf(StateEventSchema, 'StateEventPage'), ...errors },
    },
  }, async (request) => {
    const caller = callerOf(request);
    const { limit, cursor, tenant } = request.query;
    const specs = ctx.source.specs();
    if (tenant !== undefined && !seesTenant(caller, tenant, specs)) throw tenantNotFound(tenant);
    const after = Math.max(request.query.after ?? 0, idCursor(cursor));
    const all = seesAll(caller);
    const seen = new Map<string, boolean>();
    const visible = (t: string): boolean => {
      let v = seen.get(t);
      if (v === undefined) seen.set(t, (v = seesTenant(caller, t, specs)));
      return v;
    };
    const items: z.infer<typeof StateEventSchema>[] = [];
    let more = false;
    // The iterator holds the server's connection: it is read to the page's end, then closed (break).
    for (const e of ctx.store.events({ afterId: after, ...(tenant !== undefined ? { tenant } : {}) })) {
      if (!all && !visible(e.tenant)) continue;
      if (items.length === limit) {
        more = true;
        break;
      }
      items.push(publicEvent(e));
    }
    const last = items.at(-1);
    return { items, ...(more && last ? { nextCursor: encodeCursor([last.id]) } : {}) };
  });
}
