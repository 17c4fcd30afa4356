#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm install` through `prepare`, or `npm run build`)
// when it is a build of the sources as they are now; otherwise — not built, or a source
// edited since the build — the TypeScript itself through tsx, so an edit takes effect at
// once (npm run build makes the start fast again). The check stats each source, a few
// milliseconds (scripts/dist-stamp.js). NETFIRST_FROM_SOURCE=1 always runs the sources.
import { fileURLToPath } from 'node:url';
import { staleReason } from '../scripts/dist-stamp.js';

const root = new URL('..', import.meta.url);
const stale = process.env.NETFIRST_FROM_SOURCE === '1' ? 'NETFIRST_FROM_SOURCE=1' : staleReason(fileURLToPath(root));

if (stale === undefined) {
  await import('../dist/engine/cli/main.js');
} else {
  if (process.env.NETFIRST_DEBUG) process.stderr.write(`netfirst: running the sources through tsx (${stale})\n`);
  // The project's own tsconfig applies wherever the command runs (the console's TSX needs it).
  const { register } = await import('tsx/esm/api');
  register({ tsconfig: fileURLToPath(new URL('tsconfig.json', root)) });
  await import('../engine/cli/main.ts');
}
