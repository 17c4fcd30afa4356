/**
 * A process that ends holding the lock, run by release.test.ts:
 *
 *   node --import tsx test/lock/exit-unreleased.ts STATE
 *
 * Takes the lock, prints its ID as one JSON line, and exits without releasing it, so
 * the release runs in the process's exit handler — where a failure has no caller left.
 */
import { acquireLock } from '../../state/index.js';

const [path] = process.argv.slice(2);
if (!path) throw new Error('usage: exit-unreleased.ts STATE');
const lock = await acquireLock({ path }, { command: 'apply exit-test', heartbeatMs: 0 });
process.stdout.write(`${JSON.stringify({ id: lock.info.id })}\n`);
process.exit(0);
