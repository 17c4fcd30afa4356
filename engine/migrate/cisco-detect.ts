/**
 * Which Cisco dialect a file is, or that it is no Cisco config at all. A file is a config when
 * it holds commands only Cisco configs have (`interface …`, `crypto map`, `ip nat`, …) and does
 * not open like JSON, XML, CSV or markdown. ASA/PIX wins when its markers outnumber IOS's.
 */
import { UnsupportedFormat } from './model.js';
import { splitLines, type CiscoFormat } from './cisco-config.js';

const CISCO_COMMAND = /^(interface\s+\S|hostname\s+\S|ip\s+(address|route|nat|access-list|dhcp|vrf)\s|(ASA|PIX|FWSM)\s+Version|crypto\s+(map|isakmp|ipsec|keyring|ikev[12]|dynamic-map|pki|ca)\s|access-list\s+\S+\s|nat\s+\(|static\s+\(|global\s+\(|object(-group)?\s+(network|service)\s|tunnel-group\s+\S|router\s+(ospf|bgp|eigrp|rip|isis)\b|vlan\s+\d|line\s+(vty|con)\s|version\s+\d|Building configuration)/;

const ASA_MARKER = /^((ASA|PIX|FWSM) Version|nameif\s|security-level\s|object network\s|object-group\s|tunnel-group\s|access-list\s+\S+\s+(extended|standard)\s|crypto map\s+\S+\s+\d+\s+(set|match)\s|static\s+\(|global\s+\(|nat\s+\(|Cryptochecksum:|crypto ikev1\s|same-security-traffic|access-group\s+\S+\s+(in|out)\s+interface|: Saved|route\s+\S+\s+\d)/;
const IOS_MARKER = /^(ip (nat|route|access-list|vrf|dhcp|cef|domain|http)\b|crypto (isakmp profile|keyring)\s|router\s|encapsulation dot1Q|Building configuration|version \d|ip address \S+ \S+ secondary|switchport\s|vrf (definition|forwarding)\s|standby\s|line vty)/;

function rejectForeign(file: string, text: string): void {
  const first = text.trimStart().charAt(0);
  if (first === '{' || first === '[') throw new UnsupportedFormat(file, 'looks like JSON, not a Cisco configuration');
  if (first === '<') throw new UnsupportedFormat(file, 'looks like XML/HTML, not a Cisco configuration');
  const lines = text.split(/\r\n|\r|\n/).filter((l) => l.trim() !== '');
  if (lines.some((l) => /^#{1,6}\s/.test(l) || l.startsWith('```'))) throw new UnsupportedFormat(file, 'looks like markdown, not a Cisco configuration');
  const commaRows = lines.filter((l) => (l.match(/,/g) ?? []).length >= 2).length;
  if (lines.length > 0 && commaRows / lines.length > 0.8) throw new UnsupportedFormat(file, 'looks like CSV, not a Cisco configuration');
}

export function detectCiscoFormat(file: string, text: string): CiscoFormat {
  rejectForeign(file, text);
  const lines = splitLines(text).map((l) => l.text);
  if (!lines.some((l) => CISCO_COMMAND.test(l))) throw new UnsupportedFormat(file, 'no Cisco IOS or ASA configuration commands found');
  const asa = lines.filter((l) => ASA_MARKER.test(l)).length;
  const ios = lines.filter((l) => IOS_MARKER.test(l)).length;
  return asa > ios ? 'cisco-asa' : 'cisco-ios';
}
