/**
 * Crash recovery: operations journalled as started and never finished (a killed
 * process, a lost connection, a timed-out call) are resolved by reading the provider —
 * never by repeating them. A create is looked up by its address (one bulk `list` per
 * zone, tenant and type); an update or delete by its provider ID. What is found is
 * recorded; what is not is marked failed, and the next plan does what is left.
 */
import type { Observed, Provider } from '../../providers/contract.js';
import type { Operation, ResourceRecord } from '../../state/index.js';
import type { Attributes, DesiredResource, RecordedResource } from '../../specs/model/resource.js';
import { messageOf } from './execute.js';

export interface RecoveryState {
  pendingOperations(): Operation[];
  getResource(address: string): RecordedResource | undefined;
  commitCreate(opId: number, resource: ResourceRecord): unknown;
  commitUpdate(opId: number, resource: ResourceRecord): unknown;
  commitDelete(opId: number, address: string): void;
  failOperation(opId: number, message: string): void;
}

export interface Recovered {
  readonly address: string;
  readonly action: Operation['action'];
  /** What reading the provider showed, in words for the operator. */
  readonly outcome: string;
}

export async function recoverPending(
  state: RecoveryState,
  providerFor: (zone: string) => Provider,
  /** The desired resource at an address, for the dependencies and digests a journal entry does not keep. */
  desiredAt: (address: string) => DesiredResource | undefined,
  /** Only these tenants' operations (the run holds their locks; others' may be in flight); all when absent. */
  tenants?: ReadonlySet<string>,
): Promise<Recovered[]> {
  const pending = state.pendingOperations().filter((op) => tenants === undefined || tenants.has(op.tenant));
  const report: Recovered[] = [];
  // Creates are found by address: list each (zone, tenant, type) once.
  const listed = new Map<string, Map<string, Observed>>();
  const lookup = async (op: Operation): Promise<Observed | undefined> => {
    const key = `${op.zone}\0${op.tenant}\0${op.type}`;
    let byAddress = listed.get(key);
    if (!byAddress) {
      byAddress = new Map();
      const provider = providerFor(op.zone);
      if (provider.list) for await (const o of provider.list(op.type, { zone: op.zone, tenant: op.tenant })) byAddress.set(o.address, o);
      listed.set(key, byAddress);
    }
    return byAddress.get(op.address);
  };

  for (const op of pending) {
    try {
      const prior = state.getResource(op.address);
      const desired = desiredAt(op.address);
      switch (op.action) {
        case 'create': {
          // An async job journalled its object's id when it was accepted: read that object.
          const byId = op.providerId !== undefined
            ? await providerFor(op.zone).read({ address: op.address, type: op.type, tenant: op.tenant, zone: op.zone, providerId: op.providerId, attributes: (desired ?? prior)?.attributes ?? {} })
            : undefined;
          const found = byId ?? (await lookup(op));
          if (found) {
            const recorded = record(op, found, desired ?? prior, (desired ?? prior)?.attributes);
            state.commitCreate(op.id, recorded);
            // What the interrupted create did not get to (CloudStack: its tags) is finished now; failing that is no reason to lose the record.
            const settled = await Promise.resolve(providerFor(op.zone).settle?.({ ...recorded, providerId: found.providerId })).then(() => '', (error: unknown) => `; finishing it failed (${error instanceof Error ? error.message : String(error)}), the next run tries again`);
            report.push({ address: op.address, action: op.action, outcome: `exists at the provider (${found.providerId}${op.jobId ? `, job ${op.jobId}` : ''}): recorded${settled}` });
          } else {
            state.failOperation(op.id, 'interrupted; not found at the provider, so it was not created');
            report.push({ address: op.address, action: op.action, outcome: 'was not created' });
          }
          break;
        }
        case 'update': {
          const found = prior ? await providerFor(op.zone).read({ ...prior }) : undefined;
          if (found && prior) {
            // Whether the update landed is unknown for secrets: keep the old digest, so a
            // changed secret is planned (and applied, idempotently) again.
            state.commitUpdate(op.id, record(op, found, desired ?? prior, prior.attributes));
            report.push({ address: op.address, action: op.action, outcome: 'read back and recorded as it is' });
          } else {
            state.failOperation(op.id, 'interrupted; the resource is no longer at the provider');
            report.push({ address: op.address, action: op.action, outcome: 'no longer exists at the provider' });
          }
          break;
        }
        case 'delete': {
          const found = prior && op.providerId ? await providerFor(op.zone).read({ ...prior, providerId: op.providerId }) : undefined;
          if (!found) {
            state.commitDelete(op.id, op.address);
            report.push({ address: op.address, action: op.action, outcome: 'gone at the provider: recorded as deleted' });
          } else {
            state.failOperation(op.id, 'interrupted; the resource still exists');
            report.push({ address: op.address, action: op.action, outcome: 'still exists: not deleted' });
          }
          break;
        }
        case 'read':
          state.failOperation(op.id, 'interrupted refresh');
          report.push({ address: op.address, action: op.action, outcome: 'refresh interrupted' });
          break;
      }
    } catch (error) {
      // Left pending: the next run tries again. A provider that cannot be read now says nothing.
      report.push({ address: op.address, action: op.action, outcome: `could not be read: ${messageOf(error)} (left pending)` });
    }
  }
  return report;
}

/**
 * The record of what the provider holds. Dependencies come from the desired resource
 * (else from what state had); sensitive attributes keep their digest, never a value.
 */
function record(op: Operation, found: Observed, meta: DesiredResource | RecordedResource | undefined, digests: Attributes | undefined): ResourceRecord {
  const attributes: Record<string, Attributes[string]> = { ...found.attributes };
  // Digests of secrets, and what the provider cannot see, are taken as planned.
  for (const k of [...(meta?.sensitive ?? []), ...(found.unobserved ?? [])]) {
    const digest = digests?.[k];
    if (digest !== undefined) attributes[k] = digest;
  }
  return {
    address: op.address,
    type: op.type,
    tenant: op.tenant,
    zone: op.zone,
    providerId: found.providerId,
    attributes,
    dependsOn: meta?.dependsOn ?? [],
    boundTo: meta?.boundTo ?? [],
    protect: meta?.protect ?? false,
    sensitive: meta?.sensitive ?? [],
  };
}
