/**
 * Runs: the list of runs the viewer may see, and one run's progress — a progress bar,
 * each step of the plan with its status, the log the CLI would print, and the result.
 * The page is whole when rendered (everything recorded so far, folded by
 * run-progress.ts), and while the run goes on console.js follows
 * /runs/:id/events — the API's own event stream, the same ids, resumed after the last
 * event the page or the browser has (Last-Event-ID) — and applies each event to it.
 *
 * Invariant: scope and lifecycle are the API's (routes/runs.ts visibleRuns, visibleRun,
 * streamEvents, cancelRun; plan-service.ts decidablePlan): a run outside the viewer's
 * scope is the same not-found page as one that does not exist.
 */
import type { VNode } from 'preact';
import { z } from 'zod';
import type { RunRecord } from '../../../../state/index.js';
import { requireWriter, type Caller } from '../../caller.js';
import type { ZodApp } from '../../context.js';
import { decidablePlan } from '../../plan-service.js';
import { HttpProblem } from '../../problem.js';
import { toPlanDetail } from '../../routes/plans.js';
import { cancelRun, streamEvents, visibleRun, visibleRuns } from '../../routes/runs.js';
import { RunStatusSchema } from '../../schemas.js';
import type { ConsoleContext } from '../guard.js';
import { Ago, CsrfForm, Layout, Notice, sendHtml, StatusBadge, viewerOf, type Viewer } from '../page.js';
import { foldRun, planSteps, type RunProgress } from '../run-progress.js';
import { KeysetPager, MadeBy, ShortId } from '../record-parts.js';

const PER_PAGE = 25;
const STATUSES = RunStatusSchema.options;

const ListQuery = z.object({ status: z.string().max(20).optional(), cursor: z.string().max(2048).optional() });

function runsHref(status: string, cursor?: string): string {
  const params = new URLSearchParams();
  if (status) params.set('status', status);
  if (cursor) params.set('cursor', cursor);
  const s = params.toString();
  return s ? `/runs?${s}` : '/runs';
}

function RunsList({ cx, viewer, status, cursor, error }: { cx: ConsoleContext; viewer: Viewer; status: string; cursor?: string | undefined; error?: string }): VNode {
  const filter = STATUSES.find((s) => s === status);
  const page = visibleRuns(cx, viewer.caller, { limit: PER_PAGE, cursor, status: filter });
  const now = cx.now();
  return (
    <Layout title="Runs" viewer={viewer} nav="runs">
      <div class="heading">
        <h1>Runs</h1>
        <p class="summary">Approved plans being applied, and how each apply ended.</p>
      </div>
      <form method="get" action="/runs" class="filters" role="search" aria-label="Filter runs">
        <div class="field">
          <label for="status">Status</label>
          <select id="status" name="status" aria-invalid={error ? 'true' : undefined} aria-describedby={error ? 'status-error' : undefined}>
            <option value="">Any status</option>
            {STATUSES.map((s) => <option value={s} selected={s === status}>{s}</option>)}
          </select>
          {error ? <p id="status-error" class="field-error">{error}</p> : null}
        </div>
        <button type="submit">Filter</button>
      </form>
      {page.items.length === 0 ? <p class="empty">No run{status ? ' matches' : ' yet'}.</p> : (
        <table class="data" id="runs">
          <caption class="sr-only">Runs, newest first</caption>
          <thead>
            <tr><th scope="col">Run</th><th scope="col">Status</th><th scope="col">Tenants</th><th scope="col">Result</th><th scope="col">Started</th><th scope="col">By</th><th scope="col">Plan</th></tr>
          </thead>
          <tbody>
            {page.items.map((r) => (
              <tr>
                <th scope="row"><a href={`/runs/${encodeURIComponent(r.id)}`}><ShortId id={r.id} /></a></th>
                <td><StatusBadge status={r.status} /></td>
                <td>{r.tenants.length > 3 ? `${r.tenants.slice(0, 3).join(', ')} and ${r.tenants.length - 3} more` : r.tenants.join(', ') || <span class="muted">none</span>}</td>
                <td>{r.summary ?? <span class="muted">—</span>}</td>
                <td><Ago at={r.createdAt} now={now} /></td>
                <td><MadeBy viewer={viewer} tokenId={r.createdBy} partner={r.partner} /></td>
                <td><a href={`/plans/${encodeURIComponent(r.planId)}`}><ShortId id={r.planId} /></a></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <KeysetPager first={runsHref(status)} next={page.nextCursor ? runsHref(status, page.nextCursor) : undefined} cursor={cursor} noun="runs" />
    </Layout>
  );
}

/** The run's progress as recorded so far: the plan's steps, each event applied to them. */
function progressOf(cx: ConsoleContext, run: RunRecord): RunProgress {
  const plan = cx.store.getPlan(run.planId);
  const steps = plan ? planSteps(toPlanDetail(cx, plan).renderings.json) : [];
  return foldRun(steps, cx.store.runEvents(run.id, 0));
}

/** Whether the viewer may cancel the run: a writer who may decide on its plan (the operator, or the owning partner). */
function mayCancel(cx: ConsoleContext, caller: Caller, run: RunRecord): boolean {
  if (caller.role === 'viewer') return false;
  try {
    decidablePlan(cx, caller, run.planId);
    return true;
  } catch (error) {
    if (error instanceof HttpProblem && (error.status === 403 || error.status === 404)) return false;
    throw error;
  }
}

const STEP_WORDS: Record<string, string> = { pending: 'pending', running: 'running', done: 'done', failed: 'failed' };

function RunPage({ cx, viewer, run }: { cx: ConsoleContext; viewer: Viewer; run: RunRecord }): VNode {
  const progress = progressOf(cx, run);
  const live = run.status === 'running' && cx.runs.isActive(run.id);
  const now = cx.now();
  const max = Math.max(progress.total, 1);
  const value = progress.total === 0 ? (run.status === 'running' ? 0 : 1) : Math.min(progress.done, progress.total);
  const result = progress.finished ?? (run.status !== 'running' ? { status: run.status, summary: run.summary ?? '', text: '' } : undefined);
  return (
    <Layout title={`Run ${run.id}`} viewer={viewer} nav="runs" crumbs={[{ label: 'Runs', href: '/runs' }]}>
      <div id="run" data-run={run.id} data-after={String(progress.lastSeq)} data-live={live ? 'true' : 'false'}>
        <div class="heading">
          <h1>Run <ShortId id={run.id} /></h1>
          <span id="run-status"><StatusBadge status={run.status} /></span>
        </div>
        <dl class="kv card">
          <dt>Plan</dt><dd><a href={`/plans/${encodeURIComponent(run.planId)}`}><ShortId id={run.planId} /></a></dd>
          <dt>Tenants</dt><dd>{run.tenants.length === 0 ? <span class="muted">none</span> : run.tenants.map((t, i) => <>{i > 0 ? ', ' : ''}<a href={`/tenants/${encodeURIComponent(t)}`}>{t}</a></>)}</dd>
          <dt>Started</dt><dd><Ago at={run.createdAt} now={now} /> by <MadeBy viewer={viewer} tokenId={run.createdBy} partner={run.partner} /></dd>
          {run.finishedAt !== undefined ? <><dt>Finished</dt><dd><Ago at={run.finishedAt} now={now} /></dd></> : null}
        </dl>
        <div class="run-bar">
          <label for="run-progress">Progress</label>
          <progress id="run-progress" class="progress" max={max} value={value}>{value} of {max}</progress>
          <p id="run-counts" role="status" aria-live="polite">
            <span id="run-done">{progress.done}</span> of <span id="run-total">{progress.total}</span> done, <span id="run-failed">{progress.failed}</span> failed
          </p>
        </div>
        {run.status === 'running' && !live ? <Notice kind="warning"><p>This run is recorded as running, but no server is executing it now: it will be reported interrupted when the server that ran it is restarted.</p></Notice> : null}
        {live && mayCancel(cx, viewer.caller, run) ? (
          <CsrfForm viewer={viewer} action={`/runs/${encodeURIComponent(run.id)}/cancel`} class="actions" id="run-cancel">
            <button type="submit" class="danger" data-confirm="Stop this run? Operations in flight finish; nothing new starts.">Cancel run</button>
          </CsrfForm>
        ) : null}
        <section id="run-result" aria-labelledby="result-heading" hidden={result === undefined}>
          <h2 id="result-heading">Result</h2>
          {result ? (
            <Notice kind={result.status === 'succeeded' ? 'ok' : result.status === 'failed' ? 'error' : 'warning'}>
              <p><strong id="run-result-status">{result.status}</strong>{result.summary ? <>: <span id="run-result-summary">{result.summary}</span></> : null}</p>
            </Notice>
          ) : null}
          {result && result.text ? <pre class="code" id="run-result-text">{result.text.replace(/^\n+/, '')}</pre> : null}
        </section>
        <h2>Resources</h2>
        <table class="data" id="run-steps">
          <caption class="sr-only">Each step of the run and its status</caption>
          <thead><tr><th scope="col">Resource</th><th scope="col">Action</th><th scope="col">Status</th><th scope="col" class="num">Time</th></tr></thead>
          <tbody>
            {progress.steps.map((s) => (
              <tr data-step={s.id}>
                <th scope="row"><code>{s.id}</code>{s.error ? <p class="field-error">{s.error}</p> : null}</th>
                <td><span class={`change-${s.action}`}>{s.action}</span></td>
                <td class="step-status"><StatusBadge status={STEP_WORDS[s.status] ?? s.status} /></td>
                <td class="num step-ms">{s.ms !== undefined ? `${s.ms} ms` : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h2 id="log-heading">Log</h2>
        <pre class="code run-log" id="run-log" tabIndex={0} aria-labelledby="log-heading">{progress.log.join('\n')}</pre>
      </div>
    </Layout>
  );
}

export function runPages(app: ZodApp, cx: ConsoleContext): void {
  app.get('/runs', { schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerOf(request);
    const parsed = ListQuery.safeParse(request.query ?? {});
    const q = parsed.success ? parsed.data : {};
    const status = q.status ?? '';
    const error = status !== '' && !STATUSES.some((s) => s === status) ? `status must be one of ${STATUSES.join(', ')}` : undefined;
    return sendHtml(reply, <RunsList cx={cx} viewer={viewer} status={status} cursor={q.cursor} {...(error ? { error } : {})} />, error ? 400 : 200);
  });

  app.get('/runs/:id', { schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerOf(request);
    const { id } = request.params as { id: string };
    return sendHtml(reply, <RunPage cx={cx} viewer={viewer} run={visibleRun(cx, viewer.caller, id)} />);
  });

  // The API's event stream under the console's session: the same events and ids, resumed after Last-Event-ID (or ?after=).
  app.get('/runs/:id/events', { schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerOf(request);
    const { id } = request.params as { id: string };
    const run = visibleRun(cx, viewer.caller, id);
    const header = request.headers['last-event-id'];
    const query = (request.query ?? {}) as Record<string, unknown>;
    const asked = typeof query['after'] === 'string' && /^\d{1,15}$/.test(query['after']) ? Number(query['after']) : 0;
    const after = typeof header === 'string' && /^\d{1,15}$/.test(header) ? Number(header) : asked;
    await streamEvents(cx, run, after, request, reply);
    return reply;
  });

  app.post('/runs/:id/cancel', { schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerOf(request);
    const { id } = request.params as { id: string };
    requireWriter(viewer.caller);
    const run = visibleRun(cx, viewer.caller, id);
    // The console's rule is the plan's: the operator, or the partner the plan was made for.
    decidablePlan(cx, viewer.caller, run.planId);
    cancelRun(cx, viewer.caller, id);
    return reply.code(303).header('Location', `/runs/${encodeURIComponent(id)}`).send();
  });
}
