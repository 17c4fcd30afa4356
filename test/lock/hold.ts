/**
 * One contender for the state lock, run as its own process by two-processes.test.ts:
 *
 *   node --import tsx test/lock/hold.ts STATE TIMEOUT_MS HOLD_MS [create-once]
 *
 * Prints one JSON line per step on stdout (`acquired`, `created`/`found`, `released`,
 * or `refused` with the message) so the test can follow it. With `create-once` it does
 * what an apply does under the lock: record a resource unless it is recorded already,
 * with a slow "provider call" in between.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { acquireLock, openState, StateLockedError } from '../../state/index.js';

const [path, timeoutText, holdText, mode] = process.argv.slice(2);
if (!path || !timeoutText || !holdText) throw new Error('usage: hold.ts STATE TIMEOUT_MS HOLD_MS [create-once]');
const say = (event: string, extra: object = {}): void => {
  process.stdout.write(`${JSON.stringify({ event, at: Date.now(), pid: process.pid, ...extra })}\n`);
};

const state = openState(path);
try {
  const lock = await acquireLock(state, { command: `apply ${mode ?? 'hold'}`, timeoutMs: Number(timeoutText) });
  say('acquired', { id: lock.info.id });
  try {
    if (mode === 'create-once') {
      const address = 'acme/network/office';
      if (state.getResource(address)) say('found');
      else {
        const intent = { address, type: 'network', tenant: 'acme', zone: 'z1', action: 'create', runId: `run-${process.pid}` } as const;
        const op = state.beginOperation(intent);
        await sleep(Number(holdText));
        state.commitCreate(op, {
          address, type: 'network', tenant: 'acme', zone: 'z1', providerId: `net-${process.pid}`,
          attributes: { name: 'office', cidr: '10.0.0.0/24' }, dependsOn: [], boundTo: [], protect: false, sensitive: [],
        });
        say('created');
      }
    } else {
      await sleep(Number(holdText));
    }
  } finally {
    lock.release();
    say('released');
  }
} catch (error) {
  if (!(error instanceof StateLockedError)) throw error;
  say('refused', { reason: error.reason, message: error.message });
  process.exitCode = 3;
} finally {
  state.close();
}
