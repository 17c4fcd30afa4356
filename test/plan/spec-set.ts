/**
 * Plain-value spec sets for the pure planner tests: documents are written as objects,
 * validated with the real schemas (so defaults and units apply), and `locate` knows no
 * lines. Secrets digest deterministically from the reference itself.
 */
import { createHash } from 'node:crypto';
import type { SpecSet } from '../../specs/model.js';
import { TenantDocument, ZoneDocument, type TenantDoc, type ZoneDoc } from '../../specs/schema.js';
import type { DigestSecret } from '../../engine/plan/expand.js';
import type { RecordedResource } from '../../specs/model/resource.js';
import type { DesiredResource } from '../../specs/model/resource.js';

export function zoneDoc(name: string, spec: Record<string, unknown> = {}): ZoneDoc {
  return ZoneDocument.parse({
    apiVersion: 'netfirst/v1',
    kind: 'Zone',
    metadata: { name },
    spec: {
      provider: { type: 'sim' },
      segments: { vlans: ['100-199'], vxlans: ['10000-10099'] },
      publicIpPools: [{ name: 'pool-a', cidr: '203.0.113.0/24', gateway: '203.0.113.1', range: '203.0.113.10-203.0.113.250' }],
      clusters: [
        { name: 'kvm-a', hypervisor: 'kvm', hosts: 2, cpuPerHost: 32, memoryPerHost: '256GiB' },
        { name: 'xen-a', hypervisor: 'xenserver', hosts: 2, cpuPerHost: 24, memoryPerHost: '192GiB' },
        { name: 'vmw-a', hypervisor: 'vmware', hosts: 2, cpuPerHost: 24, memoryPerHost: '192GiB' },
      ],
      storageTiers: [
        { name: 'performance', media: 'ssd', capacity: '20TiB' },
        { name: 'capacity', media: 'sata-7k2', capacity: '200TiB' },
      ],
      templates: [{ name: 'ubuntu-24.04', hypervisors: ['kvm', 'xenserver', 'vmware'] }],
      ...spec,
    },
  });
}

export function tenantDoc(name: string, spec: Record<string, unknown>): TenantDoc {
  return TenantDocument.parse({ apiVersion: 'netfirst/v1', kind: 'Tenant', metadata: { name }, spec: { zone: 'z1', ...spec } });
}

export function specSet(zones: readonly ZoneDoc[], tenants: readonly TenantDoc[]): SpecSet {
  return {
    zones: new Map(zones.map((z) => [z.metadata.name, { file: `${z.metadata.name}.yaml`, doc: 0, value: z }])),
    tenants: new Map(tenants.map((t) => [t.metadata.name, { file: `tenants/${t.metadata.name}.yaml`, doc: 0, value: t }])),
    partners: [],
    files: [],
    diagnostics: [],
    locate: () => undefined,
  };
}

/** `sha256:` of the reference's own text: stable, and never a real secret. */
export const fakeDigest: DigestSecret = (ref) => ({ digest: `sha256:${createHash('sha256').update(JSON.stringify(ref)).digest('hex')}` });

/** What state would hold after applying these resources (provider IDs are the addresses). */
export function recordAll(resources: readonly DesiredResource[]): Map<string, RecordedResource> {
  return new Map(
    resources.map((r) => [
      r.address,
      {
        address: r.address,
        type: r.type,
        tenant: r.tenant,
        zone: r.zone,
        providerId: `sim-${r.address}`,
        attributes: r.attributes,
        dependsOn: r.dependsOn,
        boundTo: r.boundTo,
        protect: r.protect,
        sensitive: r.sensitive,
        createdAt: '2025-01-01T00:00:00Z',
        updatedAt: '2025-01-01T00:00:00Z',
      },
    ]),
  );
}
