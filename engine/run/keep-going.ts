/**
 * What an operator's run needs to go on past one tenant's errors (engine/plan/triage.ts)
 * and to charge a collision to the right tenant (verify-zone.ts): which tenants each
 * spec file holds — read from the file itself when its documents did not load — and
 * which of two tenants' specs came first in git.
 */
import { lstatSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { hasErrors, type Diagnostic } from '../../specs/diagnostic.js';
import { MAX_SPEC_FILE_BYTES } from '../../specs/limits.js';
import { isOperatorFileName } from '../../specs/load.js';
import type { SpecSet } from '../../specs/model.js';
import { documentHeads } from '../gitops/partner-change.js';
import { gitHistory } from '../gitops/precedence.js';
import { ownsTenant, type Partner } from '../partners/ownership.js';
import type { Dag } from '../graph/index.js';
import type { Step } from '../plan/order.js';
import type { Plan } from '../plan/plan.js';
import { triageErrors, type FileHolding } from '../plan/triage.js';
import type { CollisionPolicy } from '../plan/verify-zone.js';

export function fileHoldings(specs: SpecSet): (file: string) => FileHolding | undefined {
  const loaded = new Map<string, string[]>();
  for (const [name, t] of specs.tenants) loaded.set(t.file, [...(loaded.get(t.file) ?? []), name]);
  const operatorFiles = new Set([...[...specs.zones.values()].map((z) => z.file), ...specs.partners.map((p) => p.file)]);
  const read = new Set(specs.files.map((f) => f.file));
  const cache = new Map<string, FileHolding | undefined>();
  return (file) => {
    if (cache.has(file)) return cache.get(file);
    let holding: FileHolding | undefined;
    if (read.has(file) || loaded.has(file)) {
      const heads = documentHeads(readSmallFile(file));
      const named = heads.filter((h) => h.kind === 'Tenant' && h.name !== undefined && !specs.tenants.has(h.name)).map((h) => h.name!);
      holding = {
        tenants: [...new Set([...(loaded.get(file) ?? []), ...named])],
        operator: operatorFiles.has(file) || isOperatorFileName(basename(file)) || heads.some((h) => h.kind === 'Zone' || h.kind === 'Partners'),
        known: heads.length > 0 || loaded.has(file),
      };
    }
    cache.set(file, holding);
    return holding;
  };
}

/**
 * How a value two tenants want is reported: a partner's run names only its own
 * tenants; the tenant whose spec came first in git keeps the value.
 */
export function collisionPolicy(specs: SpecSet, partner: Partner | undefined): CollisionPolicy {
  const history = gitHistory();
  return {
    visible: partner ? (tenant) => ownsTenant(partner, tenant) : () => true,
    precedence: (a, b) => {
      const fa = specs.tenants.get(a)?.file;
      const fb = specs.tenants.get(b)?.file;
      // Whose spec came first: when each file took in its tenant's name.
      return fa === undefined || fb === undefined || fa === fb ? 0 : history.compare(fa, a, fb, b);
    },
  };
}

function readSmallFile(file: string): string {
  try {
    const stat = lstatSync(file);
    return stat.isFile() && stat.size <= MAX_SPEC_FILE_BYTES ? readFileSync(file, 'utf8') : '';
  } catch {
    return '';
  }
}

export interface GoingOn {
  readonly made: { readonly plan: Plan; readonly dag: Dag<Step> | undefined };
  /** Tenants left out because their specs have errors (the plan's `skipped`). */
  readonly skipped: readonly string[];
}

/**
 * Plans every tenant whose spec is sound, leaving out those with errors of their own
 * (engine/plan/triage.ts) — the operator's apply of main, where one partner's broken
 * tenant must not hold back the others. `make` plans the given tenants (undefined: all).
 * A zone-wide error, or an error that skipping does not clear, gives the plan with
 * every error, refused as before. Not for partners' runs, destroy or saved plans.
 */
export function planPastTenantErrors(
  specs: SpecSet,
  make: (specs: SpecSet, tenants: ReadonlySet<string> | undefined) => { plan: Plan; dag: Dag<Step> | undefined },
  scope: { readonly tenants: ReadonlySet<string> | undefined; readonly prune: boolean; readonly recordedTenants: () => Iterable<string> },
): GoingOn {
  const holding = fileHoldings(specs);
  const skipped = new Map<string, readonly Diagnostic[]>();
  const fileOnly: Diagnostic[] = [];
  let planSpecs = specs;
  if (hasErrors(specs.diagnostics)) {
    const t = triageErrors(specs.diagnostics, holding, { prune: scope.prune });
    if (t.zoneWide.length > 0) return { made: make(specs, scope.tenants), skipped: [] };
    for (const [k, v] of t.skipped) skipped.set(k, v);
    fileOnly.push(...t.fileOnly);
    planSpecs = { ...specs, diagnostics: specs.diagnostics.filter((d) => d.severity !== 'error') };
  }
  const all = scope.tenants ?? new Set([...specs.tenants.keys(), ...(scope.prune ? scope.recordedTenants() : [])]);
  for (;;) {
    const tenants = skipped.size === 0 ? scope.tenants : new Set([...all].filter((t) => !skipped.has(t)));
    const made = make(planSpecs, tenants);
    const errors = made.plan.diagnostics.filter((d) => d.severity === 'error');
    const carried = [...[...skipped.values()].flat(), ...fileOnly];
    if (errors.length === 0) {
      if (carried.length === 0) return { made, skipped: [] };
      const names = [...skipped.keys()].sort();
      return { made: { ...made, plan: { ...made.plan, diagnostics: [...carried, ...made.plan.diagnostics], skipped: names } }, skipped: names };
    }
    const t = triageErrors(errors, holding, { prune: scope.prune });
    const fresh = [...t.skipped.keys()].filter((k) => !skipped.has(k));
    if (t.zoneWide.length > 0 || t.fileOnly.length > 0 || fresh.length === 0) {
      return { made: { ...made, plan: { ...made.plan, diagnostics: [...carried, ...made.plan.diagnostics] } }, skipped: [] };
    }
    for (const k of fresh) skipped.set(k, t.skipped.get(k)!);
  }
}
