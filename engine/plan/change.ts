/**
 * A change is what the plan will do to one resource: a discriminated union on `action`.
 *
 * | action  | before                 | after              | notes                                   |
 * |---------|------------------------|--------------------|-----------------------------------------|
 * | create  | —                      | desired            |                                         |
 * | update  | recorded               | desired            | `changed`: attributes updated in place  |
 * | replace | recorded               | desired            | `requiresReplace`: what forces it       |
 * | delete  | recorded               | —                  |                                         |
 * | noop    | recorded               | desired            | `movedFrom` when only the address moved |
 * | read    | recorded               | observed attrs     | refresh: record what really exists      |
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

export const isEffective = (c: Change): boolean => c.action !== 'noop' && c.action !== 'read';
