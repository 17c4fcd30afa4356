/**
 * vitest's global setup: builds dist/ when it is not a build of the sources as they
 * are, so the CLI that tests spawn (bin/netfirst.js) runs compiled even when vitest is
 * started directly after an edit (`npm test` builds first anyway).
 */
import { build } from '../scripts/build.js';
import { staleReason } from '../scripts/dist-stamp.js';
import { REPO } from './cli/harness.js';

export default async function buildDist(): Promise<void> {
  if (staleReason(REPO) !== undefined) await build(REPO);
}
