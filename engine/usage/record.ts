/**
 * One usage record: how much of one kind of usage one resource of one tenant had in one
 * period. Every format (CSV, JSON, XML) carries exactly these fields in this order;
 * CSV and XML write `cloudstackUsageType` null as an empty value.
 */
import type { UsageTypeName } from './usage-types.js';

export interface UsageRecord {
  readonly tenant: string;
  /** The tenant's partner (metadata.partner, else a Partners entry naming it), or ''. */
  readonly partner: string;
  readonly zone: string;
  /** The resource's address, e.g. `acme-dental/vm/pms-1`; a VM's root disk is billed at the VM's address. */
  readonly address: string;
  /** netfirst resource type: vm, disk, public-ip, port-forward, network, vpn-connection, vpn-user. */
  readonly resourceType: string;
  readonly usageType: UsageTypeName;
  /** CloudStack's number for this usage type, or null when CloudStack has none. */
  readonly cloudstackUsageType: number | null;
  /** vm-, vcpu- and memory- records: kvm, xenserver or vmware; otherwise ''. */
  readonly hypervisor: string;
  /** vm-hours: the VM's size, e.g. `4 vCPU / 8 GiB`; otherwise ''. */
  readonly size: string;
  /** storage-gib-hours: the storage tier; otherwise ''. */
  readonly tier: string;
  /** Period start, inclusive: ISO 8601 UTC. */
  readonly start: string;
  /** Period end, exclusive: ISO 8601 UTC. */
  readonly end: string;
  /** Exact decimal (up to 12 places), as text so no consumer rounds it through a float. */
  readonly quantity: string;
  readonly unit: string;
}

export const RECORD_FIELDS = [
  'tenant', 'partner', 'zone', 'address', 'resourceType', 'usageType', 'cloudstackUsageType',
  'hypervisor', 'size', 'tier', 'start', 'end', 'quantity', 'unit',
] as const satisfies readonly (keyof UsageRecord)[];
