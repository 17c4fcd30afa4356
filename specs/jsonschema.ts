/**
 * The JSON Schema editors use (`# yaml-language-server: $schema=./netfirst.schema.json`),
 * generated from the same zod schemas the loader validates with, on their input side:
 * sizes and durations are the strings users write. One schema accepts a Zone, Tenant
 * or Partners document, told apart by `kind`.
 */
import { z } from 'zod';
import * as spec from './schema.js';

interface Meta {
  readonly id: string;
  readonly title: string;
  readonly description?: string;
}

/** Schemas named in `$defs`, so editors show a title on hover and the file stays small. */
const NAMED: readonly (readonly [z.core.$ZodType, Meta])[] = [
  [spec.ZoneDocument, { id: 'Zone', title: 'Zone', description: 'A zone the operator runs: provider, VLAN/VXLAN pools, public IP pools, clusters, storage tiers and templates.' }],
  [spec.TenantDocument, { id: 'Tenant', title: 'Tenant', description: "A customer environment a partner manages: networks, public IPs, firewall, VPN and VMs." }],
  [spec.PartnersDocument, { id: 'Partners', title: 'Partners', description: 'Who may manage which tenants, in which zones, with which quotas.' }],
  [spec.Name, { id: 'Name', title: 'Name' }],
  [spec.Ipv4, { id: 'Ipv4', title: 'IPv4 address', description: 'An IPv4 address such as 10.20.0.10.' }],
  [spec.Cidr, { id: 'Cidr', title: 'IPv4 network', description: 'An IPv4 network in CIDR notation, without host bits: 10.20.0.0/24.' }],
  [spec.Size, { id: 'Size', title: 'Size' }],
  [spec.Duration, { id: 'Duration', title: 'Duration' }],
  [spec.Secret, { id: 'Secret', title: 'Secret reference' }],
  [spec.Segment, { id: 'Segment', title: 'Segment', description: 'The L2 segment of a network: { vlan: auto | 1-4094 } or { vxlan: auto | 1-16777215 }.' }],
  [spec.Network, { id: 'Network', title: 'Network', description: 'A private tenant network on a VLAN or VXLAN segment.' }],
  [spec.PublicIp, { id: 'PublicIp', title: 'Public IP', description: 'A public address from a zone pool, for source NAT, static NAT or port forwards.' }],
  [spec.FirewallRule, { id: 'FirewallRule', title: 'Firewall rule', description: 'Traffic allowed in to a public IP.' }],
  [spec.SiteToSiteVpn, { id: 'SiteToSiteVpn', title: 'Site-to-site VPN', description: 'An IPsec tunnel to a customer site.' }],
  [spec.Vm, { id: 'Vm', title: 'VM', description: 'A virtual machine on a hypervisor cluster of the zone.' }],
  [spec.Disk, { id: 'Disk', title: 'Disk', description: 'A data disk on a storage tier.' }],
  [spec.Cluster, { id: 'Cluster', title: 'Cluster', description: 'Hosts of one hypervisor with their capacity.' }],
  [spec.StorageTier, { id: 'StorageTier', title: 'Storage tier' }],
  [spec.PublicIpPool, { id: 'PublicIpPool', title: 'Public IP pool' }],
  [spec.Template, { id: 'Template', title: 'Template', description: 'A VM image and the hypervisors it exists for.' }],
  [spec.Partner, { id: 'Partner', title: 'Partner', description: 'A partner, the tenants (names or prefixes with *) and zones it may manage, and its quotas.' }],
];

/** JSON Schema (draft 2020-12) of one spec document of any kind. */
export function specJsonSchema(): Record<string, unknown> {
  // A private registry, so generating the schema never changes zod's global one.
  const registry = z.registry<Record<string, unknown>>();
  for (const [schema, meta] of NAMED) registry.add(schema, { ...z.globalRegistry.get(schema), ...meta });
  const generated = z.toJSONSchema(spec.AnyDocument, {
    target: 'draft-2020-12',
    io: 'input',
    metadata: registry,
    // Refinements (CIDR host bits) cannot be expressed; the loader still checks them.
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      // Descriptions written with .describe() live in the global registry.
      const description = z.globalRegistry.get(zodSchema)?.description;
      if (description && jsonSchema.description === undefined) jsonSchema.description = description;
    },
  });
  return {
    $schema: generated.$schema,
    title: 'netfirst spec document',
    description: 'A netfirst/v1 Zone, Tenant or Partners document.',
    ...generated,
  };
}
