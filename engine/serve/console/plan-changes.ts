/**
 * What a plan changes, as its reviewer reads it: from the plan's JSON rendering
 * (netfirst-plan/1, the same document the API serves as renderings.json), each
 * effective change with the attributes it touches, old → new, and the data it loses —
 * every disk deleted or replaced, and every VM deleted or replaced with its root disk.
 *
 * Invariants: secrets are never shown (an attribute the plan marks sensitive, or any
 * value kept as a digest, reads "(sensitive)"); noop and read changes are not changes.
 */

/** One change of the plan JSON (the fields this page reads). */
interface JsonChange {
  readonly address: string;
  readonly type: string;
  readonly tenant: string;
  readonly action: string;
  readonly before: Record<string, unknown> | null;
  readonly after: Record<string, unknown> | null;
  readonly requiresReplace?: readonly string[];
  readonly replacedWith?: readonly string[];
  readonly movedFrom?: string;
  readonly reason?: string | null;
}

export interface AttributeChange {
  /** Dotted for a nested object's field: rootDisk.sizeGiB. */
  readonly name: string;
  /** As shown; undefined where the attribute is absent on that side. */
  readonly before?: string;
  readonly after?: string;
  /** This attribute forces the replacement. */
  readonly forcesReplace: boolean;
}

export interface ReviewChange {
  readonly address: string;
  readonly type: string;
  readonly tenant: string;
  readonly action: 'create' | 'update' | 'replace' | 'delete';
  readonly reason?: string;
  readonly movedFrom?: string;
  readonly attributes: readonly AttributeChange[];
}

export interface DataLoss {
  /** The disk's address, or the VM's for its root disk. */
  readonly address: string;
  readonly what: 'disk' | 'root disk';
  readonly action: 'deleted' | 'replaced';
  /** "250 GiB", "2 TiB"; undefined when the record has no size. */
  readonly size?: string;
  readonly tier?: string;
  /** For a data disk: the VM it is attached to. */
  readonly vm?: string;
}

export interface PlanReview {
  readonly changes: readonly ReviewChange[];
  readonly dataLoss: readonly DataLoss[];
}

const SENSITIVE = '(sensitive)';
/** How the state keeps a secret: a keyed digest. Never a value to show, whatever the attribute is called. */
const DIGEST = /^hmac-sha256:/;
const EFFECTIVE = new Set(['create', 'update', 'replace', 'delete']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Attributes flattened one object deep at a time: { rootDisk: { sizeGiB: 40 } } → rootDisk.sizeGiB = 40. */
function flatten(attributes: Record<string, unknown> | null, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  for (const [k, v] of Object.entries(attributes ?? {})) {
    if (isObject(v) && Object.keys(v).length > 0) flatten(v, `${prefix}${k}.`, out);
    else out.set(`${prefix}${k}`, v);
  }
  return out;
}

/** A size in the unit its attribute is named with, as people read it: memoryMiB 16384 → "16384 MiB (16 GiB)". */
function withUnit(name: string, value: number): string | undefined {
  if (name.endsWith('MiB')) return value >= 1024 && value % 1024 === 0 ? `${value} MiB (${formatGiB(value / 1024)})` : `${value} MiB`;
  if (name.endsWith('GiB')) return formatGiB(value);
  return undefined;
}

function show(value: unknown, name = ''): string {
  if (typeof value === 'number') return withUnit(name, value) ?? String(value);
  if (typeof value === 'string') return DIGEST.test(value) ? SENSITIVE : JSON.stringify(value);
  if (value === null) return 'null';
  if (Array.isArray(value) || isObject(value)) return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'string' && DIGEST.test(v) ? SENSITIVE : v));
  return String(value);
}

/** "250 GiB", "2 TiB", "1.5 TiB". */
export function formatGiB(gib: number): string {
  if (gib >= 1024) {
    const tib = gib / 1024;
    return `${Number.isInteger(tib) ? tib : tib.toFixed(1)} TiB`;
  }
  return `${gib} GiB`;
}

function attributeChanges(ch: JsonChange, sensitive: ReadonlySet<string>): AttributeChange[] {
  const before = flatten(ch.before);
  const after = flatten(ch.after);
  const forcing = new Set(ch.requiresReplace ?? []);
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  const out: AttributeChange[] = [];
  for (const name of names) {
    const b = before.get(name);
    const a = after.get(name);
    const had = before.has(name);
    const has = after.has(name);
    // Create and delete show every attribute; update and replace only what differs.
    if ((ch.action === 'update' || ch.action === 'replace') && had && has && JSON.stringify(b) === JSON.stringify(a)) continue;
    const top = name.split('.')[0]!;
    const secret = sensitive.has(name) || sensitive.has(top);
    const shown = (v: unknown): string => (secret ? SENSITIVE : show(v, name));
    out.push({
      name,
      ...(had ? { before: shown(b) } : {}),
      ...(has ? { after: secret && had && JSON.stringify(b) !== JSON.stringify(a) ? `${SENSITIVE} (value changed)` : shown(a) } : {}),
      forcesReplace: forcing.has(name) || forcing.has(top),
    });
  }
  return out;
}

function sizeOf(record: Record<string, unknown> | null | undefined): string | undefined {
  const gib = record?.['sizeGiB'];
  return typeof gib === 'number' ? formatGiB(gib) : undefined;
}

function lossOf(ch: JsonChange): DataLoss | undefined {
  if (ch.action !== 'delete' && ch.action !== 'replace') return undefined;
  const action = ch.action === 'delete' ? 'deleted' : 'replaced';
  const before = ch.before;
  if (ch.type === 'disk') {
    const size = sizeOf(before);
    const tier = before?.['tier'];
    const vm = before?.['vm'];
    return { address: ch.movedFrom ?? ch.address, what: 'disk', action, ...(size ? { size } : {}), ...(typeof tier === 'string' ? { tier } : {}), ...(typeof vm === 'string' ? { vm } : {}) };
  }
  if (ch.type === 'vm') {
    const root = isObject(before?.['rootDisk']) ? (before['rootDisk'] as Record<string, unknown>) : undefined;
    const size = sizeOf(root);
    const tier = root?.['tier'];
    return { address: ch.movedFrom ?? ch.address, what: 'root disk', action, ...(size ? { size } : {}), ...(typeof tier === 'string' ? { tier } : {}) };
  }
  return undefined;
}

/** The review of a plan from its JSON rendering (an object parsed from it). */
export function reviewPlan(json: unknown): PlanReview {
  const doc = isObject(json) ? json : {};
  const raw = Array.isArray(doc['changes']) ? (doc['changes'] as JsonChange[]) : [];
  const resources = isObject(doc['resources']) ? doc['resources'] : {};
  const changes: ReviewChange[] = [];
  const dataLoss: DataLoss[] = [];
  for (const ch of raw) {
    if (!EFFECTIVE.has(ch.action)) continue;
    const meta = resources[ch.address];
    const sensitive = new Set(isObject(meta) && Array.isArray(meta['sensitive']) ? (meta['sensitive'] as string[]) : []);
    changes.push({
      address: ch.address, type: ch.type, tenant: ch.tenant, action: ch.action as ReviewChange['action'],
      ...(ch.reason ? { reason: ch.reason } : {}),
      ...(ch.movedFrom ? { movedFrom: ch.movedFrom } : {}),
      attributes: attributeChanges(ch, sensitive),
    });
    const loss = lossOf(ch);
    if (loss) dataLoss.push(loss);
  }
  return { changes, dataLoss };
}
