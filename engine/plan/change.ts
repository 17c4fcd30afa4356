/**
 * A change is what the plan will do to one resource: a discriminated union on `action`.
 *
 * | action  | before                 | after              | notes                                                 |
 * |---------|------------------------|--------------------|-------------------------------------------------------|
 * | create  | —                      | desired            |                                                       |
 * | update  | recorded               | desired            | `changed`: attributes updated in place                |
 * | replace | recorded               | desired            | `requiresReplace`: what forces it; `requested`: named |
 * | delete  | recorded               | —                  |                                                       |
 * | noop    | recorded               | desired            | `movedFrom` when only the address moved               |
 * | read    | recorded               | observed attrs     | refresh: record what really exists                    |
 *
 * `reason` is for people; the executor never reads it.
 */
import type { Attributes, DesiredResource, RecordedResource, ResourceTypeName } from '../../specs/model/resource.js';
import { assertNever } from '../../specs/model/never.js';

interface ChangeBase {
  readonly address: string;
  readonly type: ResourceTypeName;
  readonly tenant: string;
  readonly reason?: string;
}

export interface CreateChange extends ChangeBase {
  readonly action: 'create';
  readonly after: DesiredResource;
}

export interface UpdateChange extends ChangeBase {
  readonly action: 'update';
  readonly before: RecordedResource;
  readonly after: DesiredResource;
  readonly changed: readonly string[];
  readonly movedFrom?: string;
}

export interface ReplaceChange extends ChangeBase {
  readonly action: 'replace';
  readonly before: RecordedResource;
  readonly after: DesiredResource;
  /** Attribute names that force the replacement; empty when a bound dependency is replaced. */
  readonly requiresReplace: readonly string[];
  /** Bound dependencies whose replacement forces this one. */
  readonly replacedWith: readonly string[];
  readonly changed: readonly string[];
  readonly movedFrom?: string;
  /** Asked for by name (`--replace`), not forced by a change. */
  readonly requested?: boolean;
}

export interface DeleteChange extends ChangeBase {
  readonly action: 'delete';
  readonly before: RecordedResource;
}

export interface NoopChange extends ChangeBase {
  readonly action: 'noop';
  readonly before: RecordedResource;
  readonly after: DesiredResource;
  readonly movedFrom?: string;
}

export interface ReadChange extends ChangeBase {
  readonly action: 'read';
  readonly before: RecordedResource;
  readonly observed: Attributes;
}

export type Change = CreateChange | UpdateChange | ReplaceChange | DeleteChange | NoopChange | ReadChange;
export type Action = Change['action'];


export { assertNever };

export interface PlanSummary {
  create: number;
  update: number;
  replace: number;
  delete: number;
  noop: number;
}

export function summarize(changes: readonly Change[]): PlanSummary {
  const s: PlanSummary = { create: 0, update: 0, replace: 0, delete: 0, noop: 0 };
  for (const c of changes) if (c.action !== 'read') s[c.action]++;
  return s;
}

/** The change does something: to a provider, or (a move by `previously:`) to the record's address. */
export const isEffective = (c: Change): boolean => (c.action === 'noop' ? c.movedFrom !== undefined : c.action !== 'read');

/** The reason of a replacement asked for by name: `show PLANFILE` tells it from the file by this. */
export const REPLACEMENT_REQUESTED = 'replacement requested (--replace)';

/** The address a change moves its record from (a rename by `previously:`), if it does. */
export const movedFromOf = (c: Change): string | undefined => ('movedFrom' in c ? c.movedFrom : undefined);

/**
 * The records a plan moves without replacing them (`previously:` renames kept or updated
 * in place), for state to move before any step runs: a replaced resource is deleted at
 * its old address and created at its new one instead.
 */
export function recordMoves(changes: readonly Change[]): { from: string; to: string }[] {
  const moves: { from: string; to: string }[] = [];
  for (const c of changes) {
    if ((c.action === 'noop' || c.action === 'update') && c.movedFrom !== undefined) moves.push({ from: c.movedFrom, to: c.address });
  }
  return moves;
}
