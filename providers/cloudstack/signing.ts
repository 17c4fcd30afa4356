/**
 * Request signing, as CloudStack's ApiServer.verifyRequest checks it: every parameter
 * but `signature`, sorted by name, `name=URLEncoder(value)` joined with `&`, the whole
 * string lower-cased, HMAC-SHA1 with the secret key, base64. Signature version 3 adds
 * `signatureVersion=3` and `expires`, after which CloudStack refuses the request.
 * Pure: the client signs with it and the CloudStack-compatible test endpoint verifies
 * with it, so both sides agree by construction — and with a real CloudStack by the
 * developer guide's test vector.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { encodeValue, type WireParams } from './params.js';

export interface Credentials {
  readonly apiKey: string;
  readonly secretKey: string;
}

export interface SignOptions {
  /** Sign with version 3: CloudStack refuses the request after this instant. Absent: a signature that never expires. */
  readonly expires?: Date;
}

/** `params` plus `apiKey` (and `signatureVersion`/`expires` for version 3) and their `signature`. */
export function signParams(params: WireParams, credentials: Credentials, options: SignOptions = {}): WireParams {
  const unsigned: Record<string, string> = withoutSignature(params);
  unsigned.apiKey = credentials.apiKey;
  if (options.expires !== undefined) {
    unsigned.signatureVersion = '3';
    unsigned.expires = formatExpires(options.expires);
  }
  return { ...unsigned, signature: computeSignature(unsigned, credentials.secretKey) };
}

/**
 * The string CloudStack signs. Names are sorted as sent, by UTF-16 code unit — Java's
 * `Collections.sort` on the names, not a sort of the lower-cased names as the developer
 * guide suggests (the two differ only when an upper-case letter meets one of `[\]^_\``).
 * Names are not encoded, values are; lower-casing comes last.
 */
export function canonicalString(params: WireParams): string {
  return Object.keys(withoutSignature(params))
    .sort(compareCodeUnits)
    .map((name) => `${name}=${encodeValue(params[name] ?? '')}`)
    .join('&')
    .toLowerCase();
}

/** HMAC-SHA1 of the canonical string with the secret key, base64. */
export function computeSignature(params: WireParams, secretKey: string): string {
  return createHmac('sha1', secretKey).update(canonicalString(params), 'utf8').digest('base64');
}

/** `expires` as every CloudStack version parses it: `yyyy-MM-dd'T'HH:mm:ssZ` in UTC, e.g. `2025-01-31T12:00:00+0000`. */
export function formatExpires(date: Date): string {
  return `${date.toISOString().slice(0, 19)}+0000`;
}

/** Why a request's signature was refused, or that it was not. */
export type SignatureCheck =
  | { readonly valid: true }
  | { readonly valid: false; readonly reason: 'missing-signature' | 'missing-apikey' | 'missing-expires' | 'bad-expires' | 'expired' | 'mismatch' };

/**
 * Checks a request's parameters (decoded, as the server received them) the way
 * CloudStack does: names matched case-insensitively, version 3 requests refused once
 * `expires` is before `now`, signatures compared in constant time.
 */
export function checkSignature(params: WireParams, secretKey: string, now: Date): SignatureCheck {
  const signature = valueOf(params, 'signature');
  if (signature === undefined) return { valid: false, reason: 'missing-signature' };
  if (valueOf(params, 'apikey') === undefined) return { valid: false, reason: 'missing-apikey' };
  if (valueOf(params, 'signatureversion') === '3') {
    const expires = valueOf(params, 'expires');
    if (expires === undefined) return { valid: false, reason: 'missing-expires' };
    const expiresAt = parseExpires(expires);
    if (expiresAt === undefined) return { valid: false, reason: 'bad-expires' };
    if (expiresAt.getTime() < now.getTime()) return { valid: false, reason: 'expired' };
  }
  return sameSignature(signature, computeSignature(params, secretKey)) ? { valid: true } : { valid: false, reason: 'mismatch' };
}

/** Whether CloudStack would accept these parameters' signature at `now`. */
export function verifySignature(params: WireParams, secretKey: string, now: Date): boolean {
  return checkSignature(params, secretKey, now).valid;
}

/** The forms CloudStack's DateUtil.parseTZDateString accepts: an ISO offset (`Z`, `+01:00`) or Java's `+0100`, optional fraction. */
const EXPIRES = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)(Z|[+-]\d{2}:?\d{2})$/;

/** The instant an `expires` value names, or undefined when CloudStack could not parse it either. */
export function parseExpires(value: string): Date | undefined {
  const match = EXPIRES.exec(value);
  if (match === null) return undefined;
  const [, local = '', zone = ''] = match;
  const offset = zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const time = Date.parse(`${local}${offset}`);
  return Number.isNaN(time) ? undefined : new Date(time);
}

function withoutSignature(params: WireParams): Record<string, string> {
  return Object.fromEntries(Object.entries(params).filter(([name]) => name.toLowerCase() !== 'signature'));
}

function valueOf(params: WireParams, lowerCaseName: string): string | undefined {
  const entry = Object.entries(params).find(([name]) => name.toLowerCase() === lowerCaseName);
  return entry?.[1];
}

function compareCodeUnits(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

function sameSignature(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
