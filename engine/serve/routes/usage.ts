/**
 * GET /api/v1/usage: the usage export for billing, byte for byte what `netfirst usage
 * export` writes for the same range and filters (both call engine/usage's usageExport),
 * streamed as it is computed. A partner's token exports only its partner's tenants, a
 * tenant's token only its tenant; another partner is 404, as one that does not exist.
 */
import { Readable } from 'node:stream';
import { z } from 'zod';
import { openState } from '../../../state/index.js';
import type { FastifyReply } from 'fastify';
import { FORMATS, formatInstant, GRANULARITIES, parseRange, partnersOfSpecs, usageExport, type Granularity, type PartnerDirectory, type UsageFormat, type UsageRange } from '../../usage/index.js';
import type { ServeContext, ZodApp } from '../context.js';
import { seesAll, seesTenant, tenantNotFound, type Caller } from '../caller.js';
import { HttpProblem, ProblemSchema } from '../problem.js';
import { callerOf } from './request.js';

const errors = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 429: ProblemSchema };

const MEDIA_TYPES: Record<UsageFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
};

const TenantName = z.string().max(63);

export const UsageQuery = z.object({
  from: z.string().max(64).describe('start of the range, inclusive: ISO 8601 (2025-03-01, 2025-03-01T10:00:00Z), at the start of a period'),
  to: z.string().max(64).describe('end of the range, exclusive'),
  granularity: z.enum(GRANULARITIES).default('hour').describe("length of each record's period"),
  format: z.enum(FORMATS).default('csv'),
  tenant: z.union([TenantName, z.array(TenantName).max(1000)]).optional().describe('only this tenant (repeatable)'),
  partner: z.string().max(63).optional().describe("only this partner's tenants (a partner's token: its own, the default)"),
});

const UsageRecordSchema = z.object({
  tenant: z.string(),
  partner: z.string(),
  zone: z.string(),
  address: z.string(),
  resourceType: z.string(),
  usageType: z.string(),
  cloudstackUsageType: z.number().int().nullable(),
  hypervisor: z.string(),
  size: z.string(),
  tier: z.string(),
  start: z.string(),
  end: z.string(),
  quantity: z.string().describe('an exact decimal, as text'),
  unit: z.string(),
}).meta({ id: 'UsageRecord' });

const partnerNotFound = (partner: string): HttpProblem => new HttpProblem('not-found', `partner ${partner} was not found`);

/** The range's problems, each on the query field it is about (the engine words them for the CLI's flags). */
function rangeProblem(problems: readonly string[]): HttpProblem {
  const errors = problems.map((p) => {
    const field = /^--(from|to|granularity)\b/.exec(p)?.[1] ?? 'from';
    return { field: `querystring.${field}`, message: p.replace(/--(from|to|granularity)\b/g, '$1') };
  });
  return new HttpProblem('bad-request', `the range is not valid: ${errors.map((e) => e.message).join('; ')}`, { errors });
}

/** The tenants and partner of the export, as the caller may have them (its scope narrows, never widens). */
function selectionFor(caller: Caller, asked: { tenants: string[]; partner: string | undefined }, specs: Parameters<typeof seesTenant>[2]): { tenants: string[]; partner: string | undefined } {
  for (const t of asked.tenants) if (!seesTenant(caller, t, specs)) throw tenantNotFound(t);
  if (asked.tenants.length > 0 && asked.partner !== undefined) {
    throw new HttpProblem('bad-request', 'tenant and partner cannot be combined: choose one', { errors: [{ field: 'querystring.partner', message: 'not with tenant' }] });
  }
  if (caller.tenant !== undefined) {
    if (asked.partner !== undefined) throw partnerNotFound(asked.partner);
    return { tenants: asked.tenants.length > 0 ? asked.tenants : [caller.tenant], partner: undefined };
  }
  if (caller.partner !== undefined) {
    if (asked.partner !== undefined && asked.partner !== caller.partner) throw partnerNotFound(asked.partner);
    return asked.tenants.length > 0 ? { tenants: asked.tenants, partner: undefined } : { tenants: [], partner: caller.partner };
  }
  return asked;
}

/** `usage-2025-03-01T000000Z-2025-04-01T000000Z-day.csv` */
const fileName = (from: number, to: number, granularity: string, format: UsageFormat): string =>
  `usage-${formatInstant(from).replace(/:/g, '')}-${formatInstant(to).replace(/:/g, '')}-${granularity}.${format}`;

export function usageRoutes(app: ZodApp, ctx: ServeContext): void {
  app.get('/api/v1/usage', {
    schema: {
      summary: 'Export usage records',
      description: 'The billing records of a range (VM, vCPU, memory, storage per tier, public IP, network, VPN per tenant, resource and period), exactly as `netfirst usage export` writes them, streamed as they are computed. `from` and `to` must fall on period boundaries of `granularity`.',
      tags: ['usage'],
      querystring: UsageQuery,
      produces: ['text/csv', 'application/json', 'application/xml'],
      response: {
        200: {
          description: 'the export, as an attachment',
          content: {
            'text/csv': { schema: z.string().describe('a header row, then one row per record') },
            'application/json': { schema: z.array(UsageRecordSchema) },
            'application/xml': { schema: z.string().describe('<usage from= to= granularity=> with one <record> per record') },
          },
        },
        ...errors,
      },
    },
  }, async (request, reply) => sendUsageExport(ctx, reply, usageSelection(ctx, callerOf(request), request.query), request.query.format));
}

/** An export as the caller may have it: the range, and the tenants, partner and scope it covers. */
export interface ScopedUsageSelection {
  readonly range: UsageRange;
  readonly tenants: string[];
  readonly partner: string | undefined;
  readonly directory: PartnerDirectory;
  /** The caller's scope; undefined when it sees every tenant. */
  readonly visible: ((tenant: string) => boolean) | undefined;
}

/**
 * What an export query selects for `caller`, or the problem that stops it (a range not
 * on period boundaries, a tenant or partner outside its scope: 404). The API's export
 * and the console's charts and downloads all start here, so their scope rules are one.
 */
export function usageSelection(
  ctx: ServeContext,
  caller: Caller,
  q: { from: string; to: string; granularity: Granularity; tenant?: string | string[] | undefined; partner?: string | undefined },
): ScopedUsageSelection {
  const parsed = parseRange({ from: q.from, to: q.to, granularity: q.granularity });
  if (!parsed.ok) throw rangeProblem(parsed.problems);
  const { range } = parsed;
  const specs = ctx.source.specs();
  const asked = { tenants: q.tenant === undefined ? [] : Array.isArray(q.tenant) ? q.tenant : [q.tenant], partner: q.partner };
  const { tenants, partner } = selectionFor(caller, asked, specs);
  const directory = partnersOfSpecs(specs);
  if (partner !== undefined && !directory.known.includes(partner)) throw partnerNotFound(partner);
  const visible = seesAll(caller) ? undefined : (t: string) => seesTenant(caller, t, specs);
  return { range, tenants, partner, directory, visible };
}

/** Streams the export of `selection` in `format` as an attachment: the API's response, and the console's download. */
export function sendUsageExport(ctx: ServeContext, reply: FastifyReply, selection: ScopedUsageSelection, format: UsageFormat): FastifyReply {
  const { range, tenants, partner, directory, visible } = selection;
  // A connection of its own: the export holds it while the client reads, and the
  // server's connection must stay free for other requests meanwhile.
  const state = openState(ctx.options.statePath);
  let open = true;
  const close = (): void => {
    if (open) state.close();
    open = false;
  };
  const chunks = usageExport((filter) => state.events(filter), { range, format, directory, tenants, partner, visible, now: ctx.now().getTime() });
  const body = Readable.from(chunks, { objectMode: false });
  body.once('close', close);
  reply
    .header('Content-Type', MEDIA_TYPES[format])
    .header('Content-Disposition', `attachment; filename="${fileName(range.from, range.to, range.granularity, format)}"`);
  // A stream is piped as it is, never serialised: the response schema above documents its bytes.
  return reply.send(body as unknown as string);
}
