/**
 * /audit: the audit log, newest first — who (token, role) did what, to what, with what
 * result — filtered by actor and action, read backwards a page at a time (keyset on seq,
 * so records written while one pages never shift what one sees), and the check of its
 * hash chain, as `netfirst audit verify` and GET /api/v1/audit/verify make it. Like the
 * API's, it is the operator's alone: it records every partner's actions.
 */
import type { VNode } from 'preact';
import { z } from 'zod';
import type { AuditRecord, AuditVerdict, TokenRecord } from '../../../../state/index.js';
import { requireOperator } from '../../caller.js';
import type { ZodApp } from '../../context.js';
import type { ConsoleContext } from '../guard.js';
import { Ago, Layout, Notice, sendHtml, StatusBadge, viewerOf } from '../page.js';

const PER_PAGE = 50;

/** Actions the engine writes, offered as suggestions; the filter takes any action. */
const KNOWN_ACTIONS = [
  'console.sign-in', 'console.sign-out', 'token.create', 'token.revoke', 'plan.create', 'plan.approve', 'plan.discard',
  'run.start', 'run.cancel', 'apply', 'specs.sync', 'lease.force-unlock',
] as const;

const seqParam = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

const AuditQuery = z.object({
  actor: z.string().trim().max(100, 'at most 100 characters').optional().catch(undefined),
  action: z.string().trim().max(100, 'at most 100 characters').optional().catch(undefined),
  /** Older than this seq (the page below the one seen). */
  before: seqParam.optional().catch(undefined),
  /** Newer than this seq (the page above). */
  after: seqParam.optional().catch(undefined),
  limit: z.coerce.number().int().min(1).max(200).default(PER_PAGE).catch(PER_PAGE),
  verify: z.literal('1').optional().catch(undefined),
});

type AuditFilter = { readonly actor?: string; readonly action?: string; readonly limit: number };

function auditHref(filter: AuditFilter, at: { before?: number; after?: number; verify?: boolean } = {}): string {
  const params = new URLSearchParams();
  if (filter.actor) params.set('actor', filter.actor);
  if (filter.action) params.set('action', filter.action);
  if (filter.limit !== PER_PAGE) params.set('limit', String(filter.limit));
  if (at.before !== undefined) params.set('before', String(at.before));
  if (at.after !== undefined) params.set('after', String(at.after));
  if (at.verify) params.set('verify', '1');
  const s = params.toString();
  return s ? `/audit?${s}` : '/audit';
}

/**
 * One page, newest first: the newest records (no position), those older than `before`,
 * or those just newer than `after` (read forward, then turned round). Whether more lie
 * on either side is asked of the log, not guessed from the page's size.
 */
function auditPage(cx: ConsoleContext, filter: AuditFilter, at: { before?: number; after?: number }): { items: AuditRecord[]; older: boolean; newer: boolean } {
  const only = { ...(filter.actor ? { actor: filter.actor } : {}), ...(filter.action ? { action: filter.action } : {}) };
  const items = at.after !== undefined && at.before === undefined
    ? cx.store.listAudit({ ...only, after: at.after, limit: filter.limit }).reverse()
    : cx.store.listAudit({ ...only, ...(at.before !== undefined ? { before: at.before } : {}), newestFirst: true, limit: filter.limit });
  const top = items[0];
  const bottom = items.at(-1);
  if (top === undefined || bottom === undefined) {
    // An empty page (filtered to nothing, or paged past an end): offer the way back.
    return { items, older: at.after !== undefined, newer: at.before !== undefined };
  }
  return {
    items,
    older: cx.store.listAudit({ ...only, before: bottom.seq, newestFirst: true, limit: 1 }).length > 0,
    newer: cx.store.listAudit({ ...only, after: top.seq, limit: 1 }).length > 0,
  };
}

function Verdict({ verdict }: { verdict: AuditVerdict }): VNode {
  const records = (n: number): string => `${n} record${n === 1 ? '' : 's'}`;
  return verdict.ok ? (
    <Notice kind="ok"><p id="audit-verdict"><strong>The audit log is intact:</strong> {records(verdict.count)}, each chained to the one before, the newest matching the head the server wrote.</p></Notice>
  ) : (
    <Notice kind="error">
      <p id="audit-verdict"><strong>The audit log was tampered with:</strong> {verdict.problem}.</p>
      <p>{records(verdict.count)} checked intact before record {verdict.seq}. Keep the state file as it is and compare it with a backup.</p>
    </Notice>
  );
}

const timeOf = (at: string): string => `${at.slice(0, 10)} ${at.slice(11, 19)}`;

function AuditTable({ items, tokens, filter, now }: { items: readonly AuditRecord[]; tokens: ReadonlyMap<string, TokenRecord>; filter: AuditFilter; now: Date }): VNode {
  return (
    <table class="data audit">
      <caption class="sr-only">Audit records, newest first</caption>
      <thead>
        <tr>
          <th scope="col" class="num">#</th>
          <th scope="col">When (UTC)</th>
          <th scope="col">Actor</th>
          <th scope="col">Action</th>
          <th scope="col">Target</th>
          <th scope="col">Result</th>
          <th scope="col">Detail</th>
        </tr>
      </thead>
      <tbody>
        {items.map((r) => {
          const token = tokens.get(r.actor);
          return (
            <tr>
              <th scope="row" class="num" title={`hash ${r.hash}`}>{r.seq}</th>
              <td><time dateTime={r.at}>{timeOf(r.at)}</time><br /><span class="hint"><Ago at={r.at} now={now} /></span></td>
              <td>
                <a href={auditHref({ ...filter, actor: r.actor })} title={`only what ${r.actor} did`}><code>{r.actor}</code></a>
                <span class="tag">{r.role}</span>
                {token?.description ? <><br /><span class="hint">{token.description}</span></> : null}
              </td>
              <td><a href={auditHref({ ...filter, action: r.action })} title={`only ${r.action}`}>{r.action}</a></td>
              <td>
                {r.target !== undefined ? <code>{r.target}</code> : null}
                {r.planId !== undefined ? <><br /><a href={`/plans/${encodeURIComponent(r.planId)}`}>plan {r.planId}</a></> : null}
                {r.runId !== undefined ? <><br /><a href={`/runs/${encodeURIComponent(r.runId)}`}>run {r.runId}</a></> : null}
                {r.target === undefined && r.planId === undefined && r.runId === undefined ? <span class="muted">—</span> : null}
              </td>
              <td><StatusBadge status={r.result} /></td>
              <td>{r.detail ?? <span class="muted">—</span>}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function auditPages(app: ZodApp, cx: ConsoleContext): void {
  app.get('/audit', { schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerOf(request);
    requireOperator(viewer.caller, 'the audit log');
    const query = AuditQuery.parse(request.query ?? {});
    const filter: AuditFilter = { ...(query.actor ? { actor: query.actor } : {}), ...(query.action ? { action: query.action } : {}), limit: query.limit };
    const position = { ...(query.before !== undefined ? { before: query.before } : {}), ...(query.after !== undefined ? { after: query.after } : {}) };
    const { items, older, newer } = auditPage(cx, filter, position);
    const verdict = query.verify ? cx.store.verifyAudit() : undefined;
    const tokens = new Map(cx.store.listTokens().map((t) => [t.id, t]));
    const actions = [...new Set([...KNOWN_ACTIONS, ...items.map((r) => r.action)])].sort();
    const filtered = filter.actor !== undefined || filter.action !== undefined;
    return sendHtml(reply, (
      <Layout title="Audit log" viewer={viewer} nav="audit">
        <div class="heading">
          <h1>Audit log</h1>
          <p class="summary">Who did what, newest first. Every record is chained to the one before by its hash.</p>
        </div>
        <section class="card audit-chain" aria-labelledby="chain-heading">
          <h2 id="chain-heading">Hash chain</h2>
          {verdict ? <Verdict verdict={verdict} /> : <p class="hint">Checks every record, the newest included, as <code>netfirst audit verify</code> does.</p>}
          <form method="get" action="/audit" class="actions">
            {filter.actor ? <input type="hidden" name="actor" value={filter.actor} /> : null}
            {filter.action ? <input type="hidden" name="action" value={filter.action} /> : null}
            <input type="hidden" name="verify" value="1" />
            <button type="submit">{verdict ? 'Verify again' : 'Verify chain'}</button>
          </form>
        </section>
        <form method="get" action="/audit" class="filters" role="search" aria-label="Filter the audit log">
          <div class="field">
            <label for="actor">Actor</label>
            <input id="actor" name="actor" type="text" value={filter.actor ?? ''} list="audit-actors" placeholder="token id or cli" autocomplete="off" spellcheck={false} aria-describedby="actor-hint" />
            <p id="actor-hint" class="hint">A token's id, or <code>cli</code></p>
            <datalist id="audit-actors">
              <option value="cli">the command line</option>
              {[...tokens.values()].map((t) => <option value={t.id}>{`${t.role}${t.description ? ` · ${t.description}` : ''}`}</option>)}
            </datalist>
          </div>
          <div class="field">
            <label for="action">Action</label>
            <input id="action" name="action" type="text" value={filter.action ?? ''} list="audit-actions" placeholder="e.g. plan.approve" autocomplete="off" spellcheck={false} aria-describedby="action-hint" />
            <p id="action-hint" class="hint">Exactly, e.g. <code>token.revoke</code></p>
            <datalist id="audit-actions">{actions.map((a) => <option value={a} />)}</datalist>
          </div>
          {filter.limit !== PER_PAGE ? <input type="hidden" name="limit" value={String(filter.limit)} /> : null}
          <div class="actions">
            <button type="submit">Filter</button>
            {filtered ? <a href={auditHref({ limit: filter.limit })}>Show all</a> : null}
          </div>
        </form>
        <div id="audit-results" aria-live="polite">
          {items.length === 0 ? (
            <p class="empty">{filtered ? 'No record matches these filters.' : position.before !== undefined || position.after !== undefined ? 'No records here.' : 'The audit log is empty.'}</p>
          ) : <AuditTable items={items} tokens={tokens} filter={filter} now={cx.now()} />}
          <nav class="pager" aria-label="Pages">
            {newer ? <a href={items[0] ? auditHref(filter, { after: items[0].seq }) : auditHref(filter)} rel="prev">← Newer</a> : <span aria-hidden="true" class="muted">← Newer</span>}
            <span>{items.length > 0 ? `Records ${items.at(-1)!.seq}–${items[0]!.seq}` : 'No records'}{filtered ? ' (filtered)' : ''}</span>
            {older ? <a href={items.at(-1) ? auditHref(filter, { before: items.at(-1)!.seq }) : auditHref(filter)} rel="next">Older →</a> : <span aria-hidden="true" class="muted">Older →</span>}
          </nav>
        </div>
      </Layout>
    ));
  });
}
