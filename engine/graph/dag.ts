/**
 * A directed acyclic graph of named nodes, wrapping graphlib. An edge `from → to`
 * means `to` waits for `from`. This module knows nothing of tenants or resources.
 */
import { alg, Graph } from '@dagrejs/graphlib';

export class Dag<T> {
  private readonly graph = new Graph({ directed: true });
  private readonly values = new Map<string, T>();

  addNode(id: string, value: T): void {
    this.values.set(id, value);
    this.graph.setNode(id);
  }

  has(id: string): boolean {
    return this.values.has(id);
  }

  /** `to` waits for `from`. Both must exist; self-edges are ignored. */
  addEdge(from: string, to: string): void {
    if (from === to) return;
    if (!this.values.has(from) || !this.values.has(to)) throw new Error(`edge ${from} → ${to}: unknown node`);
    this.graph.setEdge(from, to);
  }

  value(id: string): T {
    const v = this.values.get(id);
    if (v === undefined) throw new Error(`unknown node ${id}`);
    return v;
  }

  /** Node ids in insertion order. */
  nodes(): string[] {
    return [...this.values.keys()];
  }

  edges(): { from: string; to: string }[] {
    return this.graph.edges().map((e) => ({ from: e.v, to: e.w }));
  }

  predecessors(id: string): string[] {
    return (this.graph.predecessors(id) as string[] | undefined) ?? [];
  }

  successors(id: string): string[] {
    return (this.graph.successors(id) as string[] | undefined) ?? [];
  }

  get size(): number {
    return this.values.size;
  }

  /** Every cycle, each as the list of its node ids (sorted for stable messages); empty when acyclic. */
  cycles(): string[][] {
    if (alg.isAcyclic(this.graph)) return [];
    return alg.findCycles(this.graph).map((c) => [...c].sort());
  }

  /** Length (in nodes) of the longest path, weighting each node by `weight` — the critical path. */
  criticalPath(weight: (id: string) => number): number {
    const finish = new Map<string, number>();
    let longest = 0;
    for (const id of alg.topsort(this.graph)) {
      let start = 0;
      for (const p of this.predecessors(id)) start = Math.max(start, finish.get(p) ?? 0);
      const end = start + weight(id);
      finish.set(id, end);
      longest = Math.max(longest, end);
    }
    return longest;
  }
}
