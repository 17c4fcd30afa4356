/**
 * The provider's reading side: bulk `list` (one look at the zone, kept for a refresh,
 * dropped by anything that changes the zone), `read` of one recorded resource, and the
 * whole `inventory`. Recorded provider ids let it recognise objects whose tags an
 * interrupted create did not get to write.
 */
import { RESOURCE_TYPES, type ResourceTypeName } from '../../specs/model/resource.js';
import type { ZoneDoc } from '../../specs/schema.js';
import type { Observed, Recorded, Scope } from '../contract.js';
import { createSnapshot, type Snapshot } from './observe.js';
import type { Tenancy } from './tenancy.js';

/** How long a bulk look at the zone stays fresh: one refresh, not one apply. */
const SNAPSHOT_TTL_MS = 2_000;

/** CloudStack ids of recorded resources: a firewall rule's items; composite ids are matched by the list itself. */
export function knownIds(recorded: ReadonlyMap<string, string>): Map<string, string> {
  const known = new Map<string, string>();
  for (const [providerId, address] of recorded) {
    if (providerId.startsWith('staticnat:') || providerId.includes('/')) continue;
    for (const id of providerId.split(',')) known.set(id, address);
  }
  return known;
}

export function createReader(t: Tenancy, zone: ZoneDoc['spec'], tierOfOffering: (name: string) => string) {
  let cached: { at: number; value: Snapshot } | undefined;
  const look = (): Snapshot => {
    if (!cached || Date.now() - cached.at > SNAPSHOT_TTL_MS) cached = { at: Date.now(), value: createSnapshot(t, zone, tierOfOffering) };
    return cached.value;
  };

  // Refresh lists every type with the same recorded map: one look at the zone serves them all.
  let withRecorded: { recorded: ReadonlyMap<string, string>; value: Snapshot } | undefined;
  const lookKnowing = (recorded: ReadonlyMap<string, string>): Snapshot => {
    if (withRecorded?.recorded !== recorded) withRecorded = { recorded, value: createSnapshot(t, zone, tierOfOffering, knownIds(recorded)) };
    return withRecorded.value;
  };

  async function* list(type: ResourceTypeName, scope: Scope): AsyncIterable<Observed> {
    const seen = scope.recorded ? lookKnowing(scope.recorded) : look();
    for (const o of await seen.of(type)) if (scope.tenant === undefined || o.tenant === scope.tenant) yield o;
  }

  /** Whether the object behind a recorded resource still exists, with what CloudStack shows of it. */
  async function read(r: Recorded): Promise<Observed | undefined> {
    const all = await createSnapshot(t, zone, tierOfOffering, knownIds(new Map([[r.providerId, r.address]]))).of(r.type);
    // A firewall rule interrupted half-way has fewer items than recorded: found by its address.
    return all.find((o) => o.providerId === r.providerId) ?? (r.type === 'firewall-rule' ? all.find((o) => o.address === r.address) : undefined);
  }

  async function inventory(): Promise<readonly Observed[]> {
    const out: Observed[] = [];
    const fresh = createSnapshot(t, zone, tierOfOffering);
    for (const type of RESOURCE_TYPES) out.push(...(await fresh.of(type)));
    return out;
  }

  return {
    list,
    read,
    inventory,
    forget(): void {
      cached = undefined;
      withRecorded = undefined;
    },
  };
}
