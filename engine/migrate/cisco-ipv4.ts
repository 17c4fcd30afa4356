/**
 * IPv4 arithmetic for the Cisco importer: dotted quads, netmasks and wildcards, prefixes.
 * Addresses are unsigned 32-bit numbers; a `Prefix` always has its host bits cleared.
 */

export interface Prefix {
  readonly base: number;
  readonly len: number;
}

const QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIpv4(text: string): number | undefined {
  const m = QUAD.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1, 5).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}

export const isIpv4 = (text: string): boolean => parseIpv4(text) !== undefined;

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

const maskOf = (len: number): number => (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0);

/** Prefix length of a contiguous netmask (`255.255.255.0` → 24); undefined when not contiguous. */
export function netmaskLength(mask: string): number | undefined {
  const n = parseIpv4(mask);
  if (n === undefined) return undefined;
  for (let len = 0; len <= 32; len++) if (maskOf(len) === n) return len;
  return undefined;
}

/** Prefix length of a contiguous IOS wildcard (`0.0.0.255` → 24); undefined when not contiguous. */
export function wildcardLength(wildcard: string): number | undefined {
  const n = parseIpv4(wildcard);
  if (n === undefined) return undefined;
  return netmaskLength(formatIpv4(~n >>> 0));
}

export function prefixOf(address: number, len: number): Prefix {
  return { base: (address & maskOf(len)) >>> 0, len };
}

export const hostPrefix = (address: number): Prefix => ({ base: address, len: 32 });
export const ANY: Prefix = { base: 0, len: 0 };

export const cidrOf = (p: Prefix): string => `${formatIpv4(p.base)}/${p.len}`;

const lastOf = (p: Prefix): number => (p.base + 2 ** (32 - p.len) - 1) >>> 0;

export function overlaps(a: Prefix, b: Prefix): boolean {
  return a.base <= lastOf(b) && b.base <= lastOf(a);
}

/** The prefixes that exactly cover `first`..`last` (an ASA `range` object, an IOS pool). */
export function rangePrefixes(first: number, last: number): Prefix[] {
  const out: Prefix[] = [];
  let at = first;
  while (at <= last) {
    let len = 32;
    while (len > 0 && prefixOf(at, len - 1).base === at && lastOf({ base: at, len: len - 1 }) <= last) len--;
    out.push({ base: at, len });
    at = lastOf({ base: at, len }) + 1;
    if (at > 0xffffffff) break;
  }
  return out;
}

/** `ip address A M` → the network prefix and the address, when both parse. */
export function interfaceAddress(address: string, mask: string): { readonly ip: number; readonly prefix: Prefix } | undefined {
  const ip = parseIpv4(address);
  const len = netmaskLength(mask);
  if (ip === undefined || len === undefined) return undefined;
  return { ip, prefix: prefixOf(ip, len) };
}
