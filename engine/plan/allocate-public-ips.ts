/**
 * Public addresses from the zone's pools. `auto` takes the named pool, or the first
 * pool (in zone order) with room. Every fixed address in the zone and every address
 * recorded in state is claimed, as are each pool's gateway, network and broadcast
 * addresses.
 */
import type { Diagnostic } from '../../specs/diagnostic.js';
import { contains, formatIpv4, parseCidr, parseIpv4, parseIpv4Range, rangeSize, type Ipv4Block, type Ipv4Range } from '../../specs/model/net/ipv4.js';
import { Claims, LowestFree } from './allocate-pool.js';
import { diagnosticAt, recordedFor, type ZoneInput } from './allocate-input.js';
import { AUTO } from './expand.js';

export interface Pool {
  readonly name: string;
  readonly range: Ipv4Range;
  readonly block: Ipv4Block | undefined;
  readonly gateway: number | undefined;
}

export function zonePools(input: Pick<ZoneInput, 'zone'>): Pool[] {
  return input.zone.value.spec.publicIpPools.flatMap((p) => {
    const range = parseIpv4Range(p.range);
    return range ? [{ name: p.name, range, block: parseCidr(p.cidr), gateway: parseIpv4(p.gateway) }] : [];
  });
}

/** The pool whose range holds an address (first in zone order). */
export function poolOf(pools: readonly Pool[], ip: number): Pool | undefined {
  return pools.find((p) => contains(p.range, ip));
}

/** Addresses of a pool never handed out: its gateway, and its block's network and broadcast addresses. */
export const reserved = (pool: Pool, ip: number): boolean => ip === pool.gateway || ip === pool.block?.first || ip === pool.block?.last;

/** How many addresses of a pool can be handed out: its range less the reserved addresses (as `reserved` names them) inside it. */
export function assignableSize(pool: Pool): number {
  const inside = new Set([pool.gateway, pool.block?.first, pool.block?.last].filter((ip) => ip !== undefined && contains(pool.range, ip)));
  return rangeSize(pool.range) - inside.size;
}

export function allocatePublicIps(input: ZoneInput): { addresses: Map<string, { address: string; pool: string }>; diagnostics: Diagnostic[] } {
  const pools = zonePools(input);
  const fixed = new Claims();
  const recorded = new Claims();
  const taken = new Set<number>();
  const drafts = input.drafts.filter((d) => d.type === 'public-ip');
  for (const d of drafts) {
    const ip = d.attributes.address === AUTO ? undefined : parseIpv4(String(d.attributes.address));
    if (ip !== undefined) fixed.add(ip, d.address);
  }
  for (const r of input.recorded) {
    const ip = r.type === 'public-ip' && typeof r.attributes.address === 'string' ? parseIpv4(r.attributes.address) : undefined;
    if (ip !== undefined) recorded.add(ip, r.address);
  }
  const cursors = new Map(pools.map((p) => [p.name, new LowestFree([p.range], (ip) => reserved(p, ip) || fixed.has(ip) || recorded.has(ip) || taken.has(ip))]));

  const addresses = new Map<string, { address: string; pool: string }>();
  const diagnostics: Diagnostic[] = [];
  for (const d of drafts) {
    const wanted = String(d.attributes.pool);
    const candidates = wanted === AUTO ? pools : pools.filter((p) => p.name === wanted);
    if (d.attributes.address !== AUTO) {
      const ip = parseIpv4(String(d.attributes.address));
      const pool = wanted !== AUTO ? wanted : ip !== undefined ? (poolOf(pools, ip)?.name ?? '') : '';
      addresses.set(d.address, { address: String(d.attributes.address), pool });
      continue;
    }
    if (candidates.length === 0) {
      // An unknown pool name is reported by verify; a zone without pools here.
      if (pools.length === 0) diagnostics.push(diagnosticAt(d, ['address'], `no public IP for ${String(d.attributes.name)}: zone ${input.zone.value.metadata.name} has no public IP pools`));
      continue;
    }
    const beforeText = recordedFor(input, d)?.attributes.address;
    const before = typeof beforeText === 'string' ? parseIpv4(beforeText) : undefined;
    const keptPool = before !== undefined ? candidates.find((p) => contains(p.range, before) && !reserved(p, before)) : undefined;
    let chosen: { ip: number; pool: Pool } | undefined;
    if (keptPool && before !== undefined && !fixed.has(before) && recorded.onlyBy(before, d) && !taken.has(before)) {
      chosen = { ip: before, pool: keptPool };
    } else {
      for (const pool of candidates) {
        const ip = cursors.get(pool.name)?.take();
        if (ip !== undefined) {
          chosen = { ip, pool };
          break;
        }
      }
    }
    if (!chosen) {
      const where = wanted === AUTO ? `every public IP pool of zone ${input.zone.value.metadata.name} is exhausted` : `pool ${wanted} is exhausted`;
      diagnostics.push(diagnosticAt(d, wanted === AUTO ? [] : ['pool'], `no public IP for ${String(d.attributes.name)}: ${where}`));
      continue;
    }
    taken.add(chosen.ip);
    addresses.set(d.address, { address: formatIpv4(chosen.ip), pool: chosen.pool.name });
  }
  return { addresses, diagnostics };
}
