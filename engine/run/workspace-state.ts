/**
 * Opening a run's state store, apart from the providers (workspace.ts): a plan the memo
 * answers (memo-run.ts) opens the state and loads no provider.
 */
import { openState, type StateStore } from '../../state/index.js';
import { UserError } from './errors.js';
import { statePath, type GlobalOptions } from './workspace-specs.js';

export function openWorkspaceState(options: GlobalOptions): StateStore {
  const path = statePath(options);
  try {
    return openState(path);
  } catch (error) {
    // openState's messages name the path and what is wrong with it, in one line.
    throw new UserError(error instanceof Error ? error.message : `cannot open state ${path}: ${String(error)}`);
  }
}
