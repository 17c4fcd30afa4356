import { describe, expect, it } from 'vitest';
import { importCisco } from '../../engine/migrate/cisco.js';
import { UnsupportedFormat, type ImportResult } from '../../engine/migrate/model.js';

/** A config from lines; `\n` unless a test asks for CRLF. */
const cfg = (...lines: string[]): string => `${lines.join('\n')}\n`;
const run = (text: string, path = 'router.cfg'): ImportResult => importCisco([{ path, text }]);
const at = (r: ImportResult, line: number) => r.unmapped.filter((u) => u.source.line === line).map((u) => u.construct);
const texts = (r: ImportResult): string =>
  JSON.stringify({ ...r, formats: [...r.formats], vpnPeers: r.vpnPeers.map((p) => ({ ...p, preSharedKey: p.preSharedKey && { ...p.preSharedKey, value: undefined } })) });

describe('format detection', () => {
  it.each([
    { reason: 'JSON', given: '{"interfaces": [{"name": "interface Gi0/0", "ip address": "10.0.0.1"}]}' },
    { reason: 'a JSON array', given: '[\n  "hostname r1"\n]' },
    { reason: 'XML', given: '<network><name>default</name><ip address="10.0.0.1"/></network>' },
    { reason: 'CSV', given: 'VM,Powerstate,Network #1\nvm-1,poweredOn,VM Network\nvm-2,poweredOff,VM Network\n' },
    { reason: 'markdown', given: '# Router notes\n\ninterface Gi0/0 has ip address 10.0.0.1\n' },
    { reason: 'prose without commands', given: 'This file lists our routers.\nNothing else.\n' },
  ])('$reason is not a Cisco config', ({ given }) => {
    expect(() => run(given, 'notes.txt')).toThrow(UnsupportedFormat);
  });

  it.each([
    { reason: 'an IOS running-config', given: cfg('version 15.2', 'interface Gi0/0', ' ip address 10.0.0.1 255.255.255.0'), want: 'cisco-ios' },
    { reason: 'an ASA config', given: cfg('ASA Version 9.8', 'interface Gi0/0', ' nameif inside', ' security-level 100'), want: 'cisco-asa' },
    { reason: 'a PIX config', given: cfg('PIX Version 7.2(1)', 'static (inside,outside) 192.0.2.5 10.0.0.5 netmask 255.255.255.255'), want: 'cisco-asa' },
    { reason: 'an ASA crypto-map excerpt', given: cfg('crypto map M 10 match address A', 'crypto map M 10 set peer 192.0.2.1'), want: 'cisco-asa' },
  ])('$reason is read as $want', ({ given, want }) => {
    expect(run(given).formats.get('router.cfg')).toBe(want);
  });
});

describe('reading the file', () => {
  const crlf = [
    'Building configuration...', '', 'Current configuration : 512 bytes', '!',
    'vlan 200', ' name USERS', '!',
    ' interface Vlan200', ' description user lan', ' ip address 10.20.0.1 255.255.255.0', '!',
    'banner motd ^C', 'interface Vlan999', ' ip address 10.99.0.1 255.255.255.0', '^C',
    'end',
  ].join('\r\n');

  it('CRLF, the show-run header, a mis-indented interface and a banner that looks like config', () => {
    const r = run(crlf);
    expect(r.networks).toEqual([expect.objectContaining({ key: 'Vlan200', nameHints: ['USERS', 'user lan', 'Vlan200'], cidr: '10.20.0.0/24', vlan: 200, source: { file: 'router.cfg', line: 8, text: 'interface Vlan200' } })]);
    expect(r.unmapped.map((u) => u.construct)).toEqual(['banner']);
  });

  it('an unclosed banner is reported and the lines after it are still read', () => {
    const r = run(cfg('banner motd ^C', 'interface Vlan5', ' ip address 10.5.0.1 255.255.255.0'));
    expect(at(r, 1)).toEqual(['could not parse']);
    expect(r.networks.map((n) => n.key)).toEqual(['Vlan5']);
  });

  it('certificate hex, indented or not, is skipped up to quit', () => {
    const r = run(cfg('hostname r', 'certificate self-signed 01', '30820254 308201BD A0030201', 'E7CF84EC 9FED5F77', 'quit', 'interface Vlan5', ' ip address 10.5.0.1 255.255.255.0'));
    expect(r.unmapped.map((u) => [u.source.line, u.construct])).toEqual([[2, 'PKI']]);
    expect(r.networks).toHaveLength(1);
  });

  it('IPv6 lines are reported; a malformed address says it could not be parsed', () => {
    const r = run(cfg('interface Gi0/0', ' ip address 10.0.0.1 255.255.255.0', ' ipv6 address 2001:db8::1/64', ' ipv6 address FE80::1::2/64', 'ipv6 unicast-routing'));
    expect(r.unmapped.map((u) => [u.source.line, u.construct, u.reason.startsWith('could not parse')])).toEqual([
      [3, 'IPv6 setting', false], [4, 'IPv6 address', true], [5, 'IPv6', false],
    ]);
  });

  it('a broken route line is reported as could not parse', () => {
    expect(run(cfg('ip route vrf Mgmt - intf 0.0.0.0 0.0.0.0 10.0.100.1')).unmapped).toEqual([expect.objectContaining({ construct: 'could not parse' })]);
  });
});

describe('networks', () => {
  it.each([
    { reason: 'dot1Q subinterface', given: cfg('interface Gi0/1.30', ' encapsulation dot1Q 30', ' ip address 10.30.0.1 255.255.255.0'), want: { key: 'Gi0/1.30', vlan: 30, cidr: '10.30.0.0/24' } },
    { reason: 'ASA VLAN subinterface with nameif', given: cfg('ASA Version 9.1', 'interface Gi0/1.40', ' vlan 40', ' nameif dmz', ' security-level 50', ' ip address 10.40.0.1 255.255.255.0'), want: { key: 'Gi0/1.40', vlan: 40, nameHints: ['dmz', 'Gi0/1.40'] } },
    { reason: 'host bits cleared', given: cfg('interface Gi0/2', ' ip address 10.2.3.4 255.255.240.0'), want: { cidr: '10.2.0.0/20', gateway: '10.2.3.4' } },
    { reason: 'HSRP address is the gateway hosts use', given: cfg('interface Vlan9', ' ip address 10.9.0.2 255.255.255.0', ' standby 1 ip 10.9.0.1'), want: { gateway: '10.9.0.1', vlan: 9 } },
  ])('$reason', ({ given, want }) => {
    expect(run(given).networks[0]).toMatchObject(want);
  });

  it('a secondary address, QinQ and VRF are reported on their own lines', () => {
    const r = run(cfg('interface Gi0/1.77', ' encapsulation dot1Q 100 second-dot1q 77', ' vrf forwarding CUST', ' ip address 10.7.0.1 255.255.255.0', ' ip address 10.8.0.1 255.255.255.0 secondary'));
    expect(r.networks).toEqual([expect.objectContaining({ cidr: '10.7.0.0/24' })]);
    expect(r.networks[0]).not.toHaveProperty('vlan');
    expect([at(r, 2), at(r, 3), at(r, 5)]).toEqual([['QinQ (second-dot1q)'], ['VRF membership'], ['secondary address']]);
  });

  it('a layer-2 VLAN keeps its name; loopbacks are not networks', () => {
    const r = run(cfg('vlan 10', ' name SERVERS', 'interface Loopback0', ' ip address 1.1.1.1 255.255.255.255'));
    expect(r.networks).toEqual([expect.objectContaining({ key: 'vlan10', vlan: 10, nameHints: ['SERVERS', 'vlan10'] })]);
    expect(at(r, 3)).toEqual(['loopback interface']);
  });
});

describe('NAT and firewall', () => {
  const ios = cfg(
    'interface Vlan200', ' ip address 10.20.0.1 255.255.255.0', ' ip nat inside',
    'interface Vlan300', ' ip address 10.30.0.1 255.255.255.0', ' ip nat inside',
    'interface Gi0/0', ' ip address 203.0.113.2 255.255.255.248', ' ip nat outside', ' ip access-group OUTSIDE_IN in',
    'ip nat inside source static tcp 10.20.0.5 443 203.0.113.5 443',
    'ip nat inside source static 10.20.0.6 203.0.113.6',
    'ip nat inside source list MISSING interface Gi0/0 overload',
    'ip access-list extended OUTSIDE_IN',
    ' permit tcp any host 203.0.113.5 eq 443',
    ' permit tcp 198.51.100.0 0.0.0.255 host 203.0.113.6 eq 22 3389',
    ' permit udp any host 203.0.113.6 range 5000 5010',
    ' deny ip any any log',
  );

  it('IOS statics, port forwards and PAT on the outside interface\'s fixed address', () => {
    const r = run(ios);
    expect(r.publicIps.map((p) => [p.address, p.staticNatTo, p.portForwards?.map((f) => `${f.protocol}/${f.publicPort}>${f.privateIp}:${f.privatePort}`), p.sourceNatFor])).toEqual([
      ['203.0.113.5', undefined, ['tcp/443>10.20.0.5:443'], undefined],
      ['203.0.113.6', '10.20.0.6', undefined, undefined],
      ['203.0.113.2', undefined, undefined, ['Vlan200', 'Vlan300']],
    ]);
    // The ACL is missing: every `ip nat inside` network is assumed, and the report says so.
    expect(r.unmapped.find((u) => u.source.line === 13)?.reason).toContain('assumed every `ip nat inside` network');
  });

  it('inbound outside ACL permits to public addresses become rules; the rest is reported per entry', () => {
    const r = run(ios);
    expect(r.firewall.map(({ source, ...rule }) => ({ ...rule, line: source.line }))).toEqual([
      { publicAddress: '203.0.113.5', protocol: 'tcp', ports: [443], from: ['0.0.0.0/0'], line: 15 },
      { publicAddress: '203.0.113.6', protocol: 'tcp', ports: [22, 3389], from: ['198.51.100.0/24'], line: 16 },
    ]);
    expect([at(r, 17), at(r, 18)].map((x) => x[0]?.startsWith('inbound ACL entry'))).toEqual([true, true]);
  });

  it('ASA object NAT with a service, PAT to the interface, and an ACL naming the real host', () => {
    const r = run(cfg(
      'ASA Version 9.8',
      'interface Gi0/0', ' nameif outside', ' security-level 0', ' ip address 203.0.113.2 255.255.255.0',
      'interface Gi0/1', ' nameif inside', ' security-level 100', ' ip address 10.0.0.1 255.255.255.0',
      'object network web', ' host 10.0.0.10', ' nat (inside,outside) static 203.0.113.10 service tcp 8443 443',
      'object network lan', ' subnet 10.0.0.0 255.255.255.0', ' nat (inside,outside) dynamic interface',
      'access-list outside_in extended permit tcp any host 10.0.0.10 eq 8443',
      'access-group outside_in in interface outside',
    ));
    expect(r.publicIps).toEqual([
      expect.objectContaining({ address: '203.0.113.10', portForwards: [expect.objectContaining({ protocol: 'tcp', publicPort: 443, privateIp: '10.0.0.10', privatePort: 8443 })] }),
      expect.objectContaining({ address: '203.0.113.2', sourceNatFor: ['Gi0/1'] }),
    ]);
    expect(r.networks.find((n) => n.key === 'Gi0/1')?.natInside).toBe(true);
    expect(r.firewall).toEqual([expect.objectContaining({ publicAddress: '203.0.113.10', protocol: 'tcp', ports: [443], from: ['0.0.0.0/0'] })]);
  });

  it('a repeated static is a duplicate; a different host on the same public address is a conflict', () => {
    const r = run(cfg('ip nat inside source static 10.0.0.5 203.0.113.5', 'ip nat inside source static 10.0.0.5 203.0.113.5 extendable', 'ip nat inside source static 10.0.0.6 203.0.113.5'));
    expect(r.publicIps).toEqual([expect.objectContaining({ address: '203.0.113.5', staticNatTo: '10.0.0.5' })]);
    expect([at(r, 2), at(r, 3)]).toEqual([['duplicate NAT'], ['conflicting static NAT']]);
  });
});

describe('VPN', () => {
  const keys = cfg(
    'crypto isakmp policy 5', ' encryption aes 256', ' hash sha256', ' group 14', ' lifetime 86400',
    'crypto isakmp policy 10', ' encryption 3des',
    'crypto isakmp key 0 ClearKey1 address 198.51.100.1',
    'crypto isakmp key 7 0822455D0A16 address 198.51.100.2',
    'crypto isakmp key ***** address 198.51.100.3',
    'crypto isakmp key UnusedKey9 address 198.51.100.99',
    'crypto ipsec transform-set TS esp-aes 256 esp-sha256-hmac',
    'crypto map CM 10 ipsec-isakmp', ' set peer 198.51.100.1', ' set transform-set TS', ' set pfs group14', ' set security-association lifetime seconds 3600', ' match address VPN1',
    'crypto map CM 20 ipsec-isakmp', ' set peer 198.51.100.2', ' set transform-set TS', ' match address VPN1',
    'crypto map CM 30 ipsec-isakmp', ' set peer 198.51.100.3', ' match address VPN1',
    'interface Gi0/1', ' ip address 10.1.0.1 255.255.0.0',
    'interface Gi0/0', ' ip address 198.51.100.9 255.255.255.0', ' crypto map CM',
    'ip access-list extended VPN1',
    ' permit ip 10.1.0.0 0.0.255.255 172.16.0.0 0.0.255.255',
    ' permit ip 172.16.0.0 0.0.255.255 10.1.0.0 0.0.255.255',
  );

  it('a crypto map entry: peer, ACL CIDRs (mirror entry read once), normalised IKE and ESP', () => {
    const p = run(keys).vpnPeers[0]!;
    expect(p).toMatchObject({ key: 'CM 10', peer: '198.51.100.1', localCidrs: ['10.1.0.0/16'], peerCidrs: ['172.16.0.0/16'] });
    expect(p.ike).toEqual({ encryption: 'aes256', hash: 'sha256', group: 14, lifetimeSeconds: 86400 });
    expect(p.esp).toEqual({ encryption: 'aes256', hash: 'sha256', group: 14, lifetimeSeconds: 3600 });
  });

  it.each([
    { reason: 'type 0 is a key in clear', key: 'CM 10', want: { kind: 'value', value: 'ClearKey1' } },
    { reason: 'type 7 is encrypted', key: 'CM 20', want: { kind: 'masked' } },
    { reason: 'asterisks are masked', key: 'CM 30', want: { kind: 'masked' } },
  ])('pre-shared key: $reason', ({ key, want }) => {
    const p = run(keys).vpnPeers.find((x) => x.key === key);
    expect(p?.preSharedKey).toMatchObject(want);
    expect(p?.preSharedKey?.source.text).toMatch(/key (\d )?<redacted> address/);
  });

  it('keys never reach report texts, even unused ones; the other IKE policy is reported', () => {
    const r = run(keys);
    expect(texts(r)).not.toContain('ClearKey1');
    expect(texts(r)).not.toContain('UnusedKey9');
    expect(texts(r)).not.toContain('0822455D0A16');
    expect(at(r, 11)).toEqual(['unused pre-shared key']);
    expect(at(r, 6)).toEqual(['additional IKE policy']);
  });

  it('a route-based peer gets its remote CIDRs from static routes into the tunnel', () => {
    const r = run(cfg(
      'crypto keyring KR', ' pre-shared-key address 192.0.2.50 key S3cr3tVti',
      'crypto ipsec transform-set T esp-aes esp-sha-hmac', 'crypto ipsec profile P', ' set transform-set T',
      'interface Tunnel10', ' ip address 169.254.0.1 255.255.255.252', ' tunnel mode ipsec ipv4', ' tunnel destination 192.0.2.50', ' tunnel protection ipsec profile P',
      'ip route 10.99.0.0 255.255.0.0 Tunnel10',
    ));
    expect(r.vpnPeers).toEqual([expect.objectContaining({ key: 'Tunnel10', peer: '192.0.2.50', peerCidrs: ['10.99.0.0/16'], esp: { encryption: 'aes128', hash: 'sha1' }, preSharedKey: expect.objectContaining({ kind: 'value', value: 'S3cr3tVti' }) })]);
    expect(r.unmapped.some((u) => u.source.line === 11)).toBe(false);
    expect(texts(r)).not.toContain('S3cr3tVti');
  });

  it('IOS IKEv2: proposal algorithms, a keyring peer block, and its hashed remote key redacted', () => {
    const r = run(cfg(
      'crypto ikev2 keyring KR2', ' peer SITE-B', '  address 203.0.113.77', '  pre-shared-key local 0 LocalSide', '  pre-shared-key remote 6 RemoteHashed',
      'crypto ikev2 proposal PROP', ' encryption aes-cbc-256', ' integrity sha256', ' group 14',
      'crypto ikev2 policy POL', ' proposal PROP',
      'crypto ipsec transform-set T esp-gcm 256', 'crypto ipsec profile P', ' set transform-set T',
      'interface Tunnel5', ' tunnel mode ipsec ipv4', ' tunnel destination 203.0.113.77', ' tunnel protection ipsec profile P',
      'tunnel-group SITE-C type ipsec-l2l',
    ));
    expect(r.vpnPeers).toEqual([expect.objectContaining({ key: 'Tunnel5', ike: { encryption: 'aes256', hash: 'sha256', group: 14 }, esp: {}, preSharedKey: expect.objectContaining({ kind: 'masked', source: expect.objectContaining({ line: 5, text: 'pre-shared-key remote 6 <redacted>' }) }) })]);
    expect(r.unmapped.find((u) => u.construct === 'VPN peer details')?.reason).toContain('transform esp-gcm is not in the spec');
    expect(at(r, 19)).toEqual(['site-to-site tunnel-group by name']);
    expect(texts(r)).not.toMatch(/RemoteHashed|LocalSide/);
  });

  it('an ASA line-form crypto map takes its key from the tunnel-group', () => {
    const r = run(cfg(
      'ASA Version 9.8',
      'crypto ikev1 policy 10', ' encryption aes-256', ' hash sha', ' group 2', ' lifetime 86400',
      'crypto ipsec ikev1 transform-set TS esp-aes-256 esp-sha-hmac',
      'crypto map OUT 10 match address L2L', 'crypto map OUT 10 set peer 198.51.100.7', 'crypto map OUT 10 set ikev1 transform-set TS',
      'access-list L2L extended permit ip 10.0.0.0 255.255.255.0 192.168.50.0 255.255.255.0',
      'tunnel-group 198.51.100.7 type ipsec-l2l', 'tunnel-group 198.51.100.7 ipsec-attributes', ' ikev1 pre-shared-key AsaClearKey',
    ));
    expect(r.vpnPeers).toEqual([expect.objectContaining({ key: 'OUT 10', peer: '198.51.100.7', localCidrs: ['10.0.0.0/24'], peerCidrs: ['192.168.50.0/24'], ike: { encryption: 'aes256', hash: 'sha1', group: 2, lifetimeSeconds: 86400 }, esp: { encryption: 'aes256', hash: 'sha1' }, preSharedKey: expect.objectContaining({ kind: 'value', value: 'AsaClearKey' }) })]);
    expect(texts(r)).not.toContain('AsaClearKey');
  });
});
