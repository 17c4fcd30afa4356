/**
 * From the event history to usage lines: for each resource, the stretches of time
 * [start, end) during which one meter ran at one rate. A resource counts from its
 * create event to its delete event; an update splits a line only where it changes a
 * meter's key or rate (a memory resize splits memory-gib-hours and vm-hours, not
 * vcpu-hours); lines still open end at `until` (the end of the export, or now if that
 * is earlier). Replacement is a delete and a create, so it needs nothing special; a
 * create-before-destroy replacement briefly has two objects at one address, told
 * apart by provider id, and both are billed.
 *
 * The events must come grouped by resource (tenant, address) and in id order within
 * each group — `state.events({ order: 'resource' })` — so only one resource's lines
 * are held at a time.
 */
import type { StateEvent } from '../../state/events.js';
import type { ResourceTypeName } from '../../specs/model/resource.js';
import { type Meter, meterKey, metersOf, sameMeter } from './meters.js';
import { USAGE_TYPE_ORDER } from './usage-types.js';

export interface UsageLine {
  readonly meter: Meter;
  readonly zone: string;
  /** ms since the epoch, inclusive. */
  readonly start: number;
  /** Exclusive; after `start`. */
  readonly end: number;
}

export interface ResourceUsage {
  readonly tenant: string;
  readonly address: string;
  readonly type: ResourceTypeName;
  /** Sorted by start, then usage type. */
  readonly lines: readonly UsageLine[];
}

interface LiveObject {
  readonly providerId: string;
  zone: string;
  /** Open lines by meter key: the meter and when it started at this rate. */
  running: Map<string, { readonly meter: Meter; readonly since: number }>;
}

/** Groups resource-ordered events and turns each group into its usage lines. */
export function* resourceUsages(events: Iterable<StateEvent>, until: number): Generator<ResourceUsage> {
  let group: StateEvent[] = [];
  for (const event of events) {
    const head = group[0];
    if (head && (head.address !== event.address || head.tenant !== event.tenant)) {
      const usage = linesOf(group, until);
      if (usage.lines.length > 0) yield usage;
      group = [];
    }
    group.push(event);
  }
  if (group.length > 0) {
    const usage = linesOf(group, until);
    if (usage.lines.length > 0) yield usage;
  }
}

/** The usage lines of one resource from its events (one address, in id order). */
export function linesOf(events: readonly StateEvent[], until: number): ResourceUsage {
  const first = events[0];
  if (!first) throw new Error('usage: linesOf needs at least one event');
  const lines: UsageLine[] = [];
  const live: LiveObject[] = [];
  let type = first.type;

  const close = (object: LiveObject, key: string, at: number): void => {
    const open = object.running.get(key);
    if (!open) return;
    object.running.delete(key);
    const end = Math.min(at, until);
    if (end > open.since) lines.push({ meter: open.meter, zone: object.zone, start: open.since, end });
  };
  const retarget = (object: LiveObject, meters: readonly Meter[], at: number): void => {
    const next = new Map(meters.map((m) => [meterKey(m), m]));
    for (const [key, open] of [...object.running]) {
      const m = next.get(key);
      if (m && sameMeter(m, open.meter)) next.delete(key);
      else close(object, key, at);
    }
    for (const [key, m] of next) object.running.set(key, { meter: m, since: at });
  };
  const closeAll = (object: LiveObject, at: number): void => {
    for (const key of [...object.running.keys()]) close(object, key, at);
  };

  for (const event of events) {
    const at = Date.parse(event.at);
    if (at >= until) break;
    type = event.type;
    const byId = live.findIndex((o) => o.providerId === event.providerId);
    switch (event.action) {
      case 'create':
      case 'update': {
        const meters = event.attributes ? metersOf(event.type, event.attributes) : [];
        // An update names the object it changed; failing that it is the newest one.
        let object = byId >= 0 ? live[byId] : event.action === 'update' ? live.at(-1) : undefined;
        if (!object) {
          object = { providerId: event.providerId, zone: event.zone, running: new Map() };
          live.push(object);
        }
        if (object.zone !== event.zone) {
          closeAll(object, at);
          object.zone = event.zone;
        }
        retarget(object, meters, at);
        break;
      }
      case 'delete': {
        // A delete names the object it removed; failing that it is the oldest one.
        const index = byId >= 0 ? byId : live.length > 0 ? 0 : -1;
        if (index < 0) break;
        closeAll(live[index]!, at);
        live.splice(index, 1);
        break;
      }
    }
  }
  for (const object of live) closeAll(object, until);
  lines.sort((a, b) => a.start - b.start || USAGE_TYPE_ORDER[a.meter.usageType] - USAGE_TYPE_ORDER[b.meter.usageType]);
  return { tenant: first.tenant, address: first.address, type, lines };
}
