/**
 * Request parameters: the flat record callers pass, and how its values go on the wire.
 * Lists and maps are already flattened by the caller (`iptonetworklist[0].networkid`,
 * `details[0].cpuNumber`, `tags[0].key`); this module only drops absent values and
 * renders the rest as CloudStack's Java side would encode them.
 */

/** What callers pass: one value per flat key; `undefined` means "do not send". */
export type CloudStackParams = Readonly<Record<string, string | number | boolean | undefined>>;

/** Parameters as strings, ready to sign and send. */
export type WireParams = Readonly<Record<string, string>>;

/** Drops `undefined` values and renders numbers and booleans as CloudStack reads them. */
export function toWireParams(params: CloudStackParams): WireParams {
  const wire: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    wire[key] = wireValue(key, value);
  }
  return wire;
}

function wireValue(key: string, value: string | number | boolean): string {
  // NaN or Infinity can only come from a bug upstream; CloudStack would answer a
  // puzzling 431 about a parameter the user never wrote.
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`CloudStack parameter ${key} is ${value}`);
  return String(value);
}

/**
 * Characters that `encodeURIComponent` leaves alone but Java's `URLEncoder` encodes.
 * CloudStack re-encodes every received value with `URLEncoder` before checking the
 * signature, so the string we sign has to use exactly that encoding.
 */
const JAVA_ENCODED = /[!'()~]/g;

/**
 * A value encoded as `java.net.URLEncoder.encode(value, "UTF-8")` followed by
 * CloudStack's `replaceAll("\\+", "%20")`: only `A–Z a–z 0–9 . - * _` stay as they are,
 * space becomes `%20`, everything else is `%XX` of its UTF-8 bytes.
 */
export function encodeValue(value: string): string {
  return encodeURIComponent(value).replace(JAVA_ENCODED, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `key=value&…` with every key and value encoded, for a query string or a form body. */
export function encodeForm(params: WireParams): string {
  return Object.entries(params)
    .map(([key, value]) => `${encodeValue(key)}=${encodeValue(value)}`)
    .join('&');
}
