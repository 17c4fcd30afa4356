// Entry of a load worker thread (see load-parallel.ts). Beside a build (dist/specs/,
// where load-worker.js is) it imports the compiled worker. Beside the sources, worker
// threads inherit neither the tsx loader that bin/netfirst.js registers nor vitest's
// transform, so tsx is registered here: its CommonJS hook, which starts in half the
// time of its ESM loader (no loader thread). The dependencies load first, without the
// hook, which would otherwise resolve each of their files; the TypeScript then finds
// them loaded. A worker that cannot start says so, and the main thread loads its share.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { workerData } = require('node:worker_threads');

const cannotStart = (error) => {
  const counters = new Int32Array(workerData.counters);
  workerData.port.postMessage({ failure: `load worker did not start: ${(error && error.stack) || error}` });
  Atomics.add(counters, 1, 1); // POSTED
  Atomics.notify(counters, 1);
};

if (existsSync(join(__dirname, 'load-worker.js'))) {
  import('./load-worker.js').catch(cannotStart);
} else {
  try {
    require('yaml');
    require('zod');
    require('fastest-levenshtein');
    require('tsx/cjs/api').register();
    require('./load-worker.ts');
  } catch (error) {
    cannotStart(error);
  }
}
