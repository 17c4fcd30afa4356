/**
 * What a client looks up before it creates anything: the zone, offerings and templates
 * of the catalog. Filters match as CloudStack's do (names exactly, `guestiptype` and
 * `hypervisor` in any case); `listTemplates` requires a valid `templatefilter`, and every
 * template of this zone is public, featured and ready, so each filter lists them all.
 */
import type { CommandHandler, Context } from '../command.js';
import { invalid, noSuchEntity } from '../errors.js';
import type { JsonObject } from '../json.js';
import {
  diskOfferingView, networkOfferingView, serviceOfferingView, templateView, vpcOfferingView, zoneView,
} from '../views.js';

/** A catalog `id` filter: an id that names nothing is CloudStack's parameter error. */
function idFilter(ctx: Context, ids: readonly string[]): string | undefined {
  const id = ctx.params.str('id');
  if (id !== undefined && !ids.includes(id)) throw noSuchEntity('id', id);
  return id;
}

function zoneFilter(ctx: Context): boolean {
  const zoneid = ctx.params.str('zoneid');
  if (zoneid !== undefined && zoneid !== ctx.catalog.zone.id) throw noSuchEntity('zoneid', zoneid);
  return true;
}

const named = (ctx: Context, name: string): boolean => {
  const wanted = ctx.params.str('name');
  return wanted === undefined || wanted === name;
};

const TEMPLATE_FILTERS = ['featured', 'self', 'selfexecutable', 'sharedexecutable', 'executable', 'community', 'all'];

export const discoveryCommands = {
  listZones: {
    kind: 'list', key: 'zone',
    run: (ctx) => {
      const id = idFilter(ctx, [ctx.catalog.zone.id]);
      const z = ctx.catalog.zone;
      return (id === undefined || id === z.id) && named(ctx, z.name) ? [zoneView(ctx.catalog)] : [];
    },
  },
  listNetworkOfferings: {
    kind: 'list', key: 'networkoffering',
    run: (ctx) => {
      const id = idFilter(ctx, ctx.catalog.networkOfferings.map((o) => o.id));
      zoneFilter(ctx);
      const guestiptype = ctx.params.str('guestiptype');
      const forvpc = ctx.params.bool('forvpc');
      const state = ctx.params.str('state');
      return ctx.catalog.networkOfferings
        .filter((o) => (id === undefined || o.id === id) && named(ctx, o.name))
        .filter(() => guestiptype === undefined || guestiptype.toLowerCase() === 'isolated')
        .filter((o) => forvpc === undefined || o.forvpc === forvpc)
        .filter(() => state === undefined || state.toLowerCase() === 'enabled')
        .map(networkOfferingView);
    },
  },
  listVPCOfferings: {
    kind: 'list', key: 'vpcoffering',
    run: (ctx) => {
      const o = ctx.catalog.vpcOffering;
      const id = idFilter(ctx, [o.id]);
      return (id === undefined || id === o.id) && named(ctx, o.name) ? [vpcOfferingView(ctx.catalog)] : [];
    },
  },
  listServiceOfferings: {
    kind: 'list', key: 'serviceoffering',
    run: (ctx) => {
      const id = idFilter(ctx, ctx.catalog.serviceOfferings.map((o) => o.id));
      return ctx.catalog.serviceOfferings
        .filter((o) => (id === undefined || o.id === id) && named(ctx, o.name))
        .map((o) => serviceOfferingView(o, ctx.catalog.created));
    },
  },
  listDiskOfferings: {
    kind: 'list', key: 'diskoffering',
    run: (ctx) => {
      const id = idFilter(ctx, ctx.catalog.diskOfferings.map((o) => o.id));
      return ctx.catalog.diskOfferings
        .filter((o) => (id === undefined || o.id === id) && named(ctx, o.name))
        .map((o) => diskOfferingView(o, ctx.catalog.created));
    },
  },
  listTemplates: {
    kind: 'list', key: 'template',
    run: (ctx) => {
      const filter = ctx.params.required('templatefilter');
      if (!TEMPLATE_FILTERS.includes(filter.toLowerCase())) {
        throw invalid(`Please specify a valid template filter: one of ${TEMPLATE_FILTERS.join(', ')}`);
      }
      const id = idFilter(ctx, ctx.catalog.templates.map((t) => t.id));
      zoneFilter(ctx);
      const hypervisor = ctx.params.str('hypervisor')?.toLowerCase();
      return ctx.catalog.templates
        .filter((t) => (id === undefined || t.id === id) && named(ctx, t.name))
        .filter((t) => hypervisor === undefined || t.hypervisor === hypervisor)
        .map((t): JsonObject => templateView(ctx.catalog, t, ctx.catalog.created));
    },
  },
} satisfies Record<string, CommandHandler>;
