/**
 * verify: static checks on allocated resources before anything runs. Every rule adds
 * Diagnostics; all are reported at once and errors block the plan. Per-tenant rules
 * (names, references, addressing, ranges no tenant may route) live in
 * verify-references.ts, verify-addresses.ts and verify-ranges.ts; zone-wide ones
 * (segments, public IPs, capacity) in verify-zone.ts. Messages never include secret
 * values.
 */
import type { Diagnostic } from '../../specs/diagnostic.js';
import type { SpecSet } from '../../specs/model.js';
import { parseIpv4 } from '../../specs/model/net/ipv4.js';
import type { DesiredResource, RecordedResource } from '../../specs/model/resource.js';
import { forEachRecordedNic } from './allocate-addresses.js';
import { verifyAddresses, type RecordedNicIps } from './verify-addresses.js';
import type { VerifyContext } from './verify-context.js';
import { NameOwners, verifyReferences } from './verify-references.js';
import { verifyRanges } from './verify-ranges.js';
import { verifyZone, type CollisionPolicy } from './verify-zone.js';
import { unsupportedReason } from '../../providers/capabilities.js';
import { findingAt } from './verify-context.js';

export interface VerifyInput {
  readonly specs: SpecSet;
  /** Tenants whose findings are reported; default all. */
  readonly selected?: (tenant: string) => boolean;
  /** Allocated resources of every tenant in the zones involved (not only the selected ones), by zone, in address order. */
  readonly zones: ReadonlyMap<string, readonly DesiredResource[]>;
  readonly recorded: ReadonlyMap<string, RecordedResource>;
  /** How values two tenants want are reported (verify-zone.ts). */
  readonly collisions?: CollisionPolicy;
}

export function verify(input: VerifyInput): Diagnostic[] {
  const selected = input.selected ?? (() => true);
  // Rules look resources up only to find networks (gateways); index just those.
  const networks = new Map<string, DesiredResource>();
  const byZone = input.zones;
  for (const resources of byZone.values()) for (const r of resources) if (r.type === 'network') networks.set(r.address, r);
  const recordedByZone = new Map<string, RecordedResource[]>();
  for (const r of input.recorded.values()) if (byZone.has(r.zone)) pushTo(recordedByZone, r.zone, r);
  const nics = new RecordedNicIndex(recordedByZone);

  const ctx: VerifyContext = { specs: input.specs, selected, networks, recorded: input.recorded, ...(input.collisions ? { visible: input.collisions.visible } : {}) };
  const owners = new NameOwners(input.specs);
  const out: Diagnostic[] = [];
  for (const [name, loaded] of input.specs.tenants) {
    if (!selected(name)) continue;
    out.push(...verifyReferences(loaded, input.specs, owners, ctx.visible), ...verifyAddresses(loaded, ctx, nics), ...verifyRanges(loaded, input.specs));
  }
  for (const [zoneName, zoneResources] of byZone) {
    const zone = input.specs.zones.get(zoneName);
    if (!zone) continue;
    out.push(...verifyZone({ zone, resources: zoneResources, recorded: recordedByZone.get(zoneName) ?? [], recordedByAddress: input.recorded, selected, ...(input.collisions ? { collisions: input.collisions } : {}) }));
    const provider = zone.value.spec.provider.type;
    for (const r of zoneResources) {
      const unsupported = selected(r.tenant) ? unsupportedReason(provider, r.type, r.attributes) : undefined;
      if (unsupported !== undefined) out.push(findingAt(r, unsupported.path, `zone ${zoneName} (provider ${provider}) cannot realize ${r.address}: ${unsupported.reason}`));
    }
  }
  return out;
}

/**
 * Fills in line and column from the spec sources, falling back to the nearest
 * ancestor of a path that is not written out (a defaulted field), and sorts by
 * position so that output reads top to bottom, file by file.
 */
export function locateDiagnostics(specs: Pick<SpecSet, 'locate'>, diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const located = diagnostics.map((d, index) => {
    if (d.file === undefined || d.path === undefined || d.line !== undefined) return { d, index };
    for (let n = d.path.length; n >= 0; n--) {
      const position = specs.locate(d.file, d.doc ?? 0, d.path.slice(0, n));
      if (position) return { d: { ...d, line: position.line, column: position.column }, index };
    }
    return { d, index };
  });
  located.sort((a, b) => compareDiagnostics(a.d, b.d) || a.index - b.index);
  return located.map((x) => x.d);
}

function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return a.file === undefined ? 1 : b.file === undefined ? -1 : a.file < b.file ? -1 : 1;
  return (a.doc ?? 0) - (b.doc ?? 0) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0);
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * NIC addresses state recorded, by network address. Built on first use: only fixed
 * NIC addresses are checked against it, and most runs have few or none.
 */
class RecordedNicIndex implements RecordedNicIps {
  private index: Map<string, Map<number, string[]>> | undefined;

  constructor(private readonly recordedByZone: ReadonlyMap<string, readonly RecordedResource[]>) {}

  owners(network: string, ip: number): readonly string[] {
    this.index ??= this.build();
    return this.index.get(network)?.get(ip) ?? [];
  }

  private build(): Map<string, Map<number, string[]>> {
    const index = new Map<string, Map<number, string[]>>();
    for (const recorded of this.recordedByZone.values()) {
      for (const r of recorded) {
        if (r.type !== 'vm') continue;
        forEachRecordedNic(r.attributes, (network, ipText) => {
          const ip = parseIpv4(ipText);
          if (ip === undefined) return;
          let owners = index.get(network);
          if (!owners) index.set(network, (owners = new Map()));
          pushTo(owners, ip, r.address);
        });
      }
    }
    return index;
  }
}
