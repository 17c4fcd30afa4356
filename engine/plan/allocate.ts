/**
 * allocate: completes the drafts of one zone. Values marked `auto` (segments, gateways,
 * NIC and public addresses, clusters) are taken from the zone's pools, deterministically
 * (new values go lowest-first in address order) and stably (a value state recorded for
 * the resource, or for its `previously` address, is kept while still valid). Then links
 * copy the allocated values to the resources that use them (NAT rules, VPNs).
 *
 * The allocators decide (pure functions of the zone's drafts and state); this file
 * writes their decisions into the drafts, which belong to the current run.
 */
import type { Diagnostic } from '../../specs/diagnostic.js';
import type { AttrValue } from '../../specs/model/resource.js';
import { allocateAddresses, nicsOf } from './allocate-addresses.js';
import { allocateClusters } from './allocate-clusters.js';
import type { ZoneInput } from './allocate-input.js';
import { allocatePublicIps } from './allocate-public-ips.js';
import { allocateSegments } from './allocate-segments.js';
import type { Draft, Link } from './expand.js';

export type { ZoneInput } from './allocate-input.js';

/** Allocates every `auto` value of a zone's drafts (all tenants, sorted by address), in place. */
export function allocateZone(input: ZoneInput): { diagnostics: Diagnostic[] } {
  const segments = allocateSegments(input);
  const addresses = allocateAddresses(input);
  const publicIps = allocatePublicIps(input);
  const clusters = allocateClusters(input);

  for (const d of input.drafts) {
    const a = d.attributes;
    switch (d.type) {
      case 'network': {
        const segment = segments.segments.get(d.address);
        if (segment) a.segment = { type: segment.type, id: segment.id };
        const gateway = addresses.gateways.get(d.address);
        if (gateway !== undefined) a.gateway = gateway;
        break;
      }
      case 'public-ip': {
        const ip = publicIps.addresses.get(d.address);
        if (ip) {
          a.address = ip.address;
          a.pool = ip.pool;
        }
        break;
      }
      case 'vm': {
        const ips = addresses.nicIps.get(d.address);
        // The NIC objects were made by expand for this run: fill them rather than copy.
        if (ips) nicsOf(d).forEach((nic, j) => ((nic as { ip: string }).ip = ips[j] ?? nic.ip));
        const cluster = clusters.clusters.get(d.address);
        if (cluster !== undefined) a.cluster = cluster;
        break;
      }
      default:
        break;
    }
  }
  return { diagnostics: [...segments.diagnostics, ...addresses.diagnostics, ...publicIps.diagnostics, ...clusters.diagnostics] };
}

/**
 * Copies linked values (a public IP's address, a VM's first NIC address) into the
 * resources that use them. A link to a resource that does not exist leaves the
 * placeholder; verify reports the unknown reference.
 */
export function resolveLinks(links: readonly Link[]): void {
  for (const link of links) {
    const value = valueAt(link.source?.attributes, link.path);
    if (value !== undefined) link.owner.attributes[link.attribute] = value;
  }
}

function valueAt(attributes: Draft['attributes'] | undefined, path: readonly (string | number)[]): AttrValue | undefined {
  let value: AttrValue | undefined = attributes;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = Array.isArray(value) ? (value as readonly AttrValue[])[key as number] : (value as { readonly [k: string]: AttrValue })[key as string];
  }
  return value;
}
