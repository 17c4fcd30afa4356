// Entry of a load worker thread (see load-parallel.ts). Worker threads inherit neither
// the tsx loader that bin/netfirst.js registers nor vitest's transform, so tsx is
// registered here: its CommonJS hook, which starts in half the time of its ESM loader
// (no loader thread). The dependencies load first, without the hook, which would
// otherwise resolve each of their files; the TypeScript then finds them loaded. A
// worker that cannot start says so, and the main thread loads its share.
const { workerData } = require('node:worker_threads');

try {
  require('yaml');
  require('zod');
  require('fastest-levenshtein');
  require('tsx/cjs/api').register();
  require('./load-worker.ts');
} catch (error) {
  const counters = new Int32Array(workerData.counters);
  workerData.port.postMessage({ failure: `load worker did not start: ${(error && error.stack) || error}` });
  Atomics.add(counters, 1, 1); // POSTED
  Atomics.notify(counters, 1);
}
