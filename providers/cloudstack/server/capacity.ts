/**
 * Cluster and storage-tier capacity, summed from the world on each check (a sim zone
 * holds hundreds of objects, not millions), so usage can never disagree with it.
 * Clusters and tiers come from the sim's zone model: a cluster offers hosts × cores ×
 * overcommit vCPUs and hosts × memory; only Running VMs take from it, as CloudStack
 * releases a stopped VM's host capacity. Every volume, attached or not, takes its size
 * from its tier. Refusals are CloudStack's InsufficientCapacityException (533).
 */
import { insufficientCapacity } from './errors.js';
import type { Catalog, Hypervisor } from './catalog.js';
import type { CloudState } from './state.js';

export interface ComputeUse {
  cpu: number;
  memoryMiB: number;
}

export function clusterUsage(state: CloudState, except?: string): Map<string, ComputeUse> {
  const used = new Map<string, ComputeUse>();
  for (const vm of state.vms.values()) {
    if (vm.state !== 'Running' || vm.cluster === undefined || vm.id === except) continue;
    const u = used.get(vm.cluster) ?? { cpu: 0, memoryMiB: 0 };
    u.cpu += vm.cpu;
    u.memoryMiB += vm.memoryMiB;
    used.set(vm.cluster, u);
  }
  return used;
}

/**
 * The first cluster of `hypervisor` (in the zone's order) with room for `cpu` vCPUs and
 * `memoryMiB`, not counting VM `except` (the one being started again).
 */
export function placeVm(catalog: Catalog, state: CloudState, hypervisor: Hypervisor, cpu: number, memoryMiB: number, vmName: string, except?: string): string {
  const used = clusterUsage(state, except);
  const candidates = [...catalog.sim.clusters].filter(([, c]) => c.hypervisor === hypervisor);
  for (const [name, c] of candidates) {
    const u = used.get(name) ?? { cpu: 0, memoryMiB: 0 };
    if (u.cpu + cpu <= c.cpu && u.memoryMiB + memoryMiB <= c.memoryMiB) return name;
  }
  const free = candidates.map(([name, c]) => {
    const u = used.get(name) ?? { cpu: 0, memoryMiB: 0 };
    return `${name}: ${c.cpu - u.cpu} vCPUs and ${c.memoryMiB - u.memoryMiB} MiB free`;
  });
  throw insufficientCapacity('server',
    `Unable to create a deployment for VM ${vmName}: no ${hypervisor} cluster has room for ${cpu} vCPUs and ${memoryMiB} MiB (${free.join('; ') || 'the zone has no such cluster'})`);
}

export function tierUsage(state: CloudState, exceptVolume?: string): Map<string, number> {
  const used = new Map<string, number>();
  for (const v of state.volumes.values()) if (v.id !== exceptVolume) used.set(v.tier, (used.get(v.tier) ?? 0) + v.sizeGiB);
  return used;
}

/** Refuses unless `tier` has `gib` free (not counting volume `exceptVolume`, the one being resized). */
export function checkTier(catalog: Catalog, state: CloudState, tier: string, gib: number, exceptVolume?: string): void {
  const capacity = catalog.sim.tiers.get(tier)?.gib ?? 0;
  const used = tierUsage(state, exceptVolume).get(tier) ?? 0;
  if (used + gib > capacity) {
    throw insufficientCapacity('storage', `Insufficient storage capacity in storage tier ${tier}: ${capacity - used} of ${capacity} GiB free, ${gib} GiB requested`);
  }
}

/** The first tier (in the zone's order) with `gib` free: where a root volume without a disk offering goes. */
export function anyTierWithRoom(catalog: Catalog, state: CloudState, gib: number): string {
  const used = tierUsage(state);
  for (const [name, t] of catalog.sim.tiers) if ((used.get(name) ?? 0) + gib <= t.gib) return name;
  throw insufficientCapacity('storage', `Insufficient storage capacity: no storage tier has ${gib} GiB free for a root volume`);
}
