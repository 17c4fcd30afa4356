/**
 * /api/v1/audit: the audit log — who (token id, role) did what, to what, with what
 * result — append-only and hash-chained, and the check of that chain, as `netfirst
 * audit verify` makes it. It records every partner's actions: the operator's alone.
 */
import { z } from 'zod';
import type { AuditRecord } from '../../../state/index.js';
import type { ServeContext, ZodApp } from '../context.js';
import { requireOperator } from '../caller.js';
import { decodeCursor, encodeCursor, PageQuery, pageOf } from '../pagination.js';
import { HttpProblem, ProblemSchema } from '../problem.js';
import { callerOf } from './request.js';

/** The id (seq) a cursor of this list holds; a cursor of another list is refused as not this server's. */
function idCursor(cursor: string | undefined): number {
  const id = decodeCursor(cursor, 1)?.[0] ?? 0;
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) throw new HttpProblem('bad-request', 'cursor is not a cursor this server gave out', { errors: [{ field: 'cursor', message: 'not a valid cursor' }] });
  return id;
}

const errors = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 429: ProblemSchema };

export const AuditRecordSchema = z.object({
  seq: z.number().int().describe('1, 2, 3, … with no gaps'),
  at: z.string().describe('ISO 8601 UTC'),
  actor: z.string().describe("the id of the token that acted, or 'cli'"),
  role: z.string(),
  action: z.string().describe('plan.create, plan.approve, run.start, apply, lease.force-unlock, token.revoke, …'),
  target: z.string().optional(),
  planId: z.string().optional(),
  runId: z.string().optional(),
  result: z.string().describe('ok, refused, failed, …'),
  detail: z.string().optional(),
  prevHash: z.string().describe("the previous record's hash; 64 zeros for the first"),
  hash: z.string().describe('sha256 (hex) of the canonical JSON of every other field'),
}).meta({ id: 'AuditRecord' });

export const AuditVerdictSchema = z.object({
  ok: z.boolean().describe('the chain is whole: no record changed, removed, reordered or added outside netfirst'),
  count: z.number().int().describe('records found intact (before the problem, when there is one)'),
  seq: z.number().int().optional().describe('the first record wrong or missing'),
  problem: z.string().optional().describe('what is wrong, in words'),
}).meta({ id: 'AuditVerdict' });

const toRecord = (r: AuditRecord): z.infer<typeof AuditRecordSchema> => ({ ...r });

export function auditRoutes(app: ZodApp, ctx: ServeContext): void {
  app.get('/api/v1/audit', {
    schema: {
      summary: 'List audit records',
      description: 'Oldest first. Resume with `after` (the last seq seen) or the page\'s cursor.',
      tags: ['audit'],
      querystring: PageQuery.extend({
        after: z.coerce.number().int().min(0).optional().describe('only records with a greater seq'),
        actor: z.string().max(100).optional().describe('only what this token (id) or cli did'),
        action: z.string().max(100).optional().describe('only this action, e.g. plan.approve'),
      }),
      response: { 200: pageOf(AuditRecordSchema, 'AuditPage'), ...errors },
    },
  }, async (request) => {
    requireOperator(callerOf(request), 'the audit log');
    const { limit, cursor, actor, action } = request.query;
    const after = Math.max(request.query.after ?? 0, idCursor(cursor));
    // One more than the page: whether another page follows, without a count.
    const found = ctx.store.listAudit({ after, limit: limit + 1, ...(actor !== undefined ? { actor } : {}), ...(action !== undefined ? { action } : {}) });
    const items = found.slice(0, limit);
    const last = items.at(-1);
    return { items: items.map(toRecord), ...(found.length > limit && last ? { nextCursor: encodeCursor([last.seq]) } : {}) };
  });

  app.get('/api/v1/audit/verify', {
    schema: {
      summary: 'Verify the audit log',
      description: 'Walks the whole hash chain, as `netfirst audit verify`: finds a record changed, removed, reordered or added outside netfirst, the newest included.',
      tags: ['audit'],
      response: { 200: AuditVerdictSchema, ...errors },
    },
  }, async (request) => {
    requireOperator(callerOf(request), 'the audit log');
    return { ...ctx.store.verifyAudit() };
  });
}
