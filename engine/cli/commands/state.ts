/** state list | show: what netfirst has recorded, for people or (--json) machines. */
import { CliError } from '../errors.js';
import { colorsFor, print } from '../output.js';
import { openWorkspaceState, type GlobalOptions } from '../../run/workspace.js';
import { partnerFromSpecs, refuseUnlessOwned, type PartnerOptions } from '../../run/partner.js';
import { ownsTenant } from '../../partners/index.js';
import { parseAddress, publicView } from '../../../specs/model/resource.js';
import { formatValue } from '../../plan/render-text.js';
import type { RecordedResource } from '../../../specs/model/resource.js';

export interface StateOptions extends GlobalOptions, PartnerOptions {
  readonly json?: boolean;
  readonly tenant?: string;
  /** With a partner: where the Partners document is (default .). */
  readonly specs?: string[];
}

export function stateListCommand(options: StateOptions): number {
  const partner = partnerFromSpecs(options.specs, options);
  if (partner && options.tenant) refuseUnlessOwned(partner, options.tenant);
  const state = openWorkspaceState(options);
  try {
    const listed = options.tenant ? state.listByTenant(options.tenant) : state.listResources();
    const all = partner ? listed.filter((r) => ownsTenant(partner, r.tenant)) : listed;
    if (options.json) {
      print(JSON.stringify(all.map((r) => ({ address: r.address, type: r.type, tenant: r.tenant, zone: r.zone, providerId: r.providerId })), null, 2));
    } else {
      for (const r of all) print(r.address);
    }
    return 0;
  } finally {
    state.close();
  }
}

export function stateShowCommand(address: string, options: StateOptions): number {
  const partner = partnerFromSpecs(options.specs, options);
  if (partner) refuseUnlessOwned(partner, parseAddress(address).tenant);
  const state = openWorkspaceState(options);
  try {
    const r = state.getResource(address);
    if (!r) throw new CliError(`${address} is not in state`);
    printResource(publicView(r), options.json ?? false);
    return 0;
  } finally {
    state.close();
  }
}

/**
 * A recorded resource as `state show` prints it (local or through the server): the JSON,
 * or an HCL-like block. Sensitive attributes are already "(sensitive)" in `view`.
 */
export function printResource(view: RecordedResource, json: boolean): void {
  if (json) {
    print(JSON.stringify(view, null, 2));
    return;
  }
  const c = colorsFor(process.stdout);
  print(c.bold(`# ${view.address}`));
  print(`resource "${view.type}" "${view.address}" {`);
  const rows: [string, string][] = [
    ['id', JSON.stringify(view.providerId)],
    ['tenant', JSON.stringify(view.tenant)],
    ['zone', JSON.stringify(view.zone)],
    ...Object.keys(view.attributes).sort().map((k): [string, string] => [k, view.sensitive.includes(k) ? '(sensitive)' : formatValue(view.attributes[k], 4)]),
    ['dependsOn', formatValue(view.dependsOn, 4)],
    ['protect', String(view.protect)],
    ['created', view.createdAt],
    ['updated', view.updatedAt],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) print(`    ${k.padEnd(width)} = ${v}`);
  print('}');
}
