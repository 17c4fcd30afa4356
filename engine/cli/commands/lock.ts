/** force-unlock and state lock: breaking a dead holder's state lock, and showing who holds it. */
import { existsSync } from 'node:fs';
import { currentLock, describeHolder, forceUnlock, formatAge, formatInstant, listLocks, type LockInfo } from '../../../state/index.js';
import { CliError } from '../errors.js';
import { print } from '../output.js';
import { openWorkspaceState, statePath, type GlobalOptions } from '../../run/workspace.js';

export interface LockStatusOptions extends GlobalOptions {
  readonly json?: boolean;
}

function heartbeatAge(lock: LockInfo): string {
  return `last heartbeat ${formatAge(Date.now() - Date.parse(lock.heartbeatAt))} ago`;
}

/** An existing state only: unlocking or inspecting must not create an empty one. */
function openExistingState(options: GlobalOptions) {
  const path = statePath(options);
  if (!existsSync(path)) throw new CliError(`no state at ${path}`);
  return openWorkspaceState(options);
}

/** Deletes the lock with this ID, whoever holds it, and says what it broke. */
export function forceUnlockCommand(id: string, options: GlobalOptions): number {
  const state = openExistingState(options);
  try {
    const broken = forceUnlock(state, id);
    if (!broken) {
      const held = currentLock(state);
      throw new CliError(held
        ? `no lock with ID ${id}; the state is locked by ${describeHolder(held)}, lock ID ${held.id}`
        : `no lock with ID ${id}; the state is not locked`);
    }
    print(`Broke lock ${broken.id} held by ${describeHolder(broken)}, ${heartbeatAge(broken)}.`);
    return 0;
  } finally {
    state.close();
  }
}

/**
 * Every lock held now, one holder a line pair, whatever its scopes: the whole state, a
 * zone, tenants (an apply holds its tenants and often their zone). `--json`: an array of
 * locks, each with its scopes space-separated, oldest first; `[]` when none is held.
 */
export function stateLockCommand(options: LockStatusOptions): number {
  const state = openExistingState(options);
  try {
    printLocks(listLocks(state), options.json === true);
    return 0;
  } finally {
    state.close();
  }
}

/** What `state lock` prints of these locks (the remote command prints the server's leases the same way). */
export function printLocks(locks: readonly LockInfo[], json: boolean): void {
  if (json) {
    print(JSON.stringify(locks, null, 2));
    return;
  }
  if (locks.length === 0) {
    print('The state is not locked.');
    return;
  }
  for (const lock of locks) {
    print(`Locked by ${describeHolder(lock)}, ${heartbeatAge(lock)} (at ${formatInstant(lock.heartbeatAt)}), on ${lock.scope.split(' ').join(', ')}.`);
    print(`Lock ID ${lock.id}; break a dead lock with: netfirst force-unlock ${lock.id}`);
  }
}
