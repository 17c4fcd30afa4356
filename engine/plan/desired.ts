/**
 * The pure front half of the pipeline: spec model + recorded state → the desired
 * resources of the selected tenants, fully allocated and verified, sorted by address.
 * No I/O: secrets are digested by the injected `digestSecret`. The same input gives
 * identical output.
 *
 * Every tenant of a zone a selected tenant lives in is expanded and allocated too, so
 * that zone-wide values (VLANs, public IPs, cluster room) come out the same whether a
 * run selects one tenant or all of them.
 */
import type { Diagnostic } from '../../specs/diagnostic.js';
import type { SpecSet } from '../../specs/model.js';
import { parseAddress, type DesiredResource, type RecordedResource } from '../../specs/model/resource.js';
import { allocateZone, resolveLinks } from './allocate.js';
import { expandTenant, type DigestSecret, type Draft, type Link } from './expand.js';
import { locateDiagnostics, verify } from './verify.js';
import type { CollisionPolicy } from './verify-zone.js';

export interface DesiredInput {
  readonly specs: SpecSet;
  /** Current state, by address. */
  readonly recorded: ReadonlyMap<string, RecordedResource>;
  /** Injected so that reading environment variables and files stays with the caller. */
  readonly digestSecret: DigestSecret;
  /** Restrict to these tenants (later: --target); default all. */
  readonly tenants?: ReadonlySet<string>;
  /**
   * The zone-mates expanded and allocated beside the selected tenants (default: every
   * tenant of their zones). A caller may leave out tenants whose desired resources
   * equal what state records (settled ones, as watch knows them): state stands in for
   * them exactly, in allocation and in the zone-wide checks alike.
   */
  readonly context?: ReadonlySet<string>;
  /** How values two tenants want are reported (verify-zone.ts); default: on both, naming both. */
  readonly collisions?: CollisionPolicy;
}

export interface DesiredResult {
  readonly resources: DesiredResource[];
  readonly diagnostics: Diagnostic[];
}

const byAddress = (a: { address: string }, b: { address: string }): number => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0);
const byTenantPrefix = (a: string, b: string): number => (`${a}/` < `${b}/` ? -1 : `${a}/` > `${b}/` ? 1 : 0);

export function buildDesired(input: DesiredInput): DesiredResult {
  const { specs, recorded } = input;
  const selected = input.tenants ? (t: string): boolean => input.tenants!.has(t) : (): boolean => true;
  const zones = new Set<string>();
  for (const [name, t] of specs.tenants) if (selected(name)) zones.add(t.value.spec.zone);

  const diagnostics: Diagnostic[] = [];
  const draftsByZone = new Map<string, Draft[]>();
  const links: Link[] = [];
  // Every address of tenant T starts with `T/`, and no `T/` is a prefix of another, so
  // tenants in `T/` order with their drafts in address order are in address order.
  const inContext = input.context ? (t: string): boolean => selected(t) || input.context!.has(t) : (): boolean => true;
  const tenantOrder = [...specs.tenants.keys()].filter((t) => inContext(t) && zones.has(specs.tenants.get(t)!.value.spec.zone)).sort(byTenantPrefix);
  for (const name of tenantOrder) {
    const t = specs.tenants.get(name)!;
    const isSelected = selected(name);
    const expanded = expandTenant(t, isSelected ? { digestSecret: input.digestSecret } : {});
    if (isSelected) diagnostics.push(...expanded.diagnostics);
    const list = draftsByZone.get(t.value.spec.zone);
    if (list) for (const d of expanded.drafts) list.push(d);
    else draftsByZone.set(t.value.spec.zone, expanded.drafts);
    for (const l of expanded.links) links.push(l);
  }

  const recordedByZone = new Map<string, RecordedResource[]>();
  for (const r of recorded.values()) {
    if (!zones.has(r.zone)) continue;
    const list = recordedByZone.get(r.zone);
    if (list) list.push(r);
    else recordedByZone.set(r.zone, [r]);
  }

  for (const [zoneName, drafts] of draftsByZone) {
    const zone = specs.zones.get(zoneName);
    // Unknown zone: nothing to allocate from; verify reports the zone.
    if (!zone) continue;
    const allocated = allocateZone({ zone, drafts, recorded: recordedByZone.get(zoneName) ?? [], recordedByAddress: recorded });
    for (const d of allocated.diagnostics) if (d.address === undefined || selected(parseAddress(d.address).tenant)) diagnostics.push(d);
  }
  resolveLinks(links);

  diagnostics.push(...verify({ specs, selected, zones: draftsByZone, recorded, ...(input.collisions ? { collisions: input.collisions } : {}) }));
  let resources: DesiredResource[];
  if (draftsByZone.size === 1) resources = [...draftsByZone.values()][0]!;
  else {
    resources = [];
    for (const drafts of draftsByZone.values()) for (const d of drafts) resources.push(d);
    resources.sort(byAddress);
  }
  if (input.tenants) resources = resources.filter((r) => selected(r.tenant));
  return { resources, diagnostics: locateDiagnostics(specs, diagnostics) };
}
