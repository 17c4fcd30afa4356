/**
 * The body of a load worker thread (started through load-worker-boot.cjs): claims
 * batches from the shared counter until none is left, loads each text with
 * `loadFile`, and posts the batch's results as JSON — which the main thread parses
 * faster than it deserializes a structured clone, and writes to the cache as is.
 */
import { workerData } from 'node:worker_threads';
import { loadFile } from './load-file.js';
import { NEXT_BATCH, POSTED, type WorkerInput, type WorkerMessage } from './load-parallel.js';
import { SourceFile } from './source.js';

const { counters: buffer, port, batches } = workerData as WorkerInput;
const counters = new Int32Array(buffer);

const post = (message: WorkerMessage): void => {
  port.postMessage(message);
  Atomics.add(counters, POSTED, 1);
  Atomics.notify(counters, POSTED);
};

try {
  for (let b = Atomics.add(counters, NEXT_BATCH, 1); b < batches.length; b = Atomics.add(counters, NEXT_BATCH, 1)) {
    post({ batch: b, results: batches[b]!.map((text) => JSON.stringify(loadFile(new SourceFile('', text)))) });
  }
} catch (error) {
  post({ failure: `load worker failed: ${(error as Error).stack ?? String(error)}` });
}
