/**
 * Saved plans: `plan --out plan.json` then `apply plan.json`. A saved plan is a
 * proposal, not an authority: apply plans again from the recorded spec paths and
 * options against the state the plan names (same lineage and serial), and applies
 * only what that gives, refusing a file whose content differs from it in any way.
 * Here: reading the file's fields, what moved since, and the first difference.
 */
import { z } from 'zod';
import { RESOURCE_TYPES, type RecordedResource } from '../../specs/model/resource.js';
import type { StateSnapshot } from '../../state/index.js';
import type { Drift } from './drift.js';
import { PLAN_FORMAT, type Plan } from './plan.js';
import { canonicalJson } from './values.js';

const Json = z.json();
const Attributes = z.record(z.string(), Json);
const SavedChange = z.object({
  address: z.string(),
  type: z.enum(RESOURCE_TYPES),
  tenant: z.string(),
  action: z.enum(['create', 'update', 'replace', 'delete', 'noop', 'read']),
  after: Attributes.nullable(),
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
});
const SavedDrift = z.object({
  address: z.string(),
  type: z.enum(RESOURCE_TYPES),
  kind: z.enum(['changed', 'deleted']),
  before: Attributes,
  observed: Attributes.nullable(),
  changed: z.array(z.string()),
  /** The provider ID the object was found under, when it is not the recorded one (drift.ts). */
  providerId: z.string().optional(),
});
const SavedPlan = z.object({
  format: z.literal(PLAN_FORMAT),
  lineage: z.string(),
  serial: z.number().int(),
  specFiles: z.array(z.object({ file: z.string(), sha256: z.string() })),
  changes: z.array(SavedChange),
  resources: z.record(z.string(), SavedResource),
  partner: z.string().optional(),
  selection: z.object({
    paths: z.array(z.string()),
    tenants: z.array(z.string()).optional(),
    prune: z.boolean(),
    destroy: z.boolean(),
    /** The merge base a `--changed-since` run read the operator's documents from. */
    changedSince: z.string().optional(),
    targets: z.array(z.string()).optional(),
    replace: z.array(z.string()).optional(),
  }),
  drift: z.array(SavedDrift).optional(),
  /** Whether the plan was made after reading what really exists (absent in files written before it was recorded). */
  refreshed: z.boolean().optional(),
});

export type SavedPlan = z.infer<typeof SavedPlan>;
export type SavedChange = z.infer<typeof SavedChange>;

/** The fields apply reads from a plan file (whose seal was checked before). */
export function parseSavedPlan(json: unknown, file: string): { saved: SavedPlan } | { error: string } {
  const parsed = SavedPlan.safeParse(json);
  if (parsed.success) return { saved: parsed.data };
  const first = parsed.error.issues[0];
  return { error: `${file}: not a ${PLAN_FORMAT} plan (${first ? `${first.path.join('.')}: ${first.message}` : 'invalid'})` };
}

/** Why the plan was made against another state, or one that has moved since; undefined when it is this one. */
export function stateMovedSince(saved: Pick<SavedPlan, 'lineage' | 'serial'>, snapshot: Pick<StateSnapshot, 'lineage' | 'serial'>, file: string): string | undefined {
  if (saved.lineage !== snapshot.lineage) {
    return `${file} was made against another state (lineage ${saved.lineage}, this state is ${snapshot.lineage}): plan again`;
  }
  if (saved.serial !== snapshot.serial) {
    return `${file} is stale: the state moved from serial ${saved.serial} to ${snapshot.serial} since it was planned. Plan again.`;
  }
  return undefined;
}

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

/** The same, between the files the plan recorded and those its paths load now (new files included). */
export function specFilesMoved(recorded: Plan['specFiles'], loaded: Plan['specFiles']): string[] {
  const now = new Map(loaded.map((f) => [f.file, f.sha256] as const));
  const moved = specsMovedSince({ specFiles: recorded }, (file) => now.get(file));
  const known = new Set(recorded.map((f) => f.file));
  for (const f of loaded) if (!known.has(f.file)) moved.push(`${f.file} is new`);
  return moved;
}

/**
 * The drift a `--refresh` plan was made against, as Drift values over this state's
 * records: each must be a recorded resource, as recorded (the serial pins that).
 */
export function restoreDrift(saved: Pick<SavedPlan, 'drift'>, recorded: ReadonlyMap<string, RecordedResource>, file: string): { drift: Drift[] } | { error: string } {
  const drift: Drift[] = [];
  for (const d of saved.drift ?? []) {
    const before = recorded.get(d.address);
    if (!before || before.type !== d.type || canonicalJson(before.attributes) !== canonicalJson(d.before)) {
      return { error: `${file}: its drift of ${d.address} is not about the resource this state records: refused` };
    }
    if (d.kind === 'deleted') drift.push({ kind: 'deleted', address: d.address, type: before.type, before });
    else if (d.observed === null) return { error: `${file}: its drift of ${d.address} lacks what was observed: refused` };
    else drift.push({ kind: 'changed', address: d.address, type: before.type, before, observed: d.observed, changed: d.changed, ...(d.providerId !== undefined ? { providerId: d.providerId } : {}) });
  }
  return { drift };
}

type JsonObject = { readonly [key: string]: unknown };

/**
 * The first way the plan in the file differs from the plan made again (both as JSON),
 * in words, or undefined when their changes, resources, zones and orphaned tenants are
 * the same. Only these decide what apply does; diagnostics and summaries do not.
 */
export function firstDifference(saved: JsonObject, replanned: JsonObject): string | undefined {
  const changes = (plan: JsonObject): Map<string, unknown> => new Map(asArray(plan.changes).map((c) => [String(asObject(c).address), c] as const));
  const ours = changes(saved);
  const theirs = changes(replanned);
  for (const address of [...new Set([...ours.keys(), ...theirs.keys()])].sort()) {
    const a = ours.get(address);
    const b = theirs.get(address);
    if (b === undefined) return `it proposes to ${String(asObject(a).action)} ${address}, which planning does not give`;
    if (a === undefined) return `it leaves out the ${String(asObject(b).action)} of ${address}, which planning gives`;
    const [was, is] = [String(asObject(a).action), String(asObject(b).action)];
    if (was !== is) return `${was === 'noop' ? `it leaves ${address} as it is` : `it proposes to ${was} ${address}`} where planning gives ${is}`;
    const at = differenceAt(a, b, []);
    if (at) return `its change to ${address} differs at ${at}`;
  }
  for (const section of ['resources', 'zones', 'orphanedTenants'] as const) {
    const at = differenceAt(saved[section] ?? null, replanned[section] ?? null, [section]);
    if (at) return `it differs at ${at}`;
  }
  return undefined;
}

/** Path of the first difference between two JSON values (with what planning gives there, when short), or undefined. */
function differenceAt(a: unknown, b: unknown, path: readonly string[]): string | undefined {
  if (canonicalJson(a) === canonicalJson(b)) return undefined;
  const bothObjects = isObject(a) && isObject(b);
  const bothArrays = Array.isArray(a) && Array.isArray(b) && a.length === b.length;
  if (bothObjects || bothArrays) {
    const keys = bothArrays ? (b as unknown[]).map((_, i) => String(i)) : [...new Set([...Object.keys(a as object), ...Object.keys(b as object)])].sort();
    for (const k of keys) {
      const at = differenceAt((a as JsonObject)[k] ?? null, (b as JsonObject)[k] ?? null, [...path, k]);
      if (at) return at;
    }
  }
  const where = path.length > 0 ? path.join('.') : 'its whole content';
  const shown = JSON.stringify(b);
  return typeof b !== 'object' && shown !== undefined && shown.length <= 60 ? `${where} (planning gives ${shown})` : where;
}

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);
const asObject = (v: unknown): JsonObject => (isObject(v) ? v : {});
const asArray = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v : []);
