/**
 * Writes that steps make together, done as one: apply journals the intents of steps that
 * start together in one transaction, and commits the outcomes of calls that finish
 * together in another (each in its own savepoint). An item waits for the microtasks
 * already queued (queueMicrotask): the steps being started or answered at that moment —
 * a no-latency provider's in-flight calls all finish in one run of microtasks — join it,
 * which is what lets a no-latency apply keep up with the provider. Waiting for the event
 * loop's next turn instead (setImmediate) batched no better and delayed every dependent
 * start by a turn: a latency-bound apply lost 6% to it.
 *
 * Each item's promise settles once the write is done, so an intent is durable before its
 * call starts and an outcome before its dependents start. `write` answers each item with
 * its result, or an Error for that item alone; if it throws, every item of the batch fails.
 */
export class Batch<T, R> {
  private queue: { item: T; resolve: (result: R) => void; reject: (e: unknown) => void }[] = [];

  constructor(private readonly write: (items: readonly T[]) => readonly (R | Error)[]) {}

  add(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      if (this.queue.length === 0) queueMicrotask(() => this.flush());
      this.queue.push({ item, resolve, reject });
    });
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    let results: readonly (R | Error)[];
    try {
      results = this.write(batch.map((b) => b.item));
    } catch (error) {
      for (const b of batch) b.reject(error);
      return;
    }
    batch.forEach((b, i) => {
      const result = results[i] as R | Error;
      if (result instanceof Error) b.reject(result);
      else b.resolve(result);
    });
  }
}
