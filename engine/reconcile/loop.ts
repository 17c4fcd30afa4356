/**
 * The reconcile loop: a round, then a pause of `intervalMs` (measured from the end of
 * the round, so rounds never overlap), until stopped. Stopping (the signal aborts)
 * never cuts a round short here: the round itself finishes what is in flight and
 * starts nothing new; only the pause between rounds ends at once.
 */
export interface LoopOptions {
  readonly intervalMs: number;
  /** One round, then return (cron, tests). */
  readonly once: boolean;
  readonly signal: AbortSignal;
  /** Runs round number `n` (from 1). A round that throws ends the loop with that error. */
  round(n: number): Promise<void>;
  /** How to pause (tests inject one); must return early when `signal` aborts. */
  readonly pause?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** Returns the number of rounds run. */
export async function reconcileLoop(options: LoopOptions): Promise<number> {
  const pause = options.pause ?? pauseUnlessAborted;
  for (let n = 1; ; n++) {
    await options.round(n);
    if (options.once || options.signal.aborted) return n;
    await pause(options.intervalMs, options.signal);
    if (options.signal.aborted) return n;
  }
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
export function pauseUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
