/**
 * `netfirst show [PLANFILE] [--json]`: a saved plan as `plan` prints it (its seal checked
 * as `apply PLANFILE` checks it; a stale plan is still shown), or without PLANFILE what
 * the state records, tenant by tenant. Secrets are never shown: plans and state hold
 * digests only, and those print as "(sensitive)". A missing state is never created.
 */
import { existsSync, readFileSync } from 'node:fs';
import { hasValidSeal } from '../../plan/seal.js';
import { readSavedPlanForShow } from '../../plan/saved-view.js';
import { renderDriftText, renderPlanText } from '../../plan/render-text.js';
import { ownsTenant } from '../../partners/index.js';
import { partnerFromSpecs, savedPlanRefusal, type PartnerOptions } from '../../run/partner.js';
import { openWorkspaceState, statePath, type GlobalOptions } from '../../run/workspace.js';
import { publicView, type AttrValue, type RecordedResource } from '../../../specs/model/resource.js';
import { CliError } from '../errors.js';
import { colorsFor, print } from '../output.js';

export interface ShowOptions extends GlobalOptions, PartnerOptions {
  readonly json?: boolean;
  readonly color?: boolean;
  /** With a partner: where the Partners document is (default .). */
  readonly specs?: string[];
}

export function showCommand(planFile: string | undefined, options: ShowOptions): number {
  return planFile === undefined ? showState(options) : showPlan(planFile, options);
}

function showPlan(file: string, options: ShowOptions): number {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(`${file}: not a readable plan file (${(error as Error).message})`);
  }
  // The seal is keyed by the state's secret key: without the state it cannot be checked.
  if (!existsSync(statePath(options))) throw new CliError(`${file}: no state here to check its seal against (pass --state, or run in the plan's project)`);
  const state = openWorkspaceState(options);
  let sealed: boolean;
  try {
    sealed = hasValidSeal(json, state.secretKey);
  } finally {
    state.close();
  }
  if (!sealed) throw new CliError(`${file} was not produced by netfirst or was edited: refused`);
  const read = readSavedPlanForShow(json, file);
  if ('error' in read) throw new CliError(read.error);
  const wrongPartner = savedPlanRefusal(read.plan.partner, file, options);
  if (wrongPartner !== undefined) throw new CliError(wrongPartner);
  if (options.json) {
    print(JSON.stringify(json, null, 2));
    return 0;
  }
  const colors = colorsFor(process.stdout, options.color === false);
  if (read.plan.drift.length > 0) print(renderDriftText(read.plan.drift, colors));
  print(renderPlanText(read.plan, colors));
  return 0;
}

function showState(options: ShowOptions): number {
  const partner = partnerFromSpecs(options.specs, options);
  const path = statePath(options);
  if (!existsSync(path)) {
    if (options.json) print(JSON.stringify({ lineage: null, serial: 0, resources: [] }, null, 2));
    else print('No state here: nothing has been applied yet (netfirst apply records what it creates).');
    return 0;
  }
  const state = openWorkspaceState(options);
  let resources: RecordedResource[];
  let head: { lineage: string; serial: number };
  try {
    resources = state.listResources().filter((r) => !partner || ownsTenant(partner, r.tenant)).map(publicView);
    head = { lineage: state.lineage, serial: state.serial() };
  } finally {
    state.close();
  }
  if (options.json) {
    print(JSON.stringify({ ...head, resources }, null, 2));
    return 0;
  }
  if (resources.length === 0) {
    print('The state records no resources.');
    return 0;
  }
  const c = colorsFor(process.stdout, options.color === false);
  const byTenant = new Map<string, RecordedResource[]>();
  for (const r of resources) byTenant.set(r.tenant, [...(byTenant.get(r.tenant) ?? []), r]);
  const out: string[] = [];
  for (const [tenant, list] of byTenant) {
    const zones = [...new Set(list.map((r) => r.zone))].join(', ');
    out.push(c.bold(`# ${tenant}`) + ` (zone ${zones}, ${list.length} resource${list.length === 1 ? '' : 's'})`);
    const width = Math.max(...list.map((r) => r.address.length));
    for (const r of list) out.push(`  ${r.address.padEnd(width)}  ${c.dim(`id ${r.providerId}`)}  ${keyAttributes(r)}${r.protect ? c.yellow('  (protected)') : ''}`);
    out.push('');
  }
  out.push(`${resources.length} resource${resources.length === 1 ? '' : 's'} in ${byTenant.size} tenant${byTenant.size === 1 ? '' : 's'} (serial ${head.serial}). netfirst state show ADDRESS prints one in full.`);
  print(out.join('\n'));
  return 0;
}

/** Scalar attributes, sorted, at most eight: what tells resources apart at a glance (sensitive already "(sensitive)"). */
function keyAttributes(r: RecordedResource): string {
  const scalar = (v: AttrValue | undefined): v is string | number | boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  const keys = Object.keys(r.attributes).sort().filter((k) => scalar(r.attributes[k]));
  const shown = keys.slice(0, 8).map((k) => `${k}=${typeof r.attributes[k] === 'string' ? JSON.stringify(r.attributes[k]) : String(r.attributes[k])}`);
  return shown.join(' ') + (keys.length > 8 ? ' …' : '');
}
