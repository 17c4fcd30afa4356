/**
 * `--partner NAME` (or NETFIRST_PARTNER) at the CLI's edge: which partner a run is for,
 * the spec set it sees, the tenants it selects, and the refusals every command shares.
 * A partner only ever sees and touches the tenants it owns (engine/partners); anything
 * else is refused here with exit 1, before state or a provider is touched.
 */
import { formatDiagnostic, hasErrors, type Diagnostic } from '../../specs/diagnostic.js';
import { loadSpecs } from '../../specs/load.js';
import type { SpecSet } from '../../specs/model.js';
import { findPartner, ownsTenant, partnerTenants, partnerView, type Partner } from '../partners/index.js';
import type { Plan } from '../plan/plan.js';
import { CliError } from './errors.js';
import { loadWorkspaceSpecs, type GlobalOptions } from './workspace.js';

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
  throw new CliError(refusal([...found.diagnostics, ...loadErrors], specs));
}

/** The specs as the run's partner sees them (partnerView), or all of them for an operator. */
export function loadRunSpecs(paths: readonly string[], options: GlobalOptions & PartnerOptions): SpecSet {
  const specs = loadWorkspaceSpecs(paths, options);
  const partner = runPartner(specs, options);
  return partner ? partnerView(specs, partner) : specs;
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

/** Refuses a tenant the partner does not own, without saying whether it exists. */
export function refuseUnlessOwned(partner: Partner, tenant: string): void {
  if (!ownsTenant(partner, tenant)) throw new CliError(notManaged(partner, tenant));
}

export const notManaged = (partner: Partner, tenant: string): string =>
  `partner ${partner.name} does not manage tenant ${tenant}: refused (it manages ${partner.spec.tenants.join(', ') || 'no tenants'})`;

/**
 * Why a saved plan may not be applied in this run, or undefined: for a partner, the
 * plan must have been made for that same partner and change only tenants it owns
 * (checked against the Partners document the plan was made from).
 */
export function savedPlanRefusal(plan: Plan, file: string, options: PartnerOptions): string | undefined {
  const name = partnerName(options);
  if (name === undefined) return undefined;
  if (plan.partner !== name) {
    return plan.partner === undefined
      ? `${file} was not made for partner ${name} (it was planned without --partner): plan it again with --partner ${name}`
      : `${file} was made for partner ${plan.partner}, not ${name}: refused`;
  }
  const specs = loadSpecs(plan.specFiles.map((f) => f.file), { parallel: false });
  let partner: Partner;
  try {
    partner = runPartner(specs, options)!;
  } catch (error) {
    return error instanceof CliError ? `${file}: ${error.message}` : String(error);
  }
  const foreign = [...new Set(plan.changes.map((c) => c.tenant))].filter((t) => !ownsTenant(partner, t)).sort();
  return foreign.length > 0 ? `${file} changes tenants partner ${name} does not manage (${foreign.join(', ')}): refused` : undefined;
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
