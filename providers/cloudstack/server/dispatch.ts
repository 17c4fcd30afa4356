/**
 * One request, from its decoded parameters to CloudStack's answer, in CloudStack's
 * order: the command must exist (432, under `errorresponse`), the request must be signed
 * with the endpoint's key (401), `response=json` (the endpoint speaks no XML), then an
 * injected fault may refuse a mutating command before anything happens, then the
 * handler runs — a list is paged, an async command answers `{ jobid, id? }` and queues
 * its work. No I/O here: the HTTP side (server.ts) only moves bytes.
 */
import { handlerFor } from './commands/index.js';
import type { Catalog } from './catalog.js';
import type { Context } from './command.js';
import { ApiError, CREDENTIALS_REFUSED, errorObject, internalError, noSuchEntity, missingParameter } from './errors.js';
import type { FaultInjector } from './faults.js';
import type { JobQueue } from './jobs.js';
import { cloudstackDate, type JsonObject } from './json.js';
import { listBody, pageOf } from './listing.js';
import { Params, unpackParams } from './params.js';
import { verifyRequest, type Keys } from './signature.js';
import type { CloudState } from './state.js';

export interface Endpoint {
  readonly catalog: Catalog;
  readonly state: CloudState;
  readonly jobs: JobQueue;
  readonly faults: FaultInjector;
  readonly keys: Keys;
  readonly maxPageSize: number;
  readonly now: () => Date;
  /** Told of a failure that is a bug of the endpoint, not a CloudStack refusal. */
  readonly onBug: (command: string, error: unknown) => void;
}

export interface Answer {
  readonly status: number;
  readonly body: JsonObject;
  /** The command as the request named it, when it named one. */
  readonly command?: string;
  /** Why the signature was refused (for the log; the client only sees CloudStack's words). */
  readonly refusal?: string;
}

const QUERY_JOB = 'queryAsyncJobResult';

function failure(responseName: string, error: ApiError, command?: string, refusal?: string): Answer {
  return { status: error.errorcode, body: { [responseName]: errorObject(error) }, ...(command !== undefined ? { command } : {}), ...(refusal !== undefined ? { refusal } : {}) };
}

export function handleRequest(endpoint: Endpoint, raw: ReadonlyMap<string, string>): Answer {
  const command = raw.get('command');
  if (command === undefined) return failure('errorresponse', new ApiError(401, CREDENTIALS_REFUSED), undefined, 'no command');
  const handler = handlerFor(command);
  if (!handler && command !== QUERY_JOB) {
    return failure('errorresponse', new ApiError(432, `The given command ${command} does not exist or it is not available for the user`), command);
  }
  const responseName = `${command.toLowerCase()}response`;
  const verdict = verifyRequest(raw, endpoint.keys, endpoint.now());
  if (!verdict.ok) return failure(responseName, new ApiError(401, CREDENTIALS_REFUSED), command, verdict.why);
  if ((raw.get('response') ?? '').toLowerCase() !== 'json') {
    return failure(responseName, new ApiError(431, 'This CloudStack-compatible endpoint answers response=json only (CloudStack would answer XML)'), command);
  }
  const mutating = command !== QUERY_JOB && handler?.kind !== 'list';
  const injected = mutating ? endpoint.faults.refuse(command, raw) : undefined;
  if (injected) return failure(responseName, injected, command);
  try {
    const params = new Params(command, unpackParams(raw));
    const ctx: Context = { state: endpoint.state, catalog: endpoint.catalog, params, timestamp: () => cloudstackDate(endpoint.now()) };
    if (!handler) {
      const jobid = params.str('jobid');
      if (jobid === undefined) throw missingParameter(command, 'jobid');
      const result = endpoint.jobs.result(jobid);
      if (!result) throw noSuchEntity('jobid', jobid);
      return { status: 200, body: { [responseName]: result }, command };
    }
    switch (handler.kind) {
      case 'list': {
        const items = handler.run(ctx);
        return { status: 200, body: { [responseName]: listBody(handler.key, pageOf(items, params, endpoint.maxPageSize)) }, command };
      }
      case 'sync': {
        const outcome = handler.run(ctx);
        return { status: 200, body: { [responseName]: 'success' in outcome ? { success: true } : { [outcome.key]: outcome.value } }, command };
      }
      case 'async': {
        const accepted = handler.submit(ctx);
        const hangs = endpoint.faults.hangs(command, raw);
        const instance = handler.instanceType !== undefined && accepted.id !== undefined ? { type: handler.instanceType, id: accepted.id } : undefined;
        const jobid = endpoint.jobs.submit(command, () => accepted.run(), { hangs, ...(instance ? { instance } : {}) });
        return { status: 200, body: { [responseName]: { jobid, ...(accepted.id !== undefined ? { id: accepted.id } : {}) } }, command };
      }
    }
  } catch (error) {
    if (error instanceof ApiError) return failure(responseName, error, command);
    endpoint.onBug(command, error);
    return failure(responseName, internalError('Internal error executing command, please contact your system administrator'), command);
  }
}
