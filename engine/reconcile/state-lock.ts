/**
 * The lock a round takes before it corrects anything (RoundEnv.tryLock): at once or
 * not at all — a round never waits behind another run; it says who holds the state
 * and tries again next round. A holder that died is taken over, as apply does.
 */
import { describeHolder, StateLockedError } from '../../state/index.js';
import { acquireTakingOverDead } from '../run/lock.js';

export async function tryStateLock(path: string, command: string): Promise<{ release(): void } | { refused: string }> {
  try {
    return await acquireTakingOverDead({ path }, command, 0);
  } catch (error) {
    if (error instanceof StateLockedError) return { refused: `the state is locked by ${describeHolder(error.lock)} (lock ID ${error.lock.id})` };
    throw error;
  }
}
