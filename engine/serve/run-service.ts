/**
 * Applying an approved plan: the same apply as `netfirst apply PLANFILE` (engine/run):
 * the state lock is taken, the sealed plan is checked and planned again against the
 * state and specs as they are now — refused, naming what moved, when anything did —
 * and only then is the run started; its progress streams as events (runs.ts). The run
 * holds the lock until it ends, and releases it whatever happens.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import picocolors from 'picocolors';
import type { ApiPlanRecord, RunRecord } from '../../state/index.js';
import { isEffective } from '../plan/change.js';
import { executeRun, prepareApply, rewriteLegacyDigests, type PreparedApply } from '../run/apply-run.js';
import { UserError } from '../run/errors.js';
import { writePrivateFile } from '../run/private-file.js';
import { takeRunLocks, type RunLocks } from '../run/run-locks.js';
import { renderDriftText } from '../plan/render-text.js';
import { requireWriter, type Caller } from './caller.js';
import type { ServeContext } from './context.js';
import { decidablePlan, planMoved, sealedPlanFile } from './plan-service.js';
import { removeBundle } from './bundle.js';
import { HttpProblem } from './problem.js';
import type { RunEnd } from './runs.js';

const PLAIN = picocolors.createColors(false);

export interface StartRunRequest {
  readonly plan: string;
  readonly parallelism?: number | undefined;
}

export async function startRun(ctx: ServeContext, caller: Caller, request: StartRunRequest): Promise<RunRecord> {
  requireWriter(caller);
  if (ctx.draining()) throw new HttpProblem('draining', 'the server is shutting down: no new runs');
  const plan = decidablePlan(ctx, caller, request.plan);
  if (plan.status !== 'approved') throw new HttpProblem('conflict', `plan ${plan.id} is ${plan.status}: only an approved plan is applied (POST /api/v1/plans/${plan.id}/approve)`);
  if (!plan.hasChanges) throw new HttpProblem('conflict', `plan ${plan.id} changes nothing: there is nothing to apply`);
  const moved = planMoved(ctx, plan);
  if (moved !== undefined) throw new HttpProblem('stale-plan', moved);

  const runId = `run-${randomUUID()}`;
  let locks: RunLocks;
  try {
    // A saved plan pins the state serial: the run holds the whole state, as `apply PLANFILE` does.
    locks = await takeRunLocks({ path: ctx.options.statePath, command: `netfirst serve: run ${runId} of plan ${plan.id}`, timeoutMs: 0 }, undefined);
  } catch (error) {
    if (error instanceof UserError) throw new HttpProblem('state-locked', error.message, {}, { 'Retry-After': '10' });
    throw error;
  }
  let prepared: PreparedApply;
  const file = sealedPlanFile(ctx.options.statePath, plan.id);
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writePrivateFile(file, plan.json);
    prepared = await prepareApply([file], { state: ctx.options.statePath, partner: plan.partner ?? '', ...storeOf(plan) }, plan.destroy, undefined, locks);
  } catch (error) {
    releaseQuietly(locks);
    if (error instanceof UserError) {
      ctx.audit(caller, { action: 'run.start', planId: plan.id, result: 'refused', detail: error.message.split(file).join(`plan ${plan.id}`) });
      throw new HttpProblem('stale-plan', error.message.split(file).join(`plan ${plan.id}`).split(`${ctx.source.root}/`).join(''));
    }
    throw error;
  } finally {
    rmSync(file, { force: true });
  }
  if (!ctx.store.setPlanStatus(plan.id, ['approved'], 'applying')) {
    prepared.state.close();
    releaseQuietly(locks);
    throw new HttpProblem('conflict', `plan ${plan.id} is already being applied`);
  }
  const record: RunRecord = {
    id: runId,
    planId: plan.id,
    createdAt: ctx.now().toISOString(),
    createdBy: caller.tokenId,
    ...(plan.partner !== undefined ? { partner: plan.partner } : {}),
    tenants: [...plan.tenants],
    status: 'running',
    instance: ctx.runs.instance,
  };
  ctx.audit(caller, { action: 'run.start', planId: plan.id, runId, target: plan.tenants.join(',') || undefined, result: 'ok' });
  const total = prepared.dag?.size ?? 0;
  return ctx.runs.start(record, total, async (reporter, signal) => {
    try {
      const end = await execute(prepared, plan, runId, request.parallelism, reporter, signal);
      ctx.settled.ranFor(plan.tenants, plan.serial);
      removeBundle(plan);
      ctx.store.setPlanStatus(plan.id, ['applying'], end.status === 'succeeded' ? 'applied' : 'failed');
      ctx.audit(caller, { action: 'apply', planId: plan.id, runId, target: plan.tenants.join(',') || undefined, result: end.status, detail: end.summary });
      return end;
    } catch (error) {
      ctx.settled.ranFor(plan.tenants, plan.serial);
      ctx.store.setPlanStatus(plan.id, ['applying'], 'failed');
      ctx.audit(caller, { action: 'apply', planId: plan.id, runId, result: 'failed', detail: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      prepared.state.close();
      const left = locks.release();
      if (left !== undefined) process.stderr.write(`netfirst serve: run ${runId}: ${left}\n`);
    }
  });
}

async function execute(prepared: PreparedApply, plan: ApiPlanRecord, runId: string, parallelism: number | undefined, reporter: Parameters<RunBodyFn>[0], signal: AbortSignal): Promise<RunEnd> {
  const { state, dag } = prepared;
  if (!dag) return { status: 'failed', summary: 'the plan has errors', text: 'The plan has errors: nothing was applied.' };
  rewriteLegacyDigests(state, prepared.digestRewrites, undefined);
  const head: string[] = [];
  if (prepared.plan.drift && prepared.plan.drift.length > 0) head.push(renderDriftText(prepared.plan.drift, PLAIN));
  if (!prepared.plan.changes.some(isEffective)) return { status: 'succeeded', summary: 'no changes', text: 'No changes.' };
  const ran = await executeRun({
    plan: prepared.plan, dag, state, runSpecs: prepared.runSpecs, zones: prepared.zones,
    options: { state: state.path, ...storeOf(plan), ...(parallelism !== undefined ? { parallelism: String(parallelism) } : {}) },
    reporter, signal, runId,
  });
  if (ran.lost !== undefined) return { status: 'failed', summary: ran.lost, text: `Error: ${ran.lost}` };
  const secs = ran.ms < 1000 ? `${Math.round(ran.ms)}ms` : `${(ran.ms / 1000).toFixed(1)}s`;
  const verb = plan.destroy ? 'Destroy' : 'Apply';
  const { result } = ran;
  if (result.failed === 0 && result.skipped === 0) {
    return { status: 'succeeded', summary: `${ran.done} in ${secs}`, text: [...head, `\n${verb} complete! Resources: ${ran.done} in ${secs}.`].join('\n') };
  }
  const lines = [`\n${verb} failed. Resources: ${ran.done} in ${secs}; ${result.failed} failed, ${result.skipped} skipped.`];
  for (const [id, o] of result.outcomes) if (o.status === 'failed') lines.push(`  ✗ ${id}: ${o.error instanceof Error ? o.error.message : String(o.error)}`);
  for (const [id, o] of result.outcomes) if (o.status === 'skipped') lines.push(`  - ${id}: skipped (${o.because === 'interrupted' ? 'interrupted' : `depends on ${o.because}`})`);
  lines.push('State records everything that was done; plan and apply again to finish the rest.');
  return { status: 'failed', summary: `${ran.done} in ${secs}; ${result.failed} failed, ${result.skipped} skipped`, text: [...head, ...lines].join('\n') };
}

/** A bundle plan's secret store (bundle.ts secretStoreFor), as it was planned with. */
function storeOf(plan: ApiPlanRecord): { secretStore?: string } {
  const asked = JSON.parse(plan.request) as { bundle?: { secretStore?: string } };
  return asked.bundle?.secretStore !== undefined ? { secretStore: asked.bundle.secretStore } : {};
}

type RunBodyFn = Parameters<ServeContext['runs']['start']>[2];

function releaseQuietly(locks: RunLocks): void {
  const left = locks.release();
  if (left !== undefined) process.stderr.write(`netfirst serve: ${left}\n`);
}
