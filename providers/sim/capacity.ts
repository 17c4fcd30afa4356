/**
 * Running totals of what clusters (vCPU, memory) and storage tiers (GiB) have given
 * out, kept in memory so every check is O(1). They are summed from the world's
 * objects when it opens, so they can never disagree with the world file.
 */
import { ProviderError } from '../contract.js';
import type { Footprint } from './rules.js';
import type { World } from './world.js';
import type { SimZone } from './zone-model.js';

export interface CapacityLedger {
  /** Throws 'capacity' if replacing `before` with `after` would overcommit a cluster or tier. */
  check(before: Footprint | undefined, after: Footprint): void;
  /** Records the change; call only after the world write committed. */
  apply(before: Footprint | undefined, after: Footprint | undefined): void;
  /** Starts from totals already in use (the world's, when it opens). */
  seed(usage: ReturnType<World['usage']>): void;
  usage(): { clusters: Record<string, { cpu: number; memoryMiB: number }>; tiers: Record<string, { gib: number }> };
}

export function createCapacityLedger(zone: SimZone): CapacityLedger {
  const cpu = new Map<string, number>();
  const memory = new Map<string, number>();
  const gib = new Map<string, number>();

  const delta = (before: Footprint | undefined, after: Footprint | undefined) => {
    const d = { cpu: new Map<string, number>(), memory: new Map<string, number>(), gib: new Map<string, number>() };
    const add = (fp: Footprint | undefined, sign: 1 | -1) => {
      if (!fp) return;
      if (fp.compute) {
        d.cpu.set(fp.compute.cluster, (d.cpu.get(fp.compute.cluster) ?? 0) + sign * fp.compute.cpu);
        d.memory.set(fp.compute.cluster, (d.memory.get(fp.compute.cluster) ?? 0) + sign * fp.compute.memoryMiB);
      }
      for (const s of fp.storage) d.gib.set(s.tier, (d.gib.get(s.tier) ?? 0) + sign * s.gib);
    };
    add(before, -1);
    add(after, 1);
    return d;
  };

  return {
    check(before, after) {
      const d = delta(before, after);
      for (const [name, extra] of d.cpu) {
        const cap = zone.clusters.get(name)?.cpu ?? 0;
        const used = cpu.get(name) ?? 0;
        if (extra > 0 && used + extra > cap) {
          throw new ProviderError('capacity', `Insufficient capacity in cluster ${name}: ${cap - used} of ${cap} vCPUs free, ${extra} more requested`);
        }
      }
      for (const [name, extra] of d.memory) {
        const cap = zone.clusters.get(name)?.memoryMiB ?? 0;
        const used = memory.get(name) ?? 0;
        if (extra > 0 && used + extra > cap) {
          throw new ProviderError('capacity', `Insufficient capacity in cluster ${name}: ${cap - used} of ${cap} MiB of memory free, ${extra} MiB more requested`);
        }
      }
      for (const [name, extra] of d.gib) {
        const cap = zone.tiers.get(name)?.gib ?? 0;
        const used = gib.get(name) ?? 0;
        if (extra > 0 && used + extra > cap) {
          throw new ProviderError('capacity', `Insufficient capacity in storage tier ${name}: ${cap - used} of ${cap} GiB free, ${extra} GiB more requested`);
        }
      }
    },
    apply(before, after) {
      const d = delta(before, after);
      for (const [k, v] of d.cpu) cpu.set(k, (cpu.get(k) ?? 0) + v);
      for (const [k, v] of d.memory) memory.set(k, (memory.get(k) ?? 0) + v);
      for (const [k, v] of d.gib) gib.set(k, (gib.get(k) ?? 0) + v);
    },
    seed(usage) {
      for (const u of usage.compute) {
        cpu.set(u.cluster, (cpu.get(u.cluster) ?? 0) + u.cpu);
        memory.set(u.cluster, (memory.get(u.cluster) ?? 0) + u.memoryMiB);
      }
      for (const u of usage.storage) gib.set(u.tier, (gib.get(u.tier) ?? 0) + u.gib);
    },
    usage() {
      const clusters: Record<string, { cpu: number; memoryMiB: number }> = {};
      for (const name of new Set([...cpu.keys(), ...memory.keys()])) clusters[name] = { cpu: cpu.get(name) ?? 0, memoryMiB: memory.get(name) ?? 0 };
      const tiers: Record<string, { gib: number }> = {};
      for (const [name, v] of gib) tiers[name] = { gib: v };
      return { clusters, tiers };
    },
  };
}
