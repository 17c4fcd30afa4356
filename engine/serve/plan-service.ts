/**
 * Plans made through the API: the same planning as the CLI's (engine/run), run for the
 * caller's scope on the server's warm specs (or on a spec bundle the caller uploaded,
 * bundle.ts), rendered as text, markdown and the sealed JSON, and kept as a plan
 * resource to approve and apply. A plan is never applied as it was stored: applying
 * plans it again and refuses it when the state or the specs have moved (saved-plan.ts).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import picocolors from 'picocolors';
import { hasErrors } from '../../specs/diagnostic.js';
import type { SpecSet } from '../../specs/model.js';
import type { ApiPlanRecord } from '../../state/index.js';
import { isEffective, summarize } from '../plan/change.js';
import type { Plan } from '../plan/plan.js';
import { renderSealedPlanJson } from '../plan/render-json.js';
import { specFilesMoved } from '../plan/saved.js';
import { renderPlanMarkdown } from '../plan/render-markdown.js';
import { renderDiagnostics, renderDriftText, renderPlanText } from '../plan/render-text.js';
import { renderChangedSinceText } from '../run/changed-since.js';
import { UserError } from '../run/errors.js';
import { partnerView, findPartner, ownerOf } from '../partners/index.js';
import { loadRunSpecs } from '../run/partner.js';
import { computePlan, type PlanRunOptions } from '../run/plan-run.js';
import { seesTenant, tenantNotFound, requireWriter, type Caller } from './caller.js';
import type { ServeContext } from './context.js';
import { apiDiagnostics, HttpProblem } from './problem.js';

const PLAIN = picocolors.createColors(false);

export interface PlanRequest {
  readonly tenants?: readonly string[] | undefined;
  readonly changedSince?: string | undefined;
  readonly refresh?: boolean | undefined;
  readonly destroy?: boolean | undefined;
  readonly prune?: boolean | undefined;
  /** The review branch a console edit was committed to (spec-change.ts): merging it, not this plan, is the approval. */
  readonly reviewBranch?: string | undefined;
}

/** The review branch a plan shows the merge of, when it is such a plan: it is not approved here. */
export const reviewBranchOf = (plan: Pick<ApiPlanRecord, 'request'>): string | undefined => (JSON.parse(plan.request) as { reviewBranch?: string }).reviewBranch;

/** Where the server keeps what it made: sealed plans and uploaded bundles (private to the state's owner). */
export const serverDir = (statePath: string): string => join(dirname(statePath), 'server');
export const sealedPlanFile = (statePath: string, id: string): string => join(serverDir(statePath), 'plans', `${id}.json`);

/**
 * The partner a caller's runs act as: a partner token's own; for a tenant token, the
 * partner that manages its tenant (its quotas and secret rules hold); none for the operator.
 */
export function runPartnerOf(caller: Caller, specs: Pick<SpecSet, 'partners'>): string | undefined {
  if (caller.role === 'operator') return undefined;
  if (caller.partner !== undefined) return caller.partner;
  if (caller.tenant !== undefined) {
    const owner = ownerOf(specs, caller.tenant);
    if (owner.kind === 'partner') return owner.partner.name;
  }
  return undefined;
}

/** The tenants a caller's plan covers: those asked for (each must be in scope, else 404), or all of its scope. */
function tenantsFor(caller: Caller, asked: readonly string[] | undefined, specs: SpecSet): string[] | undefined {
  if (asked !== undefined && asked.length > 0) {
    for (const t of asked) if (!seesTenant(caller, t, specs)) throw tenantNotFound(t);
    return [...new Set(asked)];
  }
  if (caller.tenant !== undefined) return [caller.tenant];
  return undefined;
}

/** The specs as a run of `partner` sees them: the warm set, through the partner's view. */
export function viewFor(specs: SpecSet, partner: string | undefined): SpecSet {
  if (partner === undefined) return specs;
  const found = findPartner(specs, partner);
  if (!found.partner) throw new HttpProblem('forbidden', `partner ${partner} is not in the Partners document: this token can plan nothing`);
  return partnerView(specs, found.partner);
}

export interface MadePlan {
  readonly record: ApiPlanRecord;
  readonly diagnostics: ReturnType<typeof apiDiagnostics>;
  readonly drift: number;
}

/**
 * Plans for `caller`. `bundle`: the specs to plan instead of the server's (an uploaded
 * bundle, already judged, with the paths it was laid out at). Spec errors that hold back
 * everything are a 422 with the diagnostics.
 */
export async function createPlan(
  ctx: ServeContext,
  caller: Caller,
  request: PlanRequest,
  bundle?: { readonly specs: SpecSet; readonly paths: readonly string[]; readonly root: string; readonly secretStore?: string | undefined },
): Promise<MadePlan> {
  requireWriter(caller);
  if (ctx.draining()) throw new HttpProblem('draining', 'the server is shutting down: no new plans');
  if (request.prune && caller.role !== 'operator') throw new HttpProblem('forbidden', "prune is the operator's: it destroys tenants whose specs are gone");
  const source = ctx.source.specs();
  const loaded = bundle?.specs ?? source;
  // An uploaded bundle's files are named from its root, the server's from the spec root.
  const roots = bundle ? [bundle.root, ctx.source.root] : [ctx.source.root];
  const paths = bundle?.paths ?? [ctx.source.root];
  const partner = runPartnerOf(caller, source);
  if (caller.role !== 'operator' && partner === undefined && caller.tenant === undefined) {
    throw new HttpProblem('forbidden', 'this token is not scoped to a partner or a tenant: it can plan nothing');
  }
  const tenants = tenantsFor(caller, request.tenants, source);
  const options: PlanRunOptions = {
    state: ctx.options.statePath,
    ...(bundle?.secretStore !== undefined ? { secretStore: bundle.secretStore } : {}),
    // A run of no partner is the operator's; '' keeps NETFIRST_PARTNER of the server's environment out of it.
    partner: partner ?? '',
    ...(tenants ? { tenant: tenants } : {}),
    ...(request.prune ? { prune: true } : {}),
    // Plans read what really exists first, as Terraform Cloud's runs do, unless asked not to
    // (refresh: false); a destroy only when asked, as the CLI's (engine/cli/main.ts says why).
    refresh: request.refresh ?? request.destroy !== true,
    ...(request.changedSince !== undefined ? { changedSince: request.changedSince } : {}),
    // Plans made here are saved plans: all or nothing, never past tenants' errors.
    out: 'api',
    // The server's own connection: its snapshot stays warm between plans.
    openState: () => ({ ...ctx.store, close: () => undefined }),
    // Settled zone-mates are left to state (settled.ts); an uploaded bundle holds only its own tenants anyway.
    ...(!bundle ? contextOf(ctx.settled.context(loaded)) : {}),
  };
  let computed;
  try {
    // --changed-since judges a partner's change against the merge base: that reads git, not the warm set.
    const specs = request.changedSince !== undefined && partner !== undefined && !bundle ? loadRunSpecs(paths, options) : viewFor(loaded, partner);
    computed = await computePlan(paths, options, request.destroy ?? false, specs);
  } catch (error) {
    // Named from the spec root: the server's own directories are nobody's business.
    if (error instanceof UserError) throw new HttpProblem('refused', hidePaths(error.message, roots));
    throw error;
  }
  const { state, plan } = computed;
  if (!bundle && request.changedSince === undefined) ctx.settled.learn(plan, plan.selection?.tenants ? new Set(plan.selection.tenants) : 'all', loaded);
  try {
    const diagnostics = apiDiagnostics(plan.diagnostics).map((d) => (d.file !== undefined ? { ...d, file: hidePaths(d.file, roots) } : d));
    if (hasErrors(plan.diagnostics) && plan.skipped === undefined) {
      const n = plan.diagnostics.filter((d) => d.severity === 'error').length;
      throw new HttpProblem('invalid-specs', `${n} error${n === 1 ? '' : 's'} in the specs: nothing was planned`, { diagnostics });
    }
    // Tenants the plan changes must all be in the caller's scope (the run's partner view guarantees it; this is the belt).
    for (const c of plan.changes) if (isEffective(c) && !seesTenant(caller, c.tenant, source)) throw new HttpProblem('refused', `the plan would change tenant ${c.tenant}, which is outside this token's scope: refused`);
    const id = `plan-${randomUUID()}`;
    const json = renderSealedPlanJson(plan, { paths, secretKey: state.secretKey });
    const counts = summarize(plan.changes);
    const record: ApiPlanRecord = {
      id,
      createdAt: ctx.now().toISOString(),
      createdBy: caller.tokenId,
      ...(partner !== undefined ? { partner } : {}),
      tenants: planTenants(plan, tenants),
      destroy: request.destroy ?? false,
      status: 'planned',
      serial: plan.serial,
      specHash: plan.specHash,
      hasChanges: plan.changes.some(isEffective),
      hasErrors: hasErrors(plan.diagnostics),
      summary: { add: counts.create, change: counts.update, replace: counts.replace, destroy: counts.delete },
      text: hidePaths(renderedText(plan), roots),
      markdown: hidePaths(renderPlanMarkdown(plan), roots),
      json,
      // What a bundle plan needs again when it is applied; never shown to callers.
      request: JSON.stringify({ ...request, ...(bundle ? { bundle: { root: bundle.root, ...(bundle.secretStore !== undefined ? { secretStore: bundle.secretStore } : {}) } } : {}) }),
    };
    ctx.store.insertPlan(record);
    mkdirSync(dirname(sealedPlanFile(ctx.options.statePath, id)), { recursive: true, mode: 0o700 });
    return { record, diagnostics, drift: plan.drift?.length ?? 0 };
  } finally {
    state.close();
  }
}

const contextOf = (context: ReadonlySet<string> | undefined): { context?: ReadonlySet<string> } => (context ? { context } : {});

/** The tenants a plan covers, for filters and scope checks: those selected, and every one it changes. */
function planTenants(plan: Plan, selected: readonly string[] | undefined): string[] {
  const out = new Set(selected ?? []);
  for (const t of plan.selection?.tenants ?? []) out.add(t);
  for (const c of plan.changes) out.add(c.tenant);
  return [...out].sort();
}

/** What the CLI prints for this plan, without colour: changed-since, diagnostics, drift, the plan. */
function renderedText(plan: Plan): string {
  const parts: string[] = [];
  if (plan.changedSince) parts.push(renderChangedSinceText(plan.changedSince));
  if (plan.diagnostics.length > 0) parts.push(renderDiagnostics(plan, PLAIN));
  if (plan.drift && plan.drift.length > 0) parts.push(renderDriftText(plan.drift, PLAIN));
  parts.push(renderPlanText(plan, PLAIN));
  return parts.join('\n');
}

/** `text` with the server's directories replaced: files named from the spec root, the root itself as `.`. */
export function hidePaths(text: string, roots: readonly string[]): string {
  let out = text;
  for (const root of roots) out = out.split(`${root}/`).join('').split(root).join('.');
  return out;
}

/**
 * A plan the caller may decide on (approve, discard, apply): one it may see, made for
 * the partner its runs act as. The operator's plans are the operator's to decide on,
 * even when they touch only one partner's tenants.
 */
export function decidablePlan(ctx: ServeContext, caller: Caller, id: string): ApiPlanRecord {
  const record = visiblePlan(ctx, caller, id);
  if (caller.role !== 'operator' && record.partner !== runPartnerOf(caller, ctx.source.specs())) {
    throw new HttpProblem('forbidden', `plan ${id} was not made for this token's partner: only ${record.partner === undefined ? 'the operator' : 'its own partner'} decides on it`);
  }
  return record;
}

/** A plan the caller may see: its tenants all in the caller's scope (else 404, as for a plan that does not exist). */
export function visiblePlan(ctx: ServeContext, caller: Caller, id: string): ApiPlanRecord {
  const record = ctx.store.getPlan(id);
  const specs = ctx.source.specs();
  if (!record || !planInScope(caller, record, specs)) throw new HttpProblem('not-found', `plan ${id} was not found`);
  return record;
}

export function planInScope(caller: Caller, record: Pick<ApiPlanRecord, 'tenants' | 'partner'>, specs: Pick<SpecSet, 'partners'>): boolean {
  if (caller.role === 'operator') return true;
  if (caller.role === 'viewer' && caller.partner === undefined && caller.tenant === undefined) return true;
  if (record.tenants.length === 0) return caller.partner !== undefined && record.partner === caller.partner;
  return record.tenants.every((t) => seesTenant(caller, t, specs));
}

/** What moved since the plan was made (the state serial, the spec files), in words; undefined when nothing did. */
export function planMoved(ctx: ServeContext, plan: ApiPlanRecord): string | undefined {
  const serial = ctx.store.serial();
  if (serial !== plan.serial) return `plan ${plan.id} is stale: the state moved from serial ${plan.serial} to ${serial} since it was planned. Plan again.`;
  const asked = JSON.parse(plan.request) as { bundle?: unknown };
  // A bundle's own files cannot move; the server's specs it was planned with are checked again when it is applied.
  if (asked.bundle !== undefined) return undefined;
  const json = JSON.parse(plan.json) as { specFiles?: { file: string; sha256: string }[] };
  const moved = specFilesMoved(json.specFiles ?? [], ctx.source.specs().files).map((m) => m.split(`${ctx.source.root}/`).join(''));
  if (moved.length > 0) return `plan ${plan.id} is stale: ${moved.slice(0, 5).join(', ')}${moved.length > 5 ? `, and ${moved.length - 5} more` : ''} since it was planned. Plan again.`;
  return undefined;
}
