/**
 * What the simulated zone offers, derived once from its Zone spec: guest VLAN and VNI
 * ranges, public-IP pools, cluster and storage-tier capacity, templates. Pure values;
 * the running usage lives in the world (world.ts).
 */
import type { z } from 'zod';
import type { ZoneSpec } from '../../specs/schema.js';
import { GiB, MiB } from '../../specs/units.js';

export type ZoneSpecOutput = z.output<typeof ZoneSpec>;

export interface NumberRange {
  readonly lo: number;
  readonly hi: number;
}

export interface SimZone {
  readonly name: string;
  readonly vlans: readonly NumberRange[];
  readonly vxlans: readonly NumberRange[];
  /** Public IPs as 32-bit integers, inclusive ranges, by pool name. */
  readonly publicIpPools: ReadonlyMap<string, NumberRange>;
  readonly clusters: ReadonlyMap<string, { readonly hypervisor: string; readonly cpu: number; readonly memoryMiB: number }>;
  readonly tiers: ReadonlyMap<string, { readonly gib: number }>;
  readonly templates: ReadonlyMap<string, ReadonlySet<string>>;
}

export function buildSimZone(name: string, spec: ZoneSpecOutput): SimZone {
  return {
    name,
    vlans: spec.segments.vlans.map(parseNumberRange),
    vxlans: spec.segments.vxlans.map(parseNumberRange),
    publicIpPools: new Map(spec.publicIpPools.map((p) => [p.name, parseIpRange(p.range)])),
    clusters: new Map(spec.clusters.map((c) => [c.name, {
      hypervisor: c.hypervisor,
      cpu: Math.floor(c.hosts * c.cpuPerHost * (c.cpuOvercommit ?? 1)),
      memoryMiB: Math.floor((c.hosts * c.memoryPerHost) / MiB),
    }])),
    tiers: new Map(spec.storageTiers.map((t) => [t.name, { gib: Math.floor(t.capacity / GiB) }])),
    templates: new Map(spec.templates.map((t) => [t.name, new Set<string>(t.hypervisors)])),
  };
}

/** `"100-999"`, `"310"` or `310`. */
export function parseNumberRange(r: string | number): NumberRange {
  if (typeof r === 'number') return { lo: r, hi: r };
  const [lo = '', hi = lo] = r.split('-').map((s) => s.trim());
  return { lo: Number(lo), hi: Number(hi) };
}

export const inRanges = (ranges: readonly NumberRange[], n: number): boolean => ranges.some((r) => n >= r.lo && n <= r.hi);

export const formatRanges = (ranges: readonly NumberRange[]): string =>
  ranges.length === 0 ? 'none' : ranges.map((r) => (r.lo === r.hi ? `${r.lo}` : `${r.lo}-${r.hi}`)).join(', ');

/** `10.0.0.1` → 167772161, or undefined when it is not a dotted IPv4 address. */
export function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

/** `203.0.113.10-203.0.113.250` → inclusive integer range. */
export function parseIpRange(range: string): NumberRange {
  const [lo = '', hi = lo] = range.split('-').map((s) => s.trim());
  return { lo: ipv4ToInt(lo) ?? NaN, hi: ipv4ToInt(hi) ?? NaN };
}

/** Whether `ip` lies inside `cidr` (`10.20.0.0/24`). */
export function cidrContains(cidr: string, ip: string): boolean {
  const [base = '', bits = '32'] = cidr.split('/');
  const b = ipv4ToInt(base);
  const n = ipv4ToInt(ip);
  const len = Number(bits);
  if (b === undefined || n === undefined || !(len >= 0 && len <= 32)) return false;
  const size = 2 ** (32 - len);
  return Math.floor(n / size) === Math.floor(b / size);
}
