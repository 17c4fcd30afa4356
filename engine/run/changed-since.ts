/**
 * `plan --changed-since REV` at a run's edge: asks git (engine/gitops) which tenants
 * the changes touch, narrows the run's tenant selection to them, and says so in the
 * text output. Git problems (no repository, unknown revision, no git) are user errors.
 */
import type { SpecSet } from '../../specs/model.js';
import { GitError } from '../gitops/git.js';
import { selectChangedTenants, type ChangedSelection } from '../gitops/select.js';
import type { RecordedResource } from '../../specs/model/resource.js';
import { UserError } from './errors.js';

export function changedSince(paths: readonly string[], rev: string, specs: SpecSet, recorded: Iterable<RecordedResource>, visible?: (tenant: string) => boolean): ChangedSelection {
  try {
    return selectChangedTenants({ rev, paths, specs, recorded, ...(visible ? { visible } : {}) });
  } catch (error) {
    if (error instanceof GitError) throw new UserError(error.message);
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
): { tenants: ReadonlySet<string> | undefined; changed: ChangedSelection | undefined } {
  if (!changed) return { tenants: selected, changed };
  const tenants = changed.tenants.filter((t) => !selected || selected.has(t.tenant));
  if (tenants.length === changed.tenants.length) return { tenants: new Set(tenants.map((t) => t.tenant)), changed };
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

