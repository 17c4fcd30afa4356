/**
 * The plan memo: which tenants a plan found settled — every desired resource equal to
 * what state records, no change, no finding — keyed by everything that tenant's plan is
 * a function of, so a later `plan` reuses the answer without expanding the tenant or even
 * reading its records. The key is an HMAC (keyed by the state's secret key, which never
 * leaves the database) over:
 *   - the running build (code-fingerprint.ts) and the state's lineage;
 *   - the tenant's spec file (path and content hash) and document, its zone's, and every
 *     Partners document's;
 *   - the tenant's version in state (drawn afresh by every write to one of its records,
 *     migration 8);
 *   - the digest, read now, of every secret its last plan read.
 * Any of these changing changes the key, so a reused answer can never be stale; a key
 * that does not match is simply planned again. What a settled tenant's plan checks
 * against its zone-mates holds as the server's and watch's settled tenants do
 * (engine/serve/settled.ts): a tenant that changed is planned against state standing in
 * for the settled ones, which is where a new collision shows. The memo is a cache: a
 * missing, foreign or damaged file is empty, and failed writes are ignored.
 */
import { createHmac } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { hasErrors } from '../../specs/diagnostic.js';
import type { SpecSet } from '../../specs/model.js';
import type { SecretRef } from '../../specs/model/resource.js';
import type { TenantVersion } from '../../state/index.js';
import { isEffective } from '../plan/change.js';
import type { DigestSecret } from '../plan/expand.js';
import type { Plan } from '../plan/plan.js';
import { codeFingerprint } from './code-fingerprint.js';

const FORMAT = 'netfirst-plan-memo/1';
/** One file per build: keys of another build never match, and compiled and source runs keep theirs apart. */
const fileName = (): string => `plan-memo-${codeFingerprint().slice(0, 16)}.json`;

/** One secret a tenant's plan read: the reference as written and the directory it was read against. */
export interface SecretUse {
  readonly ref: SecretRef;
  readonly baseDir: string;
}

const SecretUseSchema = z.strictObject({
  ref: z.union([z.strictObject({ env: z.string() }), z.strictObject({ file: z.string() })]),
  baseDir: z.string(),
});
const MemoFile = z.strictObject({
  format: z.literal(FORMAT),
  tenants: z.record(z.string(), z.strictObject({ key: z.string(), secrets: z.array(SecretUseSchema) })),
});
type MemoEntry = z.infer<typeof MemoFile>['tenants'][string];

/** What every key of one run is computed from. */
export interface MemoInputs {
  readonly specs: SpecSet;
  readonly lineage: string;
  readonly secretKey: Buffer;
  readonly versions: ReadonlyMap<string, TenantVersion>;
  readonly digestSecret: DigestSecret;
}

/** A digester that also notes which secrets each tenant's plan read (their digests go into its key). */
export function recordingDigester(digest: DigestSecret): { readonly digestSecret: DigestSecret; readonly uses: ReadonlyMap<string, readonly SecretUse[]> } {
  const uses = new Map<string, SecretUse[]>();
  const seen = new Set<string>();
  return {
    uses,
    digestSecret(ref, baseDir, tenant) {
      const id = `${tenant}\0${baseDir}\0${JSON.stringify(ref)}`;
      if (!seen.has(id)) {
        seen.add(id);
        let list = uses.get(tenant);
        if (!list) uses.set(tenant, (list = []));
        list.push({ ref: 'env' in ref ? { env: ref.env } : { file: ref.file }, baseDir });
      }
      return digest(ref, baseDir, tenant);
    },
  };
}

export class PlanMemo {
  private readonly entries: Map<string, MemoEntry>;
  private dirty = false;

  private constructor(private readonly path: string, entries: Map<string, MemoEntry>) {
    this.entries = entries;
  }

  /** The memo beside the spec cache (`<state dir>/cache/`). */
  static open(stateDir: string): PlanMemo {
    const path = join(stateDir, 'cache', fileName());
    let entries = new Map<string, MemoEntry>();
    try {
      const parsed = MemoFile.safeParse(JSON.parse(readFileSync(path, 'utf8')));
      if (parsed.success) entries = new Map(Object.entries(parsed.data.tenants));
    } catch {
      // No memo yet, or one that is not ours: plan everything.
    }
    return new PlanMemo(path, entries);
  }

  /** The spec tenants whose memo entry still matches: their plan now is "no changes". */
  settled(inputs: MemoInputs): Set<string> {
    const keyer = new Keyer(inputs);
    const out = new Set<string>();
    for (const tenant of inputs.specs.tenants.keys()) {
      const entry = this.entries.get(tenant);
      if (entry && keyer.key(tenant, entry.secrets) === entry.key) out.add(tenant);
    }
    return out;
  }

  /**
   * Learns from a plan of `planned` (spec tenants): those without an effective change are
   * settled under their key now, the others forgotten. A plan with any finding of its
   * own (beyond those of loading the specs, which every plan shows again) teaches
   * nothing: its findings would not be shown when its tenants are reused.
   */
  learn(inputs: MemoInputs, plan: Plan, planned: ReadonlySet<string>, uses: ReadonlyMap<string, readonly SecretUse[]>): void {
    if (hasErrors(plan.diagnostics) || plan.diagnostics.length > inputs.specs.diagnostics.length || plan.drift?.length) {
      for (const t of planned) this.forget(t);
      return;
    }
    const changed = new Set(plan.changes.filter(isEffective).map((c) => c.tenant));
    const keyer = new Keyer(inputs);
    for (const tenant of planned) {
      if (changed.has(tenant) || !inputs.specs.tenants.has(tenant)) {
        this.forget(tenant);
        continue;
      }
      const secrets = uses.get(tenant) ?? [];
      const key = keyer.key(tenant, secrets);
      if (key === undefined) this.forget(tenant);
      else if (this.entries.get(tenant)?.key !== key) {
        this.entries.set(tenant, { key, secrets: [...secrets] });
        this.dirty = true;
      }
    }
  }

  /** Writes the memo (atomically) when it learnt anything; a failure only costs the next plan time. */
  save(): void {
    if (!this.dirty) return;
    try {
      mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
      const tmp = `${this.path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ format: FORMAT, tenants: Object.fromEntries(this.entries) }), { mode: 0o600 });
      renameSync(tmp, this.path);
      this.dirty = false;
      // Memos of builds replaced since: their keys can never match again.
      for (const name of readdirSync(dirname(this.path))) {
        if (/^plan-memo-[0-9a-f]{16}\.json$/.test(name) && join(dirname(this.path), name) !== this.path && stale(join(dirname(this.path), name))) rmSync(join(dirname(this.path), name), { force: true });
      }
    } catch {
      // Best effort, as the spec cache.
    }
  }

  private forget(tenant: string): void {
    if (this.entries.delete(tenant)) this.dirty = true;
  }
}

/** Another build's memo untouched for a day: that build is not in use any more (a compiled and a source build of one tree alternate). */
const stale = (path: string): boolean => (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0) < Date.now() - 86_400_000;

/** Computes tenants' keys for one run: the parts shared by every tenant are worked out once. */
class Keyer {
  private readonly hashes: ReadonlyMap<string, string>;
  private readonly partners: string;
  private readonly common: string;

  constructor(private readonly inputs: MemoInputs) {
    this.hashes = new Map(inputs.specs.files.map((f) => [f.file, f.sha256]));
    this.partners = JSON.stringify(
      inputs.specs.partners.map((p) => [p.file, this.hashes.get(p.file) ?? '', p.doc]).sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)),
    );
    this.common = JSON.stringify([FORMAT, codeFingerprint(), inputs.lineage]);
  }

  /** Undefined when the tenant cannot be keyed (its zone is not loaded, or a secret cannot be read now). */
  key(tenant: string, secrets: readonly SecretUse[]): string | undefined {
    const loaded = this.inputs.specs.tenants.get(tenant);
    if (!loaded) return undefined;
    const zone = this.inputs.specs.zones.get(loaded.value.spec.zone);
    if (!zone) return undefined;
    const digests: string[] = [];
    for (const s of secrets) {
      const result = this.inputs.digestSecret(s.ref, s.baseDir, tenant);
      if ('error' in result) return undefined;
      digests.push(JSON.stringify([s.ref, s.baseDir, result.digest]));
    }
    const version = this.inputs.versions.get(tenant);
    return createHmac('sha256', this.inputs.secretKey)
      .update(this.common)
      .update(JSON.stringify([
        tenant,
        [loaded.file, this.hashes.get(loaded.file) ?? '', loaded.doc],
        [loaded.value.spec.zone, zone.file, this.hashes.get(zone.file) ?? '', zone.doc],
        this.partners,
        version ? [version.version, version.resources] : null,
        digests,
      ]))
      .digest('hex');
  }
}
