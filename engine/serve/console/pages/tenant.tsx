/**
 * /tenants/:name — one tenant: its network drawn (engine/topology's SVG, laid out on the
 * server), its recorded resources, its spec file with line numbers (`#L12` links to a
 * line), and its drift in three columns — what the spec asks for, what the state
 * recorded, what the provider reports — with "Check now" (reality read again), "Correct
 * reality" (a plan that puts the spec back) and "Adopt observed into the spec" (an edit
 * of the spec, shown as a plan). A tenant outside the viewer's scope is not found, in
 * the same words as one that does not exist.
 */
import { readFileSync } from 'node:fs';
import type { FastifyReply } from 'fastify';
import type { VNode } from 'preact';
import { applyEdit } from '../../../../specs/edit/index.js';
import { assertNever } from '../../../../specs/model/never.js';
import { publicView, type AttrValue, type RecordedResource } from '../../../../specs/model/resource.js';
import type { Topology } from '../../../topology/index.js';
import { requireWriter, seesTenant } from '../../caller.js';
import type { ZodApp } from '../../context.js';
import { createPlan } from '../../plan-service.js';
import { changeSpecAsIs } from '../../spec-change.js';
import { HttpProblem } from '../../problem.js';
import { tenantsFor } from '../../routes/tenants.js';
import { DrawnTopologies } from '../drawn-topology.js';
import { DriftChecks, type DriftReport, type DriftRow } from '../drift-check.js';
import type { ConsoleContext } from '../guard.js';
import { Ago, CsrfForm, ErrorPage, Layout, NotFoundPage, Notice, sendHtml, StatusBadge, viewerOf, type Viewer } from '../page.js';
import { pendingPlanOf, type PendingPlan } from '../pending-plan.js';
import { keyFacts } from '../resource-facts.js';
import { fleetRows, type FleetRow } from './fleet.js';
import { tenantLines, type SpecLines } from '../spec-lines.js';
import { TopologyOutline } from '../topology-outline.js';

type TenantSummary = ReturnType<typeof tenantsFor>[number];

/** Longest tenant name a URL may ask for; longer is not a tenant (DNS labels are 63). */
const MAX_NAME = 253;

const tenantHref = (name: string, rest = ''): string => `/tenants/${encodeURIComponent(name)}${rest}`;
const isWriter = (viewer: Viewer): boolean => viewer.caller.role !== 'viewer';

/** The tenant as `viewer` may see it, or undefined: missing and out of scope are one answer. */
function visibleTenant(cx: ConsoleContext, viewer: Viewer, name: unknown): TenantSummary | undefined {
  if (typeof name !== 'string' || name === '' || name.length > MAX_NAME) return undefined;
  if (!seesTenant(viewer.caller, name, cx.source.specs())) return undefined;
  return tenantsFor(cx, { ...viewer.caller, tenant: name }).find((t) => t.name === name);
}

function notFound(reply: FastifyReply, viewer: Viewer, name: unknown): FastifyReply {
  const shown = typeof name === 'string' ? name.slice(0, 80) : '';
  return sendHtml(reply, <NotFoundPage viewer={viewer} what={`Tenant ${shown}`} />, 404);
}

const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;

/** An attribute value as people read it: scalars as they are, lists and maps compactly. */
function valueText(v: AttrValue | undefined): string {
  if (v === undefined) return '—';
  if (v === null) return 'none';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function Overview({ tenant, status, recorded, topology, svg, pending, now }: { tenant: TenantSummary; status: Pick<FleetRow, 'status' | 'summary'> | undefined; recorded: readonly RecordedResource[]; topology: Topology; svg: string | undefined; pending: PendingPlan | undefined; now: Date }): VNode {
  const count = (type: RecordedResource['type']): number => recorded.filter((r) => r.type === type).length;
  const last = recorded.reduce<string | undefined>((m, r) => (m === undefined || r.updatedAt > m ? r.updatedAt : m), undefined);
  return (
    <section id="overview" aria-labelledby="overview-h">
      <h2 id="overview-h">Overview</h2>
      <div class="card">
        <dl class="kv">
          <dt>Partner</dt><dd>{tenant.partner ?? <span class="muted">none (the operator's)</span>}</dd>
          <dt>Zone</dt><dd>{tenant.zone ?? <span class="muted">—</span>}</dd>
          <dt>Status</dt><dd><StatusBadge status={status?.status ?? 'Unknown'} /> {status?.summary ?? <span class="muted">no reconcile verdict yet: “Check now” under Drift reads reality</span>}{tenant.sync ? <span class="muted"> (checked <Ago at={tenant.sync.checkedAt} now={now} />)</span> : null}</dd>
          <dt>Spec file</dt><dd>{tenant.file !== undefined ? <a href="#spec" class="mono">{tenant.file}</a> : <span class="muted">none: only the state knows this tenant</span>}</dd>
          <dt>Resources</dt><dd>{recorded.length} recorded: {[plural(count('network'), 'network'), plural(count('vm'), 'VM'), plural(count('disk'), 'data disk'), plural(count('public-ip'), 'public IP'), plural(count('firewall-rule'), 'firewall rule'), plural(count('vpn-connection'), 'VPN peer'), plural(count('vpn-user'), 'remote-access user')].join(', ')}</dd>
          <dt>Last applied</dt><dd><Ago at={last} now={now} /></dd>
        </dl>
      </div>
      <h3>Topology</h3>
      {pending ? (
        <Notice kind="info"><p>Plan <a href={`/plans/${encodeURIComponent(pending.id)}`} class="mono">{pending.id}</a> is {pending.status === 'approved' ? 'approved and waits to be applied' : 'waiting for approval'}: what it adds, removes, replaces or updates is marked below (+, -, ±, ~).</p></Notice>
      ) : null}
      {svg === undefined || topology.nodes.length === 0 ? (
        <p class="empty">Nothing is recorded for this tenant yet: apply its spec and its network is drawn here.</p>
      ) : (
        <figure class="topology-figure">
          {/* The one raw insertion: engine/topology's own SVG, every text in it escaped there (escapeXml). */}
          <div class="topology" dangerouslySetInnerHTML={{ __html: svg }} />
          <figcaption class="hint">Networks with their segment and CIDR, VMs with their addresses and hypervisor, disks by tier, public IPs with static NAT, port forwards and firewall rules, VPN peers and users, colocation hand-offs.</figcaption>
          <TopologyOutline topology={topology} />
        </figure>
      )}
    </section>
  );
}

function Resources({ recorded, now }: { recorded: readonly RecordedResource[]; now: Date }): VNode {
  return (
    <section id="resources" aria-labelledby="resources-h">
      <h2 id="resources-h">Resources</h2>
      {recorded.length === 0 ? <p class="empty">No resource is recorded for this tenant.</p> : (
        <table class="data">
          <caption class="sr-only">Resources recorded in state, by address</caption>
          <thead>
            <tr><th scope="col">Address</th><th scope="col">Type</th><th scope="col">Provider ID</th><th scope="col">Key attributes</th><th scope="col">Updated</th></tr>
          </thead>
          <tbody>
            {recorded.map((r) => (
              <tr>
                <th scope="row" class="mono">{r.address}{r.protect ? <span class="tag" title="protect: true — never deleted">protected</span> : null}</th>
                <td>{r.type}</td>
                <td class="mono">{r.providerId}</td>
                <td>{keyFacts(r.type, r.attributes).map((f, i) => <>{i > 0 ? <br /> : null}{f}</>)}</td>
                <td><Ago at={r.updatedAt} now={now} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Spec({ tenant, lines }: { tenant: TenantSummary; lines: SpecLines | undefined | 'unreadable' }): VNode {
  return (
    <section id="spec" aria-labelledby="spec-h">
      <h2 id="spec-h">Spec</h2>
      {tenant.file === undefined ? <p class="empty">This tenant has no spec file: it is only recorded in state.</p>
        : lines === undefined || lines === 'unreadable' ? <Notice kind="warning"><p>The spec file <span class="mono">{tenant.file}</span> cannot be shown: it could not be read or split into its documents.</p></Notice>
        : (
          <>
            <p class="hint"><span class="mono">{tenant.file}</span>{lines.first > 1 ? `, from line ${lines.first}` : ''}. Secrets are references to files or variables, never values. Each line number is a link target: <span class="mono">#L{lines.first}</span>.</p>
            <ol class="lines" tabIndex={0} aria-label={`${tenant.file}, line by line`} style={lines.first > 1 ? `counter-reset: line ${lines.first - 1}` : undefined}>
              {lines.lines.map((text, i) => <li id={`L${lines.first + i}`}>{text === '' ? ' ' : text}</li>)}
            </ol>
          </>
        )}
    </section>
  );
}

interface Adoptable {
  readonly ok: boolean;
  readonly reason?: string;
}

/** Whether adopting a row's observed value maps back to one field of the spec (the edit, tried on the text, says). */
function adoptability(specText: string | undefined, tenant: string, row: DriftRow): Adoptable {
  if (row.kind !== 'changed' || row.attribute === undefined || row.observed === undefined) return { ok: false, reason: 'a resource gone from reality cannot be adopted: correct reality, or remove it from the spec' };
  if (specText === undefined) return { ok: false, reason: 'the tenant has no spec file to write it into' };
  const made = applyEdit(specText, tenant, { kind: 'adopt-observed', drift: { address: row.address, attribute: row.attribute, observed: row.observed } });
  return made.problems ? { ok: false, reason: made.problems.map((p) => p.message).join('; ') } : { ok: true };
}

function DriftTable({ viewer, tenant, report, specText }: { viewer: Viewer; tenant: string; report: DriftReport; specText: string | undefined }): VNode {
  const writer = isWriter(viewer);
  return (
    <table class="data drift">
      <caption class="sr-only">Drifted attributes: the spec's value, the state's, and reality's</caption>
      <thead>
        <tr>
          <th scope="col">Resource</th><th scope="col">Attribute</th>
          <th scope="col">Spec <span class="muted">(desired)</span></th>
          <th scope="col">Recorded <span class="muted">(state)</span></th>
          <th scope="col">Observed <span class="muted">(reality)</span></th>
          {writer ? <th scope="col">Action</th> : null}
        </tr>
      </thead>
      <tbody>
        {report.rows.map((row) => {
          const adopt = writer ? adoptability(specText, tenant, row) : undefined;
          const what = row.attribute ?? 'the resource';
          return (
            <tr data-address={row.address} data-attribute={row.attribute ?? ''}>
              <th scope="row" class="mono">{row.address}</th>
              <td>{row.kind === 'deleted' ? <em>deleted outside netfirst</em> : <span class="mono">{row.attribute}</span>}</td>
              <td class="mono drift-spec">{row.spec === 'absent' ? <span class="muted">not in the spec</span> : row.kind === 'deleted' ? 'exists' : valueText(row.spec.value)}</td>
              <td class="mono drift-recorded">{row.kind === 'deleted' ? 'exists' : valueText(row.recorded)}</td>
              <td class="mono drift-observed">{row.kind === 'deleted' ? <strong>gone</strong> : valueText(row.observed)}</td>
              {adopt ? (
                <td>
                  {adopt.ok ? (
                    <CsrfForm viewer={viewer} action={tenantHref(tenant, '/adopt')} class="inline">
                      <input type="hidden" name="address" value={row.address} />
                      <input type="hidden" name="attribute" value={row.attribute ?? ''} />
                      <button type="submit">Adopt observed into the spec<span class="sr-only">: {what} of {row.address}</span></button>
                    </CsrfForm>
                  ) : <span class="hint">Not adoptable: {adopt.reason}</span>}
                </td>
              ) : null}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Drift({ viewer, tenant, report, specText, now }: { viewer: Viewer; tenant: TenantSummary; report: DriftReport | undefined; specText: string | undefined; now: Date }): VNode {
  const sync = tenant.sync;
  return (
    <section id="drift" aria-labelledby="drift-h">
      <h2 id="drift-h">Drift</h2>
      <p>
        Last reconcile verdict: {sync ? <><StatusBadge status={sync.status} /> {sync.summary} <span class="muted">(<Ago at={sync.checkedAt} now={now} />)</span></> : <span class="muted">none yet (the server's reconcile loop has not looked at this tenant)</span>}
      </p>
      <div class="actions">
        <CsrfForm viewer={viewer} action={tenantHref(tenant.name, '/refresh')} class="inline">
          <button type="submit" class="primary">Check now</button>
        </CsrfForm>
        <span class="hint">Reads what really exists through the zone's provider and compares it with the state; changes nothing.</span>
      </div>
      {report === undefined ? null : report.error !== undefined ? (
        <Notice kind="error"><p>The check <Ago at={report.checkedAt} now={now} /> failed: {report.error}</p></Notice>
      ) : report.rows.length === 0 ? (
        <Notice kind="ok"><p>Checked <Ago at={report.checkedAt} now={now} />: reality matches the state ({report.inSync} resources read), no drift.</p></Notice>
      ) : (
        <>
          <Notice kind="warning"><p>Checked <Ago at={report.checkedAt} now={now} />: {report.rows.length} {report.rows.length === 1 ? 'difference' : 'differences'} made outside netfirst.{report.specErrors ? ' The spec has errors: where it could not be planned, its column is empty.' : ''}</p></Notice>
          <DriftTable viewer={viewer} tenant={tenant.name} report={report} specText={specText} />
          {isWriter(viewer) ? (
            <div class="actions">
              <CsrfForm viewer={viewer} action={tenantHref(tenant.name, '/correct')} class="inline">
                <button type="submit">Correct reality</button>
              </CsrfForm>
              <span class="hint">Makes a plan that puts every drifted resource back as the spec says; it runs only once approved.</span>
            </div>
          ) : null}
        </>
      )}
    </section>
  );
}

function readSpecText(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function tenantPages(app: ZodApp, cx: ConsoleContext): void {
  const checks = new DriftChecks(cx);
  const drawings = new DrawnTopologies();

  app.get('/tenants/:name', { schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerOf(request);
    const name = (request.params as { name?: unknown }).name;
    const tenant = visibleTenant(cx, viewer, name);
    if (!tenant) return notFound(reply, viewer, name);
    const now = cx.now();
    const recorded = cx.store.listByTenant(tenant.name).map(publicView);
    // The fleet's verdict: the reconcile loop's, else what planning knows (the same words as the list).
    const [listed] = fleetRows(cx, [tenant]);
    const report = checks.lastOf(tenant.name);
    // A check newer than the last reconcile round that found drift is the freshest verdict there is.
    const row: Pick<FleetRow, 'status' | 'summary'> | undefined = report && report.error === undefined && report.rows.length > 0 && (tenant.sync === undefined || report.checkedAt > tenant.sync.checkedAt)
      ? { status: 'Drifted', summary: `the last check found ${report.rows.length} ${report.rows.length === 1 ? 'difference' : 'differences'} made outside netfirst (see Drift)` }
      : listed;
    const pending = pendingPlanOf(cx, viewer.caller, tenant.name, recorded);
    const { topology, svg } = await drawings.draw(tenant.name, cx.store.serial(), recorded, pending);
    const loaded = cx.source.specs().tenants.get(tenant.name);
    const specText = readSpecText(loaded?.file);
    const lines = loaded === undefined ? undefined : specText === undefined ? 'unreadable' as const : tenantLines(specText, loaded.doc);
    return sendHtml(reply, (
      <Layout title={tenant.name} viewer={viewer} nav="fleet" crumbs={[{ label: 'Tenants', href: '/' }]}>
        <div class="heading">
          <h1>{tenant.name}</h1>
          <StatusBadge status={row?.status ?? 'Unknown'} title={row?.summary} />
          {isWriter(viewer) && tenant.inSpecs ? <a class="edit-link" href={tenantHref(tenant.name, '/edit')}>Change this tenant (add a VM, resize, stop or start, open a port, add a VPN user)</a> : null}
        </div>
        <nav class="tabs" aria-label="Sections">
          <a href="#overview">Overview</a>
          <a href="#resources">Resources</a>
          <a href="#spec">Spec</a>
          <a href="#drift">Drift</a>
        </nav>
        <Overview tenant={tenant} status={row} recorded={recorded} topology={topology} svg={svg} pending={pending} now={now} />
        <Resources recorded={recorded} now={now} />
        <Spec tenant={tenant} lines={lines} />
        <Drift viewer={viewer} tenant={tenant} report={report} specText={specText} now={now} />
      </Layout>
    ));
  });

  // Reads reality and shows it: a read, so viewers may check too; it is audited as the provider is asked.
  app.post('/tenants/:name/refresh', { schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerOf(request);
    const name = (request.params as { name?: unknown }).name;
    const tenant = visibleTenant(cx, viewer, name);
    if (!tenant) return notFound(reply, viewer, name);
    const report = await checks.check(viewer.caller, tenant.name);
    cx.audit(viewer.caller, {
      action: 'console.drift-check', target: tenant.name, result: report.error !== undefined ? 'failed' : 'ok',
      detail: report.error ?? `${report.rows.length} drifted attributes or deleted resources`,
    });
    return reply.code(303).header('Location', tenantHref(tenant.name, '#drift')).send();
  });

  app.post('/tenants/:name/correct', { schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerOf(request);
    const name = (request.params as { name?: unknown }).name;
    const tenant = visibleTenant(cx, viewer, name);
    if (!tenant) return notFound(reply, viewer, name);
    requireWriter(viewer.caller);
    // --refresh: planned against reality, so every drifted attribute is put back as the spec says.
    const made = await createPlan(cx, viewer.caller, { tenants: [tenant.name], refresh: true });
    const s = made.record.summary;
    cx.audit(viewer.caller, { action: 'plan.create', target: tenant.name, planId: made.record.id, result: 'ok', detail: `correct reality (console): ${s.add} to add, ${s.change} to change, ${s.replace} to replace, ${s.destroy} to destroy` });
    return reply.code(303).header('Location', `/plans/${encodeURIComponent(made.record.id)}`).send();
  });

  app.post('/tenants/:name/adopt', { schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerOf(request);
    const name = (request.params as { name?: unknown }).name;
    const tenant = visibleTenant(cx, viewer, name);
    if (!tenant) return notFound(reply, viewer, name);
    requireWriter(viewer.caller);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const address = typeof body['address'] === 'string' ? body['address'] : '';
    const attribute = typeof body['attribute'] === 'string' ? body['attribute'] : '';
    // The value adopted is the one this server read, never one the form carries.
    const row = checks.observed(tenant.name, address, attribute);
    if (!row || row.observed === undefined) {
      throw new HttpProblem('conflict', `no drift of ${attribute || 'an attribute'} of ${address || 'a resource'} was seen by the last check of ${tenant.name}: check again, then adopt`);
    }
    // An edit of the spec file as it is now (specs/edit's adopt-observed), judged, committed and planned by the spec-change service.
    const result = await changeSpecAsIs(cx, viewer.caller, tenant.name, { kind: 'adopt-observed', drift: { address, attribute, observed: row.observed } });
    switch (result.outcome) {
      case 'planned':
        // The spec now asks for what reality is: the check's spec column is out of date.
        checks.forget(tenant.name);
        return reply.code(303).header('Location', `/plans/${encodeURIComponent(result.planId)}`).send();
      case 'invalid':
        return sendHtml(reply, <ErrorPage viewer={viewer} status={422} title="Not adopted" message={`${attribute} of ${address} was not adopted into the spec: ${[...result.problems.map((p) => p.message), ...result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.summary)].filter((m, i, all) => all.indexOf(m) === i).join('; ')}`} />, 422);
      case 'moved':
        throw new HttpProblem('conflict', result.message);
      default:
        return assertNever(result);
    }
  });
}
