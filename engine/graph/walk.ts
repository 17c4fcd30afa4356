/**
 * Walks a Dag with bounded parallelism: a node starts the moment all its predecessors
 * have succeeded, at most `parallelism` run at once, and a failed node's descendants
 * are skipped while independent branches go on.
 */
import type { Dag } from './dag.js';

export type NodeOutcome = { status: 'succeeded' } | { status: 'failed'; error: unknown } | { status: 'skipped'; because: string };

export interface WalkOptions {
  readonly parallelism: number;
  /** Stop starting new nodes (in-flight ones finish); the rest are reported skipped. */
  readonly signal?: AbortSignal;
}

export async function walkDag<T>(dag: Dag<T>, visit: (id: string, value: T) => Promise<void>, options: WalkOptions): Promise<Map<string, NodeOutcome>> {
  const parallelism = Math.max(1, Math.floor(options.parallelism));
  const outcomes = new Map<string, NodeOutcome>();
  const waiting = new Map<string, number>();
  // FIFO of ready nodes; `head` advances instead of shift() so 50k ready nodes stay O(n).
  const ready: string[] = [];
  let head = 0;

  for (const id of dag.nodes()) {
    const n = dag.predecessors(id).length;
    waiting.set(id, n);
    if (n === 0) ready.push(id);
  }

  const skipDescendants = (id: string, because: string): void => {
    const stack = [...dag.successors(id)];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (outcomes.has(next)) continue;
      outcomes.set(next, { status: 'skipped', because });
      stack.push(...dag.successors(next));
    }
  };

  let running = 0;
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      while (running < parallelism && head < ready.length && !options.signal?.aborted) {
        const id = ready[head++]!;
        if (outcomes.has(id)) continue;
        running++;
        const done = (outcome: NodeOutcome): void => {
          running--;
          outcomes.set(id, outcome);
          if (outcome.status === 'succeeded') {
            for (const s of dag.successors(id)) {
              const left = (waiting.get(s) ?? 0) - 1;
              waiting.set(s, left);
              if (left === 0 && !outcomes.has(s)) ready.push(s);
            }
          } else {
            skipDescendants(id, id);
          }
          pump();
        };
        visit(id, dag.value(id)).then(
          () => done({ status: 'succeeded' }),
          (error: unknown) => done({ status: 'failed', error }),
        );
      }
      if (running === 0 && (head >= ready.length || options.signal?.aborted)) resolve();
    };
    pump();
  });

  for (const id of dag.nodes()) {
    if (!outcomes.has(id)) outcomes.set(id, { status: 'skipped', because: options.signal?.aborted ? 'interrupted' : 'not reached' });
  }
  return outcomes;
}
