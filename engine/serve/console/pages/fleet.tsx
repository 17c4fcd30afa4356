/**
 * The fleet: every tenant the viewer may see, with its partner, zone, VMs, public IPs,
 * last reconcile verdict and when an apply last changed it; searched, filtered, sorted
 * and paged on the server (a list of 1,000 tenants sends 50 rows). The search box
 * narrows the list as one types (htmx swaps the results only); every control is also a
 * plain link or GET form, so the page works without scripts.
 */
import type { z } from 'zod';
import type { ConsoleContext } from '../guard.js';
import type { ZodApp } from '../../context.js';
import { tenantsFor, type TenantSchema } from '../../routes/tenants.js';
import { Ago, isHtmx, Layout, Pager, sendFragment, sendHtml, SortHeader, StatusBadge, viewerOf, type SortSpec } from '../page.js';

const PER_PAGE = 50;
const SORTS = ['name', 'partner', 'zone', 'vms', 'ips', 'status', 'applied'] as const;
type SortKey = (typeof SORTS)[number];
const STATUSES = ['Synced', 'OutOfSync', 'Drifted', 'Error', 'Unknown'] as const;

export interface FleetRow {
  readonly name: string;
  readonly partner?: string;
  readonly zone?: string;
  readonly inSpecs: boolean;
  readonly vms: number;
  readonly publicIps: number;
  readonly status: (typeof STATUSES)[number];
  readonly summary?: string;
  readonly lastApplied?: string;
}

export interface FleetQuery {
  readonly q: string;
  readonly zone: string;
  readonly partner: string;
  readonly status: string;
  readonly sort: SortSpec;
  readonly page: number;
}

/** Counts and last change per tenant, from the state; kept while the state's serial stays. */
let counted: { serial: number; byTenant: Map<string, { vms: number; ips: number; last?: string }> } | undefined;

function countsOf(cx: ConsoleContext): Map<string, { vms: number; ips: number; last?: string }> {
  const snapshot = cx.store.snapshot();
  if (counted && counted.serial === snapshot.serial) return counted.byTenant;
  const byTenant = new Map<string, { vms: number; ips: number; last?: string }>();
  for (const r of snapshot.resources.values()) {
    let c = byTenant.get(r.tenant);
    if (!c) byTenant.set(r.tenant, (c = { vms: 0, ips: 0 }));
    if (r.type === 'vm') c.vms++;
    else if (r.type === 'public-ip') c.ips++;
    if (c.last === undefined || r.updatedAt > c.last) c.last = r.updatedAt;
  }
  counted = { serial: snapshot.serial, byTenant };
  return byTenant;
}

/** What the spec asks for, where the state has nothing yet (a tenant not applied). */
function specCounts(cx: ConsoleContext, name: string): { vms: number; ips: number } {
  const spec = cx.source.specs().tenants.get(name)?.value.spec;
  return { vms: spec?.vms?.length ?? 0, ips: spec?.publicIps?.length ?? 0 };
}

export function fleetRows(cx: ConsoleContext, tenants: readonly z.infer<typeof TenantSchema>[]): FleetRow[] {
  const counts = countsOf(cx);
  // Without a reconcile verdict, what the server knows from planning: whether the spec still asks for changes.
  // context() names the tenants NOT known settled (those a plan must expand); undefined while nothing is known.
  const unsettled = cx.settled.context(cx.source.specs());
  return tenants.map((t) => {
    const planned = t.sync ? undefined : !t.inSpecs || unsettled === undefined ? undefined
      : !unsettled.has(t.name) ? { status: 'Synced' as const, summary: 'the spec matches the state (reality not read yet: no reconcile round)' }
      : { status: 'OutOfSync' as const, summary: 'the spec asks for changes that are not applied' };
    const c = counts.get(t.name) ?? { ...specCounts(cx, t.name), last: undefined };
    return {
      name: t.name,
      ...(t.partner !== undefined ? { partner: t.partner } : {}),
      ...(t.zone !== undefined ? { zone: t.zone } : {}),
      inSpecs: t.inSpecs,
      vms: c.vms,
      publicIps: c.ips,
      status: t.sync?.status ?? planned?.status ?? 'Unknown',
      ...(t.sync?.summary !== undefined ? { summary: t.sync.summary } : planned ? { summary: planned.summary } : {}),
      ...(c.last !== undefined ? { lastApplied: c.last } : {}),
    };
  });
}

function compare(a: FleetRow, b: FleetRow, key: SortKey): number {
  const pick = (r: FleetRow): string | number => {
    switch (key) {
      case 'name': return r.name;
      case 'partner': return r.partner ?? '';
      case 'zone': return r.zone ?? '';
      case 'vms': return r.vms;
      case 'ips': return r.publicIps;
      case 'status': return STATUSES.indexOf(r.status);
      case 'applied': return r.lastApplied ?? '';
    }
  };
  const x = pick(a);
  const y = pick(b);
  return x < y ? -1 : x > y ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function readFleetQuery(raw: Record<string, unknown>): FleetQuery {
  const str = (k: string, max = 63): string => (typeof raw[k] === 'string' ? (raw[k] as string).slice(0, max).trim() : '');
  const sortKey = SORTS.find((s) => s === raw['sort']) ?? 'name';
  const page = Number.parseInt(str('page'), 10);
  return {
    q: str('q'), zone: str('zone'), partner: str('partner'),
    status: STATUSES.find((s) => s === raw['status']) ?? '',
    sort: { key: sortKey, dir: raw['dir'] === 'desc' ? 'desc' : 'asc' },
    page: Number.isFinite(page) && page > 0 ? Math.min(page, 100_000) : 1,
  };
}

export function fleetHref(query: FleetQuery, change: Partial<FleetQuery>): string {
  const q = { ...query, ...change };
  const params = new URLSearchParams();
  if (q.q) params.set('q', q.q);
  if (q.zone) params.set('zone', q.zone);
  if (q.partner) params.set('partner', q.partner);
  if (q.status) params.set('status', q.status);
  if (q.sort.key !== 'name' || q.sort.dir !== 'asc') {
    params.set('sort', q.sort.key);
    params.set('dir', q.sort.dir);
  }
  if (q.page > 1) params.set('page', String(q.page));
  const s = params.toString();
  return s ? `/?${s}` : '/';
}

function FleetResults({ rows, total, query, now }: { rows: readonly FleetRow[]; total: number; query: FleetQuery; now: Date }) {
  const pages = Math.max(1, Math.ceil(total / PER_PAGE));
  const href = (s: SortSpec) => fleetHref(query, { sort: s, page: 1 });
  return (
    <div id="fleet-results" aria-live="polite">
      {total === 0 ? <p class="empty">No tenant matches{query.q ? <> “{query.q}”</> : null}.</p> : (
        <table class="data">
          <caption class="sr-only">Tenants, sorted by {query.sort.key} ({query.sort.dir === 'asc' ? 'ascending' : 'descending'})</caption>
          <thead>
            <tr>
              <SortHeader label="Tenant" column="name" sort={query.sort} href={href} />
              <SortHeader label="Partner" column="partner" sort={query.sort} href={href} />
              <SortHeader label="Zone" column="zone" sort={query.sort} href={href} />
              <SortHeader label="VMs" column="vms" sort={query.sort} href={href} />
              <SortHeader label="Public IPs" column="ips" sort={query.sort} href={href} />
              <SortHeader label="Status" column="status" sort={query.sort} href={href} />
              <SortHeader label="Last applied" column="applied" sort={query.sort} href={href} />
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr>
                <th scope="row"><a href={`/tenants/${encodeURIComponent(r.name)}`}>{r.name}</a>{r.inSpecs ? null : <span class="tag" title="recorded in state, no spec file">no spec</span>}</th>
                <td>{r.partner ?? <span class="muted">—</span>}</td>
                <td>{r.zone ?? <span class="muted">—</span>}</td>
                <td class="num">{r.vms}</td>
                <td class="num">{r.publicIps}</td>
                <td><StatusBadge status={r.status} title={r.summary} /></td>
                <td><Ago at={r.lastApplied} now={now} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager page={Math.min(query.page, pages)} pages={pages} total={total} noun={total === 1 ? 'tenant' : 'tenants'} href={(p) => fleetHref(query, { page: p })} />
    </div>
  );
}

export function fleetPages(app: ZodApp, cx: ConsoleContext): void {
  app.get('/', { schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerOf(request);
    const query = readFleetQuery(request.query as Record<string, unknown>);
    const all = fleetRows(cx, tenantsFor(cx, viewer.caller));
    const zones = [...new Set(all.map((r) => r.zone).filter((z): z is string => z !== undefined))].sort();
    const partners = [...new Set(all.map((r) => r.partner).filter((p): p is string => p !== undefined))].sort();
    const needle = query.q.toLowerCase();
    const matching = all.filter((r) => (needle === '' || r.name.toLowerCase().includes(needle) || (r.partner ?? '').toLowerCase().includes(needle))
      && (query.zone === '' || r.zone === query.zone) && (query.partner === '' || r.partner === query.partner)
      && (query.status === '' || r.status === query.status));
    matching.sort((a, b) => (query.sort.dir === 'asc' ? compare(a, b, query.sort.key as SortKey) : -compare(a, b, query.sort.key as SortKey)));
    const pages = Math.max(1, Math.ceil(matching.length / PER_PAGE));
    const page = Math.min(query.page, pages);
    const rows = matching.slice((page - 1) * PER_PAGE, page * PER_PAGE);
    const now = cx.now();
    const results = <FleetResults rows={rows} total={matching.length} query={{ ...query, page }} now={now} />;
    if (isHtmx(request) && request.headers['hx-target'] === 'fleet-results') {
      // The address bar gets the tidy form of the query (no empty fields), as the links build it.
      reply.header('HX-Push-Url', fleetHref(query, { page }));
      return sendFragment(reply, results);
    }
    const counts = STATUSES.map((s) => [s, all.filter((r) => r.status === s).length] as const).filter(([, n]) => n > 0);
    return sendHtml(reply, (
      <Layout title="Tenants" viewer={viewer} nav="fleet">
        <div class="heading">
          <h1>Tenants</h1>
          <p class="summary">{all.length} {all.length === 1 ? 'tenant' : 'tenants'}{counts.length > 0 ? ': ' : ''}
            {counts.map(([s, n], i) => <>{i > 0 ? ', ' : ''}<a href={fleetHref(query, { status: s, page: 1 })}>{n} {s}</a></>)}</p>
        </div>
        <form method="get" action="/" class="filters" role="search"
          hx-get="/" hx-target="#fleet-results" hx-select="#fleet-results" hx-swap="outerHTML" hx-push-url="true" hx-trigger="input changed delay:250ms from:#q, change from:select, submit">
          <div class="field">
            <label for="q">Search</label>
            <input id="q" name="q" type="search" value={query.q} placeholder="tenant or partner" autocomplete="off" />
          </div>
          <div class="field">
            <label for="zone">Zone</label>
            <select id="zone" name="zone">
              <option value="">All zones</option>
              {zones.map((z) => <option value={z} selected={z === query.zone}>{z}</option>)}
            </select>
          </div>
          {partners.length > 1 || query.partner ? (
            <div class="field">
              <label for="partner">Partner</label>
              <select id="partner" name="partner">
                <option value="">All partners</option>
                {partners.map((p) => <option value={p} selected={p === query.partner}>{p}</option>)}
              </select>
            </div>
          ) : null}
          <div class="field">
            <label for="status">Status</label>
            <select id="status" name="status">
              <option value="">Any status</option>
              {STATUSES.map((s) => <option value={s} selected={s === query.status}>{s}</option>)}
            </select>
          </div>
          {query.sort.key !== 'name' || query.sort.dir !== 'asc' ? <><input type="hidden" name="sort" value={query.sort.key} /><input type="hidden" name="dir" value={query.sort.dir} /></> : null}
          <button type="submit">Filter</button>
        </form>
        {results}
      </Layout>
    ));
  });
}
