/**
 * Provider faults: a call that fails with a retryable error (timeouts, 5xx, "busy") is
 * tried again after an exponential backoff with full jitter, up to a bound; anything
 * else fails at once. A call that outlives the per-operation timeout is *not* retried:
 * it may still complete at the provider, so its intent stays in the journal and the next
 * run resolves it by reading — never by creating twice.
 */
import { ProviderError } from '../../providers/contract.js';

export interface RetryPolicy {
  /** Tries in all (1 = no retry). */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Per call; 0 = none. */
  readonly timeoutMs: number;
  readonly random: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
  timeoutMs: 10 * 60_000,
  random: Math.random,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** The provider did not answer in time; what it did is unknown until read. */
export class OperationTimedOut extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer from the provider within ${Math.round(timeoutMs / 1000)}s; the outcome is unknown and will be resolved by reading on the next run`);
    this.name = 'OperationTimedOut';
  }
}

/**
 * An async job the provider accepted, whose outcome the call could not learn (its
 * polling timed out or failed): like a timeout, never retried — the job may still
 * land — and resolved by reading the object it names on the next run.
 */
export class OutcomeUnknown extends Error {
  constructor(readonly jobId: string | undefined, cause: unknown) {
    super(`accepted by the provider${jobId ? ` as job ${jobId}` : ''}, but its outcome is unknown (${cause instanceof Error ? cause.message : String(cause)}); the next run resolves it by reading`, { cause });
    this.name = 'OutcomeUnknown';
  }
}

export const isRetryable = (error: unknown): boolean => error instanceof ProviderError && error.retryable;

/** Backoff before try `attempt + 1` (attempt counts from 1): full jitter over an exponential ceiling. */
export function backoffMs(attempt: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs' | 'random'>): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(policy.random() * ceiling);
}

export async function withRetries<T>(
  call: () => Promise<T>,
  policy: RetryPolicy,
  onRetry?: (attempt: number, delayMs: number, error: unknown) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await withTimeout(call(), policy.timeoutMs);
    } catch (error) {
      if (!isRetryable(error) || attempt >= policy.attempts) throw error;
      const delay = backoffMs(attempt, policy);
      onRetry?.(attempt, delay, error);
      await policy.sleep(delay);
    }
  }
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  if (timeoutMs <= 0) return promise;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new OperationTimedOut(timeoutMs)), timeoutMs);
    timer.unref?.();
    promise.then(
      (v) => { clearTimeout(timer); resolve(v); },
      (e: unknown) => { clearTimeout(timer); reject(e); },
    );
  });
}
