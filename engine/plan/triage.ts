/**
 * triageErrors: in an operator's run (the apply of main), one tenant's broken spec
 * must not hold back every other tenant. Each error is attributed:
 * - to a tenant, when it is at one of its resources (address) or in a file that holds
 *   only tenant documents — that tenant is skipped, the others are planned and applied;
 * - to a file alone, when the file holds no tenant the model knows and cannot be the
 *   last word on one (a duplicate of a tenant defined elsewhere, an empty document) —
 *   reported, nothing skipped;
 * - to the zone, when it is in an operator file (Zone, Partners), names no file, or is
 *   in a file whose tenants cannot be told while orphans are being pruned (its tenant
 *   would be destroyed as gone) — zone-wide errors stop the whole run, as before.
 * Pure: what each file holds is the caller's (it reads files).
 */
import type { Diagnostic } from '../../specs/diagnostic.js';

/** What one spec file holds, as far as attribution cares. */
export interface FileHolding {
  /** Tenants whose documents are in the file (loaded or not). */
  readonly tenants: readonly string[];
  /** Whether it holds a Zone or Partners document (or is an operator file). */
  readonly operator: boolean;
  /** Whether its documents could be told at all (false: YAML that does not parse). */
  readonly known: boolean;
}

export interface Triage {
  /** Tenants to skip, with the errors that skip them. */
  readonly skipped: ReadonlyMap<string, readonly Diagnostic[]>;
  /** Errors reported without skipping anything. */
  readonly fileOnly: readonly Diagnostic[];
  /** Errors that stop the run. */
  readonly zoneWide: readonly Diagnostic[];
}

export function triageErrors(errors: readonly Diagnostic[], holding: (file: string) => FileHolding | undefined, options: { readonly prune: boolean }): Triage {
  const skipped = new Map<string, Diagnostic[]>();
  const fileOnly: Diagnostic[] = [];
  const zoneWide: Diagnostic[] = [];
  const skip = (tenant: string, d: Diagnostic): void => {
    const list = skipped.get(tenant);
    if (list) list.push(d);
    else skipped.set(tenant, [d]);
  };
  for (const d of errors) {
    if (d.severity !== 'error') continue;
    if (d.address !== undefined && d.address.includes('/')) {
      skip(d.address.slice(0, d.address.indexOf('/')), d);
      continue;
    }
    const held = d.file === undefined ? undefined : holding(d.file);
    if (!held || held.operator) zoneWide.push(d);
    else if (held.tenants.length > 0) for (const t of held.tenants) skip(t, d);
    else if (!held.known && options.prune) zoneWide.push(d);
    else fileOnly.push(d);
  }
  return { skipped, fileOnly, zoneWide };
}
