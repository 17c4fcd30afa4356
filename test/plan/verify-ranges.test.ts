/**
 * Ranges no tenant may route (engine/plan/verify-ranges.ts) and IPv6 refused with one
 * clear error: pure rule tables on plain values, a fixture with file:line, and the real
 * CLI on examples/iswest and examples/linux-lab — validate and plan, operator and
 * partner runs alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyRanges } from '../../engine/plan/verify-ranges.js';
import { Cidr, Ipv4 } from '../../specs/schema.js';
import { sandbox, type Run, type Sandbox } from '../cli/harness.js';
import { planFixture } from './fixture-plan.js';
import { specSet, tenantDoc, zoneDoc } from './spec-set.js';

const VPN = { localNetworks: ['lan'], ike: { encryption: 'aes256', hash: 'sha256', dhGroup: 14 }, esp: { encryption: 'aes256', hash: 'sha256' }, preSharedKey: { env: 'PSK' } };
const LAN = { name: 'lan', cidr: '10.0.0.0/24' };

/** Findings of verifyRanges for one tenant in zone z1 (sim, or linux), as `path: summary`. */
function findings(spec: Record<string, unknown>, provider: 'sim' | 'linux' = 'sim'): string[] {
  const zone = zoneDoc('z1', { provider: { type: provider } });
  const tenant = tenantDoc('acme', spec);
  const specs = specSet([zone], [tenant]);
  return verifyRanges(specs.tenants.get('acme')!, specs).map((d) => `${(d.path ?? []).join('.')}: ${d.summary}`);
}

const network = (cidr: string) => ({ networks: [LAN, { name: 'x', cidr }] });
const peer = (address: string) => ({ networks: [LAN], vpn: { siteToSite: [{ name: 'hq', peer: address, peerCidrs: ['192.168.1.0/24'], ...VPN }] } });
const peerCidr = (cidr: string) => ({ networks: [LAN], vpn: { siteToSite: [{ name: 'hq', peer: '192.0.2.44', peerCidrs: [cidr], ...VPN }] } });

describe('verify: ranges no tenant may route', () => {
  it.each([
    { reason: '0.0.0.0/0 as a network is every route, the loopback and every tenant', given: network('0.0.0.0/0'), want: ['spec.networks.1.cidr: network x (0.0.0.0/0) overlaps the "this network" range 0.0.0.0/8: it is not a routable unicast range'] },
    { reason: 'any network touching 0.0.0.0/8 ("this host") is refused', given: network('0.128.0.0/9'), want: ['spec.networks.1.cidr: network x (0.128.0.0/9) overlaps the "this network" range 0.0.0.0/8: it is not a routable unicast range'] },
    { reason: "a loopback network would be the router's own 127/8", given: network('127.0.0.0/24'), want: ['spec.networks.1.cidr: network x (127.0.0.0/24) overlaps the loopback range 127.0.0.0/8: it is not a routable unicast range'] },
    { reason: 'link-local addresses are on-link only', given: network('169.254.10.0/24'), want: ['spec.networks.1.cidr: network x (169.254.10.0/24) overlaps the link-local range 169.254.0.0/16: it is not a routable unicast range'] },
    { reason: 'multicast is not a unicast network', given: network('239.1.0.0/16'), want: ['spec.networks.1.cidr: network x (239.1.0.0/16) overlaps the multicast range 224.0.0.0/4: it is not a routable unicast range'] },
    { reason: 'the reserved 240/4 holds the limited broadcast', given: network('255.255.255.255/32'), want: ['spec.networks.1.cidr: network x (255.255.255.255/32) overlaps the reserved range 240.0.0.0/4: it is not a routable unicast range'] },
    { reason: "a network inside a public pool would take other tenants' public addresses", given: network('203.0.113.128/25'), want: ["spec.networks.1.cidr: network x (203.0.113.128/25) overlaps public IP pool pool-a (203.0.113.0/24) of zone z1: the zone's public addresses are not a tenant's to route"] },
    { reason: 'a network around a public pool is refused as well', given: network('203.0.0.0/16'), want: ["spec.networks.1.cidr: network x (203.0.0.0/16) overlaps public IP pool pool-a (203.0.113.0/24) of zone z1: the zone's public addresses are not a tenant's to route"] },
    { reason: 'private ranges are what tenants use', given: network('172.16.0.0/12'), want: [] },
    { reason: 'shared address space (CGNAT, 100.64/10) is usable', given: network('100.64.0.0/10'), want: [] },
    { reason: 'public space outside the zone pools is usable (a customer keeps its own block)', given: network('198.51.100.0/24'), want: [] },
    { reason: 'a sim zone has no fabric: 172.30/16 is an ordinary private range there', given: network('172.30.0.0/24'), want: [] },
    { reason: 'a firewall source of 0.0.0.0/0 is a filter, not a route', given: { networks: [LAN], publicIps: [{ name: 'web' }], firewall: [{ publicIp: 'web', protocol: 'tcp', ports: [443], from: ['0.0.0.0/0'] }] }, want: [] },
    { reason: 'a VPN peer 0.0.0.0 is "any host"', given: peer('0.0.0.0'), want: ['spec.vpn.siteToSite.0.peer: peer 0.0.0.0 of vpn hq is in the "this network" range 0.0.0.0/8: it is not a routable unicast range'] },
    { reason: "a VPN peer 127.0.0.1 is the tenant router's own loopback", given: peer('127.0.0.1'), want: ['spec.vpn.siteToSite.0.peer: peer 127.0.0.1 of vpn hq is in the loopback range 127.0.0.0/8: it is not a routable unicast range'] },
    { reason: 'a VPN peer in link-local space is refused', given: peer('169.254.169.254'), want: ['spec.vpn.siteToSite.0.peer: peer 169.254.169.254 of vpn hq is in the link-local range 169.254.0.0/16: it is not a routable unicast range'] },
    { reason: 'a VPN peer may not be the broadcast address', given: peer('255.255.255.255'), want: ['spec.vpn.siteToSite.0.peer: peer 255.255.255.255 of vpn hq is in the reserved range 240.0.0.0/4: it is not a routable unicast range'] },
    { reason: "a VPN peer inside a pool is another tenant's public address", given: peer('203.0.113.50'), want: ['spec.vpn.siteToSite.0.peer: peer 203.0.113.50 of vpn hq is in public IP pool pool-a (203.0.113.10-203.0.113.250) of zone z1: a VPN peer is a remote site, not an address of this zone'] },
    { reason: "a VPN peer may not be the zone's gateway", given: peer('203.0.113.1'), want: ['spec.vpn.siteToSite.0.peer: peer 203.0.113.1 of vpn hq is the gateway of public IP pool pool-a of zone z1: a VPN peer is a remote site, not an address of this zone'] },
    { reason: "a peer in the pool's subnet but outside its range is the edge's neighbour (examples/linux-lab puts its HQ there)", given: peer('203.0.113.5'), want: [] },
    { reason: 'a peer network of 127/8 cannot be sent through a tunnel', given: peerCidr('127.0.0.0/8'), want: ['spec.vpn.siteToSite.0.peerCidrs.0: peer network 127.0.0.0/8 of vpn hq overlaps the loopback range 127.0.0.0/8: it is not a routable unicast range'] },
    { reason: "a peer network inside a pool would pull other tenants' public traffic into the tunnel", given: peerCidr('203.0.113.64/26'), want: ["spec.vpn.siteToSite.0.peerCidrs.0: peer network 203.0.113.64/26 of vpn hq overlaps public IP pool pool-a (203.0.113.0/24) of zone z1: the zone's public addresses are not a tenant's to route"] },
    { reason: 'an ordinary remote office network is fine', given: peerCidr('192.168.7.0/24'), want: [] },
  ])('$reason', ({ given, want }) => {
    expect(findings(given)).toEqual(want);
  });

  const FABRIC = '172.30.0.0/16, the fabric of the linux provider (the underlay of its hosts and routers) in zone z1: the provider uses it for itself';
  it.each([
    { reason: "a network in the linux fabric would meet the underlay inside the tenant's router", given: network('172.30.4.0/24'), want: [`spec.networks.1.cidr: network x (172.30.4.0/24) overlaps ${FABRIC}`] },
    { reason: 'a network around the fabric is refused too', given: network('172.16.0.0/12'), want: [`spec.networks.1.cidr: network x (172.16.0.0/12) overlaps ${FABRIC}`] },
    { reason: "a VPN peer on the fabric would be a host's underlay address", given: peer('172.30.0.1'), want: [`spec.vpn.siteToSite.0.peer: peer 172.30.0.1 of vpn hq is in ${FABRIC}`] },
    { reason: 'a peer network over the fabric would pull VXLAN traffic into the tunnel', given: peerCidr('172.30.0.0/16'), want: [`spec.vpn.siteToSite.0.peerCidrs.0: peer network 172.30.0.0/16 of vpn hq overlaps ${FABRIC}`] },
    { reason: 'next to the fabric is fine', given: network('172.31.0.0/16'), want: [] },
  ])('linux zone: $reason', ({ given, want }) => {
    expect(findings(given, 'linux')).toEqual(want);
  });

  it('reports each hostile value at its file, line and field (fixture verify-hostile-ranges)', () => {
    const result = planFixture('test/fixtures/verify-hostile-ranges');
    expect(result.loadErrors).toEqual([]);
    // Unused-network warnings are another rule's; overlaps with the tenant's own networks too.
    expect(result.messages.filter((m) => m.includes(': error: ') && !m.includes('could not be routed'))).toEqual([
      'acme.yaml:9:27: error: spec.networks[1].cidr: network loop (127.0.0.0/24) overlaps the loopback range 127.0.0.0/8: it is not a routable unicast range',
      'acme.yaml:10:32: error: spec.networks[2].cidr: network linklocal (169.254.0.0/16) overlaps the link-local range 169.254.0.0/16: it is not a routable unicast range',
      'acme.yaml:11:28: error: spec.networks[3].cidr: network mcast (224.0.0.0/24) overlaps the multicast range 224.0.0.0/4: it is not a routable unicast range',
      'acme.yaml:12:31: error: spec.networks[4].cidr: network reserved (255.255.255.255/32) overlaps the reserved range 240.0.0.0/4: it is not a routable unicast range',
      "acme.yaml:13:29: error: spec.networks[5].cidr: network public (203.0.113.128/25) overlaps public IP pool pool-a (203.0.113.0/24) of zone z1: the zone's public addresses are not a tenant's to route",
      'acme.yaml:22:15: error: spec.vpn.siteToSite[0].peer: peer 0.0.0.0 of vpn any is in the "this network" range 0.0.0.0/8: it is not a routable unicast range',
      'acme.yaml:29:15: error: spec.vpn.siteToSite[1].peer: peer 127.0.0.1 of vpn loop is in the loopback range 127.0.0.0/8: it is not a routable unicast range',
      'acme.yaml:30:38: error: spec.vpn.siteToSite[1].peerCidrs[1]: peer network 127.0.0.0/8 of vpn loop overlaps the loopback range 127.0.0.0/8: it is not a routable unicast range',
      'acme.yaml:36:15: error: spec.vpn.siteToSite[2].peer: peer 203.0.113.50 of vpn neighbour is in public IP pool pool-a (203.0.113.10-203.0.113.250) of zone z1: a VPN peer is a remote site, not an address of this zone',
      "acme.yaml:37:22: error: spec.vpn.siteToSite[2].peerCidrs[0]: peer network 203.0.113.0/24 of vpn neighbour overlaps public IP pool pool-a (203.0.113.0/24) of zone z1: the zone's public addresses are not a tenant's to route",
      'beta.yaml:9:31: error: spec.networks[1].cidr: network underlay (172.30.1.0/24) overlaps 172.30.0.0/16, the fabric of the linux provider (the underlay of its hosts and routers) in zone lab: the provider uses it for itself',
      'beta.yaml:15:15: error: spec.vpn.siteToSite[0].peer: peer 172.30.0.1 of vpn hq is in 172.30.0.0/16, the fabric of the linux provider (the underlay of its hosts and routers) in zone lab: the provider uses it for itself',
      'beta.yaml:16:22: error: spec.vpn.siteToSite[0].peerCidrs[0]: peer network 172.30.128.0/17 of vpn hq overlaps 172.30.0.0/16, the fabric of the linux provider (the underlay of its hosts and routers) in zone lab: the provider uses it for itself',
      'wide.yaml:9:33: error: spec.networks[0].cidr: network everything (0.0.0.0/0) overlaps the "this network" range 0.0.0.0/8: it is not a routable unicast range',
    ]);
  });
});

describe('IPv6 is refused with one clear error', () => {
  it.each([
    { reason: 'an IPv6 network is one error, not a second "host bits set"', schema: Cidr, given: '2001:db8::/64', want: ['IPv6 is not supported: 2001:db8::/64 must be an IPv4 CIDR such as 10.20.0.0/24'] },
    { reason: 'an IPv4-mapped IPv6 network is IPv6 too', schema: Cidr, given: '::ffff:10.0.0.0/120', want: ['IPv6 is not supported: ::ffff:10.0.0.0/120 must be an IPv4 CIDR such as 10.20.0.0/24'] },
    { reason: 'an IPv6 peer or gateway says so as well', schema: Ipv4, given: '2001:db8::1', want: ['IPv6 is not supported: 2001:db8::1 must be an IPv4 address such as 10.20.0.10'] },
    { reason: 'malformed IPv4 keeps the plain message, once', schema: Cidr, given: '10.0.0/24', want: ['must be an IPv4 network in CIDR notation such as 10.20.0.0/24'] },
    { reason: 'host bits are still reported for real IPv4 blocks', schema: Cidr, given: '10.0.0.1/24', want: ['10.0.0.1/24 has host bits set: write the network address of the block'] },
  ])('$reason', ({ schema, given, want }) => {
    expect(schema.safeParse(given).error?.issues.map((i) => i.message)).toEqual(want);
  });
});

/** Exit 1, every message on stderr, no stack trace. */
function refused(r: Run, ...messages: string[]): void {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(1);
  for (const m of messages) expect(r.stderr).toContain(m);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('the CLI refuses hostile ranges at file:line, for everyone', { timeout: 180_000 }, () => {
  const DENTAL = 'iswest/acme-dental.yaml';
  let sb: Sandbox;
  beforeAll(() => {
    sb = sandbox('iswest');
  });
  afterAll(() => sb.remove());

  it.each([
    { reason: 'network 0.0.0.0/0', from: 'cidr: 10.20.0.0/24', to: 'cidr: 0.0.0.0/0', want: 'iswest/acme-dental.yaml:15:13: error: spec.networks[0].cidr: network office (0.0.0.0/0) overlaps the "this network" range 0.0.0.0/8' },
    { reason: 'a loopback network', from: 'cidr: 10.20.0.0/24', to: 'cidr: 127.0.0.0/24', want: 'iswest/acme-dental.yaml:15:13: error: spec.networks[0].cidr: network office (127.0.0.0/24) overlaps the loopback range 127.0.0.0/8' },
    { reason: "a network over the zone's pool-b", from: 'cidr: 10.20.0.0/24', to: 'cidr: 198.51.100.0/24', want: 'iswest/acme-dental.yaml:15:13: error: spec.networks[0].cidr: network office (198.51.100.0/24) overlaps public IP pool pool-b (198.51.100.0/24) of zone iswest-1' },
    { reason: 'VPN peer 0.0.0.0', from: 'peer: 192.0.2.44', to: 'peer: 0.0.0.0', want: 'iswest/acme-dental.yaml:23:15: error: spec.vpn.siteToSite[0].peer: peer 0.0.0.0 of vpn hq is in the "this network" range 0.0.0.0/8' },
    { reason: 'VPN peer 127.0.0.1', from: 'peer: 192.0.2.44', to: 'peer: 127.0.0.1', want: 'iswest/acme-dental.yaml:23:15: error: spec.vpn.siteToSite[0].peer: peer 127.0.0.1 of vpn hq is in the loopback range 127.0.0.0/8' },
    { reason: "VPN peer on another tenant's public address", from: 'peer: 192.0.2.44', to: 'peer: 203.0.113.10', want: 'iswest/acme-dental.yaml:23:15: error: spec.vpn.siteToSite[0].peer: peer 203.0.113.10 of vpn hq is in public IP pool pool-a (203.0.113.10-203.0.113.250) of zone iswest-1' },
    { reason: 'VPN peer networks inside a pool', from: 'peerCidrs: [ 192.168.1.0/24 ]', to: 'peerCidrs: [ 203.0.113.0/24 ]', want: 'iswest/acme-dental.yaml:24:22: error: spec.vpn.siteToSite[0].peerCidrs[0]: peer network 203.0.113.0/24 of vpn hq overlaps public IP pool pool-a (203.0.113.0/24) of zone iswest-1' },
  ])('$reason: validate, plan and the partner plan exit 1 at the line', ({ from, to, want }) => {
    const original = sb.read(DENTAL);
    try {
      sb.edit(DENTAL, from, to);
      refused(sb.run('validate', 'iswest'), want);
      // The operator's plan goes on with the other tenants; the refused one is not planned.
      const plan = sb.run('plan', 'iswest');
      refused(plan, want);
      expect(plan.stdout).not.toContain('acme-dental/');
      refused(sb.run('plan', 'iswest', '--partner', 'westside-it'), want);
    } finally {
      sb.write(DENTAL, original);
    }
  });

  it('an IPv6 network is exactly one error, naming IPv6', () => {
    const original = sb.read(DENTAL);
    try {
      sb.edit(DENTAL, 'cidr: 10.20.0.0/24', 'cidr: 2001:db8::/64');
      const r = sb.run('validate', 'iswest');
      refused(r, 'iswest/acme-dental.yaml:15:13: error: spec.networks[0].cidr: IPv6 is not supported: 2001:db8::/64 must be an IPv4 CIDR such as 10.20.0.0/24');
      expect(r.stderr.match(/: error: /g)).toHaveLength(1);
    } finally {
      sb.write(DENTAL, original);
    }
  });

  it('the examples stay valid (baker-law keeps its firewall sources of 0.0.0.0/0)', () => {
    expect(sb.read('iswest/baker-law.yaml')).toContain('from: [ 0.0.0.0/0 ]');
    const r = sb.run('validate', 'iswest');
    expect(r.code, r.stderr).toBe(0);
    expect(sb.run('plan', 'iswest').code).toBe(0);
  });
});

describe('the CLI refuses the linux fabric in a linux zone', { timeout: 120_000 }, () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = sandbox('linux-lab', { ACME_HQ_PSK: 'lab pre-shared key' });
  });
  afterAll(() => sb.remove());

  it('examples/linux-lab is valid as shipped (its HQ peer sits in pool-b\'s subnet, outside the range)', () => {
    const r = sb.run('validate', 'linux-lab');
    expect(r.code, r.stderr).toBe(0);
  });

  it('a network in 172.30.0.0/16 is refused at its line', () => {
    sb.edit('linux-lab/cole.yaml', 'cidr: 10.30.0.0/24', 'cidr: 172.30.9.0/24');
    refused(
      sb.run('validate', 'linux-lab'),
      'linux-lab/cole.yaml:8:26: error: spec.networks[0].cidr: network lan (172.30.9.0/24) overlaps 172.30.0.0/16, the fabric of the linux provider (the underlay of its hosts and routers) in zone lab-1: the provider uses it for itself',
    );
  });
});
