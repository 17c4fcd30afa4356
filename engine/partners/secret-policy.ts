/**
 * Where a tenant's secrets may come from. A tenant that a partner owns takes its
 * `{ env }` references only from the environment variables its Partners entry lists
 * (`secrets.env`: names, or prefixes ending in `*`) and its `{ file }` references only
 * from inside the directories it lists (`secrets.files`, relative to the Partners file);
 * an entry without `secrets` may reference none. A tenant no partner owns is the
 * operator's: any variable or file. A tenant matched by two entries has no single owner
 * whose rules could apply, so its secrets are refused until the operator fixes that.
 *
 * Pure: the caller resolves paths on disk (symlinks included) and hands the real
 * locations in. Refusals depend only on the reference as written and the policy — never
 * on whether the variable or file exists — and name no path of the host.
 */
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import type { SpecSet } from '../../specs/model.js';
import type { SecretRef } from '../../specs/model/resource.js';
import { findPartner, ownsTenant, type Partner } from './ownership.js';

/** Whose rules a tenant's secrets follow. */
export type SecretOwner =
  | { readonly kind: 'operator' }
  | { readonly kind: 'partner'; readonly partner: Partner }
  | { readonly kind: 'ambiguous' };

/** A directory a partner's secret files may come from: as the Partners entry writes it, and as reachable from here. */
export interface SecretDirectory {
  readonly written: string;
  readonly path: string;
}

export type SecretPolicy =
  | { readonly kind: 'operator' }
  | { readonly kind: 'partner'; readonly partner: string; readonly env: readonly string[]; readonly dirs: readonly SecretDirectory[] }
  | { readonly kind: 'refused'; readonly why: string };

/**
 * The owner of `tenant` by the Partners document(s): the one entry whose `tenants`
 * match it, the operator when none does, ambiguous when more than one does.
 */
export function ownerOf(specs: Pick<SpecSet, 'partners'>, tenant: string): SecretOwner {
  const owners: Partner[] = [];
  for (const loaded of specs.partners) {
    loaded.value.spec.partners.forEach((spec, i) => {
      if (ownsTenant({ spec }, tenant)) owners.push({ name: spec.name, spec, file: loaded.file, doc: loaded.doc, path: ['spec', 'partners', i] });
    });
  }
  const [first, second] = owners;
  if (!first) return { kind: 'operator' };
  if (second) return { kind: 'ambiguous' };
  return { kind: 'partner', partner: first };
}

/**
 * The policy `tenant`'s secrets are judged by. In a partner's run (`runPartner`) a tenant
 * it does not own (one it only claims) is judged by that partner's own entry: the run
 * never reads what its partner could not.
 */
export function secretPolicy(specs: Pick<SpecSet, 'partners'>, tenant: string, runPartner?: string): SecretPolicy {
  const owner = ownerOf(specs, tenant);
  if (owner.kind === 'ambiguous') {
    return { kind: 'refused', why: `tenant ${tenant} is matched by more than one partner of the Partners document: the operator must give it one owner` };
  }
  if (runPartner !== undefined && (owner.kind !== 'partner' || owner.partner.name !== runPartner)) {
    const found = findPartner(specs, runPartner);
    return found.partner ? policyOf(found.partner) : { kind: 'refused', why: `partner ${runPartner} is not defined once in the Partners document` };
  }
  return owner.kind === 'operator' ? owner : policyOf(owner.partner);
}

function policyOf(partner: Partner): SecretPolicy {
  const base = dirname(partner.file);
  return {
    kind: 'partner',
    partner: partner.name,
    env: partner.spec.secrets?.env ?? [],
    dirs: (partner.spec.secrets?.files ?? []).map((written) => ({ written, path: isAbsolute(written) ? written : join(base, written) })),
  };
}

/** `secret { env: HOME }`, `secret { file: ../x }`: a reference as its spec writes it. */
export const describeSecret = (ref: SecretRef): string => ('env' in ref ? `secret { env: ${ref.env} }` : `secret { file: ${ref.file} }`);

const listed = (items: readonly string[]): string => (items.length > 0 ? items.join(', ') : 'none');

/** Why `{ env: name }` may not be read under `policy`, or undefined when it may. */
export function envRefusal(policy: SecretPolicy, name: string): string | undefined {
  if (policy.kind === 'operator') return undefined;
  if (policy.kind === 'refused') return `${describeSecret({ env: name })} is refused: ${policy.why}`;
  const allowed = policy.env.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));
  return allowed ? undefined : `${describeSecret({ env: name })} is not among the variables partner ${policy.partner} may use (${listed(policy.env)})`;
}

/**
 * Why `{ file }` may not be read under `policy`, or undefined when it may. `located` is
 * where the reference really leads (symlinks followed; undefined when that cannot be
 * told, e.g. a symlink loop), `realDirs` where each of `policy.dirs` really is, in order.
 */
export function fileRefusal(policy: SecretPolicy, file: string, located: string | undefined, realDirs: readonly string[]): string | undefined {
  if (policy.kind === 'operator') return undefined;
  if (policy.kind === 'refused') return `${describeSecret({ file })} is refused: ${policy.why}`;
  if (located !== undefined && realDirs.some((dir) => isWithin(dir, located))) return undefined;
  return `${describeSecret({ file })} is outside the secret directories partner ${policy.partner} may use (${listed(policy.dirs.map((d) => d.written))})`;
}

/** Whether `path` is `dir` or lies below it (both absolute and normalized). */
export function isWithin(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}
