/**
 * CloudStack's errors as ProviderErrors. CloudStack answers a failure with an
 * `errorcode` (also the HTTP status), a `cserrorcode` (the Java exception's code) and
 * an `errortext` written for people; the engine needs a ProviderErrorCode and whether
 * the same call may succeed later, and shows the errortext unchanged.
 */
import { ProviderError, type ProviderErrorCode } from '../contract.js';
import { ERROR_CODES } from './api.js';

type KnownErrorCode = keyof typeof ERROR_CODES;

/** How each known errorcode reads as a ProviderErrorCode; `satisfies` keeps it in step with ERROR_CODES. */
const PROVIDER_CODES = {
  401: 'invalid',
  405: 'invalid',
  431: 'invalid',
  432: 'invalid',
  429: 'unavailable',
  430: 'invalid',
  530: 'internal',
  531: 'invalid',
  532: 'capacity',
  533: 'capacity',
  534: 'unavailable',
  535: 'capacity',
  536: 'conflict',
  537: 'conflict',
} as const satisfies Record<KnownErrorCode, ProviderErrorCode>;

export interface CloudStackErrorDetails {
  /** The API command that failed (for a failed job, the command that started it when known). */
  readonly command: string;
  readonly errorcode: number;
  readonly cserrorcode?: number;
  /** CloudStack's own explanation, shown to the user as the message. */
  readonly errortext: string;
  /** The async job that failed, when the failure came from one. */
  readonly jobId?: string;
}

/** A failure CloudStack reported. Its message is CloudStack's errortext. */
export class CloudStackError extends ProviderError {
  readonly command: string;
  readonly errorcode: number;
  readonly cserrorcode: number | undefined;
  readonly errortext: string;
  readonly jobId: string | undefined;

  constructor(details: CloudStackErrorDetails, options: { cause?: unknown } = {}) {
    // A failed job is CloudStack's definite answer: its work was rolled back.
    super(providerCodeOf(details.errorcode), details.errortext, { retryable: isRetryableErrorCode(details.errorcode), cause: options.cause, definite: details.jobId !== undefined });
    this.name = 'CloudStackError';
    this.command = details.command;
    this.errorcode = details.errorcode;
    this.cserrorcode = details.cserrorcode;
    this.errortext = details.errortext;
    this.jobId = details.jobId;
  }
}

/**
 * Whether the same call may succeed later: as ERROR_CODES says for the codes it knows;
 * otherwise a 5xx is a server-side fault worth retrying and a 4xx is the request's own.
 */
export function isRetryableErrorCode(errorcode: number): boolean {
  return knownCode(errorcode)?.retryable ?? errorcode >= 500;
}

export function providerCodeOf(errorcode: number): ProviderErrorCode {
  if (isKnownCode(errorcode)) return PROVIDER_CODES[errorcode];
  return errorcode >= 500 ? 'internal' : 'invalid';
}

function knownCode(errorcode: number): (typeof ERROR_CODES)[KnownErrorCode] | undefined {
  return isKnownCode(errorcode) ? ERROR_CODES[errorcode] : undefined;
}

function isKnownCode(errorcode: number): errorcode is KnownErrorCode {
  return Object.hasOwn(ERROR_CODES, errorcode);
}
