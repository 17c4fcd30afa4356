/**
 * `--partner NAME` (or NETFIRST_PARTNER) at a run's edge: which partner a run is for,
 * the spec set it sees, the tenants it selects, and the refusals every command shares.
 * A partner only ever sees and touches the tenants it owns (engine/partners); anything
 * else is refused here with exit 1, before state or a provider is touched.
 */
import { formatDiagnostic, hasErrors, type Diagnostic } from '../../specs/diagnostic.js';
import type { SpecSet } from '../../specs/model.js';
import { findPartner, ownsTenant, partnerTenants, partnerView, type Partner } from '../partners/index.js';
import { GitError } from '../gitops/git.js';
import { partnerChangeView } from '../gitops/partner-view.js';
import { UserError } from './errors.js';
import { loadWorkspaceSpecs, type GlobalOptions } from './workspace-specs.js';

export interface PartnerOptions {
  readonly partner?: string;
}

/** `--partner`, else NETFIRST_PARTNER, else none (an operator's run). */
export function partnerName(options: PartnerOptions): string | undefined {
  const name = options.partner ?? process.env.NETFIRST_PARTNER;
  return name === undefined || name === '' ? undefined : name;
}

/** The partner of this run, or undefined for an operator's run; a partner the specs do not define is refused. */
export function runPartner(specs: SpecSet, options: PartnerOptions): Partner | undefined {
  const name = partnerName(options);
  if (name === undefined) return undefined;
  const found = findPartner(specs, name);
  if (found.partner) return found.partner;
  // The Partners document may be missing because it did not load: show why.
  const withTenants = new Set([...specs.tenants.values()].map((t) => t.file));
  const loadErrors = specs.diagnostics.filter((d) => d.severity === 'error' && (d.file === undefined || !withTenants.has(d.file)));
  throw new UserError(refusal([...found.diagnostics, ...loadErrors], specs));
}

/**
 * The specs as the run's partner sees them (partnerView), or all of them for an operator.
 * A partner's run with `--changed-since REV` judges the change as a whole: the operator's
 * documents come from the merge base, and every changed file the partner may not write
 * is refused at that file (engine/gitops/partner-view.ts).
 */
export function loadRunSpecs(paths: readonly string[], options: GlobalOptions & PartnerOptions & { readonly changedSince?: string }): SpecSet {
  const loaded = loadWorkspaceSpecs(paths, options);
  const name = partnerName(options);
  let specs = loaded;
  let refusals: readonly Diagnostic[] = [];
  if (name !== undefined && options.changedSince !== undefined) {
    try {
      const changed = partnerChangeView(loaded, paths, options.changedSince, name);
      specs = changed.specs;
      const own = new Set(loaded.diagnostics);
      refusals = specs.diagnostics.filter((d) => !own.has(d));
      specs = { ...specs, diagnostics: specs.diagnostics.filter((d) => own.has(d)) };
    } catch (error) {
      if (error instanceof GitError) throw new UserError(error.message);
      throw error;
    }
  }
  const partner = runPartner(specs, options);
  if (!partner) return specs;
  // Refusals of the change are the partner's own, whichever file they are at: never hidden.
  const viewed = partnerView(specs, partner);
  return refusals.length === 0 ? viewed : { ...viewed, diagnostics: [...viewed.diagnostics, ...refusals] };
}

/**
 * The tenants a partner's run plans: its explicit `--tenant`s (each refused unless it
 * owns it), or every tenant it owns or that claims it. Undefined for an operator's run.
 */
export function partnerSelection(
  specs: SpecSet,
  recorded: Iterable<{ readonly tenant: string }>,
  options: PartnerOptions & { readonly tenant?: readonly string[] | string },
  destroy = false,
): Set<string> | undefined {
  const partner = runPartner(specs, options);
  if (!partner) return undefined;
  const explicit = options.tenant === undefined ? [] : typeof options.tenant === 'string' ? [options.tenant] : options.tenant;
  if (explicit.length > 0) {
    for (const t of explicit) refuseUnlessOwned(partner, t);
    return new Set(explicit);
  }
  const tenants = new Set<string>();
  for (const r of recorded) tenants.add(r.tenant);
  return partnerTenants(partner, specs, tenants, { destroy });
}

/**
 * `--target` and `--replace` name resource addresses: each must have one's shape, and a
 * partner's run is refused an address of a tenant it does not own exactly as `--tenant`
 * is — before state is read, without saying whether the address exists.
 */
export function refuseForeignAddresses(specs: SpecSet, options: PartnerOptions & { readonly target?: readonly string[]; readonly replace?: readonly string[] }): void {
  const named = [...(options.target ?? []).map((a) => ['--target', a] as const), ...(options.replace ?? []).map((a) => ['--replace', a] as const)];
  if (named.length === 0) return;
  for (const [flag, address] of named) {
    const parts = address.split('/');
    if (parts.length < 3 || parts.length % 2 === 0 || parts.some((p) => p === '')) {
      throw new UserError(`${flag} ${address}: not a resource address (TENANT/KIND/NAME, e.g. acme-dental/vm/pms-1)`);
    }
  }
  const partner = runPartner(specs, options);
  if (partner) for (const [, address] of named) refuseUnlessOwned(partner, address.split('/')[0]!);
}

/** Refuses a tenant the partner does not own, without saying whether it exists. */
export function refuseUnlessOwned(partner: Partner, tenant: string): void {
  if (!ownsTenant(partner, tenant)) throw new UserError(notManaged(partner, tenant));
}

export const notManaged = (partner: Partner, tenant: string): string =>
  `partner ${partner.name} does not manage tenant ${tenant}: refused (it manages ${partner.spec.tenants.join(', ') || 'no tenants'})`;

/**
 * Why a saved plan may not be applied in this run, or undefined: a partner applies only
 * a plan made for that same partner. (What the plan changes is judged from its
 * addresses, and planned again, by engine/run/saved-plan.ts.)
 */
export function savedPlanRefusal(planPartner: string | undefined, file: string, options: PartnerOptions): string | undefined {
  const name = partnerName(options);
  if (name === undefined || planPartner === name) return undefined;
  return planPartner === undefined
    ? `${file} was not made for partner ${name} (it was planned without --partner): plan it again with --partner ${name}`
    : `${file} was made for partner ${planPartner}, not ${name}: refused`;
}

/** Diagnostics as the one message of a refusal, located to lines where they can be. */
export function refusal(diagnostics: readonly Diagnostic[], specs: Pick<SpecSet, 'locate'>): string {
  const lines = diagnostics.map((d) => {
    if (d.line || !d.file || d.doc === undefined || !d.path) return formatDiagnostic(d);
    const at = specs.locate(d.file, d.doc, d.path);
    return formatDiagnostic(at ? { ...d, line: at.line, column: at.column } : d);
  });
  const n = diagnostics.filter((d) => d.severity === 'error').length;
  return `${lines.join('\n')}\n${hasErrors(diagnostics) ? `${n} error${n === 1 ? '' : 's'}: refused, nothing was changed` : ''}`.trimEnd();
}

/**
 * The run's partner for commands that take no specs otherwise (state list/show): the
 * Partners document is read from `paths` (default .) only when a partner is given.
 */
export function partnerFromSpecs(paths: readonly string[] | undefined, options: GlobalOptions & PartnerOptions): Partner | undefined {
  if (partnerName(options) === undefined) return undefined;
  return runPartner(loadWorkspaceSpecs(paths ?? [], options), options);
}
