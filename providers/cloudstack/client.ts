/**
 * The CloudStack API client the cloudstack provider talks through: signed requests,
 * sync calls, async jobs started and waited for, lists walked page by page. It never
 * retries a failed call — the engine retries ProviderErrors marked retryable — except
 * that waiting for a job keeps asking until the job ends or the deadline passes.
 */
import { MAX_PAGE_SIZE, type CommandName } from './api.js';
import { isAsyncCommand, type AsyncCommand, type ListCommand, type SyncCommand } from './commands.js';
import { DEFAULT_POLL, waitForJob, type PollOptions, type WaitOptions } from './jobs.js';
import { listAll } from './pagination.js';
import { toWireParams, type CloudStackParams } from './params.js';
import { redactError, secretsOf } from './redaction.js';
import { jobObject, parseAsyncStart, parseSyncResponse, type AsyncStart, type CloudStackObject, type JobResult } from './response.js';
import { createTransport, type Fetch, type Send } from './transport.js';

export interface CloudStackClientOptions {
  /** The API endpoint, `http(s)://…/client/api`. */
  readonly endpoint: string;
  readonly apiKey: string;
  readonly secretKey: string;
  /** Defaults to the global fetch; tests pass a function that answers like CloudStack. */
  readonly fetch?: Fetch;
  /** Objects per list page, 1 to MAX_PAGE_SIZE (the default). */
  readonly pageSize?: number;
  readonly poll?: Partial<PollOptions>;
  /** The clock for signature expiry and job deadlines. */
  readonly now?: () => Date;
  /** How the job poller pauses; tests pass one that advances their clock. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** One request's time limit (default 60 s). */
  readonly requestTimeoutMs?: number;
  /** Longer GET URLs go as POST (default 2048). */
  readonly maxGetUrlLength?: number;
  /**
   * 'expiring' (default): signature version 3, each request valid for signatureTtlMs
   * (default 10 minutes, within the 15 CloudStack allows when it enforces timestamps).
   * 'legacy': signatures without expiry, for endpoints that predate version 3.
   */
  readonly signing?: 'expiring' | 'legacy';
  readonly signatureTtlMs?: number;
}

export interface CloudStackClient {
  /** A sync command's object (or `{ success: true }` for commands without one). Throws CloudStackError. */
  call(command: SyncCommand, params?: CloudStackParams): Promise<CloudStackObject>;
  /** Starts an async command: the job id to record before waiting, and the new object's id when CloudStack gives it. */
  start(command: AsyncCommand, params?: CloudStackParams): Promise<AsyncStart>;
  /** The finished job's result (`{ <objectKey>: {…} }` or `{ success: true }`); see jobObject. Throws the job's CloudStackError, or ProviderError 'timeout' naming the job. */
  wait(jobId: string, options?: WaitOptions): Promise<JobResult>;
  /** start + wait for async commands (the object under the objectKey when there is one), call for sync ones. */
  run(command: CommandName, params?: CloudStackParams): Promise<CloudStackObject>;
  /** Every object a list command returns, page by page, with `listall=true`. */
  list(command: ListCommand, params?: CloudStackParams): AsyncIterable<CloudStackObject>;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_GET_URL_LENGTH = 2_048;
const DEFAULT_SIGNATURE_TTL_MS = 10 * 60_000;

export function createCloudStackClient(options: CloudStackClientOptions): CloudStackClient {
  checkEndpoint(options.endpoint);
  const pageSize = checkedPageSize(options.pageSize ?? MAX_PAGE_SIZE);
  const now = options.now ?? (() => new Date());
  const send: Send = createTransport({
    endpoint: options.endpoint,
    credentials: { apiKey: options.apiKey, secretKey: options.secretKey },
    fetch: options.fetch ?? ((url, init) => fetch(url, init)),
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    maxGetUrlLength: options.maxGetUrlLength ?? DEFAULT_MAX_GET_URL_LENGTH,
    signatureTtlMs: options.signing === 'legacy' ? undefined : (options.signatureTtlMs ?? DEFAULT_SIGNATURE_TTL_MS),
    now,
  });
  const waiter = { send, now, poll: { ...DEFAULT_POLL, ...options.poll }, sleep: options.sleep ?? sleep };

  // A failed job's errortext may quote a secret of the request that started it, which
  // the poller never sees: the secrets of each job started here are kept until it ends.
  const jobSecrets = new Map<string, readonly string[]>();

  const call = async (command: SyncCommand, params: CloudStackParams = {}): Promise<CloudStackObject> =>
    parseSyncResponse(command, await send(command, params));
  const start = async (command: AsyncCommand, params: CloudStackParams = {}): Promise<AsyncStart> => {
    const started = parseAsyncStart(command, await send(command, params));
    const secrets = secretsOf(toWireParams(params), '');
    if (secrets.length > 0) jobSecrets.set(started.jobId, secrets);
    return started;
  };
  const wait = async (jobId: string, waitOptions?: WaitOptions): Promise<JobResult> => {
    try {
      return await waitForJob(waiter, jobId, waitOptions);
    } catch (error) {
      throw redactError(error, jobSecrets.get(jobId) ?? []);
    } finally {
      jobSecrets.delete(jobId);
    }
  };

  return {
    call,
    start,
    wait,
    async run(command, params = {}) {
      if (!isAsyncCommand(command)) return call(command, params);
      const { jobId } = await start(command, params);
      return jobObject(command, await wait(jobId, { command }));
    },
    list(command, params = {}) {
      return listAll(send, command, params, pageSize);
    },
  };
}

function checkEndpoint(endpoint: string): void {
  if (!URL.canParse(endpoint)) throw new Error(`CloudStack endpoint ${JSON.stringify(endpoint)} is not a URL`);
}

function checkedPageSize(pageSize: number): number {
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw new Error(`CloudStack page size ${pageSize} is not an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  return pageSize;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

