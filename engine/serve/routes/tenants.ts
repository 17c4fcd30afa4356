/**
 * /api/v1/tenants: every tenant the caller may see — with a spec, recorded in state, or
 * both — with its resources, its last reconcile verdict and its drift. A tenant outside
 * the caller's scope is 404, exactly as one that does not exist.
 */
import { relative } from 'node:path';
import { z } from 'zod';
import { publicView, type RecordedResource } from '../../../specs/model/resource.js';
import type { TenantSyncRecord } from '../../../state/index.js';
import type { ServeContext, ZodApp } from '../context.js';
import { seesTenant, tenantNotFound, type Caller } from '../caller.js';
import { ownsTenant } from '../../partners/index.js';
import { PageQuery, pageByKey, pageOf } from '../pagination.js';
import { ProblemSchema } from '../problem.js';
import { callerOf } from './request.js';

const errors = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 429: ProblemSchema };

const SyncSchema = z.object({
  status: z.enum(['Synced', 'OutOfSync', 'Drifted', 'Error']),
  summary: z.string(),
  drifted: z.number().int(),
  pending: z.number().int(),
  checkedAt: z.string(),
  statusSince: z.string(),
  lastSyncedAt: z.string().optional(),
  lastError: z.string().optional(),
}).meta({ id: 'TenantSync' });

export const TenantSchema = z.object({
  name: z.string(),
  zone: z.string().optional(),
  partner: z.string().optional().describe('the partner whose Partners entry names it'),
  file: z.string().optional().describe('its spec file, from the spec root; absent when only state knows it'),
  inSpecs: z.boolean(),
  resources: z.number().int().describe('resources recorded in state'),
  sync: SyncSchema.optional().describe('the last reconcile verdict'),
}).meta({ id: 'Tenant' });

export const RecordedResourceSchema = z.object({
  address: z.string(),
  type: z.string(),
  tenant: z.string(),
  zone: z.string(),
  providerId: z.string(),
  attributes: z.record(z.string(), z.unknown()).describe('as recorded; sensitive attributes read "(sensitive)"'),
  dependsOn: z.array(z.string()),
  boundTo: z.array(z.string()).describe('resources this one is bound to (replaced with them)'),
  sensitive: z.array(z.string()).describe('attributes kept only as digests'),
  protect: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
}).meta({ id: 'RecordedResource' });

const TenantDetailSchema = TenantSchema.extend({
  spec: z.record(z.string(), z.unknown()).optional().describe('the Tenant document as loaded (secrets are references, never values)'),
  recorded: z.array(RecordedResourceSchema),
  drift: z.array(z.object({ address: z.string(), kind: z.enum(['changed', 'deleted']), attributes: z.array(z.string()).optional() })),
}).meta({ id: 'TenantDetail' });

/** Sensitive attributes stay digests in state; shown as (sensitive). */
export function publicResource(recorded: RecordedResource): z.infer<typeof RecordedResourceSchema> {
  const r = publicView(recorded);
  const attributes: Record<string, unknown> = r.attributes;
  return { address: r.address, type: r.type, tenant: r.tenant, zone: r.zone, providerId: r.providerId, attributes, dependsOn: [...r.dependsOn], boundTo: [...r.boundTo], sensitive: [...r.sensitive], protect: r.protect, createdAt: r.createdAt, updatedAt: r.updatedAt };
}

const syncOf = (s: TenantSyncRecord): z.infer<typeof SyncSchema> => ({
  status: s.status, summary: s.summary, drifted: s.drifted, pending: s.pending, checkedAt: s.checkedAt, statusSince: s.statusSince,
  ...(s.lastSyncedAt !== undefined ? { lastSyncedAt: s.lastSyncedAt } : {}),
  ...(s.lastError !== undefined ? { lastError: s.lastError } : {}),
});

interface TenantBase {
  readonly name: string;
  readonly zone?: string;
  readonly partner?: string;
  readonly file?: string;
  readonly inSpecs: boolean;
  readonly resources: number;
}

/** What every tenant is, from the specs and the state; kept while neither moves (a list of 1,000 is read often). */
let cached: { specs: object; serial: number; tenants: TenantBase[] } | undefined;

function tenantBases(ctx: ServeContext): TenantBase[] {
  const specs = ctx.source.specs();
  const snapshot = ctx.store.snapshot();
  if (cached && cached.specs === specs && cached.serial === snapshot.serial) return cached.tenants;
  const counts = new Map<string, { zone: string; n: number }>();
  for (const r of snapshot.resources.values()) {
    const c = counts.get(r.tenant);
    if (c) c.n++;
    else counts.set(r.tenant, { zone: r.zone, n: 1 });
  }
  const partnerOf = new Map<string, string>();
  const names = new Set([...specs.tenants.keys(), ...counts.keys()]);
  for (const doc of specs.partners) {
    for (const p of doc.value.spec.partners) {
      for (const t of names) if (!partnerOf.has(t) && ownsTenant({ spec: p }, t)) partnerOf.set(t, p.name);
    }
  }
  const out: TenantBase[] = [];
  for (const name of names) {
    const spec = specs.tenants.get(name);
    const zone = spec?.value.spec.zone ?? counts.get(name)?.zone;
    const partner = partnerOf.get(name);
    out.push({
      name,
      ...(zone !== undefined ? { zone } : {}),
      ...(partner !== undefined ? { partner } : {}),
      ...(spec ? { file: relative(ctx.source.root, spec.file) } : {}),
      inSpecs: spec !== undefined,
      resources: counts.get(name)?.n ?? 0,
    });
  }
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  cached = { specs, serial: snapshot.serial, tenants: out };
  return out;
}

/** Every tenant the caller sees, by name, with its last reconcile verdict. */
export function tenantsFor(ctx: ServeContext, caller: Caller): z.infer<typeof TenantSchema>[] {
  const specs = ctx.source.specs();
  const sync = new Map(ctx.store.listTenantStatus().map((s) => [s.tenant, s]));
  const out: z.infer<typeof TenantSchema>[] = [];
  for (const t of tenantBases(ctx)) {
    if (!seesTenant(caller, t.name, specs)) continue;
    const s = sync.get(t.name);
    out.push(s ? { ...t, sync: syncOf(s) } : t);
  }
  return out;
}

export function tenantRoutes(app: ZodApp, ctx: ServeContext): void {
  app.get('/api/v1/tenants', {
    schema: {
      summary: 'List tenants', tags: ['tenants'],
      querystring: PageQuery.extend({
        zone: z.string().max(63).optional(),
        partner: z.string().max(63).optional(),
        status: z.enum(['Synced', 'OutOfSync', 'Drifted', 'Error']).optional().describe('the last reconcile verdict'),
        q: z.string().max(63).optional().describe('names containing this'),
      }),
      response: { 200: pageOf(TenantSchema, 'TenantPage'), ...errors },
    },
  }, async (request) => {
    const caller = callerOf(request);
    const { limit, cursor, zone, partner, status, q } = request.query;
    const all = tenantsFor(ctx, caller).filter((t) => (zone === undefined || t.zone === zone) && (partner === undefined || t.partner === partner)
      && (status === undefined || t.sync?.status === status) && (q === undefined || t.name.includes(q)));
    return pageByKey(all, (t) => t.name, limit, cursor);
  });

  app.get('/api/v1/tenants/:name', {
    schema: {
      summary: 'Show a tenant: spec, recorded resources, last reconcile verdict, drift', tags: ['tenants'],
      params: z.object({ name: z.string().max(63) }),
      response: { 200: TenantDetailSchema, ...errors },
    },
  }, async (request) => {
    const caller = callerOf(request);
    const name = request.params.name;
    const specs = ctx.source.specs();
    if (!seesTenant(caller, name, specs)) throw tenantNotFound(name);
    const summary = tenantsFor(ctx, { ...caller, tenant: name }).find((t) => t.name === name);
    if (!summary) throw tenantNotFound(name);
    const spec = specs.tenants.get(name);
    const status = ctx.store.listTenantStatus().find((s) => s.tenant === name);
    return {
      ...summary,
      ...(spec ? { spec: JSON.parse(JSON.stringify(spec.value)) as Record<string, unknown> } : {}),
      recorded: ctx.store.listByTenant(name).map(publicResource),
      drift: (status?.detail.drift ?? []).map((d) => ({ address: d.address, kind: d.kind, ...(d.attributes ? { attributes: [...d.attributes] } : {}) })),
    };
  });
}
