/**
 * A saved plan (format netfirst-plan/1) read back for people: `netfirst show PLANFILE`.
 * Unlike `apply PLANFILE` (engine/run/saved-plan.ts), showing plans nothing again — a
 * stale plan is still shown, as Terraform does — so the changes are rebuilt from the
 * file alone, enough for the text renderer. Sensitive attributes are digests in the file;
 * they are marked sensitive from the file's resource entries or, for a resource the plan
 * deletes (which has none), by their digest shape, and render as "(sensitive)".
 */
import { z } from 'zod';
import { RESOURCE_TYPES, type Attributes, type DesiredResource, type RecordedResource, type ResourceTypeName } from '../../specs/model/resource.js';
import { assertNever, REPLACEMENT_REQUESTED, type Change } from './change.js';
import type { Drift } from './drift.js';
import { PLAN_FORMAT } from './plan.js';

const Json = z.json();
const Attrs = z.record(z.string(), Json);
const ShownPlan = z.object({
  format: z.literal(PLAN_FORMAT),
  changes: z.array(z.object({
    address: z.string(),
    type: z.enum(RESOURCE_TYPES),
    tenant: z.string(),
    action: z.enum(['create', 'update', 'replace', 'delete', 'noop', 'read']),
    before: Attrs.nullable(),
    after: Attrs.nullable(),
    requiresReplace: z.array(z.string()),
    replacedWith: z.array(z.string()).optional(),
    movedFrom: z.string().optional(),
    reason: z.string().nullable(),
  })),
  orphanedTenants: z.array(z.string()).default([]),
  resources: z.record(z.string(), z.object({ zone: z.string(), sensitive: z.array(z.string()).default([]) })).default({}),
  drift: z.array(z.object({
    address: z.string(),
    type: z.enum(RESOURCE_TYPES),
    kind: z.enum(['changed', 'deleted']),
    before: Attrs,
    observed: Attrs.nullable(),
    changed: z.array(z.string()),
    providerId: z.string().optional(),
  })).optional(),
  partner: z.string().optional(),
  refreshed: z.boolean().optional(),
});

export interface ShownSavedPlan {
  readonly changes: readonly Change[];
  readonly orphanedTenants: readonly string[];
  readonly drift: readonly Drift[];
  readonly partner?: string;
  /** Whether the plan read what really exists when it was made (undefined: a file that does not say). */
  readonly refreshed?: boolean;
}

/** The reason render-json writes for a change that had none of its own. */
function defaultReason(c: { action: string; before: Attributes | null; after: Attributes | null; requiresReplace: readonly string[] }): string | null {
  switch (c.action) {
    case 'create': return 'not in state';
    case 'update': {
      const before = c.before ?? {};
      const after = c.after ?? {};
      const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])).sort();
      return `changed: ${changed.join(', ')}`;
    }
    case 'replace': return `${c.requiresReplace.join(', ')} cannot change in place`;
    default: return null;
  }
}

const DIGEST = /^(hmac-)?sha256:/;
const digestKeys = (attributes: Attributes): string[] => Object.keys(attributes).filter((k) => typeof attributes[k] === 'string' && DIGEST.test(attributes[k] as string));

/** The plan in `json` (its seal checked by the caller), or why it is not a plan. */
export function readSavedPlanForShow(json: unknown, file: string): { plan: ShownSavedPlan } | { error: string } {
  const parsed = ShownPlan.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return { error: `${file}: not a ${PLAN_FORMAT} plan (${first ? `${first.path.join('.')}: ${first.message}` : 'invalid'})` };
  }
  const saved = parsed.data;
  const recorded = (address: string, type: ResourceTypeName, tenant: string, attributes: Attributes, sensitive: readonly string[]): RecordedResource => ({
    address, type, tenant, zone: saved.resources[address]?.zone ?? '', providerId: '', attributes, dependsOn: [], boundTo: [], protect: false,
    sensitive: [...new Set([...sensitive, ...digestKeys(attributes)])], createdAt: '', updatedAt: '',
  });
  const changes = saved.changes.map((c): Change => {
    const sensitive = saved.resources[c.address]?.sensitive ?? [];
    // The file states a reason for every change (render-json's reasonOf); the plan printed only those it was given.
    const reason = c.reason === null || c.reason === defaultReason(c) ? undefined : c.reason;
    const base = { address: c.address, type: c.type, tenant: c.tenant, ...(reason !== undefined ? { reason } : {}) };
    const moved = c.movedFrom !== undefined ? { movedFrom: c.movedFrom } : {};
    const before = recorded(c.movedFrom ?? c.address, c.type, c.tenant, c.before ?? {}, sensitive);
    const afterAttrs = c.after ?? {};
    const changed = Object.keys(afterAttrs).filter((k) => JSON.stringify(afterAttrs[k]) !== JSON.stringify((c.before ?? {})[k])).sort();
    const after: DesiredResource = {
      address: c.address, type: c.type, tenant: c.tenant, zone: saved.resources[c.address]?.zone ?? '', attributes: afterAttrs,
      dependsOn: [], boundTo: [], protect: false, sensitive: [...new Set([...sensitive, ...digestKeys(afterAttrs)])], secrets: {},
    };
    switch (c.action) {
      case 'create': return { ...base, action: 'create', after };
      case 'update': return { ...base, ...moved, action: 'update', before, after, changed };
      case 'replace': return { ...base, ...moved, action: 'replace', before, after, requiresReplace: c.requiresReplace, replacedWith: c.replacedWith ?? [], changed, ...(c.reason === REPLACEMENT_REQUESTED ? { requested: true } : {}) };
      case 'delete': return { ...base, action: 'delete', before };
      case 'noop': return { ...base, ...moved, action: 'noop', before, after };
      case 'read': return { ...base, action: 'read', before, observed: afterAttrs };
      default: return assertNever(c.action as never);
    }
  });
  const drift = (saved.drift ?? []).map((d): Drift => {
    const tenant = d.address.split('/')[0] ?? '';
    const before = recorded(d.address, d.type, tenant, d.before, saved.resources[d.address]?.sensitive ?? []);
    return d.kind === 'deleted' || d.observed === null
      ? { kind: 'deleted', address: d.address, type: d.type, before }
      : { kind: 'changed', address: d.address, type: d.type, before, observed: d.observed, changed: d.changed };
  });
  return { plan: { changes, orphanedTenants: saved.orphanedTenants, drift, ...(saved.partner !== undefined ? { partner: saved.partner } : {}), ...(saved.refreshed !== undefined ? { refreshed: saved.refreshed } : {}) } };
}
