/**
 * The plan waiting for a tenant — made, perhaps approved, not yet applied — as changes
 * the topology can mark (added, removed, replaced, updated). Only a plan still current
 * counts: one made against another state serial would be refused when applied, and its
 * marks would be wrong. Read from the plan's JSON rendering (netfirst-plan/1) and the
 * recorded resources; no planning happens here, so the page stays as quick as a read.
 */
import { RESOURCE_TYPES, type Attributes, type DesiredResource, type RecordedResource, type ResourceTypeName } from '../../../specs/model/resource.js';
import type { Change } from '../../plan/change.js';
import type { Caller } from '../caller.js';
import { planInScope, planMoved } from '../plan-service.js';
import type { ConsoleContext } from './guard.js';

export interface PendingPlan {
  readonly id: string;
  readonly status: 'planned' | 'approved';
  readonly changes: readonly Change[];
}

interface JsonChange {
  readonly address?: unknown;
  readonly type?: unknown;
  readonly tenant?: unknown;
  readonly action?: unknown;
  readonly after?: unknown;
  readonly movedFrom?: unknown;
}

const isType = (t: unknown): t is ResourceTypeName => typeof t === 'string' && (RESOURCE_TYPES as readonly string[]).includes(t);
const isAttributes = (v: unknown): v is Attributes => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The plan's changes of `tenant`, rebuilt enough for topologyOf: the recorded side from state, the desired side from the JSON. */
function changesOf(json: string, tenant: string, recorded: ReadonlyMap<string, RecordedResource>): Change[] {
  let parsed: { changes?: unknown };
  try {
    parsed = JSON.parse(json) as { changes?: unknown };
  } catch {
    return [];
  }
  const out: Change[] = [];
  for (const c of Array.isArray(parsed.changes) ? (parsed.changes as JsonChange[]) : []) {
    if (c.tenant !== tenant || typeof c.address !== 'string' || !isType(c.type)) continue;
    const base = { address: c.address, type: c.type, tenant };
    const movedFrom = typeof c.movedFrom === 'string' ? c.movedFrom : undefined;
    const before = recorded.get(movedFrom ?? c.address);
    const after: DesiredResource | undefined = isAttributes(c.after)
      ? { ...base, zone: before?.zone ?? '', attributes: c.after, dependsOn: [], boundTo: [], protect: false, sensitive: [], secrets: {} }
      : undefined;
    const moved = movedFrom !== undefined ? { movedFrom } : {};
    switch (c.action) {
      case 'create':
        if (after) out.push({ ...base, action: 'create', after });
        break;
      case 'delete':
        if (before) out.push({ ...base, action: 'delete', before });
        break;
      case 'update':
        if (before && after) out.push({ ...base, action: 'update', before, after, changed: [], ...moved });
        break;
      case 'replace':
        if (before && after) out.push({ ...base, action: 'replace', before, after, requiresReplace: [], replacedWith: [], changed: [], ...moved });
        break;
      default:
        // noop and read change nothing to draw.
        break;
    }
  }
  return out;
}

/** The newest current plan of `tenant` the caller may see, with its changes; undefined when there is none. */
export function pendingPlanOf(cx: ConsoleContext, caller: Caller, tenant: string, recorded: readonly RecordedResource[]): PendingPlan | undefined {
  const specs = cx.source.specs();
  for (const status of ['approved', 'planned'] as const) {
    const plan = cx.store.listPlans({ limit: 5, tenant, status }).find((p) => p.hasChanges && planInScope(caller, p, specs) && planMoved(cx, p) === undefined);
    if (!plan) continue;
    const changes = changesOf(plan.json, tenant, new Map(recorded.map((r) => [r.address, r] as const)));
    if (changes.length > 0) return { id: plan.id, status, changes };
  }
  return undefined;
}
