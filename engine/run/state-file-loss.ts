/**
 * What a run says when its state file was removed or replaced while it ran. The store
 * refused every write from then on (state/state-file.ts) and the walk started nothing
 * more; what is left to tell is which completed provider calls have no record, and how
 * to bring what exists back under a state — everything the file held went with it.
 */
import type { NodeOutcome } from '../graph/index.js';
import { StateFileGoneError, type StateStore, type UnrecordedOutcome } from '../../state/index.js';

/**
 * The one-line message when the state file is gone (seen by a refused write in
 * `outcomes`, or by a last look at the file), else undefined.
 */
export function stateFileLoss(state: Pick<StateStore, 'verifyFile'>, outcomes: ReadonlyMap<string, NodeOutcome>): string | undefined {
  let gone: StateFileGoneError | undefined;
  const unrecorded: UnrecordedOutcome[] = [];
  for (const o of outcomes.values()) {
    if (o.status !== 'failed' || !(o.error instanceof StateFileGoneError)) continue;
    gone ??= o.error;
    if (o.error.unrecorded) unrecorded.push(o.error.unrecorded);
  }
  // Removed after the last write: every outcome went to a file nobody will open again.
  gone ??= goneNow(state);
  if (!gone) return undefined;
  unrecorded.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  const n = unrecorded.length;
  const lost = n === 0
    ? 'no provider call was left unrecorded, but'
    : `${n} operation${n === 1 ? "'s outcome" : "s' outcomes"} could not be recorded: ${unrecorded.map((u) => `${u.address} (${u.action})`).join(', ')}. Nothing more was started, and`;
  const zones = [...new Set(unrecorded.map((u) => u.zone))].sort();
  const adopt = (zones.length > 0 ? zones : ['ZONE']).map((z) => `netfirst import provider ${z}`).join(', ');
  return `${gone.message}; ${lost} everything the state recorded went with the file: restore it from a backup, or adopt what exists in the provider with: ${adopt}`;
}

function goneNow(state: Pick<StateStore, 'verifyFile'>): StateFileGoneError | undefined {
  try {
    state.verifyFile();
    return undefined;
  } catch (error) {
    if (error instanceof StateFileGoneError) return error;
    throw error;
  }
}
