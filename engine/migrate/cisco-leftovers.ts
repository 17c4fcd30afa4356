/**
 * Every top-level block no extractor claimed is reported here, so nothing read is silently
 * dropped. Device management (SNMP, logging, users, lines, timers…) is summarised as one entry
 * per kind per file; constructs that describe the network (routing, DHCP, VRFs, remote-access
 * VPN, QoS, IPv6…) get one entry per block with a reason; a few lines carry no information at
 * all (`version`, `end`, `no …` defaults, the `Building configuration` header) and are skipped.
 */
import { tokens, type ConfigBlock } from './cisco-config.js';
import type { Findings } from './cisco-findings.js';
import { plural } from './cisco-plural.js';

const SILENT = /^(version\s|hostname\s|(ASA|PIX|FWSM) Version|Building configuration|Current configuration|Cryptochecksum|no\s|end$|exit$|\S+[#>]\s*show\s|terminal\s|pager\s|prompt\s)/i;

const MANAGEMENT = /^(service|boot|boot-start-marker|boot-end-marker|banner|line|ntp|logging|snmp-server|snmp|aaa|aaa-server|username|enable|passwd|clock|domain-name|dns|dns-guard|ssh|telnet|http|console|archive|memory|license|diagnostic|platform|call-home|ftp|asdm|tacacs-server|radius-server|privilege|scheduler|cdp|lldp|errdisable|login|spd|security|multilink|redundancy|control-plane|subscriber|virtual-service|dial-peer|call|network-clock-participate|arp|mtu|icmp|timeout|threat-detection|user-identity|dynamic-access-policy-record|command-alias|xlate|nat-control|alias|monitor|process|mac|vtp|spanning-tree|system|licensing|sslproxy|policy|bfd|nat64|mpls|endpoint-tracker|ip (domain|domain-name|name-server|http|ssh|tcp|ftp|telnet|tftp|subnet-zero|classless|cef|source-route|bootp|finger|forward-protocol|arp|routing|gratuitous-arps|options|rcmd|igmp|dns|scp|host|ospf name-lookup|bgp-community|flow-export|verify|audit|ips|wccp|sla)|ip inspect (alert-off|max-incomplete|dns-timeout|tcp|udp)|crypto (ca trustpool|isakmp (keepalive|identity|enable|nat)|ikev[12] (enable|diagnose)|ipsec (df-bit|security-association (replay|pmtu-aging))|key))\b/;

/** [pattern, construct, reason, how] — first match wins; `summary` folds all matches of a file into one entry. */
type How = 'each' | 'summary';
const SPECIFIC: readonly (readonly [RegExp, string, string, How?])[] = [
  [/^router\s+\S+/, 'dynamic routing', 'routing protocols are not in the spec; the cloud routes between its networks — recreate peering (e.g. BGP over a VPN) by hand if needed'],
  [/^ip dhcp pool\s/, 'DHCP pool', 'the cloud network\'s DHCP replaces it; re-create fixed reservations and options (DNS, domain) by hand'],
  [/^(ip dhcp|dhcpd|dhcprelay)\b/, 'DHCP setting', 'DHCP is provided by the cloud network; check exclusions and options by hand', 'summary'],
  [/^(ip local pool|group-policy|webvpn|anyconnect|tunnel-group|crypto dynamic-map|ssl\s|vpn-addr-assign)\b/, 'remote-access VPN', 'remote-access VPN (AnyConnect/IPsec clients, address pools, group policies) is not in the spec; keep a VPN appliance or re-create it by hand'],
  [/^(ip inspect name|ip ips name)\b/, 'inspection rule set', 'CBAC/IPS inspection is not in the spec; the cloud firewall tracks connections itself', 'summary'],
  [/^ip default-gateway\b/, 'management default gateway', 'the switch\'s own default gateway; the cloud network\'s gateway replaces it'],
  [/^(class-map|policy-map|service-policy|parameter-map|zone|zone-pair|qos)\b/, 'QoS / inspection policy', 'QoS and inspection policies are not in the spec; recreate rate limits or inspection by hand if needed'],
  [/^(crypto (pki|ca)|certificate)\b/, 'PKI', 'certificates and trustpoints are not in the spec; VPN peers are imported with pre-shared keys only'],
  [/^crypto\s/, 'IPsec setting', 'global IPsec/IKE setting not in the spec; the cloud VPN uses its own defaults'],
  [/^(vrf definition|ip vrf)\s/, 'VRF', 'VRFs are not in the spec; networks of all VRFs are imported into one tenant — check that their CIDRs do not overlap'],
  [/^(route-map|ip prefix-list|ip community-list|ip as-path|ip extcommunity-list)\b/, 'routing policy', 'route-maps and prefix lists are not in the spec (no dynamic routing); review if a NAT or PBR rule depended on it'],
  [/^(object|object-group)\s+(network|service|protocol|icmp-type)\b/, 'ASA object definitions', 'address and service names; NAT and ACL lines that use them are imported or reported on their own lines', 'summary'],
  [/^names?\b/, 'ASA name aliases', 'address names; NAT and ACL lines that use them are imported or reported on their own lines', 'summary'],
  [/^failover\b/, 'ASA failover', 'the HA pair setup is not in the spec; the cloud gateway is redundant by itself', 'summary'],
  [/^(ip sla|track)\b/, 'IP SLA / tracking', 'probes and object tracking are not in the spec'],
  [/^ipv6\b/, 'IPv6', 'IPv6 is not in the spec language; add IPv6 by hand when the cloud supports it'],
  [/^key chain\b/, 'key chain', 'authentication keys for routing protocols; not in the spec'],
  [/^module\b/, 'service module', 'service module configuration (e.g. Content Switching Module load balancer: vservers, server farms, VLANs) is not in the spec — recreate load balancing by hand'],
  [/^controller\b/, 'controller', 'hardware controller (T1/T3/E1) settings belong to a WAN circuit; not in the spec'],
  [/^(vpdn|bba-group|dialer-list|dialer|chat-script)\b/, 'dial / PPPoE setting', 'dial-up and PPPoE settings belong to the uplink, which the cloud provides'],
  [/^(sdwan|omp|app-route|vbond|system|sslproxy|policy|bfd|endpoint-tracker)\b/, 'SD-WAN overlay', 'Cisco SD-WAN (Viptela) configuration is not in the spec; recreate site connectivity as VPN peers by hand', 'summary'],
  [/^same-security-traffic\b/, 'ASA same-security traffic', 'traffic between equal-security interfaces is permitted here; the spec\'s networks of one tenant reach each other by default'],
  [/^filter\b/, 'ASA content filter', 'URL/ActiveX/Java filtering is not in the spec'],
  [/^time-range\b/, 'time range', 'time-based ACL conditions are not in the spec'],
  [/^access-list\s/, 'access-list', 'ACL line not read; review it by hand'],
  [/^ip nat\s/, 'NAT setting', 'NAT command not understood; check it by hand'],
];

interface Summary {
  readonly first: ConfigBlock;
  count: number;
}

function managementKind(text: string): string {
  const w = text.split(/\s+/);
  if (w[0] === 'ip' || w[0] === 'crypto') return `${w[0]} ${w[1] ?? ''}`;
  return w[0]!.replace(/-(start|end)-marker$/, '');
}

export function reportLeftovers(blocks: readonly ConfigBlock[], f: Findings): void {
  const summaries = new Map<string, Summary>();
  for (const b of blocks) {
    if (f.isClaimed(b)) continue;
    const text = b.head.text;
    if (b.unclosed) {
      f.report(b.head, 'could not parse', 'banner has no closing delimiter; only its first line was read — check the lines after it by hand');
      continue;
    }
    if (SILENT.test(text)) continue;
    const hit = SPECIFIC.find(([re]) => re.test(text));
    if (hit?.[3] === 'summary') summarise(summaries, hit[1], b);
    else if (hit) f.report(b.head, hit[1], hit[2]);
    if (hit) continue;
    if (MANAGEMENT.test(text)) {
      summarise(summaries, managementKind(text), b);
      continue;
    }
    f.report(b.head, tokens(b.head).slice(0, 2).join(' '), 'not recognised by the Cisco importer; review whether it matters for the migration');
  }
  for (const [kind, s] of summaries) {
    const specific = SPECIFIC.find(([, c]) => c === kind);
    const reason = specific ? specific[2] : 'device management: not in the spec — set up the equivalent on the cloud side if needed';
    f.report(s.first.head, kind, `${plural(s.count, 'top-level entry', 'top-level entries')} from here on: ${reason}`);
  }
}

function summarise(summaries: Map<string, Summary>, kind: string, b: ConfigBlock): void {
  const s = summaries.get(kind);
  if (s) s.count++;
  else summaries.set(kind, { first: b, count: 1 });
}
