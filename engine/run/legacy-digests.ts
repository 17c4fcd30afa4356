/**
 * Migrating secret digests of states made before the secret key. Those recorded
 * `sha256:` HMACs keyed by the lineage, which every plan prints: an offline oracle for
 * a guessed secret. Before planning, each such digest of the planned tenants is checked
 * against the secret as the spec references it now: when HMAC(lineage, value) still
 * matches, planning sees the key's digest instead (so an unchanged secret shows no
 * change); when it does not (the secret changed, or cannot be read), planning sees a
 * fixed stand-in that matches nothing — either way no lineage-keyed digest reaches a
 * plan. The next apply writes the same values into state (`rewriteSecretDigests`).
 */
import type { SpecSet } from '../../specs/model.js';
import type { DigestRewrite } from '../../state/index.js';
import { expandTenant, type DigestSecret } from '../plan/expand.js';
import type { RecordedResource } from '../../specs/model/resource.js';

/** Prefix of the digests of old states, keyed by the lineage. */
export const LEGACY_DIGEST_PREFIX = 'sha256:';

/** What an old digest becomes when it can no longer be shown to match: a change, without an oracle. */
export const UNVERIFIED_DIGEST = 'hmac-sha256:unverified';

export interface LegacyDigestInput {
  readonly specs: SpecSet;
  readonly recorded: ReadonlyMap<string, RecordedResource>;
  /** The tenants being planned; default every tenant. */
  readonly tenants?: ReadonlySet<string> | undefined;
  /** The run's digester (keyed by the state's secret key). */
  readonly digest: DigestSecret;
  /** The same reads keyed by the lineage (secrets.ts `lineageDigester`). */
  readonly legacy: DigestSecret;
}

export interface LegacyDigestView {
  /** State as planning must see it. */
  readonly recorded: ReadonlyMap<string, RecordedResource>;
  /** What the next locked run writes into state. */
  readonly rewrites: readonly DigestRewrite[];
}

const isLegacy = (v: unknown): v is string => typeof v === 'string' && v.startsWith(LEGACY_DIGEST_PREFIX);

export function legacyDigestView(input: LegacyDigestInput): LegacyDigestView {
  const inScope = (t: string): boolean => !input.tenants || input.tenants.has(t);
  const legacy: RecordedResource[] = [];
  for (const r of input.recorded.values()) {
    if (r.sensitive.length > 0 && inScope(r.tenant) && r.sensitive.some((k) => isLegacy(r.attributes[k]))) legacy.push(r);
  }
  if (legacy.length === 0) return { recorded: input.recorded, rewrites: [] };

  // The secret references as the specs write them now, for the tenants concerned only.
  const drafts = new Map<string, ReturnType<typeof expandTenant>['drafts'][number]>();
  for (const tenant of new Set(legacy.map((r) => r.tenant))) {
    const spec = input.specs.tenants.get(tenant);
    if (spec) for (const d of expandTenant(spec, { digestSecret: input.digest }).drafts) drafts.set(d.address, d);
  }
  const rewrites: DigestRewrite[] = [];
  const view = new Map(input.recorded);
  for (const r of legacy) {
    const draft = drafts.get(r.address);
    const attributes = { ...r.attributes };
    for (const k of r.sensitive) {
      const from = attributes[k];
      if (!isLegacy(from)) continue;
      const ref = draft?.secrets[k];
      const now = draft?.attributes[k];
      const old = ref ? input.legacy(ref, ref.baseDir, r.tenant) : undefined;
      const to = old && 'digest' in old && old.digest === from && typeof now === 'string' && now !== '' ? now : UNVERIFIED_DIGEST;
      attributes[k] = to;
      rewrites.push({ address: r.address, attribute: k, from, to });
    }
    view.set(r.address, { ...r, attributes });
  }
  return { recorded: view, rewrites };
}
