/**
 * The import decisions (engine/migrate/draft.ts) and the YAML written from them, on
 * plain import results: naming, linking VMs to networks and NAT to VMs, fitting VLANs
 * and public IPs to the zone, secrets kept out of the spec.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { draftTenant, mergeResults } from '../../engine/migrate/draft.js';
import { reportText, secretsEnv, tenantYaml } from '../../engine/migrate/emit.js';
import { emptyResult, type ImportResult } from '../../engine/migrate/model.js';
import { TenantDocument, ZoneDocument } from '../../specs/schema.js';

const ZONE = ZoneDocument.parse(parse(readFileSync(new URL('../fixtures/import-zone/zone.yaml', import.meta.url), 'utf8')));
const NARROW = ZoneDocument.parse({ ...parse(readFileSync(new URL('../fixtures/import-zone/zone.yaml', import.meta.url), 'utf8')), spec: { ...parse(readFileSync(new URL('../fixtures/import-zone/zone.yaml', import.meta.url), 'utf8')).spec, segments: { vlans: ['100-999'] } } });
const at = (line: number, file = 'core-sw1.cfg') => ({ file, line });

const cisco: ImportResult = {
  ...emptyResult(),
  formats: new Map([['core-sw1.cfg', 'cisco-ios']]),
  networks: [
    { key: 'Vlan10', nameHints: ['SERVERS', 'Vlan10'], cidr: '10.1.10.0/24', gateway: '10.1.10.1', vlan: 10, natInside: true, source: at(40) },
    { key: 'Vlan1050', nameHints: ['Backup Net', 'Vlan1050'], cidr: '10.1.50.0/24', gateway: '10.1.50.254', vlan: 1050, source: at(52) },
  ],
  publicIps: [
    { address: '203.0.113.20', nameHints: [], staticNatTo: '10.1.10.5', source: at(80) },
    { address: '192.0.2.7', nameHints: [], portForwards: [{ protocol: 'tcp', publicPort: 2222, privateIp: '10.1.10.6', privatePort: 22, source: at(81) }], source: at(81) },
    { address: '203.0.113.30', nameHints: ['Dialer1'], sourceNatFor: ['Vlan10'], source: at(82) },
    { address: '203.0.113.40', nameHints: [], staticNatTo: '10.1.10.99', source: at(83) },
  ],
  vpnPeers: [
    {
      key: 'VPN 10', nameHints: ['hq'], peer: '198.51.100.77', peerCidrs: ['192.168.1.0/24'], localCidrs: ['10.1.10.0/24'],
      ike: { encryption: 'aes256', hash: 'sha1', group: 2, lifetimeSeconds: 86_400 }, esp: { encryption: 'aes128', hash: 'sha1' },
      preSharedKey: { kind: 'value', value: "s3cr'et", source: at(90) }, source: at(91),
    },
    {
      key: 'VPN 20', nameHints: [], peer: '198.51.100.78', peerCidrs: ['192.168.2.0/24'], localCidrs: ['10.1.50.0/24'],
      ike: { encryption: 'des', hash: 'md5', group: 1 }, esp: {}, preSharedKey: { kind: 'masked', source: at(95) }, source: at(96),
    },
  ],
  unmapped: [{ source: at(120), construct: 'router ospf 1', reason: 'routing is the zone\'s job' }],
};

const vmware: ImportResult = {
  ...emptyResult(),
  formats: new Map([['vInfo.csv', 'rvtools-vinfo']]),
  vms: [
    { name: 'web-01.customer.com', hypervisor: 'vmware', cpu: 2, memoryBytes: 4 * 2 ** 30, disks: [{ label: 'Hard disk 1', sizeBytes: 40 * 2 ** 30, source: at(2, 'vInfo.csv') }, { label: 'Hard disk 2', sizeBytes: 100.5 * 2 ** 30, source: at(2, 'vInfo.csv') }], nics: [{ network: 'servers', ip: '10.1.10.5' }], poweredOn: true, guestOs: 'Microsoft Windows Server 2019 (64-bit)', source: at(2, 'vInfo.csv') },
    { name: 'ssh-gw', hypervisor: 'vmware', cpu: 1, memoryBytes: 1536 * 2 ** 20, disks: [], nics: [{ network: 'DMZ PG', ip: '172.20.5.9' }, { network: 'DMZ PG', ip: '172.20.5.10' }], poweredOn: false, source: at(3, 'vInfo.csv') },
    { name: 'ssh-gw', hypervisor: 'vmware', disks: [], nics: [{ ip: '10.1.10.6' }], source: at(4, 'vInfo.csv') },
    { name: 'orphan', hypervisor: 'vmware', cpu: 1, memoryBytes: 2 ** 30, disks: [], nics: [], source: at(5, 'vInfo.csv') },
  ],
};

describe('draftTenant', () => {
  const draft = draftTenant(mergeResults([cisco, vmware]), { tenant: 'acme', zone: NARROW });
  const network = (name: string) => draft.networks.find((n) => n.value.name === name)!.value;

  it('names networks from the best hint and keeps a VLAN only where the zone pool has it', () => {
    expect(network('servers')).toEqual({ name: 'servers', cidr: '10.1.10.0/24', segment: { vlan: 'auto' }, sourceNat: 'dialer1' });
    expect(network('backup-net')).toMatchObject({ cidr: '10.1.50.0/24', gateway: '10.1.50.254', segment: { vlan: 'auto' } });
    expect(draft.report).toContainEqual(expect.objectContaining({ kind: 'review', line: 52, construct: 'VLAN 1050 of network backup-net' }));
    const wide = draftTenant(mergeResults([cisco, vmware]), { tenant: 'acme', zone: ZONE });
    expect(wide.networks.map((n) => n.value.segment)).toContainEqual({ vlan: 1050 });
    expect(wide.networks.map((n) => n.value.segment)).toContainEqual({ vlan: 10 });
  });

  it('links NICs by portgroup name or address, infers a CIDR for a network the source does not describe, and a placeholder network for VMs without one', () => {
    const vm = (name: string) => draft.vms.find((v) => v.value.name === name)!;
    expect(vm('web-01').value.nics).toEqual([{ network: 'servers', ip: '10.1.10.5' }]);
    expect(vm('web-01').notes).toContain('"web-01.customer.com" in the source');
    expect(network('dmz-pg').cidr).toBe('172.20.5.0/24');
    expect(vm('ssh-gw').value.nics).toEqual([{ network: 'dmz-pg', ip: '172.20.5.9' }, { network: 'dmz-pg', ip: '172.20.5.10' }]);
    expect(vm('ssh-gw-2').value.nics).toEqual([{ network: 'servers', ip: '10.1.10.6' }]);
    expect(vm('orphan').value.nics).toEqual([{ network: 'unassigned' }]);
    expect(network('unassigned').cidr).toBe('10.254.0.0/24');
    expect(draft.report.some((r) => r.kind === 'review' && r.reason.includes('inferred from the addresses of its VMs'))).toBe(true);
  });

  it('sizes, templates and flags VMs', () => {
    const web = draft.vms.find((v) => v.value.name === 'web-01')!.value;
    expect(web).toMatchObject({ hypervisor: 'vmware', cpu: 2, memory: '4GiB', template: 'windows-server-2022', rootDisk: { size: '40GiB', tier: 'standard' } });
    expect(web.disks).toEqual([{ name: 'hard-disk-2', size: '101GiB', tier: 'standard' }]);
    const gw = draft.vms.find((v) => v.value.name === 'ssh-gw')!;
    expect(gw.value.memory).toBe('1536MiB');
    expect(gw.notes).toContain('powered off in the source');
    expect(draft.report.filter((r) => r.construct === 'VM ssh-gw-2').map((r) => r.reason)).toEqual(expect.arrayContaining([expect.stringContaining('vCPU count not in the source')]));
  });

  it('resolves static NAT and port forwards to VMs by their first address, reports the rest, and keeps only addresses the zone owns', () => {
    const ip = (n: string) => draft.publicIps.find((p) => p.value.name === n)!.value;
    expect(ip('ip-203-0-113-20')).toEqual({ name: 'ip-203-0-113-20', address: '203.0.113.20', staticNat: { vm: 'web-01' } });
    expect(ip('ip-192-0-2-7')).toEqual({ name: 'ip-192-0-2-7', portForwards: [{ protocol: 'tcp', port: 2222, privatePort: 22, vm: 'ssh-gw-2' }] });
    expect(draft.report).toContainEqual(expect.objectContaining({ kind: 'review', construct: 'public IP 192.0.2.7' }));
    expect(draft.report).toContainEqual(expect.objectContaining({ kind: 'unmapped', line: 83, construct: 'static NAT 203.0.113.40 → 10.1.10.99' }));
  });

  it('turns VPN peers into site-to-site tunnels, with keys only in the secrets file', () => {
    const [hq, other] = draft.siteToSite.map((s) => s.value);
    expect(hq).toEqual({
      name: 'hq', peer: '198.51.100.77', peerCidrs: ['192.168.1.0/24'], localNetworks: ['servers'],
      ike: { encryption: 'aes256', hash: 'sha1', dhGroup: 2, lifetime: '1d' }, esp: { encryption: 'aes128', hash: 'sha1', lifetime: '1h' },
      preSharedKey: { env: 'ACME_HQ_PSK' },
    });
    // Unsupported parameters are replaced and said so; the tunnel still needs a NAT address.
    expect(other!.ike).toEqual({ encryption: 'aes256', hash: 'md5', dhGroup: 14, lifetime: '8h' });
    expect(network('backup-net').sourceNat).toBe('dialer1');
    expect(draft.report.filter((r) => r.construct === 'VPN peer 198.51.100.78').map((r) => r.reason)).toEqual(expect.arrayContaining([
      expect.stringContaining('IKE encryption des is not offered'), expect.stringContaining('IKE DH group 1 is not offered'),
    ]));
    const env = secretsEnv(draft);
    expect(env).toContain(`ACME_HQ_PSK='s3cr'\\''et'`);
    expect(env).toMatch(/masked or missing in the source: fill in the value\nACME_PEER_198_51_100_78_PSK=\n/);
  });

  it('writes YAML that is a valid Tenant document, with the source of each item beside it and no secret value', () => {
    const text = tenantYaml(draft, ['conf/core-sw1.cfg', 'vInfo.csv'], 'netfirst import cisco');
    expect(text).toContain('# core-sw1.cfg:40');
    expect(text).toContain('# vInfo.csv:2 — "web-01.customer.com" in the source');
    expect(text).not.toContain('s3cr');
    const doc = TenantDocument.safeParse(parse(text));
    expect(doc.success ? [] : doc.error.issues).toEqual([]);
    expect(reportText(draft)).toContain('core-sw1.cfg:120: router ospf 1: routing is the zone\'s job');
  });
});
