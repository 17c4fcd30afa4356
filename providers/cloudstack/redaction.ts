/**
 * Secrets out of errors. The secret key and the values of secret-bearing parameters
 * (a VPN's `ipsecpsk`, a VPN user's `password`) must never reach a message the engine
 * prints or journals — including CloudStack's own errortext, which may quote a value
 * back. Every error the client throws passes through `redactError`.
 */
import { ProviderError } from '../contract.js';
import { CloudStackError } from './errors.js';
import { encodeValue, type WireParams } from './params.js';

/** Parameter names whose values are secrets, wherever they sit in a flattened name (`details[0].password`). */
const SECRET_PARAM = /password|ipsecpsk|secret/i;

const REDACTED = '[redacted]';
/** Below this length a secret could be any word's letters: replaced only as a whole token. */
const SHORT = 6;

/** Whether a parameter's value is a secret. */
export function isSecretParam(name: string): boolean {
  return SECRET_PARAM.test(name);
}

/** The secret values of a request: its secret parameters' values and the secret key. */
export function secretsOf(params: WireParams, secretKey: string): readonly string[] {
  const values = Object.entries(params)
    .filter(([name]) => isSecretParam(name))
    .map(([, value]) => value);
  return [secretKey, ...values].filter((value) => value !== '');
}

/** `text` with every secret (as written, or URL-encoded as it would travel) replaced by `[redacted]`. */
export function redact(text: string, secrets: readonly string[]): string {
  const forms = secrets.flatMap((secret) => [secret, encodeValue(secret), encodeURIComponent(secret)]);
  // Longest first, so a secret that contains another is replaced whole.
  const unique = [...new Set(forms)].sort((a, b) => b.length - a.length);
  return unique.reduce((result, form) => {
    if (form.length >= SHORT) return result.split(form).join(REDACTED);
    // A very short secret is replaced where it stands alone, not inside every word that contains it.
    const escaped = form.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return result.replace(new RegExp(`(?<![A-Za-z0-9])${escaped}(?![A-Za-z0-9])`, 'g'), REDACTED);
  }, text);
}

/**
 * The same error with secrets redacted from its message; the error itself when it holds
 * none. A redacted copy drops its cause, which may hold the secret too.
 */
export function redactError(error: unknown, secrets: readonly string[]): unknown {
  if (!(error instanceof Error)) return error;
  const message = redact(error.message, secrets);
  if (message === error.message) return error;
  if (error instanceof CloudStackError) {
    return new CloudStackError({
      command: error.command,
      errorcode: error.errorcode,
      cserrorcode: error.cserrorcode,
      errortext: redact(error.errortext, secrets),
      jobId: error.jobId,
    });
  }
  if (error instanceof ProviderError) return new ProviderError(error.code, message, { retryable: error.retryable, definite: error.definite });
  return new Error(message);
}
