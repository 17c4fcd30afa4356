/**
 * /api/v1/zones: each zone's inventory and capacity (clusters, storage tiers, segment
 * and public-IP pools: used and free), from its spec and what the state records. The
 * operator's and unscoped viewers': what all tenants of a zone use together is nobody
 * else's business.
 */
import { z } from 'zod';
import type { ServeContext, ZodApp } from '../context.js';
import { HttpProblem, ProblemSchema } from '../problem.js';
import { PageQuery, pageByKey, pageOf } from '../pagination.js';
import { seesAll, type Caller } from '../caller.js';
import { zoneReport, ZoneReportSchema, type ZoneReport } from '../zone-report.js';
import { callerOf } from './request.js';

const errors = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 429: ProblemSchema };

/** Zones are the operator's documents: only callers that see every tenant read them (the console asks the same). */
export function requireZoneReader(caller: Caller): void {
  if (!seesAll(caller)) throw new HttpProblem('forbidden', "zone inventory and capacity are the operator's: this token is scoped to a partner or a tenant");
}

/** Every zone's report, by name: what the API lists and the console's zones page draws. */
export function zoneReports(ctx: ServeContext): ZoneReport[] {
  const specs = ctx.source.specs();
  const recorded = [...ctx.store.snapshot().resources.values()];
  return [...specs.zones.values()]
    .map((z) => zoneReport(z.value, recorded.filter((r) => r.zone === z.value.metadata.name), ctx.store.listAllocations(z.value.metadata.name)))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function zoneRoutes(app: ZodApp, ctx: ServeContext): void {
  app.get('/api/v1/zones', {
    schema: { summary: 'List zones with inventory and capacity', tags: ['zones'], querystring: PageQuery, response: { 200: pageOf(ZoneReportSchema, 'ZonePage'), ...errors } },
  }, async (request) => {
    requireZoneReader(callerOf(request));
    return pageByKey(zoneReports(ctx), (z) => z.name, request.query.limit, request.query.cursor);
  });

  app.get('/api/v1/zones/:zone', {
    schema: { summary: 'Show a zone', tags: ['zones'], params: z.object({ zone: z.string().max(63) }), response: { 200: ZoneReportSchema, ...errors } },
  }, async (request) => {
    requireZoneReader(callerOf(request));
    const found = zoneReports(ctx).find((z) => z.name === request.params.zone);
    if (!found) throw new HttpProblem('not-found', `zone ${request.params.zone} was not found`);
    return found;
  });
}
