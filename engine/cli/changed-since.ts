/**
 * `plan --changed-since REV` at the CLI's edge: asks git (engine/gitops) which tenants
 * the changes touch, narrows the run's tenant selection to them, and says so in the
 * text output. Git problems (no repository, unknown revision, no git) are user errors.
 */
import type { SpecSet } from '../../specs/model.js';
import { GitError } from '../gitops/git.js';
import { selectChangedTenants, type ChangedSelection } from '../gitops/select.js';
import type { RecordedResource } from '../resource.js';
import { CliError } from './errors.js';

export function changedSince(paths: readonly string[], rev: string, specs: SpecSet, recorded: Iterable<RecordedResource>): ChangedSelection {
  try {
    return selectChangedTenants({ rev, paths, specs, recorded });
  } catch (error) {
    if (error instanceof GitError) throw new CliError(error.message);
    throw error;
  }
}

/**
 * The tenants to plan: those the changes select, within the run's own selection
 * (`--tenant`, or a partner's tenants) when it has one. The selection shown keeps only
 * those tenants — a partner's run never learns of another's — and the files they name.
 */
export function withinChanged(
  selected: ReadonlySet<string> | undefined,
  changed: ChangedSelection | undefined,
  /** A partner's run: reasons name no tenant outside `selected`. */
  hideOthers = false,
): { tenants: ReadonlySet<string> | undefined; changed: ChangedSelection | undefined } {
  if (!changed) return { tenants: selected, changed };
  const tenants = changed.tenants
    .filter((t) => !selected || selected.has(t.tenant))
    .map((t) => (hideOthers && selected ? { ...t, reasons: t.reasons.map((r) => withoutOthers(r, selected)) } : t));
  if (tenants.length === changed.tenants.length && !hideOthers) return { tenants: new Set(tenants.map((t) => t.tenant)), changed };
  const named = (path: string): boolean => tenants.some((t) => t.reasons.some((r) => r.includes(path)));
  return {
    tenants: new Set(tenants.map((t) => t.tenant)),
    changed: { ...changed, tenants, files: changed.files.filter((f) => named(f.path)) },
  };
}

/** One paragraph before the text plan: what was compared and which tenants it selected. */
export function renderChangedSinceText(changed: ChangedSelection): string {
  const head = `Changed since ${changed.rev} (merge base ${changed.base.slice(0, 12)}): ${changed.files.length} changed file${changed.files.length === 1 ? '' : 's'}, ${changed.tenants.length} tenant${changed.tenants.length === 1 ? '' : 's'} to plan${changed.tenants.length === 0 ? '.' : ':'}`;
  return [head, ...changed.tenants.map((t) => `  ${t.tenant}: ${t.reasons.join('; ')}`), ''].join('\n');
}

/** "shares zone Z's pools with changed tenants a, b and …": only the tenants the run may see are named. */
function withoutOthers(reason: string, visible: ReadonlySet<string>): string {
  const m = /^(shares zone \S+ pools with) changed tenants? ([a-z0-9, -]+?) (and has values not allocated yet)$/.exec(reason);
  if (!m) return reason;
  const shown = m[2]!.split(', ').filter((t) => visible.has(t));
  return shown.length > 0
    ? `${m[1]} changed tenant${shown.length === 1 ? '' : 's'} ${shown.join(', ')} ${m[3]}`
    : `${m[1]} a changed tenant ${m[3]}`;
}
