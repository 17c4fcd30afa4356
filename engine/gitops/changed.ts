/**
 * Which tenants a set of changed files touches: the pure half of `plan --changed-since`.
 * Input is what git found (engine/gitops/select.ts) already reduced to plain values —
 * each changed file with a summary of its spec documents before and after — plus facts
 * about the tenants the specs describe now. Output is the tenants to plan, each with
 * the reasons (for people: `--json`, the markdown comment).
 *
 * A tenant is selected when
 * 1. its own document was added, removed or changed (compared by content digest, so a
 *    comment-only edit selects nothing), or a secret file it references changed;
 * 2. the Zone it lives in (before or after) changed: pools, clusters and templates are
 *    the ground every tenant of the zone is allocated and verified on;
 * 3. a partner entry naming it changed (by pattern, before or after, or by its
 *    `metadata.partner`): ownership and quotas decide what a partner's plan may do;
 * 4. it shares a zone with a tenant selected by rule 1 and has items state does not
 *    record yet. The allocator hands out new `auto` values (VLANs, VNIs, public IPs,
 *    cluster room) zone-wide, lowest first in address order; recorded values are kept.
 *    So a change that frees or takes a value can move only the not-yet-recorded values
 *    of its zone-mates — fully applied zone-mates plan the same either way.
 * A tenant that is neither in the specs nor recorded in state has nothing to plan and
 * is left out (its file was added and deleted, or never applied).
 */
import { createHash } from 'node:crypto';
import { parseAllDocuments } from 'yaml';

export type FileStatus = 'added' | 'modified' | 'deleted';

/** One spec document of a file, as far as selection cares. */
export type SpecDocSummary =
  | { readonly kind: 'Tenant'; readonly name: string; readonly zone?: string; readonly partner?: string; readonly digest: string }
  | { readonly kind: 'Zone'; readonly name: string; readonly digest: string }
  | { readonly kind: 'Partners'; readonly name: string; readonly partners: readonly PartnerEntrySummary[] };

export interface PartnerEntrySummary {
  readonly name: string;
  readonly tenants: readonly string[];
  readonly digest: string;
}

export interface ChangedFile {
  /** Path relative to the repository root, as git prints it. */
  readonly path: string;
  readonly status: FileStatus;
  /** Spec documents at the base revision (none when added or not a spec file). */
  readonly before: readonly SpecDocSummary[];
  /** Spec documents in the working tree (none when deleted or not a spec file). */
  readonly after: readonly SpecDocSummary[];
}

/** A tenant the specs describe now. */
export interface TenantFacts {
  readonly name: string;
  readonly zone: string;
  readonly partner?: string;
  /** Repository-relative paths of the secret files it references. */
  readonly secretFiles: readonly string[];
  /** Whether some network, public IP, VM or disk of it is not recorded in state yet. */
  readonly unallocated: boolean;
}

export interface ChangeScopeInput {
  readonly files: readonly ChangedFile[];
  readonly tenants: readonly TenantFacts[];
  /** Tenants state records resources for. */
  readonly recordedTenants: ReadonlySet<string>;
  /** Tenants a reason may name (a partner's run names only its own); default all. */
  readonly visible?: (tenant: string) => boolean;
}

export interface SelectedTenant {
  readonly tenant: string;
  readonly reasons: readonly string[];
}

export function tenantsForChanges(input: ChangeScopeInput): SelectedTenant[] {
  const reasons = new Map<string, string[]>();
  const add = (tenant: string, reason: string): void => {
    const list = reasons.get(tenant);
    if (!list) reasons.set(tenant, [reason]);
    else if (!list.includes(reason)) list.push(reason);
  };
  const current = new Map(input.tenants.map((t) => [t.name, t]));
  // Zones of tenants changed by rule 1, with the tenants that changed there.
  const touchedZones = new Map<string, string[]>();
  const touch = (zone: string | undefined, tenant: string): void => {
    if (zone === undefined) return;
    const list = touchedZones.get(zone) ?? [];
    if (!list.includes(tenant)) list.push(tenant);
    touchedZones.set(zone, list);
  };

  for (const file of input.files) {
    const before = byKey(file.before);
    const after = byKey(file.after);
    for (const key of new Set([...before.keys(), ...after.keys()])) {
      const b = before.get(key);
      const a = after.get(key);
      const kind = (a ?? b)!.kind;
      const name = (a ?? b)!.name;
      if (kind === 'Tenant') {
        const bt = b as Extract<SpecDocSummary, { kind: 'Tenant' }> | undefined;
        const at = a as Extract<SpecDocSummary, { kind: 'Tenant' }> | undefined;
        if (bt && at && bt.digest === at.digest) continue;
        add(name, tenantReason(file, bt !== undefined, at !== undefined));
        touch(bt?.zone, name);
        touch(at?.zone, name);
      } else if (kind === 'Zone') {
        if (b && a && (b as { digest: string }).digest === (a as { digest: string }).digest) continue;
        const verb = !b ? 'added' : !a ? 'removed' : 'changed';
        for (const t of current.values()) if (t.zone === name) add(t.name, `zone ${name} ${verb} (${file.path})`);
      } else {
        const bp = new Map(((b as Extract<SpecDocSummary, { kind: 'Partners' }> | undefined)?.partners ?? []).map((p) => [p.name, p]));
        const ap = new Map(((a as Extract<SpecDocSummary, { kind: 'Partners' }> | undefined)?.partners ?? []).map((p) => [p.name, p]));
        for (const partner of [...new Set([...bp.keys(), ...ap.keys()])].sort()) {
          const pb = bp.get(partner);
          const pa = ap.get(partner);
          if (pb && pa && pb.digest === pa.digest) continue;
          const verb = !pb ? 'added' : !pa ? 'removed' : 'changed';
          const patterns = [...(pb?.tenants ?? []), ...(pa?.tenants ?? [])];
          for (const t of current.values()) {
            if (t.partner === partner || patterns.some((p) => matchesTenant(p, t.name))) add(t.name, `partner ${partner} ${verb} (${file.path})`);
          }
        }
      }
    }
  }

  // Secret files referenced by a tenant: their digest is part of the tenant's plan.
  const changedPaths = new Set(input.files.map((f) => f.path));
  for (const t of current.values()) {
    for (const s of t.secretFiles) {
      if (changedPaths.has(s)) {
        add(t.name, `secret file ${s} changed`);
      }
    }
  }

  for (const [zone, changed] of [...touchedZones].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (const t of current.values()) {
      if (t.zone !== zone || !t.unallocated || changed.includes(t.name)) continue;
      const named = changed.filter((c) => input.visible?.(c) ?? true).sort();
      const whom = named.length === 0 ? 'a changed tenant' : `changed tenant${named.length === 1 ? '' : 's'} ${named.join(', ')}`;
      add(t.name, `shares zone ${zone}'s pools with ${whom} and has values not allocated yet`);
    }
  }

  return [...reasons]
    .filter(([tenant]) => current.has(tenant) || input.recordedTenants.has(tenant))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([tenant, why]) => ({ tenant, reasons: why }));
}

function tenantReason(file: ChangedFile, before: boolean, after: boolean): string {
  if (before && after) return `tenant file ${file.path} changed`;
  if (after) return file.status === 'added' ? `tenant file ${file.path} added` : `tenant added to ${file.path}`;
  return file.status === 'deleted' ? `tenant file ${file.path} deleted` : `tenant removed from ${file.path}`;
}

function byKey(docs: readonly SpecDocSummary[]): Map<string, SpecDocSummary> {
  // The last of two same-named documents wins here; the loader reports the duplicate.
  return new Map(docs.map((d) => [`${d.kind}\0${d.name}`, d]));
}

/** A partner's `tenants` entry: a name, or a prefix ending in `*` (as engine/partners). */
export function matchesTenant(pattern: string, tenant: string): boolean {
  return pattern.endsWith('*') ? tenant.startsWith(pattern.slice(0, -1)) : tenant === pattern;
}

/**
 * The spec documents of a YAML text, summarized for selection. Lenient on purpose:
 * a document that does not parse or lacks a kind and name is skipped (the loader
 * reports it); digests are over the parsed value, so comments and layout do not count.
 */
export function summarizeSpecText(text: string): SpecDocSummary[] {
  let docs;
  try {
    docs = parseAllDocuments(text);
  } catch {
    return [];
  }
  const out: SpecDocSummary[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    if (doc.errors.length > 0) continue;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch {
      continue;
    }
    const summary = summarizeDoc(value);
    if (summary) out.push(summary);
  }
  return out;
}

function summarizeDoc(value: unknown): SpecDocSummary | undefined {
  if (!isRecord(value)) return undefined;
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  const spec = isRecord(value.spec) ? value.spec : {};
  const name = metadata.name;
  if (typeof name !== 'string') return undefined;
  switch (value.kind) {
    case 'Tenant':
      return {
        kind: 'Tenant',
        name,
        ...(typeof spec.zone === 'string' ? { zone: spec.zone } : {}),
        ...(typeof metadata.partner === 'string' ? { partner: metadata.partner } : {}),
        digest: digestOf(value),
      };
    case 'Zone':
      return { kind: 'Zone', name, digest: digestOf(value) };
    case 'Partners': {
      const list = Array.isArray(spec.partners) ? spec.partners : [];
      const partners: PartnerEntrySummary[] = [];
      for (const p of list) {
        if (!isRecord(p) || typeof p.name !== 'string') continue;
        const tenants = Array.isArray(p.tenants) ? p.tenants.filter((t): t is string => typeof t === 'string') : [];
        partners.push({ name: p.name, tenants, digest: digestOf(p) });
      }
      return { kind: 'Partners', name, partners };
    }
    default:
      return undefined;
  }
}

/** The `{ file: path }` secret references anywhere in a tenant document. */
export function secretFileRefs(value: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isRecord(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === 'file' && typeof v.file === 'string') out.push(v.file);
      else for (const k of keys) walk(v[k]);
    }
  };
  walk(value);
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function digestOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(sorted(value)) ?? 'null').digest('hex').slice(0, 16);
}

function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (v instanceof Date) return v.toISOString();
  if (isRecord(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])]));
  return v;
}
