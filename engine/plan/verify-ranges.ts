/**
 * Ranges no tenant may route: a tenant network, a VPN peer and a VPN peer network stay
 * clear of the IPv4 special-purpose blocks (0.0.0.0/8, loopback, link-local, multicast,
 * reserved), of the zone's public IP pools (the zone's own edge, where every tenant's
 * public addresses live) and of the ranges the zone's provider keeps for itself (the
 * linux provider's fabric). These hold in every run, the operator's included: whoever
 * writes such a range, the tenant's router would misroute it, or capture traffic that
 * is not the tenant's. Firewall sources (`from: [0.0.0.0/0]`) are filters, not routes,
 * and are not checked here.
 */
import type { Diagnostic } from '../../specs/diagnostic.js';
import type { Loaded, SpecSet } from '../../specs/model.js';
import type { TenantDoc, ZoneDoc } from '../../specs/schema.js';
import { internalRanges } from '../../providers/capabilities.js';
import { formatCidr, formatIpv4, parseCidr, parseIpv4, parseIpv4Range, overlaps, SPECIAL_PURPOSE_BLOCKS, type Ipv4Range } from '../../specs/model/net/ipv4.js';
import { networkAddress } from './expand.js';
import { finding } from './verify-context.js';

/**
 * A range a tenant may not use, how to name it, and why not. For routes the label
 * follows "overlaps", for peers it follows "is" ("in the loopback range …").
 */
interface Forbidden {
  readonly range: Ipv4Range;
  readonly label: string;
  readonly why: string;
}

const asPeer = (f: Forbidden): Forbidden => ({ ...f, label: `in ${f.label}` });

const SPECIAL: readonly Forbidden[] = SPECIAL_PURPOSE_BLOCKS.map((s) => ({
  range: s.block,
  label: `the ${s.name} range ${formatCidr(s.block)}`,
  why: 'it is not a routable unicast range',
}));

/** What a tenant's networks and routes may not overlap, and what its VPN peers may not be. */
interface ZoneRanges {
  /** For networks and peer networks: whole pool CIDRs (the zone edge is on-link there). */
  readonly routes: readonly Forbidden[];
  /** For peer addresses: the addresses the zone hands out, and its gateways. */
  readonly peers: readonly Forbidden[];
}

function zoneRanges(zone: Loaded<ZoneDoc> | undefined): ZoneRanges {
  if (!zone) return { routes: SPECIAL, peers: SPECIAL.map(asPeer) };
  const name = zone.value.metadata.name;
  const routes: Forbidden[] = [...SPECIAL];
  const peers: Forbidden[] = SPECIAL.map(asPeer);
  const publicWhy = "the zone's public addresses are not a tenant's to route";
  for (const p of zone.value.spec.publicIpPools) {
    const block = parseCidr(p.cidr);
    const range = parseIpv4Range(p.range);
    const gateway = parseIpv4(p.gateway);
    if (block) routes.push({ range: block, label: `public IP pool ${p.name} (${p.cidr}) of zone ${name}`, why: publicWhy });
    if (range) {
      // A range written outside its own CIDR still holds the zone's addresses.
      if (!block || range.first < block.first || range.last > block.last) routes.push({ range, label: `public IP pool ${p.name} (${p.range}) of zone ${name}`, why: publicWhy });
      peers.push({ range, label: `in public IP pool ${p.name} (${p.range}) of zone ${name}`, why: 'a VPN peer is a remote site, not an address of this zone' });
    }
    if (gateway !== undefined) peers.push({ range: { first: gateway, last: gateway }, label: `the gateway of public IP pool ${p.name} of zone ${name}`, why: 'a VPN peer is a remote site, not an address of this zone' });
  }
  for (const internal of internalRanges(zone.value.spec.provider.type)) {
    const block = parseCidr(internal.cidr);
    if (!block) continue;
    const own: Forbidden = { range: block, label: `${internal.cidr}, ${internal.what} in zone ${name}`, why: 'the provider uses it for itself' };
    routes.push(own);
    peers.push(asPeer(own));
  }
  return { routes, peers };
}

const firstOverlap = (forbidden: readonly Forbidden[], range: Ipv4Range): Forbidden | undefined => forbidden.find((f) => overlaps(f.range, range));

export function verifyRanges(loaded: Loaded<TenantDoc>, specs: Pick<SpecSet, 'zones'>): Diagnostic[] {
  const out: Diagnostic[] = [];
  const tenant = loaded.value.metadata.name;
  const spec = loaded.value.spec;
  const { routes, peers } = zoneRanges(specs.zones.get(spec.zone));

  spec.networks.forEach((n, i) => {
    const block = parseCidr(n.cidr);
    const hit = block && firstOverlap(routes, block);
    if (hit) out.push(finding(loaded, ['spec', 'networks', i, 'cidr'], `network ${n.name} (${n.cidr}) overlaps ${hit.label}: ${hit.why}`, { address: networkAddress(tenant, n.name) }));
  });
  (spec.vpn?.siteToSite ?? []).forEach((vpn, i) => {
    const address = `${tenant}/vpn/${vpn.name}`;
    const path = ['spec', 'vpn', 'siteToSite', i];
    const peer = parseIpv4(vpn.peer);
    const hit = peer !== undefined ? firstOverlap(peers, { first: peer, last: peer }) : undefined;
    if (hit) out.push(finding(loaded, [...path, 'peer'], `peer ${formatIpv4(peer!)} of vpn ${vpn.name} is ${hit.label}: ${hit.why}`, { address }));
    vpn.peerCidrs.forEach((cidr, j) => {
      const block = parseCidr(cidr);
      const hit = block && firstOverlap(routes, block);
      if (hit) out.push(finding(loaded, [...path, 'peerCidrs', j], `peer network ${cidr} of vpn ${vpn.name} overlaps ${hit.label}: ${hit.why}`, { address }));
    });
  });
  return out;
}
