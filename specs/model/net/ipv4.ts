/**
 * IPv4 arithmetic on unsigned 32-bit integers: parsing goes through ipaddr.js once,
 * everything after (containment, overlap, host ranges, iteration) is integer math so
 * that allocating and checking tens of thousands of addresses stays cheap.
 */
import ipaddr from 'ipaddr.js';

/** A CIDR block as integers: `first` is the network address, `last` the broadcast address. */
export interface Ipv4Block {
  readonly first: number;
  readonly last: number;
  readonly prefix: number;
}

/** An inclusive range of addresses (a pool range such as `203.0.113.10-203.0.113.250`). */
export interface Ipv4Range {
  readonly first: number;
  readonly last: number;
}

/**
 * `10.20.0.1` → 169082881, or undefined when the text is not a dotted-quad IPv4 address.
 * Canonical addresses (what the schema admits) take a hand-written path, because the
 * planner parses every address of every spec and state entry on each run; anything
 * else is left to ipaddr.js to judge.
 */
export function parseIpv4(text: string): number | undefined {
  const fast = parseCanonical(text);
  if (fast !== undefined) return fast;
  if (!ipaddr.IPv4.isValidFourPartDecimal(text)) return undefined;
  const [a = 0, b = 0, c = 0, d = 0] = ipaddr.IPv4.parse(text).octets;
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/** Four decimal octets without leading zeros, or undefined. */
function parseCanonical(text: string): number | undefined {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return undefined;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return undefined;
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return undefined;
    } else return undefined;
  }
  if (dots !== 3 || digits === 0) return undefined;
  return value * 256 + octet;
}

export function formatIpv4(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

/** `10.20.0.0/24` → its block; host bits are cleared (the schema already rejects them). */
export function parseCidr(text: string): Ipv4Block | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const base = parseIpv4(text.slice(0, slash));
  const bits = text.slice(slash + 1);
  if (base === undefined || !/^\d{1,2}$/.test(bits)) return undefined;
  const prefix = Number(bits);
  if (prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  const first = base - (base % size);
  return { first, last: first + size - 1, prefix };
}

export function formatCidr(block: Ipv4Block): string {
  return `${formatIpv4(block.first)}/${block.prefix}`;
}

/** `203.0.113.10-203.0.113.250` → its range, or undefined when malformed or reversed. */
export function parseIpv4Range(text: string): Ipv4Range | undefined {
  const [from = '', to = ''] = text.split('-').map((s) => s.trim());
  const first = parseIpv4(from);
  const last = parseIpv4(to);
  if (first === undefined || last === undefined || last < first) return undefined;
  return { first, last };
}

export function contains(range: Ipv4Range, ip: number): boolean {
  return ip >= range.first && ip <= range.last;
}

export function overlaps(a: Ipv4Range, b: Ipv4Range): boolean {
  return a.first <= b.last && b.first <= a.last;
}

/**
 * The addresses hosts may use: everything but the network and broadcast address, except
 * for /31 (point-to-point, both usable, RFC 3021) and /32 (the single address).
 */
export function hostRange(block: Ipv4Block): Ipv4Range {
  return block.prefix >= 31 ? { first: block.first, last: block.last } : { first: block.first + 1, last: block.last - 1 };
}

/** The n-th usable host address (1-based), or undefined past the end of the block. */
export function nthHost(block: Ipv4Block, n: number): number | undefined {
  const hosts = hostRange(block);
  const ip = hosts.first + n - 1;
  return n >= 1 && ip <= hosts.last ? ip : undefined;
}

/** The number of addresses in a range. */
export function rangeSize(range: Ipv4Range): number {
  return range.last - range.first + 1;
}

/** Every address of a range in ascending order, lazily. */
export function* iterateRange(range: Ipv4Range): Generator<number> {
  for (let ip = range.first; ip <= range.last; ip++) yield ip;
}

/** A block of the IPv4 special-purpose registry that no tenant may route, with the name users know it by. */
export interface SpecialPurposeBlock {
  readonly block: Ipv4Block;
  readonly name: string;
}

const special = (first: number, prefix: number, name: string): SpecialPurposeBlock => ({
  block: { first, last: first + 2 ** (32 - prefix) - 1, prefix },
  name,
});

/**
 * The blocks every IPv4 stack treats specially (RFC 6890): a network, gateway or VPN
 * peer there is never what it seems — 0.0.0.0/8 is "this host" (and 0.0.0.0/0 every
 * route), 127/8 the router's own loopback, 169.254/16 on-link only, 224/4 multicast,
 * 240/4 reserved (with the limited broadcast 255.255.255.255). Ascending order.
 */
export const SPECIAL_PURPOSE_BLOCKS: readonly SpecialPurposeBlock[] = [
  special(0x00000000, 8, '"this network"'),
  special(0x7f000000, 8, 'loopback'),
  special(0xa9fe0000, 16, 'link-local'),
  special(0xe0000000, 4, 'multicast'),
  special(0xf0000000, 4, 'reserved'),
];

/** The first special-purpose block a range overlaps, or undefined. */
export function specialPurposeBlockOf(range: Ipv4Range): SpecialPurposeBlock | undefined {
  return SPECIAL_PURPOSE_BLOCKS.find((s) => overlaps(s.block, range));
}
