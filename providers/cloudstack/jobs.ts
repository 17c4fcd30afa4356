/**
 * Waiting for an async job: queryAsyncJobResult with exponential back-off until the
 * job ends or the deadline passes. A job that outlives the deadline is not an error
 * the engine should retry — CloudStack is still carrying it out — so the timeout is
 * final and names the job, whose outcome the engine finds out by reading later.
 * Polling is the one place the client repeats a request: asking about a job changes
 * nothing, so a retryable failure while asking is asked again until the deadline.
 */
import { ProviderError } from '../contract.js';
import { parseJobStatus, type JobResult, type JobState } from './response.js';
import type { Send } from './transport.js';

export interface PollOptions {
  /** First pause between two questions about the job. */
  readonly initialMs: number;
  /** The pause doubles up to this. */
  readonly maxMs: number;
  /** Give up (ProviderError 'timeout') once the job has run this long. */
  readonly timeoutMs: number;
}

export const DEFAULT_POLL: PollOptions = { initialMs: 250, maxMs: 5_000, timeoutMs: 15 * 60_000 };

export interface JobWaiter {
  readonly send: Send;
  readonly poll: PollOptions;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
}

export interface WaitOptions {
  /** Overrides the client's poll.timeoutMs for this job. */
  readonly timeoutMs?: number;
  /** The command that started the job: named in errors and in the timeout. */
  readonly command?: string;
}

/** The finished job's result; throws its CloudStackError when it failed, a ProviderError when cancelled or too slow. */
export async function waitForJob(waiter: JobWaiter, jobId: string, options: WaitOptions = {}): Promise<JobResult> {
  const timeoutMs = options.timeoutMs ?? waiter.poll.timeoutMs;
  const deadline = waiter.now().getTime() + timeoutMs;
  let pause = waiter.poll.initialMs;
  let lastFailure: unknown;
  for (;;) {
    const asked = await askJob(waiter, jobId, options.command);
    if (asked.answered) {
      lastFailure = undefined;
      const state = asked.state;
      switch (state.status) {
        case 'succeeded':
          return state.result;
        case 'failed':
          throw state.error;
        case 'cancelled':
          throw cancelled(jobId, options.command);
        case 'pending':
          break;
        default: {
          const unreachable: never = state;
          throw new Error(`unknown job state ${JSON.stringify(unreachable)}`);
        }
      }
    } else {
      lastFailure = asked.failure;
    }
    const remaining = deadline - waiter.now().getTime();
    if (remaining <= 0) throw jobTimeout(jobId, options.command, timeoutMs, lastFailure);
    await waiter.sleep(Math.min(pause, remaining));
    pause = Math.min(pause * 2, waiter.poll.maxMs);
  }
}

type Asked = { readonly answered: true; readonly state: JobState } | { readonly answered: false; readonly failure: ProviderError };

/** One question about the job. A retryable failure of the question (not of the job) is reported, not thrown. */
async function askJob(waiter: JobWaiter, jobId: string, command: string | undefined): Promise<Asked> {
  try {
    const body = await waiter.send('queryAsyncJobResult', { jobid: jobId });
    return { answered: true, state: parseJobStatus(command ?? 'queryAsyncJobResult', body) };
  } catch (error) {
    if (error instanceof ProviderError && error.retryable) return { answered: false, failure: error };
    throw error;
  }
}

function jobTimeout(jobId: string, command: string | undefined, timeoutMs: number, lastFailure: unknown): ProviderError {
  return new ProviderError('timeout', `${jobName(jobId, command)} did not finish within ${duration(timeoutMs)}; it may still complete, and its outcome is read on the next run`, {
    retryable: false,
    cause: lastFailure,
  });
}

function cancelled(jobId: string, command: string | undefined): ProviderError {
  // What a cancelled job left behind is unknown; reading, not repeating, finds out.
  return new ProviderError('internal', `${jobName(jobId, command)} was cancelled`, { retryable: false });
}

function jobName(jobId: string, command: string | undefined): string {
  return command === undefined ? `CloudStack job ${jobId}` : `CloudStack job ${jobId} (${command})`;
}

function duration(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : `${Math.round(ms / 1_000)} s`;
}
