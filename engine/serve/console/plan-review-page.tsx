/**
 * The review page of one plan: who made it and for which tenants, its changes old →
 * new, the CLI's plan text, the data an apply would erase (above the approve button),
 * and the decision — approve and apply, discard, or plan again once stale — offered
 * only to those the API lets decide on it (plan-service.ts decidablePlan).
 */
import type { VNode } from 'preact';
import type { ApiPlanRecord } from '../../../state/index.js';
import type { Caller } from '../caller.js';
import { decidablePlan, planMoved, reviewBranchOf } from '../plan-service.js';
import { HttpProblem } from '../problem.js';
import { toPlanDetail } from '../routes/plans.js';
import type { ConsoleContext } from './guard.js';
import { Ago, CsrfForm, Layout, Notice, StatusBadge, type Viewer } from './page.js';
import { reviewPlan, type DataLoss, type ReviewChange } from './plan-changes.js';
import { Diagnostics, MadeBy, ShortId } from './record-parts.js';

/** A plan text longer than this many lines starts folded. */
const LONG_PLAN_LINES = 80;

/** Plan text as the CLI prints it, each line coloured by what it does (+ add, ~ change, -/+ replace, - destroy). */
function PlanText({ text }: { text: string }): VNode {
  return (
    <pre class="plan" tabIndex={0} aria-label="Plan text">
      {text.split('\n').map((line) => {
        const t = line.trimStart();
        const cls = t.startsWith('-/+') || t.startsWith('+/-') || t.startsWith('~') ? 'chg' : t.startsWith('+') ? 'add' : t.startsWith('-') ? 'del' : undefined;
        return <>{cls ? <span class={cls}>{line}</span> : line}{'\n'}</>;
      })}
    </pre>
  );
}

const ACTION_WORDS: Record<ReviewChange['action'], string> = { create: 'add', update: 'change', replace: 'replace', delete: 'destroy' };

function ChangeTable({ changes }: { changes: readonly ReviewChange[] }): VNode {
  if (changes.length === 0) return <p class="empty">This plan changes nothing.</p>;
  return (
    <table class="data changes" id="changes">
      <caption class="sr-only">Changes, each attribute before and after</caption>
      <thead>
        <tr><th scope="col">Resource</th><th scope="col">Action</th><th scope="col">Attribute</th><th scope="col">Before</th><th scope="col">After</th></tr>
      </thead>
      {changes.map((c) => {
        const rows = c.attributes.length > 0 ? c.attributes : [undefined];
        return (
          <tbody data-address={c.address}>
            {rows.map((a, i) => (
              <tr>
                {i === 0 ? (
                  <th scope="rowgroup" rowSpan={rows.length}>
                    <code>{c.address}</code>
                    {c.movedFrom ? <span class="hint"> (was {c.movedFrom})</span> : null}
                    {c.reason ? <p class="hint">{c.reason}</p> : null}
                  </th>
                ) : null}
                {i === 0 ? <td rowSpan={rows.length}><span class={`change-${c.action}`}>{ACTION_WORDS[c.action]}</span></td> : null}
                {a ? (
                  <>
                    <td><code>{a.name}</code>{a.forcesReplace ? <span class="tag">forces replacement</span> : null}</td>
                    <td class="before">{a.before !== undefined ? <code>{a.before}</code> : <span class="muted">—</span>}</td>
                    <td class="after">{a.after !== undefined ? <code>{a.after}</code> : <span class="muted">—</span>}</td>
                  </>
                ) : <td colSpan={3} class="muted">no attribute changes (replaced with what it is bound to)</td>}
              </tr>
            ))}
          </tbody>
        );
      })}
    </table>
  );
}

function DataLossWarning({ losses }: { losses: readonly DataLoss[] }): VNode {
  return (
    <Notice kind="warning">
      <p><strong>Data will be lost.</strong> Approving this plan erases {losses.length === 1 ? 'this disk' : `these ${losses.length} disks`}; nothing on {losses.length === 1 ? 'it' : 'them'} can be recovered:</p>
      <ul class="data-loss">
        {losses.map((l) => (
          <li>
            {l.what === 'root disk' ? <>the root disk of VM <code>{l.address}</code></> : <>disk <code>{l.address}</code></>}
            {l.size ? <> ({l.size}{l.tier ? `, ${l.tier}` : ''})</> : l.tier ? <> ({l.tier})</> : null} will be <strong>{l.action}</strong>
            {l.action === 'replaced' ? ' (destroyed and made again empty)' : ''}.
          </li>
        ))}
      </ul>
    </Notice>
  );
}

/** The run that applies (or applied) a plan: the newest runs back to the plan's making. */
function runOfPlan(cx: ConsoleContext, plan: ApiPlanRecord): string | undefined {
  let before: { createdAt: string; id: string } | undefined;
  for (let rounds = 0; rounds < 20; rounds++) {
    const batch = cx.store.listRuns({ limit: 100, ...(before ? { before } : {}), ...(plan.partner !== undefined ? { partner: plan.partner } : {}) });
    for (const r of batch) {
      if (r.planId === plan.id) return r.id;
      if (r.createdAt < plan.createdAt) return undefined;
    }
    if (batch.length < 100) return undefined;
    const last = batch.at(-1)!;
    before = { createdAt: last.createdAt, id: last.id };
  }
  return undefined;
}

/** Whether the viewer may approve or discard the plan: the API's rule (decidablePlan), asked without throwing. */
function mayDecide(cx: ConsoleContext, caller: Caller, id: string): boolean {
  if (caller.role === 'viewer') return false;
  try {
    decidablePlan(cx, caller, id);
    return true;
  } catch (error) {
    if (error instanceof HttpProblem && error.status === 403) return false;
    throw error;
  }
}

export const isBundle = (plan: ApiPlanRecord): boolean => (JSON.parse(plan.request) as { bundle?: unknown }).bundle !== undefined;

export function PlanPage({ cx, viewer, plan, notice }: { cx: ConsoleContext; viewer: Viewer; plan: ApiPlanRecord; notice?: string }): VNode {
  const detail = toPlanDetail(cx, plan);
  const review = reviewPlan(detail.renderings.json);
  const now = cx.now();
  const open = plan.status === 'planned' || plan.status === 'approved';
  const moved = open ? planMoved(cx, plan) : undefined;
  const decider = mayDecide(cx, viewer.caller, plan.id);
  const runId = plan.status === 'applying' || plan.status === 'applied' || plan.status === 'failed' ? runOfPlan(cx, plan) : undefined;
  const warnings = detail.diagnostics.filter((d) => d.severity === 'warning');
  const errors = detail.diagnostics.filter((d) => d.severity === 'error');
  // A plan of an edit sent to a review branch is approved by merging that branch, not here.
  const reviewBranch = reviewBranchOf(plan);
  const canApply = open && moved === undefined && !plan.hasErrors && plan.hasChanges && reviewBranch === undefined;
  return (
    <Layout title={`Plan ${plan.id}`} viewer={viewer} nav="plans" crumbs={[{ label: 'Plans', href: '/plans' }]}>
      <div class="heading">
        <h1>Plan <ShortId id={plan.id} /></h1>
        <span id="plan-status">{moved !== undefined ? <StatusBadge status="stale" title={moved} /> : <StatusBadge status={plan.status} />}</span>
      </div>
      {notice ? <Notice kind="ok"><p>{notice}</p></Notice> : null}
      <dl class="kv card">
        <dt>Status</dt><dd>{plan.status}{moved !== undefined ? ' (stale)' : ''}</dd>
        <dt>Made</dt><dd><Ago at={plan.createdAt} now={now} /> by <MadeBy viewer={viewer} tokenId={plan.createdBy} partner={plan.partner} /></dd>
        <dt>Tenants</dt><dd>{plan.tenants.length === 0 ? <span class="muted">none</span> : plan.tenants.map((t, i) => <>{i > 0 ? ', ' : ''}<a href={`/tenants/${encodeURIComponent(t)}`}>{t}</a></>)}</dd>
        <dt>Changes</dt><dd>{plan.summary.add} to add, {plan.summary.change} to change, {plan.summary.replace} to replace, {plan.summary.destroy} to destroy{plan.destroy ? ' (destroy plan)' : ''}</dd>
        <dt>Planned against</dt><dd>state serial {plan.serial}</dd>
        {plan.approvedAt !== undefined ? <><dt>Approved</dt><dd><Ago at={plan.approvedAt} now={now} /> by <code>{plan.approvedBy}</code></dd></> : null}
        {plan.discardedAt !== undefined ? <><dt>Discarded</dt><dd><Ago at={plan.discardedAt} now={now} /></dd></> : null}
        {runId !== undefined ? <><dt>Run</dt><dd><a href={`/runs/${encodeURIComponent(runId)}`}><ShortId id={runId} /></a></dd></> : null}
      </dl>
      {errors.length > 0 ? <Diagnostics diagnostics={errors} /> : null}
      {warnings.length > 0 ? <Diagnostics diagnostics={warnings} /> : null}

      <h2 id="changes-heading">Changes</h2>
      <ChangeTable changes={review.changes} />

      {/* The CLI's rendering in full; a long one starts folded so the decision stays near the table. */}
      <details class="plan-text" open={plan.text.split('\n').length <= LONG_PLAN_LINES}>
        <summary><h2>Plan text</h2></summary>
        <PlanText text={plan.text} />
      </details>

      <section aria-labelledby="decide-heading" class="decide">
        <h2 id="decide-heading">Decision</h2>
        {moved !== undefined ? (
          <Notice kind="warning">
            <p><strong>This plan is stale.</strong> {moved}</p>
          </Notice>
        ) : null}
        {open && review.dataLoss.length > 0 && moved === undefined ? <DataLossWarning losses={review.dataLoss} /> : null}
        {open && reviewBranch !== undefined ? <Notice kind="info"><p>This plan shows an edit sent for review on branch <code>{reviewBranch}</code>: it is applied once that branch is merged, not from here.</p></Notice> : null}
        {open && !plan.hasChanges ? <Notice kind="info"><p>This plan changes nothing: there is nothing to apply.</p></Notice> : null}
        {!open ? <p>This plan is <strong>{plan.status}</strong>{runId !== undefined ? <>: see <a href={`/runs/${encodeURIComponent(runId)}`}>its run</a></> : null}.</p> : null}
        {open && !decider ? <p class="muted">Only {plan.partner === undefined ? 'the operator' : `the operator or partner ${plan.partner}`} may approve or discard this plan.</p> : null}
        {open && decider ? (
          <div class="actions">
            {canApply ? (
              <CsrfForm viewer={viewer} action={`/plans/${encodeURIComponent(plan.id)}/approve`} class="inline">
                <button type="submit" class="primary" data-confirm={review.dataLoss.length > 0 ? `This erases ${review.dataLoss.length} disk${review.dataLoss.length === 1 ? '' : 's'}. Approve and apply?` : undefined}>
                  {plan.status === 'approved' ? 'Apply' : 'Approve and apply'}
                </button>
              </CsrfForm>
            ) : null}
            {moved !== undefined && !isBundle(plan) ? (
              <CsrfForm viewer={viewer} action={`/plans/${encodeURIComponent(plan.id)}/replan`} class="inline">
                <button type="submit" class="primary">Plan again</button>
              </CsrfForm>
            ) : null}
            {plan.status === 'planned' ? (
              <CsrfForm viewer={viewer} action={`/plans/${encodeURIComponent(plan.id)}/discard`} class="inline">
                <button type="submit">Discard</button>
              </CsrfForm>
            ) : null}
          </div>
        ) : null}
      </section>
    </Layout>
  );
}
