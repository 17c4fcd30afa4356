/**
 * Who a partner is and which tenants it manages. A partner is named once in the
 * operator's Partners document; it *owns* a tenant whose name matches one of its
 * `tenants` entries (a name, or a prefix ending in `*`). Ownership is by name only —
 * what a tenant file says about itself (`metadata.partner`) never grants anything;
 * it only brings the tenant into the partner's runs so that a false claim is refused.
 */
import type { Diagnostic } from '../../specs/diagnostic.js';
import type { Loaded, SpecSet } from '../../specs/model.js';
import type { PartnersDoc } from '../../specs/schema.js';
import { didYouMean } from '../../specs/suggest.js';

export type PartnerSpec = PartnersDoc['spec']['partners'][number];

/** A partner as the Partners document defines it, with where. */
export interface Partner {
  readonly name: string;
  readonly spec: PartnerSpec;
  readonly file: string;
  readonly doc: number;
  /** Path of its entry: ['spec', 'partners', i]. */
  readonly path: readonly (string | number)[];
}

export type PartnerLookup = { readonly partner: Partner; readonly diagnostics?: never } | { readonly partner?: never; readonly diagnostics: readonly Diagnostic[] };

/**
 * The partner named `name`. Errors (as diagnostics): no Partners document was loaded,
 * no partner of that name, or two entries of that name (which one counts would be a guess).
 */
export function findPartner(specs: Pick<SpecSet, 'partners'>, name: string): PartnerLookup {
  if (specs.partners.length === 0) {
    return {
      diagnostics: [{
        severity: 'error',
        summary: `partner ${name} given, but no Partners document was loaded: pass the directory holding partners.yaml (kind: Partners)`,
      }],
    };
  }
  const found: Partner[] = [];
  const names: string[] = [];
  for (const loaded of specs.partners) {
    loaded.value.spec.partners.forEach((spec, i) => {
      names.push(spec.name);
      if (spec.name === name) found.push(entry(loaded, spec, i));
    });
  }
  const [first, second] = found;
  if (!first) {
    const guess = didYouMean(name, names);
    const at = specs.partners[0]!;
    return {
      diagnostics: [{
        severity: 'error',
        summary: `unknown partner ${name}${guess ? ` (did you mean "${guess}"?)` : ''}: the Partners document names ${names.length > 0 ? names.join(', ') : 'none'}`,
        file: at.file,
        doc: at.doc,
        path: ['spec', 'partners'],
      }],
    };
  }
  if (second) {
    return {
      diagnostics: [{
        severity: 'error',
        summary: `partner ${name} is defined twice (first at ${first.file}): the operator must keep one entry`,
        file: second.file,
        doc: second.doc,
        path: [...second.path, 'name'],
      }],
    };
  }
  return { partner: first };
}

function entry(loaded: Loaded<PartnersDoc>, spec: PartnerSpec, i: number): Partner {
  return { name: spec.name, spec, file: loaded.file, doc: loaded.doc, path: ['spec', 'partners', i] };
}

/** Whether `tenant` matches one of the partner's names or `prefix*` patterns. */
export function ownsTenant(partner: Pick<Partner, 'spec'>, tenant: string): boolean {
  return partner.spec.tenants.some((p) => (p.endsWith('*') ? tenant.startsWith(p.slice(0, -1)) : tenant === p));
}

/** `acme-*, harbor-vet` for messages. */
export const describeTenants = (partner: Pick<Partner, 'spec'>): string => partner.spec.tenants.join(', ') || 'none';

/**
 * The tenants a partner's run plans: those it owns (with a spec or recorded in state),
 * and those whose spec claims it in `metadata.partner` (so the claim is checked and
 * refused, not silently skipped). `destroy` leaves out claims: a destroy only ever
 * touches owned tenants.
 */
export function partnerTenants(
  partner: Partner,
  specs: Pick<SpecSet, 'tenants'>,
  recordedTenants: Iterable<string>,
  options: { readonly destroy?: boolean } = {},
): Set<string> {
  const out = new Set<string>();
  for (const [name, t] of specs.tenants) {
    if (ownsTenant(partner, name) || (!options.destroy && t.value.metadata.partner === partner.name)) out.add(name);
  }
  for (const name of recordedTenants) if (ownsTenant(partner, name)) out.add(name);
  return out;
}

/**
 * The spec set a partner's run sees: load problems of files that hold only other
 * partners' tenants are left out — one partner's broken file never blocks or shows in
 * another's run. A file whose tenants cannot be told (nothing in it loaded), or that
 * holds a zone or the Partners document, keeps its problems: they may be the partner's own.
 */
export function partnerView(specs: SpecSet, partner: Partner): SpecSet {
  const inView = partnerTenants(partner, specs, []);
  const mine = new Set<string>();
  const foreign = new Set<string>();
  for (const [name, t] of specs.tenants) (inView.has(name) ? mine : foreign).add(t.file);
  for (const z of specs.zones.values()) mine.add(z.file);
  for (const p of specs.partners) mine.add(p.file);
  const hidden = (d: Diagnostic): boolean => {
    if (d.file === undefined) return false;
    if (foreign.has(d.file) && !mine.has(d.file)) return true;
    // A misplaced Zone or Partners document is the operator's problem, not this partner's (unless in its own file).
    return d.code === 'misplaced-operator-document' && !mine.has(d.file) && ![...specs.tenants.values()].some((t) => t.file === d.file && inView.has(t.value.metadata.name));
  };
  const shown = (d: Diagnostic): Diagnostic => {
    // A tenant name taken by another partner's tenant: say so without saying where.
    const dup = d.code === 'duplicate-tenant' ? DUPLICATE_NAME.exec(d.summary) : null;
    return dup && !ownsTenant(partner, dup[1]!) ? { ...d, summary: `tenant name "${dup[1]}" is already taken by a tenant partner ${partner.name} does not manage: choose another name` } : d;
  };
  if (!specs.diagnostics.some((d) => hidden(d) || shown(d) !== d)) return specs;
  return {
    zones: specs.zones,
    tenants: specs.tenants,
    partners: specs.partners,
    files: specs.files,
    diagnostics: specs.diagnostics.filter((d) => !hidden(d)).map(shown),
    locate: specs.locate,
  };
}

/** The tenant name of a `duplicate-tenant` diagnostic (specs/load.ts writes it quoted first). */
const DUPLICATE_NAME = /^duplicate Tenant "([^"]+)"/;
