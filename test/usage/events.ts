/**
 * Plain event values for the pure usage tests: a tiny history builder, so a test reads
 * as the timeline it describes ("create the VM at 10:15, resize it at 12:30").
 */
import type { Attributes, ResourceTypeName } from '../../specs/model/resource.js';
import type { StateEvent } from '../../state/events.js';

export const DAY = '2025-03-10';
export const at = (time: string, day = DAY): string => new Date(`${day}T${time}Z`).toISOString();
export const ms = (time: string, day = DAY): number => Date.parse(at(time, day));

/** A VM's attributes; without `power` they are those of a VM recorded before the attribute existed (which ran). */
export const vmAttrs = (over: { cpu?: number; memoryMiB?: number; hypervisor?: string; rootGiB?: number; rootTier?: string; power?: 'running' | 'stopped' } = {}): Attributes => ({
  name: 'web-1', hypervisor: over.hypervisor ?? 'kvm', cluster: 'kvm-a', cpu: over.cpu ?? 2, memoryMiB: over.memoryMiB ?? 4096,
  template: 'ubuntu-24.04', nics: [{ network: 'acme/network/office', ip: '10.0.0.10' }],
  rootDisk: { sizeGiB: over.rootGiB ?? 40, tier: over.rootTier ?? 'performance' },
  ...(over.power !== undefined ? { power: over.power } : {}),
});
export const diskAttrs = (over: { sizeGiB?: number; tier?: string } = {}): Attributes => ({
  name: 'data', vm: 'acme/vm/web-1', sizeGiB: over.sizeGiB ?? 500, tier: over.tier ?? 'standard',
});
export const ipAttrs: Attributes = { name: 'web', address: '203.0.113.10', pool: 'pool-a' };

let nextId = 1;

export function event(
  action: StateEvent['action'],
  type: ResourceTypeName,
  address: string,
  when: string,
  attributes: Attributes | null = null,
  providerId = `${address}#1`,
): StateEvent {
  const tenant = address.split('/')[0]!;
  return { id: nextId++, at: when, runId: 'r1', address, tenant, zone: 'z1', type, action, providerId, attributes };
}
