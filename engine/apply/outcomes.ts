/**
 * Commits the outcomes of calls that finish together in one transaction. An outcome
 * waits for the microtasks already queued (queueMicrotask): the calls whose answers are
 * being handled at that moment — a no-latency provider's in-flight calls finish in the
 * same run of microtasks — join it. Waiting for the event loop's next turn instead
 * (setImmediate) batched no better and delayed every dependent start by a turn: a
 * latency-bound apply lost 6% to it. Each outcome is still committed
 * before its step counts as done (its dependents start only then), and each in its own
 * savepoint: one refused outcome leaves the others committed. A crash before the commit
 * leaves the intents pending, which the next run resolves by reading the provider — as
 * a crash between any call and its commit always could.
 */
import type { OutcomeCommit } from '../../state/index.js';

export class OutcomeJournal {
  private queue: { outcome: OutcomeCommit; resolve: () => void; reject: (e: unknown) => void }[] = [];

  constructor(private readonly write: (outcomes: readonly OutcomeCommit[]) => readonly (Error | undefined)[]) {}

  commit(outcome: OutcomeCommit): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.queue.length === 0) queueMicrotask(() => this.flush());
      this.queue.push({ outcome, resolve, reject });
    });
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    let results: readonly (Error | undefined)[];
    try {
      results = this.write(batch.map((b) => b.outcome));
    } catch (error) {
      for (const b of batch) b.reject(error);
      return;
    }
    batch.forEach((b, i) => {
      const error = results[i];
      if (error === undefined) b.resolve();
      else b.reject(error);
    });
  }
}
