/**
 * /api/v1/plans: make a plan (of the server's specs or of an uploaded bundle), read it
 * with its text, markdown and JSON renderings, approve or discard it. Only an approved
 * plan is applied (runs.ts), and only while nothing it was planned against has moved.
 */
import { z } from 'zod';
import type { ApiPlanRecord, ApiPlanStatus } from '../../../state/index.js';
import type { ServeContext, ZodApp } from '../context.js';
import { requireWriter, type Caller } from '../caller.js';
import { idempotent } from '../idempotency.js';
import { decodeCursor, encodeCursor, PageQuery, pageOf } from '../pagination.js';
import { createPlan, decidablePlan, hidePaths, planInScope, planMoved, reviewBranchOf, visiblePlan } from '../plan-service.js';
import { apiDiagnostics, HttpProblem, ProblemSchema } from '../problem.js';
import { IdempotencyHeaders, IdParams, PlanDetailSchema, PlanRequestSchema, PlanSchema, PlanStatusSchema } from '../schemas.js';
import { planBundle } from '../bundle.js';
import { callerOf } from './request.js';
import { removeBundle } from '../bundle.js';

const errors = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema, 429: ProblemSchema };

export function toPlan(r: ApiPlanRecord): z.infer<typeof PlanSchema> {
  return {
    id: r.id, status: r.status, createdAt: r.createdAt, createdBy: r.createdBy,
    ...(r.partner !== undefined ? { partner: r.partner } : {}),
    tenants: [...r.tenants], destroy: r.destroy, serial: r.serial, specHash: r.specHash, hasChanges: r.hasChanges, hasErrors: r.hasErrors,
    summary: { ...r.summary },
    ...(r.approvedBy !== undefined ? { approvedBy: r.approvedBy } : {}),
    ...(r.approvedAt !== undefined ? { approvedAt: r.approvedAt } : {}),
    ...(r.discardedAt !== undefined ? { discardedAt: r.discardedAt } : {}),
  };
}

export function toPlanDetail(ctx: ServeContext, r: ApiPlanRecord): z.infer<typeof PlanDetailSchema> {
  // The sealed file names the server's own paths (the spec root, an uploaded bundle's
  // directory); callers see files from the root they wrote them in, the roots as `.`.
  const bundleRoot = (JSON.parse(r.request) as { bundle?: { root?: string } }).bundle?.root;
  const roots = [...(bundleRoot !== undefined ? [bundleRoot] : []), ctx.source.root];
  const json = JSON.parse(hideJsonPaths(r.json, roots)) as Record<string, unknown>;
  const diagnostics = Array.isArray(json['diagnostics']) ? apiDiagnostics(json['diagnostics'] as Parameters<typeof apiDiagnostics>[0]) : [];
  return { ...toPlan(r), diagnostics, renderings: { text: r.text, markdown: r.markdown, json } };
}

/** hidePaths inside JSON text: the roots as they are escaped there. */
const hideJsonPaths = (json: string, roots: readonly string[]): string => hidePaths(json, roots.map((r) => JSON.stringify(r).slice(1, -1)));

export function planRoutes(app: ZodApp, ctx: ServeContext): void {
  app.post('/api/v1/plans', {
    schema: {
      summary: 'Make a plan',
      description: "Plans the caller's tenants (or those named) against the state, as `netfirst plan` does, and keeps the plan to approve and apply. With `bundle`, plans the uploaded spec files (a pull request's) with the server's Zone and Partners documents; every file must hold only the caller's own tenants.",
      tags: ['plans'],
      body: PlanRequestSchema,
      headers: IdempotencyHeaders,
      response: { 201: PlanDetailSchema, ...errors },
    },
  }, async (request, reply) => {
    const caller = callerOf(request);
    return idempotent(ctx, caller, request.headers['idempotency-key'], 'POST /plans', request.body, reply, async () => {
      const { bundle, ...asked } = request.body;
      const made = bundle ? await planBundle(ctx, caller, asked, bundle.files) : await createPlan(ctx, caller, asked);
      ctx.audit(caller, { action: 'plan.create', target: made.record.tenants.join(',') || undefined, planId: made.record.id, result: 'ok', detail: `${made.record.summary.add} to add, ${made.record.summary.change} to change, ${made.record.summary.replace} to replace, ${made.record.summary.destroy} to destroy${bundle ? ` (bundle of ${bundle.files.length} files)` : ''}` });
      reply.header('Location', `/api/v1/plans/${made.record.id}`);
      return { status: 201, body: toPlanDetail(ctx, made.record) };
    });
  });

  app.get('/api/v1/plans', {
    schema: {
      summary: 'List plans', tags: ['plans'],
      querystring: PageQuery.extend({ status: PlanStatusSchema.optional(), tenant: z.string().max(63).optional() }),
      response: { 200: pageOf(PlanSchema, 'PlanPage'), ...errors },
    },
  }, async (request) => {
    const { limit, cursor, status, tenant } = request.query;
    const page = visiblePlans(ctx, callerOf(request), { limit, cursor, status, tenant });
    return { items: page.items.map(toPlan), ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}) };
  });

  app.get('/api/v1/plans/:id', {
    schema: { summary: 'Show a plan with its renderings', tags: ['plans'], params: IdParams, response: { 200: PlanDetailSchema, ...errors } },
  }, async (request) => toPlanDetail(ctx, visiblePlan(ctx, callerOf(request), request.params.id)));

  app.post('/api/v1/plans/:id/approve', {
    schema: {
      summary: 'Approve a plan', description: 'Only an approved plan can be applied. Refused for a plan with errors, one already decided, or one whose state or specs have moved.',
      tags: ['plans'], params: IdParams, response: { 200: PlanSchema, ...errors },
    },
  }, async (request) => decide(ctx, callerOf(request), request.params.id, 'approved'));

  app.post('/api/v1/plans/:id/discard', {
    schema: { summary: 'Discard a plan', tags: ['plans'], params: IdParams, response: { 200: PlanSchema, ...errors } },
  }, async (request) => decide(ctx, callerOf(request), request.params.id, 'discarded'));
}

/**
 * One page of the plans `caller` may see, newest first (the API's list and the console's):
 * plans outside its scope are left out, and reading goes on until the page is full.
 */
export function visiblePlans(
  ctx: ServeContext,
  caller: Caller,
  query: { limit: number; cursor?: string | undefined; status?: ApiPlanStatus | undefined; tenant?: string | undefined },
): { items: ApiPlanRecord[]; nextCursor?: string } {
  const { limit, cursor, status, tenant } = query;
  const after = decodeCursor(cursor, 2);
  let before = after ? { createdAt: String(after[0]), id: String(after[1]) } : undefined;
  const specs = ctx.source.specs();
  const items: ApiPlanRecord[] = [];
  for (let rounds = 0; items.length < limit && rounds < 50; rounds++) {
    const batch = ctx.store.listPlans({ limit, ...(before ? { before } : {}), ...(status ? { status } : {}), ...(tenant ? { tenant } : {}), ...(caller.role === 'partner' && caller.partner ? { partner: caller.partner } : {}) });
    for (const r of batch) if (items.length < limit && planInScope(caller, r, specs)) items.push(r);
    if (batch.length < limit) break;
    const last = batch.at(-1)!;
    before = { createdAt: last.createdAt, id: last.id };
  }
  const last = items.at(-1);
  return { items, ...(items.length === limit && last !== undefined ? { nextCursor: encodeCursor([last.createdAt, last.id]) } : {}) };
}

/** Approves or discards a plan as `caller` (the API's and the console's), with its audit record. */
export function decide(ctx: ServeContext, caller: Caller, id: string, to: 'approved' | 'discarded'): z.infer<typeof PlanSchema> {
  requireWriter(caller);
  const plan = decidablePlan(ctx, caller, id);
  const review = reviewBranchOf(plan);
  if (to === 'approved' && review !== undefined) throw new HttpProblem('conflict', `plan ${id} shows what merging branch ${review} would do: merging the branch is the approval, not this plan`);
  if (to === 'approved' && plan.hasErrors) throw new HttpProblem('conflict', `plan ${id} has errors: fix the specs and plan again`);
  if (to === 'approved') {
    const moved = planMoved(ctx, plan);
    if (moved !== undefined) throw new HttpProblem('stale-plan', moved);
  }
  if (!ctx.store.setPlanStatus(id, ['planned'], to, { actor: caller.tokenId, at: ctx.now() })) {
    const now = ctx.store.getPlan(id)!;
    ctx.audit(caller, { action: `plan.${to === 'approved' ? 'approve' : 'discard'}`, planId: id, result: 'refused', detail: `already ${now.status}` });
    throw new HttpProblem('conflict', `plan ${id} is ${now.status}: only a plan that is planned can be ${to}`);
  }
  ctx.audit(caller, { action: `plan.${to === 'approved' ? 'approve' : 'discard'}`, planId: id, result: 'ok' });
  if (to === 'discarded') removeBundle(plan);
  return toPlan(ctx.store.getPlan(id)!);
}
