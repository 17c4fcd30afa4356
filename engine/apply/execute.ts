/**
 * apply: walks the plan graph with bounded parallelism and turns each step into one
 * provider call. Every call is journalled before it starts and its outcome committed in
 * its own transaction the moment it returns, so a crash loses nothing. A failed step
 * skips its dependents; independent branches go on — except when the state file is gone
 * (StateFileGoneError): nothing more can be recorded, so nothing more is started.
 */
import { ProviderError, type CallProgress, type Desired, type Provider, type Recorded } from '../../providers/contract.js';
import type { Dag, NodeOutcome } from '../graph/index.js';
import { walkDag } from '../graph/index.js';
import { parseAddress, type DesiredResource, type RecordedResource, type SecretRef } from '../../specs/model/resource.js';
import type { Step } from '../plan/order.js';
import { type OperationIntent, type OutcomeCommit, StateFileGoneError } from '../../state/index.js';
import { Batch } from './batch.js';
import { DEFAULT_RETRY, isRetryable, OperationTimedOut, OutcomeUnknown, withRetries, type RetryPolicy } from './retry.js';

/** The part of the state store apply writes through. */
export interface ApplyState {
  beginOperations(intents: readonly OperationIntent[]): number[];
  commitCreate(opId: number, recorded: RecordedResource): void;
  commitUpdate(opId: number, recorded: RecordedResource): void;
  commitDelete(opId: number, address: string): void;
  /** Several outcomes in one transaction (Journal.commitOutcomes); without it, each is committed alone. */
  commitOutcomes?(outcomes: readonly OutcomeCommit[]): readonly (Error | undefined)[];
  failOperation(opId: number, message: string): void;
  /** Makes an async job's id (and the new object's id) durable before the provider waits for it. */
  noteAccepted?(opId: number, accepted: { readonly providerId?: string; readonly jobId?: string }): void;
}

export interface ApplyReporter {
  started(id: string, step: Step): void;
  finished(id: string, step: Step, ms: number, error?: unknown): void;
  /** A retryable provider error; the call is tried again after `delayMs`. */
  retrying?(id: string, attempt: number, delayMs: number, error: unknown): void;
}

export interface ApplyContext {
  readonly state: ApplyState;
  readonly providerFor: (zone: string) => Provider;
  /**
   * Reads a secret's value for a resource of `tenant`, under that tenant's secret policy
   * (the same as at plan time); throws an Error naming the reference when it can't or may not.
   */
  readonly resolveSecret: (ref: SecretRef, baseDir: string, tenant: string) => string;
  /** Provider IDs of what exists, by address (seeded from state; kept current here). */
  readonly providerIds: Map<string, string>;
  readonly parallelism: number;
  readonly runId: string;
  readonly reporter: ApplyReporter;
  readonly now: () => Date;
  readonly signal?: AbortSignal;
  /** Retries of retryable provider errors and the per-call timeout (default DEFAULT_RETRY). */
  readonly retry?: RetryPolicy;
}

export interface ApplyResult {
  readonly outcomes: ReadonlyMap<string, NodeOutcome>;
  readonly succeeded: number;
  readonly failed: number;
  readonly skipped: number;
}

export async function executePlan(dag: Dag<Step>, ctx: ApplyContext): Promise<ApplyResult> {
  const intents = new Batch<OperationIntent, number>((batch) => ctx.state.beginOperations(batch));
  const outcomes = outcomeWriter(ctx.state);
  const stateGone = new AbortController();
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, stateGone.signal]) : stateGone.signal;
  const walked = await walkDag(
    dag,
    async (id, step) => {
      const started = performance.now();
      ctx.reporter.started(id, step);
      try {
        await runStep(id, step, ctx, intents, outcomes);
        ctx.reporter.finished(id, step, performance.now() - started);
      } catch (error) {
        if (error instanceof StateFileGoneError) stateGone.abort();
        ctx.reporter.finished(id, step, performance.now() - started, error);
        throw error;
      }
    },
    { parallelism: ctx.parallelism, signal },
  );
  let succeeded = 0;
  let failed = 0;
  let skipped = 0;
  for (const o of walked.values()) {
    if (o.status === 'succeeded') succeeded++;
    else if (o.status === 'failed') failed++;
    else skipped++;
  }
  return { outcomes: walked, succeeded, failed, skipped };
}

/** Commits an outcome: batched with the others that finish together where the state can (batch.ts). */
/** An outcome as apply makes it: the record complete, as ApplyState's single commits take it. */
type Outcome =
  | { readonly action: 'create' | 'update'; readonly opId: number; readonly resource: RecordedResource }
  | { readonly action: 'delete'; readonly opId: number; readonly address: string };

function outcomeWriter(state: ApplyState): (outcome: Outcome) => Promise<void> {
  if (state.commitOutcomes) {
    const outcomes = new Batch<OutcomeCommit, undefined>((batch) => state.commitOutcomes!(batch));
    return (outcome) => outcomes.add(outcome);
  }
  return async (o) => {
    if (o.action === 'delete') state.commitDelete(o.opId, o.address);
    else if (o.action === 'create') state.commitCreate(o.opId, o.resource);
    else state.commitUpdate(o.opId, o.resource);
  };
}

async function runStep(id: string, step: Step, ctx: ApplyContext, intents: Batch<OperationIntent, number>, commit: (outcome: Outcome) => Promise<void>): Promise<void> {
  switch (step.kind) {
    case 'create': {
      const d = step.change.after;
      const provider = ctx.providerFor(d.zone);
      await journalled(
        intents.add({ address: d.address, action: 'create', type: d.type, tenant: d.tenant, zone: d.zone, runId: ctx.runId }),
        (progress) => provider.create(toDesired(d, ctx), progress),
        async (opId, observed) => {
          await commit({ action: 'create', opId, resource: toRecorded(d, observed.providerId, observed.attributes, ctx.now()) });
          ctx.providerIds.set(d.address, observed.providerId);
        },
        ctx,
        id,
      );
      return;
    }
    case 'update': {
      const { before, after: d, changed } = step.change;
      const provider = ctx.providerFor(d.zone);
      await journalled(
        intents.add({ address: d.address, action: 'update', type: d.type, tenant: d.tenant, zone: d.zone, runId: ctx.runId, providerId: before.providerId }),
        // Nothing the provider holds changed (only the protection): nothing to call.
        (progress) => (changed.length === 0
          ? Promise.resolve({ providerId: before.providerId, address: d.address, type: d.type, tenant: d.tenant, attributes: before.attributes })
          : provider.update(toPrior(before), toDesired(d, ctx), changed, progress)),
        async (opId, observed) => {
          await commit({ action: 'update', opId, resource: { ...toRecorded(d, observed.providerId, observed.attributes, ctx.now()), createdAt: before.createdAt } });
          ctx.providerIds.set(d.address, observed.providerId);
        },
        ctx,
        id,
      );
      return;
    }
    case 'delete': {
      const before = step.change.before;
      const provider = ctx.providerFor(before.zone);
      await journalled(
        intents.add({ address: before.address, action: 'delete', type: before.type, tenant: before.tenant, zone: before.zone, runId: ctx.runId, providerId: before.providerId }),
        (progress) => provider.delete(toPrior(before), progress),
        async (opId) => {
          await commit({ action: 'delete', opId, address: before.address });
          ctx.providerIds.delete(before.address);
        },
        ctx,
        id,
      );
      return;
    }
  }
}

/**
 * One provider call between its journalled intent and its committed outcome, retried
 * while the provider says a retry can help. A call that fails is marked failed. A call
 * that timed out, or whose commit failed, leaves its intent pending: the next run
 * resolves it by reading the provider rather than trusting either side.
 */
async function journalled<T>(begun: Promise<number>, call: (progress: CallProgress) => Promise<T>, commit: (opId: number, result: T) => Promise<void>, ctx: ApplyContext, id: string): Promise<void> {
  const opId = await begun;
  let accepted: { providerId?: string; jobId?: string } | undefined;
  const progress: CallProgress = {
    accepted(info) {
      accepted = { ...accepted, ...info };
      ctx.state.noteAccepted?.(opId, info);
    },
  };
  const attempt = async (): Promise<T> => {
    try {
      return await call(progress);
    } catch (error) {
      // Once a job is accepted a retry could do the work twice: a failure that is not the
      // job's own definite failure leaves the outcome to be read on the next run.
      const definite = error instanceof ProviderError && error.definite;
      if (accepted && !definite && (isRetryable(error) || (error instanceof ProviderError && error.code === 'timeout'))) throw new OutcomeUnknown(accepted.jobId, error);
      throw error;
    }
  };
  let result: T;
  try {
    result = await withRetries(attempt, ctx.retry ?? DEFAULT_RETRY, (n, delayMs, error) => ctx.reporter.retrying?.(id, n, delayMs, error));
  } catch (error) {
    if (!(error instanceof OperationTimedOut) && !(error instanceof OutcomeUnknown)) ctx.state.failOperation(opId, messageOf(error));
    throw error;
  }
  await commit(opId, result);
}

function toDesired(d: DesiredResource, ctx: ApplyContext): Desired {
  const refs: Record<string, string> = {};
  for (const dep of d.dependsOn) {
    const id = ctx.providerIds.get(dep);
    if (id) refs[dep] = id;
  }
  const secrets: Record<string, string> = {};
  // The tenant comes from the address, never from a field a saved plan could say otherwise.
  const tenant = parseAddress(d.address).tenant;
  for (const [attr, ref] of Object.entries(d.secrets)) secrets[attr] = ctx.resolveSecret(ref, ref.baseDir, tenant);
  return { address: d.address, type: d.type, tenant: d.tenant, zone: d.zone, attributes: d.attributes, refs, secrets };
}

function toPrior(r: RecordedResource): Recorded {
  return { address: r.address, type: r.type, tenant: r.tenant, zone: r.zone, providerId: r.providerId, attributes: r.attributes };
}

/**
 * What state records: the provider's observed attributes, except that sensitive ones keep
 * the spec's digest (a provider never returns a secret, and state never holds one).
 */
function toRecorded(d: DesiredResource, providerId: string, observed: RecordedResource['attributes'], at: Date): RecordedResource {
  const attributes: Record<string, RecordedResource['attributes'][string]> = { ...observed };
  for (const k of d.sensitive) {
    const digest = d.attributes[k];
    if (digest !== undefined) attributes[k] = digest;
  }
  const stamp = at.toISOString();
  return {
    address: d.address,
    type: d.type,
    tenant: d.tenant,
    zone: d.zone,
    providerId,
    attributes,
    dependsOn: d.dependsOn,
    boundTo: d.boundTo,
    protect: d.protect,
    sensitive: d.sensitive,
    createdAt: stamp,
    updatedAt: stamp,
  };
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
