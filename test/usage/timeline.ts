/**
 * The scripted timeline of the usage issue, recorded through the real state store and
 * journal with a controlled clock — exactly the events an apply would leave:
 *
 *   2025-03-10 10:15  acme/vm/web-1 created (kvm, 2 vCPU, 4 GiB, root 40 GiB performance)
 *                     with acme/vm/web-1/disk/data (500 GiB standard)
 *              12:30  web-1's memory resized to 8 GiB
 *              13:00  the data disk moved to the performance tier
 *              14:45  web-1 and its disk deleted
 *              22:20  acme/public-ip/web allocated …
 *   2025-03-11 01:40  … and released, after midnight
 */
import { openState, type StateStore } from '../../state/index.js';
import type { Attributes, ResourceTypeName } from '../../specs/model/resource.js';
import { usageRecords, type UsageRecord } from '../../engine/usage/index.js';
import type { Granularity } from '../../engine/usage/period.js';
import { diskAttrs, ipAttrs, vmAttrs } from './events.js';

const VM = 'acme/vm/web-1';
const DISK = 'acme/vm/web-1/disk/data';
const IP = 'acme/public-ip/web';

export function recordTimeline(): StateStore {
  let clock = new Date(0);
  const state = openState(':memory:', { now: () => clock });
  const at = (iso: string): void => {
    clock = new Date(iso);
  };
  const base = (address: string, type: ResourceTypeName) => ({ address, type, tenant: 'acme', zone: 'iswest-1', runId: 'run-1' });
  const create = (address: string, type: ResourceTypeName, attributes: Attributes): void => {
    const op = state.beginOperation({ ...base(address, type), action: 'create' });
    state.commitCreate(op, { ...base(address, type), providerId: `${address}#1`, attributes, dependsOn: [], boundTo: [], protect: false, sensitive: [] });
  };
  const update = (address: string, type: ResourceTypeName, attributes: Attributes): void => {
    const op = state.beginOperation({ ...base(address, type), action: 'update', providerId: `${address}#1` });
    state.commitUpdate(op, { ...base(address, type), providerId: `${address}#1`, attributes, dependsOn: [], boundTo: [], protect: false, sensitive: [] });
  };
  const remove = (address: string, type: ResourceTypeName): void => {
    state.commitDelete(state.beginOperation({ ...base(address, type), action: 'delete', providerId: `${address}#1` }), address);
  };

  at('2025-03-10T10:15:00Z');
  create(VM, 'vm', vmAttrs());
  create(DISK, 'disk', diskAttrs());
  at('2025-03-10T12:30:00Z');
  update(VM, 'vm', vmAttrs({ memoryMiB: 8192 }));
  at('2025-03-10T13:00:00Z');
  update(DISK, 'disk', diskAttrs({ tier: 'performance' }));
  at('2025-03-10T14:45:00Z');
  remove(DISK, 'disk');
  remove(VM, 'vm');
  at('2025-03-10T22:20:00Z');
  create(IP, 'public-ip', ipAttrs);
  at('2025-03-11T01:40:00Z');
  remove(IP, 'public-ip');
  return state;
}

/** The records of [from, to) as the CLI computes them, with the clock well past the timeline. */
export function exportTimeline(state: StateStore, from: string, to: string, granularity: Granularity): UsageRecord[] {
  const range = { from: Date.parse(from), to: Date.parse(to), granularity };
  const events = state.events({ to: new Date(range.to), order: 'resource' });
  return [...usageRecords(events, { ...range, now: Date.parse('2026-01-01T00:00:00Z'), partnerOf: () => 'westside-it' })];
}
