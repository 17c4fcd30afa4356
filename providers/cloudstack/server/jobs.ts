/**
 * Async jobs. A job is accepted at once and does its work `delayMs` later (jobs due at
 * the same time run in the order they were accepted); `queryAsyncJobResult` answers
 * jobstatus 0 until then, then 1 with the job's object or `success`, or 2 with the
 * error. A job chosen to hang still does its work on time — like a real job whose
 * poller gave up, a later read finds the object — but reports jobstatus 0 forever.
 */
import { randomUUID } from 'node:crypto';
import { ApiError, errorObject, internalError } from './errors.js';
import { cloudstackDate, type JsonObject } from './json.js';

/** What a finished job answers: its object under the command's key, or `success`. */
export type Outcome = { readonly key: string; readonly value: JsonObject } | { readonly success: true };

interface Job {
  readonly id: string;
  readonly command: string;
  readonly created: string;
  readonly instance?: { readonly type: string; readonly id: string };
  readonly hangs: boolean;
  done?: { readonly completed: string; readonly result: { ok: true; outcome: Outcome } | { ok: false; error: ApiError } };
}

export interface JobQueueOptions {
  readonly delayMs: number;
  readonly now: () => Date;
  /** Told of a job that failed on a bug (not a CloudStack refusal), with the cause. */
  readonly onBug: (command: string, error: unknown) => void;
  /** Told when a job's work is done: undefined for success, else its refusal. */
  readonly onFinish?: (command: string, jobid: string, error: ApiError | undefined) => void;
}

export interface JobQueue {
  submit(command: string, work: () => Outcome, options: { readonly hangs: boolean; readonly instance?: { readonly type: string; readonly id: string } }): string;
  /** queryAsyncJobResult's answer, or undefined for a job id never issued. */
  result(jobid: string): JsonObject | undefined;
  close(): void;
}

export const ACCOUNT_ID = 'c1e2a7b0-0000-4000-8000-00000000ad01';
export const USER_ID = 'c1e2a7b0-0000-4000-8000-00000000ad02';

export function createJobQueue(options: JobQueueOptions): JobQueue {
  const jobs = new Map<string, Job>();
  const timers = new Set<NodeJS.Timeout>();

  function finish(job: Job, work: () => Outcome): void {
    let result: NonNullable<Job['done']>['result'];
    try {
      result = { ok: true, outcome: work() };
    } catch (error) {
      if (error instanceof ApiError) {
        result = { ok: false, error };
      } else {
        options.onBug(job.command, error);
        result = { ok: false, error: internalError('Internal error executing command, please contact your system administrator') };
      }
    }
    job.done = { completed: cloudstackDate(options.now()), result };
    options.onFinish?.(job.command, job.id, result.ok ? undefined : result.error);
  }

  return {
    submit(command, work, { hangs, instance }) {
      const job: Job = { id: randomUUID(), command, created: cloudstackDate(options.now()), hangs, ...(instance ? { instance } : {}) };
      jobs.set(job.id, job);
      const timer = setTimeout(() => {
        timers.delete(timer);
        finish(job, work);
      }, options.delayMs);
      timers.add(timer);
      return job.id;
    },

    result(jobid) {
      const job = jobs.get(jobid);
      if (!job) return undefined;
      const base: Record<string, string | number | JsonObject> = {
        accountid: ACCOUNT_ID, userid: USER_ID, cmd: javaCommandClass(job.command), jobprocstatus: 0, created: job.created, jobid: job.id,
        ...(job.instance ? { jobinstancetype: job.instance.type, jobinstanceid: job.instance.id } : {}),
      };
      if (!job.done || job.hangs) return { ...base, jobstatus: 0, jobresultcode: 0 };
      const { result, completed } = job.done;
      if (result.ok) {
        const jobresult = 'success' in result.outcome ? { success: true } : { [result.outcome.key]: result.outcome.value };
        return { ...base, jobstatus: 1, jobresultcode: 0, jobresulttype: 'object', jobresult, completed };
      }
      return { ...base, jobstatus: 2, jobresultcode: result.error.errorcode, jobresulttype: 'object', jobresult: errorObject(result.error), completed };
    },

    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}

/** The `cmd` CloudStack reports: the Java class of the command (package approximated). */
function javaCommandClass(command: string): string {
  return `org.apache.cloudstack.api.command.user.${command.charAt(0).toUpperCase()}${command.slice(1)}Cmd`;
}
