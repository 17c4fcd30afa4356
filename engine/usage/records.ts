/**
 * Usage lines cut into periods: for each resource, each period of the export it was
 * alive in, and each record key (usage type, hypervisor, size, tier, zone), one record
 * whose quantity is the exact sum of the hour slices of its lines in that period.
 * Everything is a generator: the history is read once, one resource at a time, and
 * records leave as soon as they are made. Records come ordered by tenant and address
 * (the order of the events), then period, then usage type, then first use.
 */
import type { StateEvent } from '../../state/events.js';
import { type ResourceUsage, resourceUsages, type UsageLine } from './lines.js';
import { meterKey } from './meters.js';
import { formatInstant, type Granularity, periodsBetween } from './period.js';
import { formatQuantity, perHour, type Quantity, usageBetween } from './quantity.js';
import type { UsageRecord } from './record.js';
import { USAGE_TYPE_ORDER, USAGE_TYPES } from './usage-types.js';

export interface UsageQuery {
  /** Aligned to `granularity`, ms since the epoch. */
  readonly from: number;
  /** Exclusive, aligned. */
  readonly to: number;
  readonly granularity: Granularity;
  /** Usage is known up to now: lines still open end here when it is before `to`. */
  readonly now: number;
  /** The partner of a tenant ('' for none). */
  readonly partnerOf: (tenant: string) => string;
  /** Only these tenants' records (all when absent). */
  readonly includeTenant?: (tenant: string) => boolean;
}

/** Every usage record of the query, from resource-ordered events (see `resourceUsages`). */
export function* usageRecords(events: Iterable<StateEvent>, query: UsageQuery): Generator<UsageRecord> {
  const until = Math.min(query.to, query.now);
  const instants = new Map<number, string>();
  const instant = (t: number): string => {
    let s = instants.get(t);
    if (s === undefined) {
      s = formatInstant(t);
      if (instants.size > 10_000) instants.clear();
      instants.set(t, s);
    }
    return s;
  };
  const partners = new Map<string, string>();
  const partnerOf = (tenant: string): string => {
    let p = partners.get(tenant);
    if (p === undefined) partners.set(tenant, (p = query.partnerOf(tenant)));
    return p;
  };
  // The same few quantities (1, 2 vCPU, 40 GiB…) make most records: format each once.
  const quantities = new Map<Quantity, string>();
  const quantity = (q: Quantity): string => {
    let text = quantities.get(q);
    if (text === undefined) {
      text = formatQuantity(q);
      if (quantities.size > 10_000) quantities.clear();
      quantities.set(q, text);
    }
    return text;
  };
  const include = query.includeTenant;
  const selected = include ? filterTenants(events, include) : events;
  for (const resource of resourceUsages(selected, until)) {
    yield* recordsOf(resource, query, partnerOf(resource.tenant), instant, quantity);
  }
}

function* filterTenants(events: Iterable<StateEvent>, include: (tenant: string) => boolean): Generator<StateEvent> {
  let tenant: string | undefined;
  let included = false;
  for (const e of events) {
    if (e.tenant !== tenant) {
      tenant = e.tenant;
      included = include(tenant);
    }
    if (included) yield e;
  }
}

interface Slot {
  readonly key: string;
  readonly sample: UsageLine;
  readonly lines: { readonly line: UsageLine; readonly wholeHour: Quantity }[];
}

/** The records of one resource, period by period. */
export function* recordsOf(
  resource: ResourceUsage,
  query: Pick<UsageQuery, 'from' | 'to' | 'granularity'>,
  partner: string,
  instant: (t: number) => string = formatInstant,
  quantity: (q: Quantity) => string = formatQuantity,
): Generator<UsageRecord> {
  // Only lines that reach into the export: a long history before it costs nothing per period.
  const lines = resource.lines.filter((l) => l.end > query.from && l.start < query.to);
  if (lines.length === 0) return;
  // One slot per record key, in record order; each holds the lines that feed it.
  const slots = new Map<string, Slot>();
  for (const line of lines) {
    const key = `${meterKey(line.meter)}\u0000${line.zone}`;
    let slot = slots.get(key);
    if (!slot) slots.set(key, (slot = { key, sample: line, lines: [] }));
    slot.lines.push({ line, wholeHour: perHour(line.meter.rate) });
  }
  const ordered = [...slots.values()].sort((a, b) => compareLines(a.sample, b.sample));
  let since = Infinity;
  let until = -Infinity;
  for (const line of lines) {
    since = Math.min(since, line.start);
    until = Math.max(until, line.end);
  }
  for (const period of periodsBetween(query.from, query.to, query.granularity, since, until)) {
    let start: string | undefined;
    let end: string | undefined;
    for (const slot of ordered) {
      let q = 0n;
      for (const { line, wholeHour } of slot.lines) {
        if (line.end <= period.start || line.start >= period.end) continue;
        q += usageBetween(line.meter.rate, Math.max(line.start, period.start), Math.min(line.end, period.end), wholeHour);
      }
      if (q === 0n) continue;
      const m = slot.sample.meter;
      const type = USAGE_TYPES[m.usageType];
      yield {
        tenant: resource.tenant,
        partner,
        zone: slot.sample.zone,
        address: resource.address,
        resourceType: resource.type,
        usageType: m.usageType,
        cloudstackUsageType: type.cloudstack,
        hypervisor: m.hypervisor,
        size: m.size,
        tier: m.tier,
        start: (start ??= instant(period.start)),
        end: (end ??= instant(period.end)),
        quantity: quantity(q),
        unit: type.unit,
      };
    }
  }
}

function compareLines(a: UsageLine, b: UsageLine): number {
  const byType = USAGE_TYPE_ORDER[a.meter.usageType] - USAGE_TYPE_ORDER[b.meter.usageType];
  if (byType !== 0) return byType;
  if (a.start !== b.start) return a.start - b.start;
  for (const k of ['hypervisor', 'size', 'tier'] as const) {
    if (a.meter[k] !== b.meter[k]) return a.meter[k] < b.meter[k] ? -1 : 1;
  }
  return a.zone < b.zone ? -1 : a.zone > b.zone ? 1 : 0;
}
