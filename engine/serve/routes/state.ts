/**
 * /api/v1/state: what the state has recorded, as `netfirst state list | show` shows it.
 * The state as a whole (lineage, serial) is the operator's and an unscoped viewer's; its
 * resources are listed only for the tenants the caller sees, and a resource of a tenant
 * outside the scope is 404 with the same words as one that does not exist.
 */
import { z } from 'zod';
import { parseAddress, RESOURCE_TYPES } from '../../../specs/model/resource.js';
import type { ServeContext, ZodApp } from '../context.js';
import { seesAll, seesTenant, tenantNotFound } from '../caller.js';
import { PageQuery, pageByKey, pageOf } from '../pagination.js';
import { HttpProblem, ProblemSchema } from '../problem.js';
import { publicResource, RecordedResourceSchema } from './tenants.js';
import { callerOf } from './request.js';

const errors = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 429: ProblemSchema };

export const StateSummarySchema = z.object({
  lineage: z.string().describe('a UUID fixed when the state was created: tells one state apart from a copy of another'),
  serial: z.number().int().describe('goes up by one with every committed change to resources'),
  schemaVersion: z.number().int(),
  resources: z.number().int().describe('resources recorded'),
}).meta({ id: 'StateSummary' });

const ResourceQuery = PageQuery.extend({
  tenant: z.string().max(63).optional().describe("only this tenant's resources"),
  type: z.enum(RESOURCE_TYPES).optional().describe('only resources of this type'),
  zone: z.string().max(63).optional().describe('only resources in this zone'),
});

const byAddress = (a: { address: string }, b: { address: string }): number => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0);

export function stateRoutes(app: ZodApp, ctx: ServeContext): void {
  app.get('/api/v1/state', {
    schema: {
      summary: 'Show the state: lineage, serial, schema version, resource count',
      description: "The state as a whole is the operator's (and an unscoped viewer's): its serial moves with every tenant's changes.",
      tags: ['state'],
      response: { 200: StateSummarySchema, ...errors },
    },
  }, async (request) => {
    const caller = callerOf(request);
    if (!seesAll(caller)) throw new HttpProblem('forbidden', `the state as a whole is the operator's: this token sees only its own tenants (GET /api/v1/state/resources lists theirs)`);
    const snapshot = ctx.store.snapshot();
    return { lineage: ctx.store.lineage, serial: snapshot.serial, schemaVersion: ctx.store.schemaVersion, resources: snapshot.resources.size };
  });

  app.get('/api/v1/state/resources', {
    schema: {
      summary: 'List recorded resources',
      description: 'As `netfirst state list`: sorted by address, only the tenants the token sees; sensitive attributes read "(sensitive)".',
      tags: ['state'],
      querystring: ResourceQuery,
      response: { 200: pageOf(RecordedResourceSchema, 'RecordedResourcePage'), ...errors },
    },
  }, async (request) => {
    const caller = callerOf(request);
    const { limit, cursor, tenant, type, zone } = request.query;
    const specs = ctx.source.specs();
    if (tenant !== undefined && !seesTenant(caller, tenant, specs)) throw tenantNotFound(tenant);
    const seen = new Map<string, boolean>();
    const visible = (t: string): boolean => {
      let v = seen.get(t);
      if (v === undefined) seen.set(t, (v = seesTenant(caller, t, specs)));
      return v;
    };
    const listed = tenant !== undefined ? ctx.store.listByTenant(tenant) : ctx.store.listResources();
    const all = listed.filter((r) => (type === undefined || r.type === type) && (zone === undefined || r.zone === zone) && visible(r.tenant)).sort(byAddress);
    const page = pageByKey(all, (r) => r.address, limit, cursor);
    return { items: page.items.map(publicResource), ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}) };
  });

  app.get('/api/v1/state/resources/*', {
    schema: {
      summary: 'Show a recorded resource',
      description: 'As `netfirst state show ADDRESS --json`; the address is the rest of the path: /api/v1/state/resources/acme-dental/vm/pms-1.',
      tags: ['state'],
      params: z.object({ '*': z.string().min(1).max(512).describe('the resource address, e.g. acme-dental/vm/pms-1') }),
      response: { 200: RecordedResourceSchema, ...errors },
    },
  }, async (request) => {
    const caller = callerOf(request);
    const address = request.params['*'];
    const missing = new HttpProblem('not-found', `resource ${address} was not found`);
    // Scope first: a resource of another's tenant is answered exactly as one never recorded.
    if (!seesTenant(caller, parseAddress(address).tenant, ctx.source.specs())) throw missing;
    const r = ctx.store.getResource(address);
    if (!r) throw missing;
    return publicResource(r);
  });
}
