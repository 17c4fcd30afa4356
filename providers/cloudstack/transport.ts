/**
 * One signed request to CloudStack's API and its JSON answer. GET while the URL stays
 * short and carries no secret; POST (a form body) otherwise, because URLs end up in
 * access logs and proxies cap their length. Failures come back as ProviderErrors with
 * every secret redacted; the answer's content (errors inside a 200 included) is read
 * by response.ts.
 */
import { ProviderError } from '../contract.js';
import { encodeForm, toWireParams, type CloudStackParams, type WireParams } from './params.js';
import { isSecretParam, redactError, secretsOf } from './redaction.js';
import { errorFromHttp } from './response.js';
import { signParams, type Credentials } from './signing.js';

/** The part of `fetch` the client uses; tests pass a function that answers like CloudStack. */
export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

export interface TransportOptions {
  /** `…/client/api`. */
  readonly endpoint: string;
  readonly credentials: Credentials;
  readonly fetch: Fetch;
  readonly requestTimeoutMs: number;
  /** Longer GET URLs are sent as POST. */
  readonly maxGetUrlLength: number;
  /** How long a signature stays valid (signature version 3); undefined signs without expiry. */
  readonly signatureTtlMs: number | undefined;
  readonly now: () => Date;
}

/** Sends a command and resolves to its parsed JSON answer; throws a ProviderError. */
export type Send = (command: string, params: CloudStackParams) => Promise<unknown>;

export function createTransport(options: TransportOptions): Send {
  return async (command, params) => {
    // The client's own parameters win over a caller's: a caller's `response=xml` would break every reader.
    const wire: WireParams = { ...toWireParams(params), command, response: 'json' };
    const secrets = secretsOf(wire, options.credentials.secretKey);
    try {
      return await exchange(options, command, wire);
    } catch (error) {
      throw redactError(error, secrets);
    }
  };
}

async function exchange(options: TransportOptions, command: string, wire: WireParams): Promise<unknown> {
  const expires = options.signatureTtlMs === undefined ? undefined : new Date(options.now().getTime() + options.signatureTtlMs);
  const signed = signParams(wire, options.credentials, expires === undefined ? {} : { expires });
  const request = buildRequest(options, signed, Object.keys(wire).some(isSecretParam));
  let status: number;
  let text: string;
  try {
    const response = await options.fetch(request.url, { ...request.init, signal: AbortSignal.timeout(options.requestTimeoutMs) });
    status = response.status;
    text = await response.text();
  } catch (error) {
    throw transportFailure(options, command, error);
  }
  const body = parseJson(text);
  if (status < 200 || status > 299) throw errorFromHttp(command, status, body);
  if (body === undefined) throw new ProviderError('internal', `${command}: the CloudStack API answered HTTP ${status} with a body that is not JSON`, { retryable: false });
  return body;
}

interface HttpRequest {
  readonly url: string;
  readonly init: RequestInit;
}

function buildRequest(options: TransportOptions, signed: WireParams, carriesSecret: boolean): HttpRequest {
  const form = encodeForm(signed);
  const url = `${options.endpoint}${options.endpoint.includes('?') ? '&' : '?'}${form}`;
  if (!carriesSecret && url.length <= options.maxGetUrlLength) {
    return { url, init: { method: 'GET', headers: { accept: 'application/json' } } };
  }
  return {
    url: options.endpoint,
    init: { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' }, body: form },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Network errors that mean the request never left, so no state can have changed. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

/**
 * A request that failed without an answer. Reads are always safe to repeat; a change
 * is only when the request certainly never reached CloudStack — otherwise it may have
 * been carried out, and the engine must find that out by reading, not by sending it again.
 */
function transportFailure(options: TransportOptions, command: string, error: unknown): ProviderError {
  const readOnly = /^(list|query)/.test(command);
  const where = endpointForMessages(options.endpoint);
  if (isTimeout(error)) {
    return new ProviderError('timeout', `${command}: no answer from the CloudStack API at ${where} within ${options.requestTimeoutMs} ms`, { retryable: readOnly, cause: error });
  }
  const code = networkErrorCode(error);
  const reason = code ?? (error instanceof Error ? error.message : String(error));
  return new ProviderError('unavailable', `${command}: cannot reach the CloudStack API at ${where} (${reason})`, {
    retryable: readOnly || (code !== undefined && NEVER_SENT.has(code)),
    cause: error,
  });
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/** Node's fetch wraps the socket error (`ECONNREFUSED`…) as the cause of a TypeError. */
function networkErrorCode(error: unknown): string | undefined {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    const code = 'code' in current ? current.code : undefined;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** The endpoint without credentials someone may have put in its URL. */
function endpointForMessages(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    return `${url.origin}${url.pathname}`;
  } catch {
    return '(invalid endpoint URL)';
  }
}
