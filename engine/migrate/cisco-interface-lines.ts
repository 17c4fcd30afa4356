/**
 * Why an interface sub-command is not in the spec, for the unmapped report. The table is
 * ordered: the first pattern that matches names the construct and gives the reason.
 */
import type { ConfigLine } from './cisco-config.js';

interface Explanation {
  readonly construct: string;
  readonly reason: string;
}

const TABLE: readonly (readonly [RegExp, string, string])[] = [
  [/^ip address \S+ \S+ standby \S+/, 'failover standby address', 'the address of the ASA failover peer; the cloud gateway is redundant by itself, nothing to migrate'],
  [/^(ip )?vrf forwarding\s/, 'VRF membership', 'VRFs are not in the spec: every imported network lands in one tenant; check that CIDRs from different VRFs do not overlap'],
  [/^(standby|vrrp)\s/, 'HSRP/VRRP setting', 'first-hop redundancy is provided by the cloud gateway; nothing to migrate'],
  [/^service-policy\s/, 'QoS service policy', 'QoS is not in the spec; recreate rate limits on the cloud side if the customer pays for them'],
  [/^ip helper-address\s/, 'DHCP relay', 'the cloud network has its own DHCP; make sure hosts that relied on this relay get addresses'],
  [/^ip (ospf|eigrp|rip|pim|igmp|bgp|summary-address)\b/, 'routing protocol setting', 'dynamic routing is not in the spec; the cloud routes between its networks itself'],
  [/^ip policy\s/, 'policy-based routing', 'policy routing is not in the spec; recreate by hand if traffic must take another path'],
  [/^(ip inspect|zone-member|ip ips)\b/, 'stateful inspection', 'inspection rules are not in the spec; the cloud firewall tracks connections itself'],
  [/^ip unnumbered\s/, 'unnumbered interface', 'borrows another interface\'s address, so it has no network of its own'],
  [/^(ip )?mtu\s/, 'MTU', 'the spec has no MTU; check that the cloud network\'s MTU suits this segment'],
  [/^ip nat enable\b/, 'NVI NAT', 'NAT virtual interface rules are not read; recreate the translations as public IPs'],
  [/^(pvc|dialer|ppp|pppoe|encapsulation|atm|frame-relay|tunnel)\b/, 'WAN link setting', 'WAN/link-layer settings belong to the uplink, which the cloud provides'],
  [/^ip address\b/, 'could not parse', 'this ip address line could not be parsed; check it by hand'],
];

const IPV6 = /^ipv6 address (\S+)/;

/** At most one `::`, hex groups of up to four digits, optional /len. */
const validIpv6 = (text: string): boolean => {
  const [addr, len] = text.split('/');
  if (!addr || (len !== undefined && !/^\d{1,3}$/.test(len))) return false;
  if ((addr.match(/::/g) ?? []).length > 1) return false;
  return addr.split(':').every((g) => /^[0-9A-Fa-f]{0,4}$/.test(g));
};

export function explainInterfaceLine(l: ConfigLine): Explanation {
  if (/^ipv6\s/.test(l.text)) {
    const m = IPV6.exec(l.text);
    const malformed = m?.[1] !== undefined && !/^(autoconfig|dhcp|link-local)$/.test(m[1]) && !validIpv6(m[1].replace(/\s.*$/, ''));
    return malformed
      ? { construct: 'IPv6 address', reason: 'could not parse (malformed IPv6 address); IPv6 is not in the spec language either — fix and add it by hand' }
      : { construct: 'IPv6 setting', reason: 'IPv6 is not in the spec language; add IPv6 by hand when the cloud supports it' };
  }
  const hit = TABLE.find(([re]) => re.test(l.text));
  if (hit) return { construct: hit[1], reason: hit[2] };
  return { construct: l.text.split(/\s+/).slice(0, 2).join(' '), reason: 'interface setting not mapped; check whether it matters for the migration' };
}
