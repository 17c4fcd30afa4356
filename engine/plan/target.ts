/**
 * Resource targeting, as Terraform's `-target` and `-replace`. Pure.
 *
 * - `--target ADDRESS` keeps the changes of the named resources and of what they need to
 *   exist (their dependencies, transitively: a VM's networks, a port forward's VM and
 *   public IP); a named resource that is deleted or replaced takes along the dependents
 *   whose own change deletes or replaces them (nothing is left pointing at a gone
 *   object). A target state holds but no spec describes is deleted, even in a tenant
 *   whose spec is gone (no --prune needed for what was named). Every other change is
 *   left out, so the plan may be incomplete: a warning says so.
 * - `--replace ADDRESS` is diff's (`DiffInput.replace`); here only its addresses are judged.
 *
 * An address must name something the run sees (a desired or recorded resource of its
 * tenants); one that does not is an error with the nearest address it may see. These
 * errors name no address field on purpose: they are the run's, not a tenant's, so they
 * stop the run instead of skipping a tenant (triage.ts).
 */
import type { Diagnostic } from '../../specs/diagnostic.js';
import type { RecordedResource } from '../../specs/model/resource.js';
import { didYouMean } from '../../specs/suggest.js';
import type { Change, DeleteChange } from './change.js';

export const TARGETING_WARNING: Diagnostic = {
  severity: 'warning',
  summary: 'Resource targeting is in effect',
  detail: 'You are planning with --target: only the named resources and what they depend on are planned, so the result may not represent all of the changes the specs ask for. --target is not for routine use: it is for exceptional situations such as recovering from errors or mistakes.',
};

/** Problems with the addresses of `--target` and `--replace`, as error diagnostics naming the address. */
export function targetingProblems(input: {
  readonly targets: readonly string[];
  readonly replace: readonly string[];
  readonly changes: readonly Change[];
  readonly recorded: ReadonlyMap<string, RecordedResource>;
  /** The tenants this run plans (undefined: all); nothing outside them is seen or suggested. */
  readonly tenants?: ReadonlySet<string>;
}): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const inScope = (address: string): boolean => !input.tenants || input.tenants.has(address.split('/')[0]!);
  const byAddress = new Map(input.changes.map((c) => [c.address, c] as const));
  const visible = (): string[] => [...new Set([...byAddress.keys(), ...[...input.recorded.keys()].filter(inScope)])].sort();
  const unknown = (flag: string, address: string): Diagnostic => {
    if (!inScope(address)) return { severity: 'error', summary: `${flag} ${address}: tenant ${address.split('/')[0]} is not among the tenants this run plans` };
    const near = didYouMean(address, visible());
    return { severity: 'error', summary: `${flag} ${address}: no such resource in the specs or in state${near ? `; did you mean ${near}?` : ''}` };
  };
  for (const address of unique(input.targets)) {
    if (byAddress.has(address) || (inScope(address) && input.recorded.has(address))) continue;
    problems.push(unknown('--target', address));
  }
  for (const address of unique(input.replace)) {
    const change = byAddress.get(address);
    if (change === undefined) {
      problems.push(input.recorded.has(address) && inScope(address)
        ? { severity: 'error', summary: `--replace ${address}: no spec describes it any more, so there is nothing to replace it with (a plan destroys it)` }
        : unknown('--replace', address));
    } else if (change.action === 'create') {
      problems.push({ severity: 'error', summary: `--replace ${address}: it does not exist yet (this plan creates it): nothing to replace` });
    } else if (change.action === 'delete') {
      problems.push({ severity: 'error', summary: `--replace ${address}: no spec describes it any more, so there is nothing to replace it with (this plan destroys it)` });
    }
  }
  return problems;
}

/**
 * The changes a plan targeted at `targets` keeps, in the order given (changes come
 * sorted by address), with deletions of named records no change covered (a tenant
 * whose spec is gone) merged in.
 */
export function targetedChanges(changes: readonly Change[], targets: readonly string[], recorded: ReadonlyMap<string, RecordedResource>): Change[] {
  const byAddress = new Map(changes.map((c) => [c.address, c] as const));
  // The change acting on each recorded address (a moved one's old address included).
  const byRecorded = new Map<string, Change>();
  for (const c of changes) if ('before' in c) byRecorded.set(('movedFrom' in c && c.movedFrom) || c.address, c);
  const dependents = new Map<string, string[]>();
  for (const r of recorded.values()) for (const d of r.dependsOn) (dependents.get(d) ?? dependents.set(d, []).get(d)!).push(r.address);

  const kept = new Set<Change>();
  const added: DeleteChange[] = [];
  const visit = (address: string, asDependent: boolean): void => {
    let change = byAddress.get(address) ?? byRecorded.get(address);
    if (change === undefined) {
      const r = recorded.get(address);
      if (r === undefined) return;
      const gone: DeleteChange = { action: 'delete', address, type: r.type, tenant: r.tenant, before: r, reason: asDependent ? 'depends on a destroyed target' : 'not in spec (--target)' };
      byRecorded.set(address, gone);
      added.push(gone);
      change = gone;
    }
    if (kept.has(change)) return;
    // A dependent comes along only when it goes too; otherwise it stays as it is.
    if (asDependent && change.action !== 'delete' && change.action !== 'replace') return;
    kept.add(change);
    if ('after' in change) for (const dep of change.after.dependsOn) visit(dep, false);
    if (change.action === 'delete' || change.action === 'replace') {
      for (const user of dependents.get(change.before.address) ?? []) visit(user, true);
    }
  };
  for (const t of unique(targets)) visit(t, false);
  const out = changes.filter((c) => kept.has(c));
  if (added.length === 0) return out;
  return out.concat(added).sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

function unique(addresses: readonly string[]): string[] {
  return [...new Set(addresses)];
}
