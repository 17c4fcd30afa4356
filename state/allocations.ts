/**
 * Allocations: the zone-scoped values a recorded resource holds (VLAN IDs, VXLAN VNIs,
 * private IPs per network, public IPs). They are derived from the resource's
 * attributes, never written on their own, so they can't disagree with the resources
 * table. `allocate` reads them to keep values stable and to avoid taken ones.
 */
import type { AttrValue, Attributes, ResourceTypeName } from '../specs/model/resource.js';
import { assertNever } from '../specs/model/never.js';

export const ALLOCATION_KINDS = ['vlan', 'vxlan', 'ip', 'public-ip'] as const;
export type AllocationKind = (typeof ALLOCATION_KINDS)[number];

/** One value in use. For kind 'ip', `value` is `<networkAddress>:<ip>`. */
export interface Allocation {
  readonly zone: string;
  readonly kind: AllocationKind;
  readonly value: string;
  readonly address: string;
}

const isRecord = (v: AttrValue | undefined): v is { readonly [key: string]: AttrValue } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** What a resource of this type and these attributes holds in its zone (zone and address left to the caller). */
export function allocationsOf(
  type: ResourceTypeName,
  address: string,
  attributes: Attributes,
): readonly { readonly kind: AllocationKind; readonly value: string }[] {
  switch (type) {
    case 'network': {
      const out: { kind: AllocationKind; value: string }[] = [];
      const segment = attributes['segment'];
      if (isRecord(segment) && (segment['type'] === 'vlan' || segment['type'] === 'vxlan') && typeof segment['id'] === 'number') {
        out.push({ kind: segment['type'], value: String(segment['id']) });
      }
      const gateway = attributes['gateway'];
      if (typeof gateway === 'string') out.push({ kind: 'ip', value: `${address}:${gateway}` });
      return out;
    }
    case 'vm': {
      const nics = attributes['nics'];
      if (!Array.isArray(nics)) return [];
      const out: { kind: AllocationKind; value: string }[] = [];
      for (const nic of nics as readonly AttrValue[]) {
        if (isRecord(nic) && typeof nic['network'] === 'string' && typeof nic['ip'] === 'string') {
          out.push({ kind: 'ip', value: `${nic['network']}:${nic['ip']}` });
        }
      }
      return out;
    }
    case 'public-ip': {
      const ip = attributes['address'];
      return typeof ip === 'string' ? [{ kind: 'public-ip', value: ip }] : [];
    }
    case 'static-nat':
    case 'port-forward':
    case 'firewall-rule':
    case 'vpn-connection':
    case 'vpn-user':
    case 'disk':
      return [];
    default:
      return assertNever(type);
  }
}

