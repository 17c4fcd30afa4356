/**
 * `netfirst status [DIR]`: the last verdict of `netfirst reconcile` for each tenant, as
 * recorded in the state — also after the loop has exited. With DIR, tenants of the
 * specs that no round has looked at yet are listed too.
 */
import { existsSync } from 'node:fs';
import type { TenantSyncRecord } from '../../../state/index.js';
import { renderStatusTable, statusDocument, type UnreconciledTenant } from '../../reconcile/index.js';
import { colorsFor, print } from '../output.js';
import { loadWorkspaceSpecs, openWorkspaceState, statePath, type GlobalOptions } from '../../run/workspace.js';
import { ownsTenant } from '../../partners/index.js';
import { partnerFromSpecs, refuseUnlessOwned, type PartnerOptions } from '../../run/partner.js';

export interface StatusOptions extends GlobalOptions, PartnerOptions {
  readonly json?: boolean;
  readonly tenant?: string[];
  readonly color?: boolean;
}

export function statusCommand(paths: string[], options: StatusOptions): number {
  const only = options.tenant && options.tenant.length > 0 ? new Set(options.tenant) : undefined;
  // A partner sees its own tenants only (the Partners document is read from PATHS, default .).
  const partner = partnerFromSpecs(paths.length > 0 ? paths : undefined, options);
  if (partner) for (const t of only ?? []) refuseUnlessOwned(partner, t);
  const wanted = (t: string): boolean => (!only || only.has(t)) && (!partner || ownsTenant(partner, t));
  // Looking must not create a state where there is none.
  let records: TenantSyncRecord[] = [];
  if (existsSync(statePath(options))) {
    const state = openWorkspaceState(options);
    try {
      records = state.listTenantStatus().filter((r) => wanted(r.tenant));
    } finally {
      state.close();
    }
  }
  const seen = new Set(records.map((r) => r.tenant));
  const unreconciled: UnreconciledTenant[] = paths.length === 0
    ? []
    // Broken specs still name the tenants that loaded; status reports, it does not validate.
    : [...loadWorkspaceSpecs(paths, options).tenants.keys()].filter((t) => wanted(t) && !seen.has(t)).sort().map((tenant) => ({ tenant }));
  if (options.json) {
    print(JSON.stringify(statusDocument(records, unreconciled), null, 2));
    return 0;
  }
  print(renderStatusTable(records, unreconciled, new Date(), colorsFor(process.stdout, options.color === false)));
  return 0;
}
