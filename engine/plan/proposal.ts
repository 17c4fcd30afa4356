/**
 * What a saved plan's changes may propose at all, judged from its addresses and this
 * state alone — independently of planning again, so that each way a hand-edited plan
 * could reach past its scope gets its own precise refusal:
 *
 * - the owner of a change is the first segment of its address, never its `tenant` field;
 * - a partner's plan changes only tenants it owns, and only those the plan selected;
 * - `movedFrom` moves a recorded resource within its tenant onto an address state
 *   does not hold (two records never share one provider object);
 * - creates are of addresses state does not hold; the rest of addresses it does;
 * - protection is read from state and spec, never from the plan;
 * - a deleted resource takes what depends on it along (no orphaned disks).
 */
import { parseAddress, type RecordedResource } from '../../specs/model/resource.js';
import type { SavedChange, SavedPlan } from './saved.js';

export interface ProposalInput {
  readonly changes: readonly SavedChange[];
  /** The plan's own metadata of its effective changes (what each would depend on). */
  readonly resources: SavedPlan['resources'];
  readonly drift: readonly { readonly address: string }[];
  readonly selection: Pick<SavedPlan['selection'], 'tenants' | 'destroy'>;
  readonly recorded: ReadonlyMap<string, RecordedResource>;
  /** A partner's run: the partner and what it owns (from the Partners document, by tenant name). */
  readonly partner?: { readonly name: string; readonly owns: (tenant: string) => boolean };
  /** `protect` as the specs say it now, for addresses the specs describe. */
  readonly specProtect: (address: string) => boolean | undefined;
}

/** Every problem, in change order; empty when the proposal stays within its bounds. */
export function proposalProblems(input: ProposalInput): string[] {
  const problems: string[] = [];
  const { recorded } = input;
  const selected = input.selection.tenants ? new Set(input.selection.tenants) : undefined;
  const owner = (address: string): string => parseAddress(address).tenant;
  const outOfScope = (address: string, what: string): string | undefined => {
    const tenant = owner(address);
    if (input.partner && !input.partner.owns(tenant)) return `${what}: partner ${input.partner.name} does not manage tenant ${tenant}`;
    if (selected && !selected.has(tenant)) return `${what}: tenant ${tenant} is not among the tenants the plan was made for`;
    return undefined;
  };

  if (input.partner && input.selection.tenants) {
    for (const t of input.selection.tenants) if (!input.partner.owns(t)) problems.push(`the plan was made for tenant ${t}: partner ${input.partner.name} does not manage it`);
  }

  // The recorded address each change acts on (its old one when it moves), and which change.
  const byRecorded = new Map<string, SavedChange>();
  const seen = new Set<string>();
  for (const c of input.changes) {
    const at = c.address;
    if (seen.has(at)) problems.push(`${at}: changed twice`);
    seen.add(at);
    if (c.tenant !== owner(at)) problems.push(`${at}: its tenant field says ${c.tenant}, but the address is tenant ${owner(at)}'s`);
    const scope = outOfScope(at, at);
    if (scope) problems.push(scope);

    if (c.movedFrom !== undefined) {
      const from = c.movedFrom;
      if (c.action === 'create' || c.action === 'delete' || c.action === 'read') problems.push(`${at}: a ${c.action} cannot move a resource (movedFrom ${from})`);
      if (owner(from) !== owner(at)) problems.push(`${at}: moved from ${from}, another tenant's address: a resource moves only within its tenant`);
      if (!recorded.has(from)) problems.push(`${at}: moved from ${from}, which state does not hold`);
      if (recorded.has(at)) problems.push(`${at}: moved onto an address state already holds`);
    }
    const from = c.movedFrom ?? at;
    if (c.action === 'create') {
      if (recorded.has(at)) problems.push(`${at}: created, but state already holds it`);
    } else if (c.action !== 'read' && !recorded.has(from)) {
      if (c.movedFrom === undefined) problems.push(`${at}: a ${c.action} of a resource state does not hold`);
    }
    if (c.action !== 'create') {
      const other = byRecorded.get(from);
      if (other && other.address !== at) problems.push(`${from}: changed twice (by the changes to ${other.address} and ${at})`);
      byRecorded.set(from, c);
    }
  }

  for (const c of input.changes) {
    if (c.action !== 'delete' && c.action !== 'replace') continue;
    const from = c.movedFrom ?? c.address;
    const record = recorded.get(from);
    if (!record) continue;
    const spec = input.specProtect(from);
    // As checkProtection: a destroy reads protection from the specs as they are now.
    const isProtected = (input.selection.destroy ? spec ?? record.protect : record.protect || spec === true)
      || (c.action === 'replace' && (input.resources[c.address]?.protect === true || input.specProtect(c.address) === true));
    if (isProtected) problems.push(`${c.address} is protected: the plan would ${c.action} it`);
  }

  const dependents = new Map<string, string[]>();
  for (const r of recorded.values()) for (const d of r.dependsOn) (dependents.get(d) ?? dependents.set(d, []).get(d)!).push(r.address);
  for (const c of input.changes) {
    if (c.action !== 'delete') continue;
    for (const dependent of dependents.get(c.address) ?? []) {
      const change = byRecorded.get(dependent);
      const lets = change !== undefined && (change.action === 'delete'
        || ((change.action === 'update' || change.action === 'replace') && !(input.resources[change.address]?.dependsOn ?? [c.address]).includes(c.address)));
      if (!lets) problems.push(`${c.address}: deleted, but ${dependent} depends on it and would be left orphaned`);
    }
  }

  for (const d of input.drift) {
    const scope = outOfScope(d.address, `drift of ${d.address}`);
    if (scope) problems.push(scope);
  }
  return problems;
}
