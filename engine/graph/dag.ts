/**
 * A directed acyclic graph of named nodes. An edge `from → to` means `to` waits for
 * `from`. This module knows nothing of tenants or resources.
 *
 * Adjacency lives in Maps: building and walking a 50,000-step plan is the hot path, and
 * graphlib stores every node and edge as string-keyed object properties (~25 µs an edge
 * at that size). graphlib does the graph algorithms — finding the cycles to report and
 * the topological order for the critical path — on a Graph built from these Maps when
 * one of them is asked for. Whether a cycle exists at all is a linear count (Kahn).
 */
import { alg, Graph } from '@dagrejs/graphlib';

export class Dag<T> {
  private readonly values = new Map<string, T>();
  private readonly succ = new Map<string, string[]>();
  private readonly pred = new Map<string, string[]>();
  private readonly edgeKeys = new Set<string>();

  addNode(id: string, value: T): void {
    if (!this.values.has(id)) {
      this.succ.set(id, []);
      this.pred.set(id, []);
    }
    this.values.set(id, value);
  }

  has(id: string): boolean {
    return this.values.has(id);
  }

  /** `to` waits for `from`. Both must exist; self-edges and repeated edges are ignored. */
  addEdge(from: string, to: string): void {
    if (from === to) return;
    const out = this.succ.get(from);
    const inn = this.pred.get(to);
    if (!out || !inn) throw new Error(`edge ${from} → ${to}: unknown node`);
    const key = `${from}\0${to}`;
    if (this.edgeKeys.has(key)) return;
    this.edgeKeys.add(key);
    out.push(to);
    inn.push(from);
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
    const out: { from: string; to: string }[] = [];
    for (const [from, tos] of this.succ) for (const to of tos) out.push({ from, to });
    return out;
  }

  predecessors(id: string): readonly string[] {
    return this.pred.get(id) ?? [];
  }

  successors(id: string): readonly string[] {
    return this.succ.get(id) ?? [];
  }

  get size(): number {
    return this.values.size;
  }

  /** The same graph as a graphlib Graph, for its algorithms. */
  toGraphlib(): Graph {
    const g = new Graph({ directed: true });
    for (const id of this.values.keys()) g.setNode(id);
    for (const [from, tos] of this.succ) for (const to of tos) g.setEdge(from, to);
    return g;
  }

  /** Every cycle, each as the list of its node ids (sorted for stable messages); empty when acyclic. */
  cycles(): string[][] {
    if (this.isAcyclic()) return [];
    return alg.findCycles(this.toGraphlib()).map((c) => [...c].sort());
  }

  /** Kahn's count: the graph is acyclic when every node can be removed source-first. */
  isAcyclic(): boolean {
    const waiting = new Map<string, number>();
    const ready: string[] = [];
    for (const [id, preds] of this.pred) {
      waiting.set(id, preds.length);
      if (preds.length === 0) ready.push(id);
    }
    let removed = 0;
    while (ready.length > 0) {
      const id = ready.pop()!;
      removed++;
      for (const s of this.succ.get(id) ?? []) {
        const left = waiting.get(s)! - 1;
        waiting.set(s, left);
        if (left === 0) ready.push(s);
      }
    }
    return removed === this.values.size;
  }

  /** Length of the longest path, weighting each node by `weight` — the critical path. */
  criticalPath(weight: (id: string) => number): number {
    const finish = new Map<string, number>();
    let longest = 0;
    for (const id of alg.topsort(this.toGraphlib())) {
      let start = 0;
      for (const p of this.predecessors(id)) start = Math.max(start, finish.get(p) ?? 0);
      const end = start + weight(id);
      finish.set(id, end);
      longest = Math.max(longest, end);
    }
    return longest;
  }
}
