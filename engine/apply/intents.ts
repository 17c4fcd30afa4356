/**
 * Journals the intents of steps that start together in one transaction. Every intent
 * is durable before its own provider call starts (the caller awaits it); steps started
 * in the same turn of the walk share the write, which is what lets a no-latency apply
 * keep up with the provider.
 */
import type { OperationIntent } from '../../state/index.js';

export class IntentJournal {
  private queue: { intent: OperationIntent; resolve: (id: number) => void; reject: (e: unknown) => void }[] = [];

  constructor(private readonly write: (intents: readonly OperationIntent[]) => number[]) {}

  begin(intent: OperationIntent): Promise<number> {
    return new Promise((resolve, reject) => {
      if (this.queue.length === 0) queueMicrotask(() => this.flush());
      this.queue.push({ intent, resolve, reject });
    });
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    try {
      const ids = this.write(batch.map((b) => b.intent));
      batch.forEach((b, i) => b.resolve(ids[i]!));
    } catch (error) {
      for (const b of batch) b.reject(error);
    }
  }
}
