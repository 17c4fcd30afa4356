/** Every route of the server, registered in one place (the OpenAPI document lists them in this order). */
import type { ServeContext, ZodApp } from '../context.js';
import { auditRoutes } from './audit.js';
import { eventRoutes } from './events.js';
import { healthRoutes } from './health.js';
import { leaseRoutes } from './leases.js';
import { planRoutes } from './plans.js';
import { reconcileRoutes } from './reconcile.js';
import { runRoutes } from './runs.js';
import { specRoutes } from './specs.js';
import { stateRoutes } from './state.js';
import { tenantRoutes } from './tenants.js';
import { usageRoutes } from './usage.js';
import { zoneRoutes } from './zones.js';

export function registerRoutes(app: ZodApp, ctx: ServeContext): void {
  healthRoutes(app, ctx);
  zoneRoutes(app, ctx);
  tenantRoutes(app, ctx);
  planRoutes(app, ctx);
  runRoutes(app, ctx);
  specRoutes(app, ctx);
  stateRoutes(app, ctx);
  eventRoutes(app, ctx);
  leaseRoutes(app, ctx);
  usageRoutes(app, ctx);
  reconcileRoutes(app, ctx);
  auditRoutes(app, ctx);
}
