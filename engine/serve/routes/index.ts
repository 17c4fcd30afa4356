/** Every route of the server, registered in one place (the OpenAPI document lists them in this order). */
import type { ServeContext, ZodApp } from '../context.js';
import { healthRoutes } from './health.js';
import { planRoutes } from './plans.js';
import { runRoutes } from './runs.js';
import { specRoutes } from './specs.js';
import { tenantRoutes } from './tenants.js';
import { zoneRoutes } from './zones.js';

export function registerRoutes(app: ZodApp, ctx: ServeContext): void {
  healthRoutes(app, ctx);
  zoneRoutes(app, ctx);
  tenantRoutes(app, ctx);
  planRoutes(app, ctx);
  runRoutes(app, ctx);
  specRoutes(app, ctx);
}
