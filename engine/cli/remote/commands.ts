/**
 * The CLI's commands in remote mode (NETFIRST_SERVER set): plan, apply, status, state
 * list|show|lock and usage export go through the server's API and print what the local
 * command prints — the same stdout, the same stderr lines, the same exit codes — from
 * the server's answers and the engine's own renderers. Every other command refuses,
 * but for those that never touch the state or only serve it (REMOTE_LOCAL).
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import picocolors from 'picocolors';
import type { z } from 'zod';
import type { TenantSyncRecord } from '../../../state/index.js';
import type { LockInfo } from '../../../state/index.js';
import type { RecordedResource } from '../../../specs/model/resource.js';
import type { Plan } from '../../plan/plan.js';
import { planToJson } from '../../plan/render-json.js';
import { renderPlanMarkdown } from '../../plan/render-markdown.js';
import { renderDiagnostics, renderPlanText } from '../../plan/render-text.js';
import { sortKeysDeep } from '../../plan/values.js';
import { renderStatusTable, type UnreconciledTenant } from '../../reconcile/index.js';
import { renderChangedSinceText } from '../../run/changed-since.js';
import { parallelismOf } from '../../run/run-options.js';
import type { LeaseSchema } from '../../serve/routes/leases.js';
import type { RecordedResourceSchema } from '../../serve/routes/tenants.js';
import type { PlanDetailSchema, RunSchema } from '../../serve/schemas.js';
import { CliError } from '../errors.js';
import { printLocks } from '../commands/lock.js';
import { printResource } from '../commands/state.js';
import { confirm } from '../commands/plan.js';
import { colorsFor, print, printErr } from '../output.js';
import { ApiClient, diagnosticOf, RemoteProblem } from './client.js';
import { bundleOfChanges, bundleOfPaths, type SpecBundle } from './spec-bundle.js';
import { exportUsage, type RemoteUsageOptions } from './usage.js';

type PlanDetail = z.infer<typeof PlanDetailSchema>;
type Run = z.infer<typeof RunSchema>;
type ApiResource = z.infer<typeof RecordedResourceSchema>;

const PLAIN = picocolors.createColors(false);

/** Commands that run in remote mode through the API. */
export const REMOTE_COMMANDS = ['plan', 'apply', 'status', 'state list', 'state show', 'state lock', 'usage export'] as const;
/** Commands that stay local in remote mode: they read no state, or are the server's own. */
export const REMOTE_LOCAL = ['serve', 'token create', 'token list', 'token revoke', 'validate', 'fmt', 'schema', 'version', 'help'] as const;

/** In remote mode, a command neither sent to the server nor local by nature is refused before it runs. */
export function refuseUnlessRemote(command: string): void {
  if ((REMOTE_COMMANDS as readonly string[]).includes(command) || (REMOTE_LOCAL as readonly string[]).includes(command)) return;
  throw new CliError(`netfirst ${command} is not available through the server yet (NETFIRST_SERVER is set): unset NETFIRST_SERVER to run it locally, against a local state`);
}

/** Options remote planning reads (the local ones; --partner and --state are the token's and the server's). */
export interface RemotePlanOptions {
  readonly tenant?: string[];
  readonly refresh?: boolean;
  readonly refreshOnly?: boolean;
  readonly prune?: boolean;
  readonly changedSince?: string;
  readonly json?: boolean;
  readonly markdown?: boolean;
  readonly markdownOut?: string;
  readonly detailedExitcode?: boolean;
  readonly out?: string;
  readonly color?: boolean;
  /** Not through the server yet: refused (makePlan). */
  readonly target?: string[];
  readonly replace?: string[];
}

export interface RemoteApplyOptions extends RemotePlanOptions {
  readonly autoApprove?: boolean;
  readonly parallelism?: string;
}

interface MadePlan {
  readonly plan: PlanDetail;
  readonly bundle?: SpecBundle;
}

/**
 * POST /api/v1/plans: the server's own specs, or — with paths or --changed-since — the
 * Tenant spec files under them. Specs with errors are printed as the local plan prints
 * them, and refused with its words.
 */
async function makePlan(client: ApiClient, paths: readonly string[], options: RemotePlanOptions): Promise<MadePlan | { readonly unchanged: SpecBundle }> {
  for (const flag of ['target', 'replace'] as const) {
    if ((options[flag] ?? []).length > 0) throw new CliError(`--${flag} is not available through the server yet (NETFIRST_SERVER is set): unset NETFIRST_SERVER to run it locally`);
  }
  const bundle = options.changedSince !== undefined ? bundleOfChanges(paths, options.changedSince) : paths.length > 0 ? bundleOfPaths(paths) : undefined;
  if (bundle?.deleted.length) {
    printErr(`note: deleted since ${options.changedSince}, so not uploaded (the server plans no removal from a bundle): ${bundle.deleted.join(', ')}`);
  }
  if (bundle && bundle.files.length === 0) {
    if (bundle.changed) return { unchanged: bundle };
    throw new CliError(`no Tenant spec files under ${paths.join(', ')}: nothing to upload (the server plans its own specs when no path is given)`);
  }
  const body = {
    ...(options.tenant && options.tenant.length > 0 ? { tenants: options.tenant } : {}),
    // The server refreshes unless told not to, as the local CLI does.
    ...(options.refresh !== undefined ? { refresh: options.refresh } : {}),
    ...(options.prune ? { prune: true } : {}),
    ...(bundle ? { bundle: { files: bundle.files } } : {}),
  };
  try {
    const plan = await client.post<PlanDetail>('/api/v1/plans', { body, idempotencyKey: randomUUID() });
    return { plan, ...(bundle ? { bundle } : {}) };
  } catch (error) {
    if (error instanceof RemoteProblem && error.kind === 'invalid-specs' && error.problem.diagnostics) {
      const diagnostics = error.problem.diagnostics.map((d) => diagnosticOf(d, shownName(bundle)));
      printErr(renderDiagnostics({ diagnostics }, colorsFor(process.stderr, options.color === false)));
      const n = diagnostics.filter((d) => d.severity === 'error').length;
      throw new CliError(`${n} error${n === 1 ? '' : 's'}: nothing was planned or changed`);
    }
    throw error;
  }
}

const shownName = (bundle: SpecBundle | undefined) => (file: string): string => bundle?.shownAs.get(file) ?? file;

/**
 * The plan as the local CLI prints it: diagnostics on stderr (with the files named as
 * they are here), then drift and the plan on stdout. The server's text holds the
 * diagnostics too; they are taken out of it.
 */
function printPlan(plan: PlanDetail, bundle: SpecBundle | undefined, options: RemotePlanOptions, changedParagraph: boolean): void {
  if (changedParagraph && bundle?.changed) print(renderChangedSinceText(bundle.changed));
  let text = plan.renderings.text;
  if (plan.diagnostics.length > 0) {
    const asServed = renderDiagnostics({ diagnostics: plan.diagnostics.map((d) => diagnosticOf(d)) }, PLAIN);
    const at = text.indexOf(asServed);
    if (at >= 0) text = text.slice(0, at) + text.slice(at + asServed.length + 1);
    printErr(renderDiagnostics({ diagnostics: plan.diagnostics.map((d) => diagnosticOf(d, shownName(bundle))) }, colorsFor(process.stderr, options.color === false)));
  }
  print(text);
}

/** A plan of nothing: --changed-since found no tenant changed. Rendered locally, as the local plan would be. */
function emptyPlan(bundle: SpecBundle): Plan {
  return {
    lineage: '', serial: 0, specHash: '', specFiles: [], changes: [], orphanedTenants: [], diagnostics: [], zones: {},
    ...(bundle.changed ? { changedSince: bundle.changed } : {}),
  };
}

export async function remotePlan(paths: string[], options: RemotePlanOptions): Promise<number> {
  if (options.json && options.markdown && !options.markdownOut) throw new CliError('--json and --markdown both print the plan: write the markdown with --markdown-out FILE');
  if (options.refreshOnly) throw new CliError('netfirst plan --refresh-only is not available through the server yet (NETFIRST_SERVER is set): unset NETFIRST_SERVER to run it locally');
  const client = ApiClient.fromEnv();
  const made = await makePlan(client, paths, options);
  if ('unchanged' in made) {
    const plan = emptyPlan(made.unchanged);
    if (options.markdownOut) writeFileSync(options.markdownOut, renderPlanMarkdown(plan));
    if (options.json) print(JSON.stringify(sortKeysDeep(planToJson(plan)), null, 2));
    else if (options.markdown && !options.markdownOut) print(renderPlanMarkdown(plan));
    else {
      print(renderChangedSinceText(made.unchanged.changed!));
      print(renderPlanText(plan, colorsFor(process.stdout, options.color === false)));
    }
    if (options.out) throw new CliError('--out saves no plan file through the server, and no plan was made: nothing changed');
    return 0;
  }
  const { plan, bundle } = made;
  // Written first: a pipeline posts the comment even when the plan has errors.
  if (options.markdownOut) writeFileSync(options.markdownOut, plan.renderings.markdown);
  if (options.json) {
    print(JSON.stringify(plan.renderings.json, null, 2));
    if (plan.hasErrors) return 1;
  } else if (options.markdown && !options.markdownOut) {
    print(plan.renderings.markdown);
    if (plan.hasErrors) return 1;
  } else {
    printPlan(plan, bundle, options, true);
  }
  if (options.out) throw new CliError(`--out saves no plan file through the server: plans are kept on the server. Use the plan id ${plan.id}`);
  return options.detailedExitcode && plan.hasChanges ? 2 : 0;
}

export async function remoteApply(paths: string[], options: RemoteApplyOptions): Promise<number> {
  if (paths.length === 1 && paths[0]!.endsWith('.json')) {
    throw new CliError('a saved plan file is not applied through the server (NETFIRST_SERVER is set): plans are kept on the server; run apply with the spec paths, or unset NETFIRST_SERVER');
  }
  const parallelism = options.parallelism === undefined ? undefined : parallelismOf(options.parallelism);
  const client = ApiClient.fromEnv();
  const made = await makePlan(client, paths, { ...options, changedSince: undefined });
  if ('unchanged' in made) return 0;
  const { plan, bundle } = made;
  printPlan(plan, bundle, options, false);
  if (!plan.hasChanges) return 0;
  if (!options.autoApprove) await confirm();
  await client.post(`/api/v1/plans/${encodeURIComponent(plan.id)}/approve`);
  const run = await client.post<Run>('/api/v1/runs', { body: { plan: plan.id, ...(parallelism !== undefined ? { parallelism } : {}) }, idempotencyKey: randomUUID() });
  return followRun(client, run);
}

/**
 * Prints a run's progress lines as they come (each event's `text`) and its closing lines;
 * 0 when it succeeded. Ctrl-C asks the server to cancel it and keeps following to its end.
 */
async function followRun(client: ApiClient, run: Run): Promise<number> {
  let cancelling = false;
  const onSignal = (): void => {
    printErr('\nInterrupt received: finishing the operations in flight, starting no new ones…');
    if (cancelling) return;
    cancelling = true;
    client.post(`/api/v1/runs/${encodeURIComponent(run.id)}/cancel`).catch((error: unknown) => {
      // A run that ended meanwhile cannot be cancelled: its end is on its way.
      if (!(error instanceof RemoteProblem && error.kind === 'conflict')) printErr(`Error: ${error instanceof Error ? error.message : String(error)}`);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for await (const event of client.events(`/api/v1/runs/${encodeURIComponent(run.id)}/events`)) {
      const data = parseData(event.data);
      if (event.event === 'run.finished') {
        if (typeof data.text === 'string' && data.text !== '') print(data.text);
        return data.status === 'succeeded' ? 0 : 1;
      }
      // The server has the run no more running, and no end recorded (a server that was killed).
      if (event.event.startsWith('run.') && event.event !== 'run.started') {
        throw new CliError(`run ${run.id} is ${event.event.slice('run.'.length)} on the server: it ended without reporting its end; plan and apply again to finish the rest`);
      }
      if (typeof data.text === 'string' && data.text !== '') print(data.text);
    }
    throw new CliError(`the events of run ${run.id} ended before it did`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function parseData(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? value as Record<string, unknown> : {};
  } catch {
    return {};
  }
}

// ---- status ---------------------------------------------------------------------------

interface StatusAnswer {
  readonly format: string;
  readonly tenants: readonly Record<string, unknown>[];
}

/** A `netfirst-status/1` entry (recordToJson) back as the record the status table renders. */
export function recordOfJson(j: Record<string, unknown>): TenantSyncRecord {
  const lastError = j.lastError as { message?: string; at?: string | null } | null | undefined;
  return {
    tenant: String(j.tenant),
    status: j.status as TenantSyncRecord['status'],
    summary: String(j.summary ?? ''),
    drifted: Number(j.drifted ?? 0),
    pending: Number(j.pending ?? 0),
    action: (j.action ?? 'none') as TenantSyncRecord['action'],
    actionDetail: String(j.actionDetail ?? ''),
    ...(lastError?.message !== undefined ? { lastError: lastError.message } : {}),
    ...(lastError?.at ? { lastErrorAt: lastError.at } : {}),
    checkedAt: String(j.checkedAt),
    statusSince: String(j.statusSince),
    ...(typeof j.lastSyncedAt === 'string' ? { lastSyncedAt: j.lastSyncedAt } : {}),
    roundId: String(j.roundId ?? ''),
    detail: { drift: (j.drift ?? []) as TenantSyncRecord['detail']['drift'], changes: (j.changes ?? []) as TenantSyncRecord['detail']['changes'] },
  };
}

export interface RemoteStatusOptions {
  readonly tenant?: string[];
  readonly json?: boolean;
  readonly color?: boolean;
}

/**
 * GET /api/v1/reconcile, rendered as `netfirst status` renders the local state's
 * verdicts; the server's own specs name the tenants no round has looked at yet (the
 * local command takes them from its PATHS, which the server has no use for).
 */
export async function remoteStatus(_paths: string[], options: RemoteStatusOptions): Promise<number> {
  const client = ApiClient.fromEnv();
  const only = [...new Set(options.tenant ?? [])];
  // A tenant outside the token's scope is refused by name (404), as the local partner run refuses it.
  const answer = await client.get<StatusAnswer>('/api/v1/reconcile', { query: { tenant: only } });
  if (options.json) {
    print(JSON.stringify({ format: answer.format, tenants: answer.tenants }, null, 2));
    return 0;
  }
  const records = answer.tenants.filter((e) => e.status !== 'Unknown').map(recordOfJson);
  const unreconciled: UnreconciledTenant[] = answer.tenants.filter((e) => e.status === 'Unknown').map((e) => ({ tenant: String(e.tenant) }));
  print(renderStatusTable(records, unreconciled, new Date(), colorsFor(process.stdout, options.color === false)));
  return 0;
}

// ---- state ----------------------------------------------------------------------------

export interface RemoteStateOptions {
  readonly tenant?: string;
  readonly json?: boolean;
}

/** GET /api/v1/state/resources, every page: the addresses (or --json entries) as `state list` prints them. */
export async function remoteStateList(options: RemoteStateOptions): Promise<number> {
  const client = ApiClient.fromEnv();
  const all: ApiResource[] = [];
  for await (const r of client.pages<ApiResource>('/api/v1/state/resources', { tenant: options.tenant })) all.push(r);
  if (options.json) {
    print(JSON.stringify(all.map((r) => ({ address: r.address, type: r.type, tenant: r.tenant, zone: r.zone, providerId: r.providerId })), null, 2));
  } else {
    for (const r of all) print(r.address);
  }
  return 0;
}

/** GET /api/v1/state/resources/ADDRESS, shown as `state show` shows a recorded resource. */
export async function remoteStateShow(address: string, options: RemoteStateOptions): Promise<number> {
  const client = ApiClient.fromEnv();
  let r: ApiResource;
  try {
    r = await client.get<ApiResource>(`/api/v1/state/resources/${address.split('/').map(encodeURIComponent).join('/')}`);
  } catch (error) {
    // Missing, or outside the token's scope: the same words either way, as the local command's.
    if (error instanceof RemoteProblem && error.kind === 'not-found') throw new CliError(`${address} is not in state`);
    throw error;
  }
  // In the order the state keeps a resource's fields, so the JSON is the local command's.
  printResource({
    address: r.address, type: r.type as RecordedResource['type'], tenant: r.tenant, zone: r.zone, providerId: r.providerId,
    attributes: r.attributes as RecordedResource['attributes'], dependsOn: r.dependsOn, boundTo: r.boundTo, protect: r.protect,
    sensitive: r.sensitive, createdAt: r.createdAt, updatedAt: r.updatedAt,
  }, options.json ?? false);
  return 0;
}

// ---- state lock -------------------------------------------------------------------------

/** A lease as GET /api/v1/leases lists it (engine/serve/routes/leases.ts). */
type Lease = z.infer<typeof LeaseSchema>;

/** GET /api/v1/leases: every lock held, as `state lock` says it of a local state. */
export async function remoteStateLock(options: { readonly json?: boolean }): Promise<number> {
  const client = ApiClient.fromEnv();
  const { items } = await client.get<{ items: Lease[] }>('/api/v1/leases');
  const locks: LockInfo[] = items.map((held) => ({
    id: held.id, scope: held.scopes.join(' '), owner: held.holder.owner, pid: held.holder.pid, host: held.holder.host, command: held.holder.command,
    acquiredAt: held.acquiredAt, heartbeatAt: held.heartbeatAt,
  }));
  printLocks(locks, options.json === true);
  return 0;
}

// ---- usage ----------------------------------------------------------------------------

export async function remoteUsageExport(_paths: string[], options: RemoteUsageOptions): Promise<number> {
  await exportUsage(ApiClient.fromEnv(), options);
  return 0;
}
