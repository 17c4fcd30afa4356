/**
 * Refresh: reads what really exists — in bulk, one `list` per zone and type, never one
 * call per resource — and records drift in state (each as a journalled `read`).
 */
import type { Observed, Provider } from '../../providers/contract.js';
import type { OperationIntent, ResourceRecord } from '../../state/index.js';
import type { Drift } from '../plan/drift.js';
import type { RecordedResource, ResourceTypeName } from '../../specs/model/resource.js';

/** Everything the providers hold for the zones and types state records, by provider ID. */
export async function observeAll(recorded: Iterable<RecordedResource>, providerFor: (zone: string) => Provider): Promise<Map<string, Observed>> {
  const wanted = new Map<string, Set<ResourceTypeName>>();
  const byZone = new Map<string, RecordedResource[]>();
  for (const r of recorded) {
    let types = wanted.get(r.zone);
    if (!types) wanted.set(r.zone, (types = new Set()));
    types.add(r.type);
    let list = byZone.get(r.zone);
    if (!list) byZone.set(r.zone, (list = []));
    list.push(r);
  }
  const observed = new Map<string, Observed>();
  for (const [zone, types] of wanted) {
    const provider = providerFor(zone);
    if (provider.list) {
      const recordedIds = new Map((byZone.get(zone) ?? []).map((r) => [r.providerId, r.address] as const));
      const listed: Observed[] = [];
      for (const type of [...types].sort()) for await (const o of provider.list(type, { zone, recorded: recordedIds })) {
        observed.set(o.providerId, o);
        listed.push(o);
      }
      for (const r of byZone.get(zone) ?? []) {
        if (observed.has(r.providerId)) continue;
        const same = sameComposite(r, listed);
        if (same) observed.set(r.providerId, same);
      }
    } else {
      // A provider without bulk listing is read one resource at a time.
      for (const r of byZone.get(zone) ?? []) {
        const o = await provider.read(r);
        if (o) observed.set(o.providerId, o);
      }
    }
  }
  return observed;
}

/**
 * An object known by a composite id (`a,b`: CloudStack's firewall rule is one ACL item per
 * port) whose parts changed since it was recorded: an interrupted delete left some, or a
 * create that timed out finished its last parts after its outcome was read. Listed with
 * at least one recorded part at the same address, it is the same object — never "deleted
 * outside" (a destroy would then forget what remains, a plan create it twice) — and is
 * seen under its id now (drift carries the new id into state).
 */
function sameComposite(r: RecordedResource, listed: readonly Observed[]): Observed | undefined {
  const parts = new Set(r.providerId.split(','));
  return listed.find((o) => o.type === r.type && o.address === r.address && (o.providerId.includes(',') || parts.size > 1) && o.providerId.split(',').some((id) => parts.has(id)));
}

export interface DriftState {
  beginOperation(intent: OperationIntent): number;
  commitUpdate(opId: number, resource: ResourceRecord): unknown;
  commitDelete(opId: number, address: string): void;
}

/** Records reality for every drifted resource, each in its own transaction. */
export function recordDrift(state: DriftState, drift: readonly Drift[], runId: string): void {
  for (const d of drift) {
    const r = d.before;
    const opId = state.beginOperation({ address: r.address, action: 'read', type: r.type, tenant: r.tenant, zone: r.zone, runId, providerId: r.providerId });
    if (d.kind === 'deleted') state.commitDelete(opId, r.address);
    else state.commitUpdate(opId, { address: r.address, type: r.type, tenant: r.tenant, zone: r.zone, providerId: d.providerId ?? r.providerId, attributes: d.observed, dependsOn: r.dependsOn, boundTo: r.boundTo, protect: r.protect, sensitive: r.sensitive });
  }
}
