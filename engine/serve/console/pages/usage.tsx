/**
 * /usage: per-tenant usage over a period as charts (one per usage type, a line per
 * tenant), with the records to download as CSV, JSON or XML. The period, granularity
 * and tenant are a plain GET form, so every view is a link.
 *
 * Invariant: the charts and the downloads are the API's export for the same query, and
 * the same caller: both start from routes/usage.ts's usageSelection (its scope rules: a
 * partner sees only its tenants, another tenant is not found), the charts fold the
 * export's own records, and /usage/export streams what GET /api/v1/usage streams.
 */
import type { VNode } from 'preact';
import { z } from 'zod';
import { formatInstant, GRANULARITIES, type Granularity, selectedUsageRecords, type UsageRange } from '../../../usage/index.js';
import type { Caller } from '../../caller.js';
import type { ZodApp } from '../../context.js';
import { HttpProblem } from '../../problem.js';
import { tenantsFor } from '../../routes/tenants.js';
import { sendUsageExport, UsageQuery, usageSelection } from '../../routes/usage.js';
import { TimeSeriesChart } from '../charts.js';
import { formatNumber } from '../chart-ticks.js';
import type { ConsoleContext } from '../guard.js';
import { Layout, Notice, sendHtml, viewerOf, type Viewer } from '../page.js';
import { MAX_PERIODS, periodCount, usageCharts, type UsageChart } from '../usage-series.js';

const DAY_MS = 86_400_000;
/** Without a range, the page shows the last seven days, today's hours so far included. */
const DEFAULT_DAYS = 7;

const PageQuery = z.object({
  from: z.string().max(64).optional(),
  to: z.string().max(64).optional(),
  granularity: z.string().max(16).optional(),
  tenant: z.string().max(63).optional(),
});

/** What the form shows and asks for, as the viewer typed it (defaults filled in). */
interface Asked {
  readonly from: string;
  readonly to: string;
  readonly granularity: string;
  readonly tenant: string;
}

type FieldErrors = Partial<Record<keyof Asked, string[]>>;

const dateOf = (t: number): string => new Date(t).toISOString().slice(0, 10);

/** What the form asks, and the fields of the query that could not be read at all (repeated, too long). */
function askedOf(query: unknown, now: number): { asked: Asked; errors: FieldErrors } {
  const parsed = PageQuery.safeParse(query ?? {});
  const errors: FieldErrors = {};
  for (const issue of parsed.error?.issues ?? []) {
    const field = String(issue.path[0] ?? 'from') as keyof Asked;
    (errors[field] ??= []).push('give it once, as a short text (a date such as 2025-03-01, or a name)');
  }
  const q = parsed.success ? parsed.data : {};
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const granularity = q.granularity || 'day';
  // Hours of a week are 168 points: the default hour view is today's.
  const days = granularity === 'hour' ? 1 : DEFAULT_DAYS;
  const asked = {
    from: q.from || dateOf(today - (days - 1) * DAY_MS),
    to: q.to || dateOf(today + DAY_MS),
    granularity,
    tenant: q.tenant ?? '',
  };
  return { asked, errors };
}

/** The query the API would take for what the form asks, checked the API's way. */
function selectionOf(cx: ConsoleContext, caller: Caller, asked: Asked): { ok: true; selection: ReturnType<typeof usageSelection> } | { ok: false; errors: FieldErrors } {
  if (!(GRANULARITIES as readonly string[]).includes(asked.granularity)) {
    return { ok: false, errors: { granularity: [`choose one of ${GRANULARITIES.join(', ')}`] } };
  }
  try {
    const selection = usageSelection(cx, caller, {
      from: asked.from,
      to: asked.to,
      granularity: asked.granularity as Granularity,
      ...(asked.tenant !== '' ? { tenant: asked.tenant } : {}),
    });
    return { ok: true, selection };
  } catch (e) {
    // A tenant outside the caller's scope stays a not-found page; a bad range is shown on its fields.
    if (!(e instanceof HttpProblem) || e.kind !== 'bad-request') throw e;
    const errors: FieldErrors = {};
    for (const { field, message } of e.extra.errors ?? [{ field: 'from', message: e.message }]) {
      const key = (field.replace(/^querystring\./, '') as keyof Asked);
      (errors[key in asked ? key : 'from'] ??= []).push(message);
    }
    return { ok: false, errors };
  }
}

const exportHref = (range: UsageRange, tenant: string, format: 'csv' | 'json' | 'xml'): string =>
  `/usage/export?${new URLSearchParams({ from: formatInstant(range.from), to: formatInstant(range.to), granularity: range.granularity, format, ...(tenant ? { tenant } : {}) })}`;

function Field({ id, label, hint, errors, children }: { id: keyof Asked; label: string; hint?: string; errors: FieldErrors; children: (described: string | undefined, invalid: 'true' | undefined) => VNode }): VNode {
  const problems = errors[id];
  const described = [hint ? `${id}-hint` : '', problems ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children(described, problems ? 'true' : undefined)}
      {hint ? <p class="hint" id={`${id}-hint`}>{hint}</p> : null}
      {problems ? <p class="field-error" id={`${id}-error`}>{problems.join('; ')}</p> : null}
    </div>
  );
}

interface UsagePageProps {
  readonly viewer: Viewer;
  readonly asked: Asked;
  readonly tenants: readonly string[];
  readonly errors: FieldErrors;
  readonly range?: UsageRange;
  readonly charts?: readonly UsageChart[];
  readonly tooLong?: number;
}

function UsagePage({ viewer, asked, tenants, errors, range, charts, tooLong }: UsagePageProps): VNode {
  const dateValue = (text: string): string => (/^\d{4}-\d{2}-\d{2}$/.test(text) ? text : text.slice(0, 10));
  return (
    <Layout title="Usage" viewer={viewer} nav="usage">
      <div class="heading">
        <h1>Usage</h1>
        <p class="summary">
          {asked.tenant !== '' ? `Tenant ${asked.tenant}` : tenants.length === 1 ? `Tenant ${tenants[0]}` : `All ${tenants.length} tenants you can see`}
          {range ? `, ${formatInstant(range.from)} to ${formatInstant(range.to)}, per ${range.granularity}` : ''}
        </p>
      </div>
      <form method="get" action="/usage" class="filters">
        <Field id="from" label="From (UTC)" hint="included" errors={errors}>
          {(described, invalid) => <input id="from" name="from" type="date" value={dateValue(asked.from)} required aria-describedby={described} aria-invalid={invalid} />}
        </Field>
        <Field id="to" label="To (UTC)" hint="not included" errors={errors}>
          {(described, invalid) => <input id="to" name="to" type="date" value={dateValue(asked.to)} required aria-describedby={described} aria-invalid={invalid} />}
        </Field>
        <Field id="granularity" label="Per" errors={errors}>
          {(described, invalid) => (
            <select id="granularity" name="granularity" aria-describedby={described} aria-invalid={invalid}>
              {GRANULARITIES.map((g) => <option value={g} selected={g === asked.granularity}>{g}</option>)}
            </select>
          )}
        </Field>
        <Field id="tenant" label="Tenant" errors={errors}>
          {(described, invalid) => (
            <select id="tenant" name="tenant" aria-describedby={described} aria-invalid={invalid}>
              {tenants.length !== 1 ? <option value="">All tenants</option> : null}
              {tenants.map((t) => <option value={t} selected={t === asked.tenant}>{t}</option>)}
            </select>
          )}
        </Field>
        <button type="submit" class="primary">Show</button>
      </form>
      {Object.keys(errors).length > 0 ? (
        <Notice kind="error"><p>The query is not valid: see the fields above.</p></Notice>
      ) : null}
      {range ? (
        <p class="actions usage-downloads">
          <span>Download the records:</span>
          <a href={exportHref(range, asked.tenant, 'csv')} download>CSV</a>
          <a href={exportHref(range, asked.tenant, 'json')} download>JSON</a>
          <a href={exportHref(range, asked.tenant, 'xml')} download>XML</a>
        </p>
      ) : null}
      {tooLong !== undefined ? (
        <Notice kind="warning">
          <p>This range has {formatNumber(tooLong, 0)} periods; charts draw at most {formatNumber(MAX_PERIODS, 0)}. Choose a coarser “Per” or a shorter range — the downloads above hold every record.</p>
        </Notice>
      ) : null}
      {range && charts ? (
        charts.length === 0 ? <p class="empty">No usage in this period.</p> : (
          <div class="usage-charts">
            {charts.map((c, i) => (
              <section class="usage-chart" aria-labelledby={`usage-${i}`}>
                <h2 id={`usage-${i}`}>{c.usageType}</h2>
                {c.meters ? <p class="hint">{c.meters}</p> : null}
                <TimeSeriesChart title={c.usageType} unit={c.unit} from={range.from} to={range.to} series={c.series} />
              </section>
            ))}
          </div>
        )
      ) : null}
    </Layout>
  );
}

export function usagePages(app: ZodApp, cx: ConsoleContext): void {
  app.get('/usage', { schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerOf(request);
    const now = cx.now().getTime();
    const { asked, errors } = askedOf(request.query, now);
    const tenants = tenantsFor(cx, viewer.caller).map((t) => t.name);
    if (Object.keys(errors).length > 0) return sendHtml(reply, <UsagePage viewer={viewer} asked={asked} tenants={tenants} errors={errors} />, 400);
    const chosen = selectionOf(cx, viewer.caller, asked);
    if (!chosen.ok) return sendHtml(reply, <UsagePage viewer={viewer} asked={asked} tenants={tenants} errors={chosen.errors} />, 400);
    const { selection } = chosen;
    const periods = periodCount(selection.range);
    if (periods > MAX_PERIODS) {
      return sendHtml(reply, <UsagePage viewer={viewer} asked={asked} tenants={tenants} errors={{}} range={selection.range} tooLong={periods} />);
    }
    // The server's own connection: the records are read and folded before the page is sent.
    const records = selectedUsageRecords((filter) => cx.store.events(filter), { ...selection, now });
    const charts = usageCharts(records, selection.range, now);
    return sendHtml(reply, <UsagePage viewer={viewer} asked={asked} tenants={tenants} errors={{}} range={selection.range} charts={charts} />);
  });

  app.get('/usage/export', { schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerOf(request);
    const parsed = UsageQuery.safeParse(request.query ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') || 'query';
      throw new HttpProblem('bad-request', `${field}: ${issue?.message ?? 'not valid'}`);
    }
    return sendUsageExport(cx, reply, usageSelection(cx, viewer.caller, parsed.data), parsed.data.format);
  });
}
