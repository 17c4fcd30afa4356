/**
 * Address arithmetic the endpoint needs beyond specs/model/net: netmasks as CloudStack takes
 * them (`255.255.255.0`), a network's CIDR from its gateway and netmask (as CloudStack's
 * NetUtils.getCidrFromGatewayAndNetmask computes it), and picking a free address from a
 * range. Pure functions on 32-bit integers.
 */
import { formatIpv4, parseIpv4, type Ipv4Block, type Ipv4Range } from '../../../specs/model/net/ipv4.js';

/** `255.255.255.0` → 24, or undefined when the text is not a contiguous netmask. */
export function prefixOfNetmask(netmask: string): number | undefined {
  const mask = parseIpv4(netmask);
  if (mask === undefined) return undefined;
  const inverted = ~mask >>> 0;
  // A contiguous mask inverted is 2^k - 1: adding one leaves a single bit set.
  if ((inverted & (inverted + 1)) !== 0) return undefined;
  return 32 - Math.log2(inverted + 1);
}

export function netmaskOfPrefix(prefix: number): string {
  return formatIpv4(prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);
}

/** The block holding `gateway` with `prefix` bits of network. */
export function blockOf(gateway: number, prefix: number): Ipv4Block {
  const size = 2 ** (32 - prefix);
  const first = gateway - (gateway % size);
  return { first, last: first + size - 1, prefix };
}

/** The lowest address of `range` that `taken` does not hold, or undefined when all are. */
export function lowestFree(range: Ipv4Range, taken: ReadonlySet<number>): number | undefined {
  for (let ip = range.first; ip <= range.last; ip++) if (!taken.has(ip)) return ip;
  return undefined;
}

/** The highest address of `range` that `taken` does not hold, or undefined when all are. */
export function highestFree(range: Ipv4Range, taken: ReadonlySet<number>): number | undefined {
  for (let ip = range.last; ip >= range.first; ip--) if (!taken.has(ip)) return ip;
  return undefined;
}

/** A locally administered unicast MAC, `02:00:…`, from a counter: unique within the endpoint. */
export function macAddress(n: number): string {
  const bytes = [0x02, 0x00, (n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
