/**
 * Loading many files on several threads behind a synchronous call: `loadSpecs` stays
 * a plain function while worker threads run `loadFile` beside the main thread.
 *
 * The texts are cut into batches of about equal size. Every thread — the main one
 * included — claims the next batch from a shared counter until none is left, so a
 * worker that starts late (start-up costs a few hundred ms) simply takes fewer
 * batches. Workers post each batch's results on their MessagePort and bump a shared
 * counter; the main thread takes the messages with `receiveMessageOnPort` between its
 * own batches and, once every batch is claimed, sleeps on that counter with
 * `Atomics.wait` — it never needs its event loop. A worker that fails, or holds a
 * batch for STALL_MS without posting it, costs time and nothing else: the main thread
 * loads every batch that was not delivered itself.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { FileResult } from './cache.js';
import { loadFile } from './load-file.js';
import { SourceFile } from './source.js';

/** Below this many uncached files one thread is faster: a worker's start-up costs more than it saves. */
export const PARALLEL_MIN_FILES = 64;

/** Threads worth using, the main one included. */
export const threadCount = (): number => Math.min(availableParallelism(), 4);

/** Batches per thread: small enough that the last one to finish keeps the others waiting briefly. */
const BATCHES_PER_THREAD = 24;

/** Slot of the shared Int32Array: the next batch to claim. */
export const NEXT_BATCH = 0;
/** Slot of the shared Int32Array: bumped and notified by a worker after each message it posts. */
export const POSTED = 1;

/** What a worker is started with (its `workerData`). */
export interface WorkerInput {
  readonly counters: SharedArrayBuffer;
  readonly port: MessagePort;
  /** The texts of each batch. */
  readonly batches: readonly (readonly string[])[];
}

/** What a worker posts: the results of one batch as JSON, in text order, or why it stopped. */
export type WorkerMessage =
  | { readonly batch: number; readonly results: readonly string[]; readonly failure?: never }
  | { readonly batch?: never; readonly results?: never; readonly failure: string };

/** `loadFile` of one text, and that result as JSON when it arrived as JSON (the cache can write it as is). */
export interface LoadedText {
  readonly result: FileResult;
  readonly json?: string;
}

export interface ParallelOptions {
  /** The worker's entry; tests replace it with workers that fail. */
  readonly entry?: URL;
  /** How long a worker may hold a claimed batch before the main thread loads it itself. */
  readonly stallMs?: number;
  /** Let the main thread claim batches too (default); off, it only collects (tests pin the worker path). */
  readonly mainThreadLoads?: boolean;
}

/** The bootstrap starts the compiled worker beside a build, else registers tsx: workers inherit neither bin/netfirst.js's loader nor vitest's. */
const WORKER_ENTRY = new URL('./load-worker-boot.cjs', import.meta.url);

/** `loadFile` of each text, in order, computed on `threads` threads (the caller's included). */
export function loadTextsInParallel(texts: readonly string[], threads: number, options: ParallelOptions = {}): LoadedText[] {
  const batches = batchBySize(texts, threads * BATCHES_PER_THREAD);
  const counters = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
  const workers = startWorkers(threads - 1, options.entry ?? WORKER_ENTRY, counters.buffer as SharedArrayBuffer, batches.map((batch) => batch.map((i) => texts[i]!)));

  const done: (readonly LoadedText[] | undefined)[] = new Array(batches.length);
  let pending = batches.length;
  let failed = false;
  const loadBatch = (b: number): void => {
    done[b] = batches[b]!.map((i) => ({ result: loadFile(new SourceFile('', texts[i]!)) }));
    pending--;
  };
  const receive = (): void => {
    for (const { port } of workers) {
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
        const message = m.message as WorkerMessage;
        if (message.failure !== undefined) failed = true;
        else if (!done[message.batch]) {
          done[message.batch] = message.results.map((json) => ({ result: JSON.parse(json) as FileResult, json }));
          pending--;
        }
      }
    }
  };

  // Taking results between batches keeps the work left after the last batch small.
  if (options.mainThreadLoads !== false || workers.length === 0) {
    for (let b = Atomics.add(counters, NEXT_BATCH, 1); b < batches.length; b = Atomics.add(counters, NEXT_BATCH, 1)) {
      loadBatch(b);
      receive();
    }
  }
  // Every batch is claimed now (or left to the workers): those not done are being loaded by a worker.
  while (pending > 0 && !failed) {
    // The counter is read before taking messages, so a post in between ends the wait at once.
    const posted = Atomics.load(counters, POSTED);
    receive();
    if (pending > 0 && !failed && Atomics.wait(counters, POSTED, posted, options.stallMs ?? STALL_MS) === 'timed-out') failed = true;
  }
  for (const { worker, port } of workers) {
    void worker.terminate();
    port.close();
  }
  for (let b = 0; b < batches.length; b++) if (!done[b]) loadBatch(b);

  const out: LoadedText[] = new Array(texts.length);
  done.forEach((loaded, b) => batches[b]!.forEach((i, k) => (out[i] = loaded![k]!)));
  return out;
}

/** A batch takes well under a second; a worker silent this long with one claimed is dead or starved. */
const STALL_MS = 10_000;

/** Starts up to `count` workers, each with its own port; one that cannot start is one fewer. */
function startWorkers(count: number, entry: URL, counters: SharedArrayBuffer, batches: WorkerInput['batches']): { worker: Worker; port: MessagePort }[] {
  const workers: { worker: Worker; port: MessagePort }[] = [];
  for (let i = 0; i < count; i++) {
    const { port1, port2 } = new MessageChannel();
    try {
      const input: WorkerInput = { counters, port: port2, batches };
      // No inherited execArgv: a `--import tsx` of the parent would load a second TypeScript loader.
      const worker = new Worker(entry, { workerData: input, transferList: [port2], execArgv: [] });
      worker.unref();
      // Reported through the shared counter instead; a listener keeps an 'error' from crashing the process.
      worker.on('error', () => {});
      workers.push({ worker, port: port1 });
    } catch {
      port1.close();
      break;
    }
  }
  return workers;
}

/**
 * Indices of `texts` in up to about `count` batches of similar total length, each a
 * run of consecutive texts.
 */
export function batchBySize(texts: readonly string[], count: number): number[][] {
  const target = texts.reduce((n, t) => n + t.length, 0) / count;
  const batches: number[][] = [];
  let current: number[] = [];
  let size = 0;
  texts.forEach((text, i) => {
    current.push(i);
    size += text.length;
    if (size >= target) {
      batches.push(current);
      current = [];
      size = 0;
    }
  });
  if (current.length > 0) batches.push(current);
  return batches;
}
