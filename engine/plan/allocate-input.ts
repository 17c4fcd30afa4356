/**
 * What each allocator reads: one zone, the drafts of every tenant in it (sorted by
 * address, which is the order new values are handed out in) and what state recorded
 * for that zone.
 */
import type { Diagnostic } from '../../specs/diagnostic.js';
import type { Loaded } from '../../specs/model.js';
import type { ZoneDoc } from '../../specs/schema.js';
import type { RecordedResource } from '../../specs/model/resource.js';
import type { Draft } from './expand.js';

export interface ZoneInput {
  readonly zone: Loaded<ZoneDoc>;
  readonly drafts: readonly Draft[];
  readonly recorded: readonly RecordedResource[];
  readonly recordedByAddress: ReadonlyMap<string, RecordedResource>;
}

/** The recorded resource a draft continues: at its address, or at its address before a rename. */
export function recordedFor(input: ZoneInput, draft: Pick<Draft, 'address' | 'previously'>): RecordedResource | undefined {
  return input.recordedByAddress.get(draft.address) ?? (draft.previously !== undefined ? input.recordedByAddress.get(draft.previously) : undefined);
}

/** An error at a path below the spec item a draft comes from. */
export function diagnosticAt(draft: Draft, below: readonly (string | number)[], summary: string): Diagnostic {
  const source = draft.source;
  return {
    severity: 'error',
    summary,
    ...(source ? { file: source.file, doc: source.doc, path: [...source.path, ...below] } : {}),
    address: draft.address,
  };
}
