/**
 * The API's resources as zod schemas: request validation, response serialisation and
 * the OpenAPI document all come from these (each registered by id, so the document
 * names them as components).
 */
import { z } from 'zod';
import { DiagnosticSchema } from './problem.js';

const Name = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'a DNS label: a-z, 0-9 and -, at most 63');

export const PlanRequestSchema = z.strictObject({
  tenants: z.array(Name).max(1000).optional().describe('plan only these tenants (each must be in the token\'s scope); default: every tenant of the scope'),
  changedSince: z.string().min(1).max(200).optional().describe('plan only the tenants whose specs changed since the merge base of this git revision and the working copy (a partner\'s change is judged as a whole)'),
  refresh: z.boolean().optional().describe('read what really exists first (in bulk): show drift and plan its correction. Default true (false for a destroy); false plans against the recorded state alone and the plan says "(not refreshed)"'),
  destroy: z.boolean().optional().describe('plan the destruction of the tenants'),
  prune: z.boolean().optional().describe("operator only: destroy tenants whose spec is gone"),
  bundle: z.strictObject({
    files: z.array(z.strictObject({
      path: z.string().min(1).max(255).describe('relative path of the spec file, e.g. tenants/acme.yaml'),
      content: z.string().max(1_048_576).describe('the file\'s text (YAML)'),
    })).min(1).max(500),
  }).optional().describe("the branch's own spec files (what a pull-request pipeline posts): planned with the server's Zone and Partners documents, instead of the server's copies of the same tenants"),
}).meta({ id: 'PlanRequest' });

export const PlanStatusSchema = z.enum(['planned', 'approved', 'discarded', 'applying', 'applied', 'failed']);

export const PlanSchema = z.object({
  id: z.string(),
  status: PlanStatusSchema.describe('planned → approved → applying → applied | failed; or discarded'),
  createdAt: z.string().describe('ISO 8601 UTC'),
  createdBy: z.string().describe('the id of the token that made it'),
  partner: z.string().optional().describe('the partner whose run it is (absent: the operator\'s)'),
  tenants: z.array(z.string()),
  destroy: z.boolean(),
  serial: z.number().int().describe('the state serial it was planned against'),
  specHash: z.string().describe('the hash of the spec files it was planned from'),
  hasChanges: z.boolean(),
  hasErrors: z.boolean(),
  summary: z.object({ add: z.number().int(), change: z.number().int(), replace: z.number().int(), destroy: z.number().int() }),
  approvedBy: z.string().optional(),
  approvedAt: z.string().optional(),
  discardedAt: z.string().optional(),
}).meta({ id: 'Plan' });

export const PlanDetailSchema = PlanSchema.extend({
  diagnostics: z.array(DiagnosticSchema),
  renderings: z.object({
    text: z.string().describe('the plan as `netfirst plan` prints it'),
    markdown: z.string().describe('the pull-request comment'),
    json: z.record(z.string(), z.unknown()).describe('the sealed plan (format netfirst-plan/1), as `plan --json`'),
  }),
}).meta({ id: 'PlanDetail' });

export const RunStatusSchema = z.enum(['running', 'succeeded', 'failed', 'cancelled', 'interrupted']);

export const RunSchema = z.object({
  id: z.string(),
  planId: z.string(),
  status: RunStatusSchema.describe('interrupted: the server stopped (or was killed) mid-run; the next apply resolves what was in flight'),
  createdAt: z.string(),
  createdBy: z.string(),
  partner: z.string().optional(),
  tenants: z.array(z.string()),
  finishedAt: z.string().optional(),
  summary: z.string().optional(),
}).meta({ id: 'Run' });

export const RunRequestSchema = z.strictObject({
  plan: z.string().min(1).max(100).describe('the id of an approved plan'),
  parallelism: z.number().int().min(1).max(64).optional().describe('provider operations at once (default 10)'),
}).meta({ id: 'RunRequest' });

export const RunEventSchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  type: z.string().describe('run.started | resource.started | resource.done | resource.failed | resource.retrying | run.finished'),
  data: z.record(z.string(), z.unknown()),
}).meta({ id: 'RunEvent' });

export const IdParams = z.object({ id: z.string().min(1).max(100) });
export const IdempotencyHeaders = z.object({
  'idempotency-key': z.string().min(1).max(255).optional().describe('a retry with the same key and body gets the first answer again, and does nothing twice'),
});
