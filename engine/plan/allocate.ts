/**
 * allocate: completes the drafts of one zone. Values marked `auto` (segments, gateways,
 * NIC and public addresses, clusters) are taken from the zone's pools, deterministically
 * (new values go lowest-first in address order) and stably (a value state recorded for
 * the resource, or for its `previously` address, is kept while still valid). Then links
 * copy the allocated values to the resources that use them (NAT rules, VPNs).
 */
import type { Diagnostic } from '../../specs/diagnostic.js';
import type { AttrValue, Attributes, DesiredResource } from '../resource.js';
import { allocateAddresses } from './allocate-addresses.js';
import { allocateClusters } from './allocate-clusters.js';
import type { ZoneInput } from './allocate-input.js';
import { allocatePublicIps } from './allocate-public-ips.js';
import { allocateSegments } from './allocate-segments.js';
import type { Draft } from './expand.js';

export type { ZoneInput } from './allocate-input.js';

/** Allocates every `auto` value of a zone's drafts (all tenants, sorted by address). */
export function allocateZone(input: ZoneInput): { resources: DesiredResource[]; diagnostics: Diagnostic[] } {
  const segments = allocateSegments(input);
  const addresses = allocateAddresses(input);
  const publicIps = allocatePublicIps(input);
  const clusters = allocateClusters(input);

  const allocated = input.drafts.map((d): Draft => {
    switch (d.type) {
      case 'network': {
        const segment = segments.segments.get(d.address);
        const gateway = addresses.gateways.get(d.address);
        return withAttributes(d, { ...(segment ? { segment: { ...segment } } : {}), ...(gateway !== undefined ? { gateway } : {}) });
      }
      case 'public-ip': {
        const ip = publicIps.addresses.get(d.address);
        return ip ? withAttributes(d, ip) : d;
      }
      case 'vm': {
        const ips = addresses.nicIps.get(d.address) ?? [];
        const nics = (d.attributes.nics as readonly { network: string; ip: string }[]).map((nic, j) => ({ network: nic.network, ip: ips[j] ?? nic.ip }));
        const cluster = clusters.clusters.get(d.address);
        return withAttributes(d, { nics, ...(cluster !== undefined ? { cluster } : {}) });
      }
      default:
        return d;
    }
  });
  return {
    resources: resolveLinks(allocated),
    diagnostics: [...segments.diagnostics, ...addresses.diagnostics, ...publicIps.diagnostics, ...clusters.diagnostics],
  };
}

/**
 * Copies linked values (a public IP's address, a VM's first NIC address) into the
 * resources that use them and drops the links. A link to a resource that does not
 * exist leaves the placeholder; verify reports the unknown reference.
 */
export function resolveLinks(drafts: readonly Draft[]): DesiredResource[] {
  const byAddress = new Map<string, Draft>();
  for (const d of drafts) if (d.type === 'public-ip' || d.type === 'vm') byAddress.set(d.address, d);
  return drafts.map(({ links, ...resource }) => {
    if (links.length === 0) return resource;
    const attributes: Record<string, AttrValue> = { ...resource.attributes };
    for (const link of links) {
      const value = valueAt(byAddress.get(link.from)?.attributes, link.path);
      if (value !== undefined) attributes[link.attribute] = value;
    }
    return { ...resource, attributes };
  });
}

function withAttributes(d: Draft, changes: Attributes): Draft {
  return { ...d, attributes: { ...d.attributes, ...changes } };
}

function valueAt(attributes: Attributes | undefined, path: readonly (string | number)[]): AttrValue | undefined {
  let value: AttrValue | undefined = attributes;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = Array.isArray(value) ? (value as readonly AttrValue[])[key as number] : (value as { readonly [k: string]: AttrValue })[key as string];
  }
  return value;
}
