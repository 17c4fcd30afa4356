/**
 * The endpoint's side of CloudStack's request signing (ApiServer.verifyRequest),
 * written apart from the client's signing.ts on purpose: a mistake shared by both sides
 * would pass every test, so the endpoint checks requests its own way and both are pinned
 * to the developer guide's test vector.
 *
 * CloudStack: every parameter but `signature`, names sorted as sent (Java
 * `Collections.sort`, UTF-16 order), each `name=URLEncoder.encode(value)` with `+` turned
 * into `%20`, joined with `&`, the whole string lower-cased, HMAC-SHA1 with the secret
 * key, base64. The names themselves are not encoded. With `signatureversion=3` the
 * request carries `expires` and is refused once that instant has passed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type Verdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly why: 'no-signature' | 'no-apikey' | 'wrong-apikey' | 'no-expires' | 'bad-expires' | 'expired' | 'mismatch' };

export interface Keys {
  readonly apiKey: string;
  readonly secretKey: string;
}

/** Checks decoded request parameters (first value of each name) as CloudStack would at `now`. */
export function verifyRequest(params: ReadonlyMap<string, string>, keys: Keys, now: Date): Verdict {
  let signature: string | undefined;
  let apiKey: string | undefined;
  let version: string | undefined;
  let expires: string | undefined;
  const signed: [string, string][] = [];
  for (const [name, value] of params) {
    const lower = name.toLowerCase();
    if (lower === 'signature') {
      signature = value;
      continue;
    }
    if (lower === 'apikey') apiKey = value;
    else if (lower === 'signatureversion') version = value;
    else if (lower === 'expires') expires = value;
    signed.push([name, value]);
  }
  if (signature === undefined) return { ok: false, why: 'no-signature' };
  if (apiKey === undefined) return { ok: false, why: 'no-apikey' };
  if (version === '3') {
    if (expires === undefined) return { ok: false, why: 'no-expires' };
    const at = parseExpires(expires);
    if (at === undefined) return { ok: false, why: 'bad-expires' };
    if (at.getTime() < now.getTime()) return { ok: false, why: 'expired' };
  }
  if (!sameText(apiKey, keys.apiKey)) return { ok: false, why: 'wrong-apikey' };
  return sameText(signature, signatureOf(signed, keys.secretKey)) ? { ok: true } : { ok: false, why: 'mismatch' };
}

/** HMAC-SHA1 (base64) of the string CloudStack signs for these name/value pairs. */
export function signatureOf(pairs: readonly (readonly [string, string])[], secretKey: string): string {
  const text = [...pairs]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${javaUrlEncode(value)}`)
    .join('&')
    .toLowerCase();
  return createHmac('sha1', secretKey).update(text, 'utf8').digest('base64');
}

/**
 * `java.net.URLEncoder.encode(value, "UTF-8")` then `+` → `%20`: only `A-Z a-z 0-9 . - * _`
 * stay. `encodeURIComponent` also leaves `! ' ( ) ~`, which Java encodes.
 */
export function javaUrlEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The `expires` forms CloudStack's DateUtil.parseTZDateString accepts: ISO-8601 with an
 * offset (`Z`, `+01:00`), Java's `+0100`, optionally fractional seconds, and the legacy
 * `…ss'Z'+0000`.
 */
const EXPIRES = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)(?:Z([+-]\d{4})|(Z)|([+-]\d{2}):?(\d{2}))$/;

export function parseExpires(text: string): Date | undefined {
  const m = EXPIRES.exec(text);
  if (!m) return undefined;
  const [, local = '', legacy, zulu, hours, minutes] = m;
  const offset = legacy !== undefined ? `${legacy.slice(0, 3)}:${legacy.slice(3)}` : zulu !== undefined ? 'Z' : `${hours}:${minutes}`;
  const ms = Date.parse(`${local}${offset}`);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

function sameText(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
