/**
 * Plans: the list of plans the viewer may see (newest first, by status and tenant, a
 * page at a time), a form to plan tenants, and the review page of one plan — who made
 * it, its text, a table of its changes old → new, the data it would lose, and approve
 * or discard for those who may decide on it. Approving starts the run at once and
 * shows its progress.
 *
 * Invariant: nothing here decides scope or lifecycle itself. Listing, seeing and
 * deciding are the API's own functions (routes/plans.ts visiblePlans and decide,
 * plan-service.ts visiblePlan, decidablePlan, planMoved, createPlan, run-service.ts
 * startRun), so the console and the API can never disagree about who may do what.
 * A plan outside the viewer's scope is the same not-found page as one that does not exist.
 */
import type { FastifyReply } from 'fastify';
import type { VNode } from 'preact';
import { z } from 'zod';
import { requireWriter, type Caller } from '../../caller.js';
import type { ZodApp } from '../../context.js';
import { createPlan, decidablePlan, visiblePlan, type PlanRequest } from '../../plan-service.js';
import { HttpProblem, type ApiDiagnostic } from '../../problem.js';
import { decide, visiblePlans } from '../../routes/plans.js';
import { tenantsFor } from '../../routes/tenants.js';
import { startRun } from '../../run-service.js';
import { PlanStatusSchema } from '../../schemas.js';
import type { ConsoleContext } from '../guard.js';
import { Ago, CsrfForm, Layout, Notice, sendHtml, StatusBadge, viewerOf, type Viewer } from '../page.js';
import { isBundle, PlanPage } from '../plan-review-page.js';
import { Diagnostics, KeysetPager, MadeBy, PlanCounts, ShortId } from '../record-parts.js';

const PER_PAGE = 25;
/** Above this many tenants the plan form lists them in a multiple select, not as checkboxes. */
const MAX_CHECKBOXES = 20;
const STATUSES = PlanStatusSchema.options;

const ListQuery = z.object({
  status: z.string().max(20).optional(),
  tenant: z.string().max(63).optional(),
  cursor: z.string().max(2048).optional(),
});

interface ListAsked {
  readonly status: string;
  readonly tenant: string;
  readonly cursor?: string;
}

function plansHref(asked: Pick<ListAsked, 'status' | 'tenant'>, cursor?: string): string {
  const params = new URLSearchParams();
  if (asked.status) params.set('status', asked.status);
  if (asked.tenant) params.set('tenant', asked.tenant);
  if (cursor) params.set('cursor', cursor);
  const s = params.toString();
  return s ? `/plans?${s}` : '/plans';
}

const PlanForm = z.object({
  tenant: z.union([z.string().max(63), z.array(z.string().max(63)).max(5000)]).optional(),
  refresh: z.literal('on').optional(),
});

interface PlanFormState {
  readonly chosen: readonly string[];
  readonly refresh: boolean;
  readonly error?: string;
  readonly diagnostics?: readonly ApiDiagnostic[];
  readonly problem?: string;
}

/**
 * Tenants a viewer may plan: every one it sees — also one whose spec does not load
 * right now, so planning it shows the spec's errors.
 */
const plannable = (cx: ConsoleContext, caller: Caller): string[] => tenantsFor(cx, caller).map((t) => t.name).sort();

function MakePlan({ viewer, tenants, form }: { viewer: Viewer; tenants: readonly string[]; form: PlanFormState }): VNode {
  const chosen = new Set(form.chosen);
  const all = viewer.caller.role === 'operator' ? 'every tenant' : viewer.caller.tenant !== undefined ? `tenant ${viewer.caller.tenant}` : 'all of your tenants';
  return (
    <section class="card make-plan" aria-labelledby="make-plan">
      <h2 id="make-plan">Make a plan</h2>
      <p class="hint">A plan compares the tenants' specs with what is recorded and lists what an apply would do. Nothing changes until it is approved.</p>
      {form.problem ? <Notice kind="error"><p>{form.problem}</p></Notice> : null}
      {form.diagnostics && form.diagnostics.length > 0 ? <Diagnostics diagnostics={form.diagnostics} /> : null}
      <CsrfForm viewer={viewer} action="/plans" class="stack">
        {tenants.length <= MAX_CHECKBOXES ? (
          <fieldset aria-describedby={form.error ? 'plan-tenant-error plan-tenant-hint' : 'plan-tenant-hint'}>
            <legend>Tenants</legend>
            {tenants.map((t, i) => (
              <div class="check">
                <input type="checkbox" id={`plan-tenant-${i}`} name="tenant" value={t} checked={chosen.has(t)} />
                <label for={`plan-tenant-${i}`}>{t}</label>
              </div>
            ))}
          </fieldset>
        ) : (
          <div class="field">
            <label for="plan-tenant">Tenants</label>
            <select id="plan-tenant" name="tenant" multiple size={8} aria-describedby={form.error ? 'plan-tenant-error plan-tenant-hint' : 'plan-tenant-hint'} aria-invalid={form.error ? 'true' : undefined}>
              {tenants.map((t) => <option value={t} selected={chosen.has(t)}>{t}</option>)}
            </select>
          </div>
        )}
        <p id="plan-tenant-hint" class="hint">None chosen: {all}.</p>
        {form.error ? <p id="plan-tenant-error" class="field-error">{form.error}</p> : null}
        <div class="check">
          <input type="checkbox" id="plan-refresh" name="refresh" value="on" checked={form.refresh} />
          <label for="plan-refresh">Read the zone first (refresh): the plan also corrects what changed outside netfirst; unticked, it is made against the recorded state alone</label>
        </div>
        <div class="actions"><button type="submit" class="primary">Plan</button></div>
      </CsrfForm>
    </section>
  );
}

function PlansList({ cx, viewer, asked, errors, form, status }: {
  cx: ConsoleContext; viewer: Viewer; asked: ListAsked; errors: Record<string, string>; form: PlanFormState; status?: string;
}): VNode {
  const tenants = tenantsFor(cx, viewer.caller).map((t) => t.name).sort();
  const filter = STATUSES.find((s) => s === asked.status);
  const page = visiblePlans(cx, viewer.caller, { limit: PER_PAGE, cursor: asked.cursor, status: filter, tenant: asked.tenant || undefined });
  const now = cx.now();
  const writer = viewer.caller.role !== 'viewer';
  return (
    <Layout title="Plans" viewer={viewer} nav="plans">
      <div class="heading">
        <h1>Plans</h1>
        <p class="summary">What an apply would change, waiting for approval, and what was decided.</p>
      </div>
      {status ? <Notice kind="ok"><p>{status}</p></Notice> : null}
      <form method="get" action="/plans" class="filters" role="search" aria-label="Filter plans">
        <div class="field">
          <label for="status">Status</label>
          <select id="status" name="status" aria-invalid={errors['status'] ? 'true' : undefined} aria-describedby={errors['status'] ? 'status-error' : undefined}>
            <option value="">Any status</option>
            {STATUSES.map((s) => <option value={s} selected={s === asked.status}>{s}</option>)}
          </select>
          {errors['status'] ? <p id="status-error" class="field-error">{errors['status']}</p> : null}
        </div>
        <div class="field">
          <label for="tenant">Tenant</label>
          <select id="tenant" name="tenant">
            <option value="">Any tenant</option>
            {tenants.map((t) => <option value={t} selected={t === asked.tenant}>{t}</option>)}
          </select>
        </div>
        <button type="submit">Filter</button>
      </form>
      {page.items.length === 0 ? <p class="empty">No plan{asked.status || asked.tenant ? ' matches' : ' yet'}.</p> : (
        <table class="data" id="plans">
          <caption class="sr-only">Plans, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Plan</th>
              <th scope="col">Status</th>
              <th scope="col">Tenants</th>
              <th scope="col">Changes</th>
              <th scope="col">Made</th>
              <th scope="col">By</th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((p) => (
              <tr>
                <th scope="row"><a href={`/plans/${encodeURIComponent(p.id)}`}><ShortId id={p.id} /></a></th>
                <td><StatusBadge status={p.status} /></td>
                <td>{p.tenants.length === 0 ? <span class="muted">none</span> : p.tenants.length > 3 ? `${p.tenants.slice(0, 3).join(', ')} and ${p.tenants.length - 3} more` : p.tenants.join(', ')}</td>
                <td>{p.hasChanges ? <PlanCounts summary={p.summary} /> : <span class="muted">no changes</span>}</td>
                <td><Ago at={p.createdAt} now={now} /></td>
                <td><MadeBy viewer={viewer} tokenId={p.createdBy} partner={p.partner} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <KeysetPager first={plansHref(asked)} next={page.nextCursor ? plansHref(asked, page.nextCursor) : undefined} cursor={asked.cursor} noun="plans" />
      {writer ? <MakePlan viewer={viewer} tenants={plannable(cx, viewer.caller)} form={form} /> : null}
    </Layout>
  );
}

function readList(raw: unknown): { asked: ListAsked; errors: Record<string, string> } {
  const parsed = ListQuery.safeParse(raw ?? {});
  const q = parsed.success ? parsed.data : {};
  const errors: Record<string, string> = {};
  const status = q.status ?? '';
  if (status !== '' && !STATUSES.some((s) => s === status)) errors['status'] = `status must be one of ${STATUSES.join(', ')}`;
  return { asked: { status, tenant: q.tenant ?? '', ...(q.cursor ? { cursor: q.cursor } : {}) }, errors };
}

const seeOther = (reply: FastifyReply, location: string): FastifyReply => reply.code(303).header('Location', location).send();

/** Makes a plan as the API's POST /api/v1/plans does, with its audit record; spec errors come back as diagnostics. */
async function makePlan(cx: ConsoleContext, caller: Caller, request: PlanRequest): Promise<{ id: string } | { diagnostics: readonly ApiDiagnostic[]; problem: string }> {
  try {
    const made = await createPlan(cx, caller, request);
    const s = made.record.summary;
    cx.audit(caller, { action: 'plan.create', target: made.record.tenants.join(',') || undefined, planId: made.record.id, result: 'ok', detail: `${s.add} to add, ${s.change} to change, ${s.replace} to replace, ${s.destroy} to destroy (console)` });
    return { id: made.record.id };
  } catch (error) {
    if (error instanceof HttpProblem && (error.kind === 'invalid-specs' || error.kind === 'refused')) return { diagnostics: error.extra.diagnostics ?? [], problem: error.message };
    throw error;
  }
}

export function planPages(app: ZodApp, cx: ConsoleContext): void {
  app.get('/plans', { schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerOf(request);
    const { asked, errors } = readList(request.query);
    return sendHtml(reply, <PlansList cx={cx} viewer={viewer} asked={asked} errors={errors} form={{ chosen: [], refresh: true }} />, Object.keys(errors).length > 0 ? 400 : 200);
  });

  app.post('/plans', { schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerOf(request);
    requireWriter(viewer.caller);
    const parsed = PlanForm.safeParse(request.body ?? {});
    const asked: ListAsked = { status: '', tenant: '' };
    const chosen = parsed.success ? (typeof parsed.data.tenant === 'string' ? [parsed.data.tenant] : parsed.data.tenant ?? []) : [];
    const refresh = parsed.success && parsed.data.refresh === 'on';
    const again = (form: PlanFormState, status: number): FastifyReply =>
      sendHtml(reply, <PlansList cx={cx} viewer={viewer} asked={asked} errors={{}} form={form} />, status);
    if (!parsed.success) return again({ chosen: [], refresh, error: 'tenant: choose tenants from the list (names of at most 63 characters)' }, 400);
    // Only tenants the form offered: one outside the viewer's scope reads as missing, as everywhere.
    const offered = new Set(plannable(cx, viewer.caller));
    const unknown = chosen.filter((t) => !offered.has(t));
    if (unknown.length > 0) return again({ chosen: chosen.filter((t) => offered.has(t)), refresh, error: `tenant ${unknown[0]} was not found` }, 400);
    // An unticked box is absent from the form: said explicitly, since the API's plans refresh by default.
    const made = await makePlan(cx, viewer.caller, { ...(chosen.length > 0 ? { tenants: chosen } : {}), refresh });
    if ('id' in made) return seeOther(reply, `/plans/${encodeURIComponent(made.id)}`);
    return again({ chosen, refresh, diagnostics: made.diagnostics, problem: made.problem }, 422);
  });

  app.get('/plans/:id', { schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerOf(request);
    const { id } = request.params as { id: string };
    const plan = visiblePlan(cx, viewer.caller, id);
    const query = request.query as Record<string, unknown>;
    const notice = query['discarded'] === '1' ? 'The plan was discarded.' : undefined;
    return sendHtml(reply, <PlanPage cx={cx} viewer={viewer} plan={plan} {...(notice ? { notice } : {})} />);
  });

  // Approve, then apply at once: the console's one step for the API's approve + POST /runs.
  app.post('/plans/:id/approve', { schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerOf(request);
    const { id } = request.params as { id: string };
    requireWriter(viewer.caller);
    const plan = decidablePlan(cx, viewer.caller, id);
    try {
      if (plan.status === 'planned') decide(cx, viewer.caller, id, 'approved');
      const run = await startRun(cx, viewer.caller, { plan: id });
      return seeOther(reply, `/runs/${encodeURIComponent(run.id)}`);
    } catch (error) {
      // A plan that went stale under the reviewer: its page says so and offers to plan again.
      if (error instanceof HttpProblem && error.kind === 'stale-plan') return seeOther(reply, `/plans/${encodeURIComponent(id)}`);
      throw error;
    }
  });

  app.post('/plans/:id/discard', { schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerOf(request);
    const { id } = request.params as { id: string };
    decide(cx, viewer.caller, id, 'discarded');
    return seeOther(reply, `/plans/${encodeURIComponent(id)}?discarded=1`);
  });

  // A stale plan planned again as it was asked for; the new plan has its own review.
  app.post('/plans/:id/replan', { schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerOf(request);
    const { id } = request.params as { id: string };
    requireWriter(viewer.caller);
    const plan = visiblePlan(cx, viewer.caller, id);
    if (isBundle(plan)) throw new HttpProblem('conflict', `plan ${id} was made from uploaded spec files: plan them again where they were uploaded from`);
    const asked = JSON.parse(plan.request) as PlanRequest;
    const made = await makePlan(cx, viewer.caller, {
      ...(asked.tenants && asked.tenants.length > 0 ? { tenants: asked.tenants } : {}),
      ...(asked.refresh ? { refresh: true } : {}), ...(asked.destroy ? { destroy: true } : {}), ...(asked.prune ? { prune: true } : {}),
      ...(asked.changedSince !== undefined ? { changedSince: asked.changedSince } : {}),
    });
    if ('id' in made) return seeOther(reply, `/plans/${encodeURIComponent(made.id)}`);
    throw new HttpProblem('invalid-specs', `${made.problem}${made.diagnostics.length > 0 ? `: ${made.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.file ?? ''}${d.line !== undefined ? `:${d.line}` : ''} ${d.summary}`.trim()).join('; ')}` : ''}`);
  });
}
