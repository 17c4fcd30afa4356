/**
 * Saved plans: `plan --out plan.json` then `apply plan.json`. A saved plan is applied
 * exactly as it was shown, and only while the state is the one it was made against
 * (same lineage and serial); otherwise it is refused, saying what moved.
 */
import { z } from 'zod';
import { RESOURCE_TYPES, type Attributes, type DesiredResource, type RecordedResource } from '../resource.js';
import type { StateSnapshot } from '../../state/index.js';
import type { Change } from './change.js';
import { PLAN_FORMAT, type Plan } from './plan.js';

const Json = z.json();
const SavedChange = z.object({
  address: z.string(),
  type: z.enum(RESOURCE_TYPES),
  tenant: z.string(),
  action: z.enum(['create', 'update', 'replace', 'delete', 'noop', 'read']),
  after: z.record(z.string(), Json).nullable(),
  requiresReplace: z.array(z.string()),
  replacedWith: z.array(z.string()).optional(),
  movedFrom: z.string().optional(),
  reason: z.string().nullable(),
});
const SavedResource = z.object({
  zone: z.string(),
  dependsOn: z.array(z.string()),
  boundTo: z.array(z.string()),
  protect: z.boolean(),
  sensitive: z.array(z.string()),
  secrets: z.record(z.string(), z.union([z.object({ env: z.string(), baseDir: z.string() }), z.object({ file: z.string(), baseDir: z.string() })])),
  previously: z.string().optional(),
});
const SavedPlan = z.object({
  format: z.literal(PLAN_FORMAT),
  lineage: z.string(),
  serial: z.number().int(),
  specHash: z.string(),
  specFiles: z.array(z.object({ file: z.string(), sha256: z.string() })),
  changes: z.array(SavedChange),
  orphanedTenants: z.array(z.string()),
  resources: z.record(z.string(), SavedResource),
  zones: z.record(z.string(), z.any()),
  partner: z.string().optional(),
});

/**
 * Spec files that changed since the plan was made, given the sha256 each has now
 * (undefined: gone or unreadable). Empty when the specs are as they were planned.
 */
export function specsMovedSince(plan: Pick<Plan, 'specFiles'>, currentSha256: (file: string) => string | undefined): string[] {
  const moved: string[] = [];
  for (const f of plan.specFiles) {
    const now = currentSha256(f.file);
    if (now === undefined) moved.push(`${f.file} is gone`);
    else if (now !== f.sha256) moved.push(`${f.file} changed`);
  }
  return moved;
}

export function planFromJson(json: unknown, snapshot: StateSnapshot, file: string): { plan: Plan } | { error: string } {
  const parsed = SavedPlan.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return { error: `${file}: not a ${PLAN_FORMAT} plan (${first ? `${first.path.join('.')}: ${first.message}` : 'invalid'})` };
  }
  const saved = parsed.data;
  if (saved.lineage !== snapshot.lineage) {
    return { error: `${file} was made against another state (lineage ${saved.lineage}, this state is ${snapshot.lineage}): plan again` };
  }
  if (saved.serial !== snapshot.serial) {
    return { error: `${file} is stale: the state moved from serial ${saved.serial} to ${snapshot.serial} since it was planned. Plan again.` };
  }
  const changes: Change[] = [];
  for (const c of saved.changes) {
    const base = { address: c.address, type: c.type, tenant: c.tenant, ...(c.reason ? { reason: c.reason } : {}) };
    const before = snapshot.resources.get(c.movedFrom ?? c.address);
    const meta = saved.resources[c.address];
    const after: DesiredResource | undefined = meta && c.after ? {
      address: c.address, type: c.type, tenant: c.tenant, zone: meta.zone,
      attributes: c.after as Attributes, dependsOn: meta.dependsOn, boundTo: meta.boundTo,
      protect: meta.protect, sensitive: meta.sensitive, secrets: meta.secrets,
      ...(meta.previously ? { previously: meta.previously } : {}),
    } : undefined;
    const need = (what: string): { error: string } => ({ error: `${file}: change to ${c.address} lacks ${what}; the plan file is damaged` });
    switch (c.action) {
      case 'create':
        if (!after) return need('its resource');
        changes.push({ ...base, action: 'create', after });
        break;
      case 'update':
      case 'replace':
        if (!after) return need('its resource');
        if (!before) return need('a recorded resource in state');
        changes.push(c.action === 'update'
          ? { ...base, action: 'update', before, after, changed: Object.keys(after.attributes).filter((k) => JSON.stringify(after.attributes[k]) !== JSON.stringify(before.attributes[k])), ...(c.movedFrom ? { movedFrom: c.movedFrom } : {}) }
          : { ...base, action: 'replace', before, after, requiresReplace: c.requiresReplace, replacedWith: c.replacedWith ?? [], changed: [], ...(c.movedFrom ? { movedFrom: c.movedFrom } : {}) });
        break;
      case 'delete':
        if (!before) return need('a recorded resource in state');
        changes.push({ ...base, action: 'delete', before: before as RecordedResource });
        break;
      case 'noop':
      case 'read':
        break;
    }
  }
  return { plan: { lineage: saved.lineage, serial: saved.serial, specHash: saved.specHash, specFiles: saved.specFiles, changes, orphanedTenants: saved.orphanedTenants, diagnostics: [], zones: saved.zones, ...(saved.partner !== undefined ? { partner: saved.partner } : {}) } };
}
