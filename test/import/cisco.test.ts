import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importCisco } from '../../engine/migrate/cisco.js';
import type { ImportResult, ImportedVpnPeer } from '../../engine/migrate/model.js';

const CORPUS = new URL('../../../shared/corpus/', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, CORPUS), 'utf8');
const corpus = (path: string): ImportResult => importCisco([{ path, text: read(path) }]);

const CORPUS_FILES = ['cisco-ios', 'cisco-asa'].flatMap((dir) => readdirSync(new URL(`${dir}/`, CORPUS)).map((name) => `${dir}/${name}`));

const peer = (r: ImportResult, key: string): ImportedVpnPeer => {
  const p = r.vpnPeers.find((x) => x.key === key);
  if (!p) throw new Error(`no peer ${key} among ${r.vpnPeers.map((x) => x.key).join(', ')}`);
  return p;
};
const network = (r: ImportResult, key: string) => r.networks.find((n) => n.key === key);
const unmappedAt = (r: ImportResult, line: number) => r.unmapped.filter((u) => u.source.line === line);
/** Every text the result carries except the secret values themselves. */
const allTexts = (r: ImportResult): string =>
  JSON.stringify({ ...r, formats: [...r.formats], vpnPeers: r.vpnPeers.map((p) => ({ ...p, preSharedKey: p.preSharedKey && { ...p.preSharedKey, value: undefined } })) });

describe('importCisco: every corpus file', () => {
  it.each(CORPUS_FILES)('%s imports, with every fact and unmapped entry pointing at a line of the file', (path) => {
    const r = corpus(path);
    const lines = read(path).split(/\r\n|\r|\n/).length;
    expect(r.formats.get(path)).toBe(path.startsWith('cisco-asa') ? 'cisco-asa' : 'cisco-ios');
    const sources = [...r.networks, ...r.publicIps, ...r.firewall, ...r.vpnPeers, ...r.unmapped].map((x) => x.source);
    for (const s of sources) {
      expect(s.file).toBe(path);
      expect(s.line).toBeGreaterThanOrEqual(1);
      expect(s.line).toBeLessThanOrEqual(lines);
    }
    for (const u of r.unmapped) expect(u.construct.length * u.reason.length).toBeGreaterThan(0);
  });

  it.each(CORPUS_FILES)('%s: no pre-shared key value appears in any report text', (path) => {
    const r = corpus(path);
    const secrets = r.vpnPeers.flatMap((p) => (p.preSharedKey?.kind === 'value' ? [p.preSharedKey.value] : []));
    const texts = allTexts(r);
    for (const s of secrets) expect(texts).not.toContain(s);
  });
});

describe('importCisco: IOS corpus facts', () => {
  it('sample_02.ios: the SVI is a network on its VLAN; access-port VLANs without SVI are layer-2 networks', () => {
    const r = corpus('cisco-ios/sample_02.ios');
    expect(network(r, 'VLAN24')).toMatchObject({ cidr: '172.24.24.0/23', gateway: '172.24.24.101', vlan: 24 });
    expect(r.networks.map((n) => [n.key, n.vlan])).toEqual([['VLAN24', 24], ['vlan300', 300], ['vlan532', 532]]);
    expect(network(r, 'vlan300')?.cidr).toBeUndefined();
    // The indented ` interface FastEthernet0/6` still starts its own block: its port is in VLAN 24.
    expect(r.unmapped.find((u) => u.construct === 'switch ports in VLAN 24')?.reason).toContain('FastEthernet0/6');
    // The banner text is swallowed, not read as commands.
    expect(r.unmapped.filter((u) => u.source.line > 222 && u.source.line < 230)).toEqual([]);
  });

  it('running_cfg_0004: four dot1Q subinterfaces with their VLANs, HSRP gateways and NAT pools', () => {
    const r = corpus('cisco-ios/running_cfg_0004_multi_subnets_ext_net_and_single_subnet_ext_net.txt');
    const subifs = r.networks.filter((n) => n.key.includes('.'));
    // The external subinterfaces (ip nat outside) are the uplink: reported, not tenant networks.
    expect(subifs.map((n) => n.vlan)).toEqual([1050, 1086]);
    expect(unmappedAt(r, 60)[0]).toMatchObject({ construct: 'outside interface', reason: expect.stringContaining('VLAN 1018') });
    expect(unmappedAt(r, 72)[0]).toMatchObject({ construct: 'outside interface', reason: expect.stringContaining('172.17.7.37/28, VLAN 1056') });
    expect(network(r, 'GigabitEthernet/1/0/2.1050')).toMatchObject({ cidr: '10.0.4.0/24', gateway: '10.0.4.1', natInside: true, nameHints: ['OPENSTACK_NEUTRON_INTF', 'GigabitEthernet/1/0/2.1050'] });
    expect(unmappedAt(r, 39)[0]?.construct).toBe('HSRP/VRRP virtual address');
    expect(r.publicIps.map((p) => [p.address, p.sourceNatFor])).toEqual([
      ['172.17.8.36', ['GigabitEthernet/1/0/2.1050']],
      ['172.16.6.44', ['GigabitEthernet/1/0/2.1086']],
    ]);
    expect(unmappedAt(r, 102)[0]).toMatchObject({ construct: 'could not parse' });
  });

  it('cisco_ios_show_running-config_interface.raw: QinQ subinterfaces are networks without a VLAN; the malformed IPv6 line is reported', () => {
    const r = corpus('cisco-ios/cisco_ios_show_running-config_interface.raw');
    expect(r.networks).toHaveLength(6);
    expect(r.networks.every((n) => n.vlan === undefined)).toBe(true);
    expect(network(r, 'GigabitEthernet2/0/4.223415')).toMatchObject({ cidr: '10.30.33.160/30', nameHints: ['DISTRIBUTION  | 2048K', 'GigabitEthernet2/0/4.223415'] });
    expect(unmappedAt(r, 8)[0]?.construct).toBe('QinQ (second-dot1q)');
    expect(unmappedAt(r, 60)[0]?.reason).toMatch(/could not parse.*IPv6/);
  });

  it.each([
    { file: 'batfish_ios-crypto-ipsec_r1', key: 'mymap 20', peer: '2.3.4.8', hash: 'md5', psk: 'psk2' },
    { file: 'batfish_ios-crypto-ipsec_r1', key: 'mysecondmap 20', peer: '2.3.4.11', hash: 'md5', psk: 'psk3' },
    { file: 'batfish_ios-crypto-ipsec_r2', key: 'mymap 20', peer: '2.3.4.6', hash: 'sha1', psk: 'psk2' },
    { file: 'batfish_ios-crypto-ipsec_r2', key: 'mysecondmap 20', peer: '2.3.4.11', hash: 'md5', psk: 'psk4' },
  ])('$file: crypto map $key → $peer with the crypto ACL as CIDRs', ({ file, key, peer: ip, hash, psk }) => {
    const p = peer(corpus(`cisco-ios/${file}`), key);
    expect(p).toMatchObject({ peer: ip, localCidrs: ['1.1.1.1/32'], peerCidrs: ['2.2.2.2/32'] });
    expect(p.ike).toEqual({ encryption: 'aes128', group: 2, lifetimeSeconds: 28800 });
    expect(p.esp).toEqual({ encryption: 'aes256', hash, group: 2 });
    expect(p.preSharedKey).toMatchObject({ kind: 'value', value: psk });
  });

  it('batfish r1/r2: IPsec tunnel interfaces are route-based peers with no CIDRs', () => {
    expect(corpus('cisco-ios/batfish_ios-crypto-ipsec_r1').vpnPeers.map((p) => p.key)).toEqual(['mymap 20', 'mysecondmap 20', 'Tunnel21']);
    const r2 = corpus('cisco-ios/batfish_ios-crypto-ipsec_r2');
    expect(peer(r2, 'Tunnel23')).toMatchObject({ peer: '2.3.4.11', peerCidrs: [], localCidrs: [] });
  });

  it('ios-crypto-map: static entries are peers, the dynamic entry and dynamic-map are reported', () => {
    const r = corpus('cisco-ios/ios-crypto-map');
    expect(r.vpnPeers.map((p) => [p.key, p.peer])).toEqual([['mymap 10', '1.2.3.4'], ['mymap 20', '3.4.5.6'], ['Tunnel1', '1.2.3.4'], ['Tunnel2', '1.2.3.4']]);
    expect(peer(r, 'mymap 10').esp).toEqual({ encryption: 'aes256', hash: 'md5', group: 14 });
    expect(unmappedAt(r, 46)[0]?.construct).toBe('dynamic crypto map entry');
    expect(unmappedAt(r, 48)[0]?.construct).toBe('remote-access VPN');
    expect(r.unmapped.find((u) => u.source.line === 75 && u.construct === 'VPN peer details')?.reason).toContain('GRE over IPsec');
  });

  it('fwbuilder_ios.test: two crypto-map peers with masked keys; mirrored ACL entries read once', () => {
    const r = corpus('cisco-ios/fwbuilder_ios.test');
    expect(peer(r, 'test 10')).toMatchObject({ peer: '22.22.22.22', localCidrs: ['10.3.14.0/24'], peerCidrs: ['10.10.10.0/24'], preSharedKey: { kind: 'masked', source: { line: 41 } } });
    expect(peer(r, 'real 10')).toMatchObject({ peer: '192.168.171.1', localCidrs: ['10.3.14.0/24'], peerCidrs: ['10.2.1.0/24', '192.168.171.1/32'], preSharedKey: { kind: 'masked' } });
    expect(peer(r, 'real 10').ike).toEqual({ encryption: '3des', hash: 'md5', group: 2 });
    expect(peer(r, 'real 10').esp).toEqual({ encryption: '3des', hash: 'md5', lifetimeSeconds: 28800 });
  });

  it('fwbuilder_ios.test: the CSM `vlan 706 server` context is not a network; certificate hex is skipped', () => {
    const r = corpus('cisco-ios/fwbuilder_ios.test');
    expect(r.networks.map((n) => n.cidr)).toEqual(['10.3.14.0/24', '192.168.171.0/24', '10.10.10.0/24', '10.10.20.0/24']);
    expect(unmappedAt(r, 71)[0]?.construct).toBe('service module');
    expect(unmappedAt(r, 62)[0]?.construct).toBe('PKI');
    expect(r.unmapped.filter((u) => u.source.line === 63 || u.source.line === 64)).toEqual([]);
    expect(unmappedAt(r, 107)[0]?.construct).toBe('secondary address');
  });

  it('lab-validation: four route-based peers whose clear keys are values', () => {
    const r = corpus('cisco-ios/lab-validation_exitgw_show_running-config.txt');
    expect(r.vpnPeers.map((p) => [p.key, p.peer])).toEqual([
      ['Tunnel1', '3.19.24.131'], ['Tunnel2', '52.14.53.162'], ['Tunnel3', '34.209.88.227'], ['Tunnel4', '44.227.244.7'],
    ]);
    for (const p of r.vpnPeers) {
      expect(p.preSharedKey?.kind).toBe('value');
      expect(p.preSharedKey?.source.text).toMatch(/key <redacted>$/);
      expect(p.esp).toEqual({ encryption: 'aes128', hash: 'sha1', group: 2 });
      expect(p.peerCidrs).toEqual([]);
    }
    expect(peer(r, 'Tunnel1').preSharedKey).toMatchObject({ value: 'FnPi1E827cWJr.qGRhjwY85j2zeVdq6T', source: { line: 119 } });
    const texts = allTexts(r);
    for (const key of ['FnPi1E827cWJr.qGRhjwY85j2zeVdq6T', 'LzmeHN_8ar9oVosUh1Xe8O7IaeYLUGno', 'UmubvF4qIEpmr5Cl.rbkXUPj3LBLtIIv', 'Rcw.wfJi8tgiOS8WiRS8eVmWvUrrC_Kx']) expect(texts).not.toContain(key);
    expect(unmappedAt(r, 115)[0]?.construct).toBe('keyring without keys');
    expect(r.unmapped.filter((u) => u.source.line > 62 && u.source.line < 90)).toEqual([]);
  });

  it('sample_01.ios: PAT through the dialer and a port forward on its (dynamic) address', () => {
    const r = corpus('cisco-ios/sample_01.ios');
    expect(r.publicIps).toEqual([
      expect.objectContaining({ nameHints: ['Dialer1'], sourceNatFor: ['FastEthernet0/0'], portForwards: [expect.objectContaining({ protocol: 'tcp', publicPort: 1415, privateIp: '172.16.1.5', privatePort: 22 })] }),
    ]);
    expect(r.publicIps[0]).not.toHaveProperty('address');
    expect(network(r, 'FastEthernet0/0')).toMatchObject({ cidr: '172.16.2.0/24', natInside: true });
    expect(unmappedAt(r, 295)[0]?.reason).toContain('172.16.1.0/24 match no `ip nat inside` network');
    expect(unmappedAt(r, 246)[0]?.construct).toBe('WAN interface');
    expect(r.unmapped.filter((u) => u.source.line > 413 && u.source.line <= 420)).toEqual([]);
  });

  it('sample_10.ios: pool PAT takes the pool\'s first address; the missing ACL is said', () => {
    const r = corpus('cisco-ios/sample_10.ios');
    expect(r.publicIps).toEqual([expect.objectContaining({ address: '10.10.10.14', sourceNatFor: [] })]);
    expect(unmappedAt(r, 72)[0]?.reason).toContain('ACL global-list is not defined');
    expect(network(r, 'GigabitEthernet3.11')).toMatchObject({ vlan: 11, cidr: '172.16.11.0/30' });
    expect(unmappedAt(r, 7)[0]).toMatchObject({ construct: 'SD-WAN overlay', reason: expect.stringMatching(/^\d+ top-level entries/) });
  });

  it('ios-nat-parsed-variants: one static NAT; repeats, route-map and outside forms are reported', () => {
    const r = corpus('cisco-ios/ios-nat-parsed-variants');
    expect(r.publicIps.filter((p) => p.staticNatTo)).toEqual([expect.objectContaining({ address: '2.2.2.2', staticNatTo: '1.1.1.1' })]);
    expect(unmappedAt(r, 11)[0]?.construct).toBe('duplicate NAT');
    expect(unmappedAt(r, 19)[0]?.construct).toBe('conditional static NAT');
    expect(unmappedAt(r, 31)[0]?.construct).toBe('outside source NAT');
  });
});

describe('importCisco: ASA / PIX corpus facts', () => {
  it('pix7-nat.test: VLAN subinterfaces, port statics with named ports, global/nat PAT', () => {
    const r = corpus('cisco-asa/pix7-nat.test');
    expect(r.networks.map((n) => [n.key, n.vlan, n.nameHints[0]])).toEqual([['Ethernet0.102', 102, 'dmz20'], ['Ethernet1', undefined, 'inside']]);
    expect(unmappedAt(r, 21)[0]).toMatchObject({ construct: 'outside interface', reason: expect.stringContaining('VLAN 101') });
    const web = r.publicIps.find((p) => p.address === '10.5.80.16');
    expect(web?.portForwards?.length).toBeGreaterThan(40);
    expect(web?.portForwards).toContainEqual(expect.objectContaining({ protocol: 'tcp', publicPort: 443, privateIp: '10.1.1.16', privatePort: 443 }));
    expect(web?.portForwards).toContainEqual(expect.objectContaining({ publicPort: 5190, privatePort: 5190 }));
    expect(r.publicIps.find((p) => p.address === '10.5.80.200')?.portForwards).toEqual([expect.objectContaining({ publicPort: 80, privateIp: '10.10.1.200', privatePort: 8080 })]);
    expect(r.publicIps.find((p) => p.address === '192.0.2.253')).toMatchObject({ sourceNatFor: ['Ethernet1'], nameHints: ['outside', 'Ethernet0.101'] });
    expect(network(r, 'Ethernet1')?.natInside).toBe(true);
    expect(unmappedAt(r, 174)[0]?.construct).toBe('NAT between internal interfaces');
    expect(unmappedAt(r, 163)[0]?.construct).toBe('NAT exemption (nat 0)');
    expect(unmappedAt(r, 31)[0]?.construct).toBe('failover standby address');
    expect(peer(r, 'spdemap 21')).toMatchObject({ peer: '192.0.2.254', preSharedKey: { kind: 'masked' }, ike: { hash: 'sha1', group: 1, lifetimeSeconds: 3600 } });
  });

  it('asa-nat-mixed: object and twice NAT statics; subnet and reverse NAT reported', () => {
    const r = corpus('cisco-asa/asa-nat-mixed');
    expect(r.publicIps.filter((p) => p.staticNatTo).map((p) => [p.address, p.staticNatTo])).toEqual([['2.2.2.2', '1.1.1.1'], ['192.168.4.0', '3.3.3.3'], ['192.168.6.0', '3.3.3.3']]);
    expect(r.publicIps.find((p) => p.address === '192.168.3.1')?.sourceNatFor).toEqual([]);
    expect(unmappedAt(r, 31)[0]?.construct).toBe('subnet static NAT');
    expect(unmappedAt(r, 29)[0]?.construct).toBe('NAT of outside addresses');
  });

  it('sample_01.asa: the INSIDE SVI is NATed out through the DHCP outside interface', () => {
    const r = corpus('cisco-asa/sample_01.asa');
    expect(r.networks).toEqual([expect.objectContaining({ key: 'Vlan200', cidr: '192.0.2.0/24', gateway: '192.0.2.1', vlan: 200, nameHints: ['INSIDE', 'Vlan200'], natInside: true })]);
    expect(r.publicIps).toEqual([expect.objectContaining({ nameHints: ['OUTSIDE', 'Vlan100'], sourceNatFor: ['Vlan200'] })]);
    expect(r.publicIps[0]).not.toHaveProperty('address');
    expect(unmappedAt(r, 40)[0]?.construct).toBe('remote-access VPN');
    expect(unmappedAt(r, 308)[0]?.construct).toBe('static route');
  });

  it('crypto_map2.raw: one peer per static sequence, SA lifetime and PFS kept', () => {
    const r = corpus('cisco-asa/cisco_asa_show_running-config_all_crypto_map2.raw');
    expect(r.vpnPeers).toHaveLength(10);
    expect(peer(r, 'WAN1_CMAP 100')).toMatchObject({ peer: '192.0.2.5', esp: { group: 5, lifetimeSeconds: 3600 } });
    expect(peer(r, 'S2S_CMAP 160').peer).toBe('172.21.251.34');
    expect(unmappedAt(r, 41)[0]?.construct).toBe('dynamic crypto map entry');
  });

  it('tunnel-group.raw: l2l tunnel-groups are peers with masked keys; the remote-access group is reported', () => {
    const r = corpus('cisco-asa/cisco_asa_show_running-config_tunnel-group.raw');
    expect(r.vpnPeers.map((p) => [p.peer, p.preSharedKey?.kind])).toEqual([['10.15.20.25', 'masked'], ['10.20.30.40', 'masked']]);
    expect(unmappedAt(r, 1)[0]?.construct).toBe('remote-access VPN');
  });
});
