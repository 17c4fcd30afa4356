/**
 * Cluster placement for VMs without a `cluster:`. VMs with a fixed cluster and VMs
 * that keep the cluster state recorded count first; the rest go, in address order, to
 * the first cluster of their hypervisor (zone order) with CPU and memory room.
 */
import type { Diagnostic } from '../../specs/diagnostic.js';
import type { ZoneDoc } from '../../specs/schema.js';
import { MiB } from '../../specs/units.js';
import { diagnosticAt, recordedFor, type ZoneInput } from './allocate-input.js';
import { AUTO } from './expand.js';

export interface ClusterCapacity {
  readonly name: string;
  readonly hypervisor: string;
  /** vCPUs that may be sold: hosts × cores × overcommit. */
  readonly cpu: number;
  readonly memoryMiB: number;
}

export function clusterCapacities(zone: ZoneDoc): ClusterCapacity[] {
  return zone.spec.clusters.map((c) => ({
    name: c.name,
    hypervisor: c.hypervisor,
    cpu: Math.floor(c.hosts * c.cpuPerHost * (c.cpuOvercommit ?? 1)),
    memoryMiB: Math.floor((c.hosts * c.memoryPerHost) / MiB),
  }));
}

/** MiB as GiB for messages, to one decimal. */
const gib = (mib: number): number => Math.round((mib / 1024) * 10) / 10;

export function allocateClusters(input: ZoneInput): { clusters: Map<string, string>; diagnostics: Diagnostic[] } {
  const capacities = clusterCapacities(input.zone.value);
  const byName = new Map(capacities.map((c) => [c.name, c]));
  const used = new Map(capacities.map((c) => [c.name, { cpu: 0, memoryMiB: 0 }]));
  const clusters = new Map<string, string>();
  const place = (address: string, cluster: string, cpu: number, memoryMiB: number): void => {
    clusters.set(address, cluster);
    const u = used.get(cluster);
    if (u) {
      u.cpu += cpu;
      u.memoryMiB += memoryMiB;
    }
  };

  const vms = input.drafts.filter((d) => d.type === 'vm');
  const pending = [];
  for (const vm of vms) {
    const { cluster, hypervisor, cpu, memoryMiB } = vm.attributes as { cluster: string; hypervisor: string; cpu: number; memoryMiB: number };
    if (cluster !== AUTO) {
      place(vm.address, cluster, cpu, memoryMiB);
      continue;
    }
    const before = recordedFor(input, vm)?.attributes.cluster;
    if (typeof before === 'string' && byName.get(before)?.hypervisor === hypervisor) place(vm.address, before, cpu, memoryMiB);
    else pending.push({ vm, hypervisor, cpu, memoryMiB });
  }

  const diagnostics: Diagnostic[] = [];
  for (const { vm, hypervisor, cpu, memoryMiB } of pending) {
    const ofHypervisor = capacities.filter((c) => c.hypervisor === hypervisor);
    const fits = ofHypervisor.find((c) => {
      const u = used.get(c.name)!;
      return u.cpu + cpu <= c.cpu && u.memoryMiB + memoryMiB <= c.memoryMiB;
    });
    if (fits) {
      place(vm.address, fits.name, cpu, memoryMiB);
      continue;
    }
    const zone = input.zone.value.metadata.name;
    const why =
      ofHypervisor.length === 0
        ? `zone ${zone} has no ${hypervisor} cluster`
        : `no ${hypervisor} cluster of zone ${zone} has room for ${cpu} vCPU and ${gib(memoryMiB)} GiB (${ofHypervisor
            .map((c) => `${c.name}: ${used.get(c.name)!.cpu}/${c.cpu} vCPU, ${gib(used.get(c.name)!.memoryMiB)}/${gib(c.memoryMiB)} GiB used`)
            .join('; ')})`;
    diagnostics.push(diagnosticAt(vm, ['hypervisor'], `cannot place vm ${String(vm.attributes.name)}: ${why}`));
  }
  return { clusters, diagnostics };
}
