import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importLibvirt } from '../../engine/migrate/libvirt.js';
import { UnsupportedFormat, type ImportedVm, type ImportResult } from '../../engine/migrate/model.js';

const CORPUS = new URL('../../../shared/corpus/', import.meta.url);
const LIBVIRT = new URL('libvirt/', CORPUS);
const KIB = 1024;
const GIB = 2 ** 30;

const corpusFiles = readdirSync(LIBVIRT).filter((n) => n.endsWith('.xml')).sort();
const read = (name: string) => ({ path: name, text: readFileSync(new URL(name, LIBVIRT), 'utf8') });
const importOne = (name: string) => importLibvirt([read(name)]);
const vm = (result: ImportResult, name: string): ImportedVm => {
  const found = result.vms.find((v) => v.name === name);
  if (found === undefined) throw new Error(`no VM ${name}`);
  return found;
};
/** `line construct` of every report, for pinning. */
const reports = (result: ImportResult) => result.unmapped.map((u) => `${u.source.line} ${u.construct}`);

describe('libvirt corpus', () => {
  it.each(corpusFiles)('%s imports on its own without throwing', (name) => {
    expect(importOne(name).formats.get(name)).toMatch(/^libvirt-/);
  });

  it('all corpus files import together; later definitions of a network name replace earlier ones', () => {
    const result = importLibvirt(corpusFiles.map(read));
    expect(result.formats.size).toBe(corpusFiles.length);
    expect(result.networks.filter((n) => n.key === 'default')).toHaveLength(1);
    expect(result.unmapped.filter((u) => u.construct === 'network default').length).toBeGreaterThanOrEqual(2);
  });
});

describe('networks', () => {
  it('nat-network.xml: subnet, bridge address as gateway, NAT, bridge name as alias; DHCP reported line by line', () => {
    const result = importOne('nat-network.xml');
    expect(result.networks).toEqual([
      {
        key: 'default',
        nameHints: ['default'],
        cidr: '192.168.122.0/24',
        gateway: '192.168.122.1',
        aliases: ['virbr0'],
        natInside: true,
        source: { file: 'nat-network.xml', line: 1, text: '<network>' },
      },
    ]);
    expect(reports(result)).toEqual([
      '7 DHCP range 192.168.122.2-192.168.122.254 of network default',
      '9 DHCP reservation 00:16:3e:77:e2:ed → 192.168.122.10 (a.example.com) of network default',
      '10 DHCP reservation 00:16:3e:3e:a9:1a → 192.168.122.11 (b.example.com) of network default',
    ]);
  });

  it('dhcp6-nat-network.xml: the first IPv4 <ip> is the network; the other IPv4 subnets and IPv6 are reported', () => {
    const result = importOne('dhcp6-nat-network.xml');
    expect(result.networks).toMatchObject([{ key: 'default', cidr: '192.168.122.0/24', gateway: '192.168.122.1', natInside: true }]);
    expect(reports(result)).toEqual(
      expect.arrayContaining([
        '13 additional IPv4 subnet 192.168.123.1/24 of network default',
        '15 IPv6 subnet 2001:db8:ac10:fd01::1/64 of network default',
        '25 additional IPv4 subnet 10.24.10.1/8 of network default',
      ]),
    );
  });

  it.each([
    { file: 'isolated-network.xml', want: { key: 'private', cidr: '192.168.152.0/24', aliases: ['virbr2'] }, natInside: undefined, note: undefined },
    { file: 'routed-network.xml', want: { key: 'local', cidr: '192.168.122.0/24', gateway: '192.168.122.1' }, natInside: undefined, note: '5 forward mode route of network local' },
    { file: 'host-bridge-net.xml', want: { key: 'host-bridge-net', aliases: ['br0'] }, natInside: undefined, note: '4 forward mode bridge of network host-bridge-net' },
  ])('$file: only NAT networks are natInside; other forward modes are explained', ({ file, want, natInside, note }) => {
    const result = importOne(file);
    expect(result.networks[0]).toMatchObject(want);
    expect(result.networks[0]?.natInside).toBe(natInside);
    if (note !== undefined) expect(reports(result)).toContain(note);
  });

  it('host-bridge-net.xml has no subnet: libvirt does not know the LAN behind br0', () => {
    expect(importOne('host-bridge-net.xml').networks[0]?.cidr).toBeUndefined();
  });

  it('openvswitch-net.xml: each portgroup with a VLAN is a network of its own; trunks are reported', () => {
    const result = importOne('openvswitch-net.xml');
    expect(result.networks.map((n) => [n.key, n.nameHints, n.vlan, n.source.line])).toEqual([
      ['openvswitch-net', ['openvswitch-net'], undefined, 1],
      ['openvswitch-net/bob', ['bob', 'openvswitch-net'], 666, 6],
      ['openvswitch-net/alice', ['alice', 'openvswitch-net'], 777, 14],
    ]);
    expect(reports(result)).toEqual([
      '4 forward mode bridge of network openvswitch-net',
      '7 VLAN trunk 666 of portgroup bob of network openvswitch-net',
      '15 VLAN trunk 777, 888, 999 of portgroup alice of network openvswitch-net',
    ]);
  });

  it('an <ip> without netmask or prefix gets the classful prefix, as libvirt gives it, and is reported', () => {
    const text = "<network><name>n</name>\n<ip address='10.24.10.1'/>\n</network>";
    const result = importLibvirt([{ path: 'n.xml', text }]);
    expect(result.networks[0]).toMatchObject({ cidr: '10.0.0.0/8', gateway: '10.24.10.1' });
    expect(reports(result)).toEqual(['2 subnet 10.24.10.1 without a netmask of network n']);
  });
});

describe('domains', () => {
  it('net-virtio-network-portgroup.xml: a qemu domain with a block disk of unknown size and three network NICs', () => {
    const result = importOne('net-virtio-network-portgroup.xml');
    expect(result.vms).toEqual([
      {
        name: 'QEMUGuest1',
        hypervisor: 'kvm',
        cpu: 1,
        memoryBytes: 219136 * KIB,
        disks: [{ label: 'hda', source: { file: 'net-virtio-network-portgroup.xml', line: 17, text: "<disk type='block' device='disk'>" } }],
        nics: [
          { network: 'rednet', vlan: 4095, mac: '00:11:22:33:44:55' },
          { network: 'blue', mac: '10:11:22:33:44:55' },
          { network: 'blue', mac: '22:11:22:33:44:55' },
        ],
        source: { file: 'net-virtio-network-portgroup.xml', line: 1, text: "<domain type='qemu'>" },
      },
    ]);
    expect(reports(result)).toEqual([
      '28 VLAN 4095 on network interface 00:11:22:33:44:55 of QEMUGuest1',
      '25 portgroup bob of network rednet on QEMUGuest1',
      '36 portgroup sam of network blue on QEMUGuest1',
      '44 portgroup sam of network blue on QEMUGuest1',
    ]);
  });

  it('with the network given too, a NIC on a VLAN portgroup joins the portgroup network', () => {
    const rednet = { path: 'rednet.xml', text: "<network><name>rednet</name><portgroup name='bob'><vlan><tag id='42'/></vlan></portgroup></network>" };
    const result = importLibvirt([read('net-virtio-network-portgroup.xml'), rednet]);
    expect(vm(result, 'QEMUGuest1').nics[0]).toMatchObject({ network: 'rednet/bob' });
    expect(result.networks.map((n) => [n.key, n.vlan])).toEqual([
      ['rednet', undefined],
      ['rednet/bob', 42],
    ]);
  });

  it("a NIC naming no portgroup gets the network's default portgroup, and its VLAN", () => {
    const domain = { path: 'guest.xml', text: "<domain type='kvm'><name>guest</name><devices><interface type='network'><source network='openvswitch-net'/></interface></devices></domain>" };
    const result = importLibvirt([domain, read('openvswitch-net.xml')]);
    expect(vm(result, 'guest').nics).toEqual([{ network: 'openvswitch-net/bob' }]);
  });

  it('virt-install-linux2020.xml: two concatenated <domain> documents; the second wins, the first is reported', () => {
    const result = importOne('virt-install-linux2020.xml');
    expect(result.vms).toHaveLength(1);
    expect(result.vms[0]).toMatchObject({
      name: 'linux2020',
      hypervisor: 'kvm',
      cpu: 2,
      memoryBytes: 65536 * KIB,
      guestOs: 'http://libosinfo.org/linux/2020',
      disks: [{ label: 'vda', source: { line: 116 } }],
      nics: [{ network: 'testsuitebr0', mac: '00:11:22:33:44:55' }],
      source: { line: 85 },
    });
    expect(result.vms[0]?.poweredOn).toBeUndefined();
    expect(result.unmapped[0]).toMatchObject({ construct: 'domain linux2020', source: { line: 1 }, reason: expect.stringContaining('superseded by line 85') });
  });

  it('virt-install-many-devices.xml: disk and bridge NICs imported, boot disk first; exotic devices reported', () => {
    const result = importOne('virt-install-many-devices.xml');
    const fedora = vm(result, 'fedora');
    expect(fedora).toMatchObject({ cpu: 9, memoryBytes: 65536 * KIB, guestOs: 'http://fedoraproject.org/fedora/unknown' });
    expect(fedora.disks[0]).toMatchObject({ label: 'vda' });
    expect(fedora.disks).toHaveLength(24);
    expect(fedora.disks.every((d) => d.sizeBytes === undefined)).toBe(true);
    expect(fedora.nics.map((n) => n.network)).toEqual(['foobar', 'ovsbr', 'testsuitebr0']);
    const kinds = result.unmapped.map((u) => u.construct.split(' ')[0]);
    const count = (kind: string) => kinds.filter((k) => k === kind).length;
    expect({ user: count('user'), hostdevNic: result.unmapped.filter((u) => u.construct.startsWith('hostdev interface')).length, direct: count('direct'), vdpa: count('vdpa'), vhostuser: count('vhostuser') }).toEqual({
      user: 9,
      hostdevNic: 3,
      direct: 1,
      vdpa: 1,
      vhostuser: 1,
    });
    expect({ cdrom: count('cdrom'), floppy: count('floppy'), lun: count('lun'), filesystem: count('filesystem'), tpm: count('tpm'), shmem: count('shmem') }).toEqual({
      cdrom: 1,
      floppy: 1,
      lun: 2,
      filesystem: 11,
      tpm: 2,
      shmem: 3,
    });
    expect(reports(result)).toEqual(expect.arrayContaining(['893 hostdev pci 0:0:25:0 of fedora', '438 nvme disk vdu of fedora', '1056 launch security sev of fedora', '1 UEFI firmware of fedora']));
  });

  it('a disk takes its size from a volume of the same import, which is then not reported', () => {
    const domain = { path: 'demo.xml', text: "<domain type='kvm'><name>demo</name><devices><disk type='file' device='disk'><source file='/var/lib/libvirt/images/OtherDemo.img'/><target dev='vda'/></disk></devices></domain>" };
    const alone = importOne('vol-qcow2.xml');
    expect(reports(alone)).toEqual(['1 storage volume OtherDemo.img (5 GiB)']);
    const joined = importLibvirt([domain, read('vol-qcow2.xml')]);
    expect(vm(joined, 'demo').disks).toMatchObject([{ label: 'vda', sizeBytes: 5 * GIB }]);
    expect(joined.unmapped).toEqual([]);
  });
});

describe('testdriver.xml (a whole test-driver host)', () => {
  const result = importOne('testdriver.xml');

  it('imports its 14 domains and 16 networks; the domain copies inside the 10 snapshots are not VMs', () => {
    expect(result.formats.get('testdriver.xml')).toBe('libvirt-node');
    expect(result.vms).toHaveLength(14);
    expect(result.networks).toHaveLength(16);
    expect(result.unmapped.filter((u) => u.construct.startsWith('snapshot '))).toHaveLength(10);
    expect(result.vms.filter((v) => v.name === 'test-snapshots')).toHaveLength(1);
  });

  it.each([
    { name: 'test', poweredOn: true, reason: 'the test driver starts a domain without a runstate' },
    { name: 'test-state-shutoff', poweredOn: false, reason: 'runstate 5 is shut off' },
    { name: 'test-state-paused', poweredOn: true, reason: 'runstate 3: paused keeps the guest in memory' },
    { name: 'test-state-crashed', poweredOn: false, reason: 'runstate 6 has stopped the guest' },
    { name: 'test-state-pmsuspended', poweredOn: true, reason: 'runstate 7: suspended by the guest, still running' },
  ])('$name: poweredOn $poweredOn ($reason)', ({ name, poweredOn }) => {
    expect(vm(result, name).poweredOn).toBe(poweredOn);
  });

  it('test-type domains are imported as kvm, each with a note saying so', () => {
    expect(result.vms.every((v) => v.hypervisor === 'kvm')).toBe(true);
    expect(result.unmapped.filter((u) => u.construct.startsWith('domain type test'))).toHaveLength(14);
  });

  it('disks get the capacity of the pool volume they use', () => {
    expect(vm(result, 'test-clone-full').disks).toMatchObject([{ label: 'hda', sizeBytes: 100 * GIB }]);
    expect(vm(result, 'test-clone-simple').disks).toMatchObject([{ label: 'hda', sizeBytes: 1000000 }]);
  });

  it('memory units: GiB as written, KiB by default', () => {
    expect(vm(result, 'test-alternate-devs').memoryBytes).toBe(128 * GIB);
    expect(vm(result, 'test').memoryBytes).toBe(8388608 * KIB);
  });

  it('networks: NAT, routed, classful default and IPv6-only variants', () => {
    const byKey = Object.fromEntries(result.networks.map((n) => [n.key, n]));
    expect(byKey['default']).toMatchObject({ cidr: '192.168.122.0/24', natInside: true, aliases: ['virbr0'] });
    expect(byKey['ipv4_prefix']).toMatchObject({ cidr: '192.168.50.0/24', natInside: true });
    expect(byKey['ipv4_nomask']).toMatchObject({ cidr: '10.0.0.0/8', gateway: '10.24.10.1' });
    expect(byKey['ipv6route']?.cidr).toBeUndefined();
    expect(byKey['route']?.natInside).toBeUndefined();
  });

  it('reports the host, its pools and node devices once each', () => {
    expect(reports(result)).toEqual(expect.arrayContaining(['3 host 16 CPUs, 9.5 GiB memory', '2353 94 host node devices', '1609 storage pool pool-dir (type dir, 32 TiB)']));
  });
});

describe('files that are not libvirt XML', () => {
  it.each([
    { reason: 'garbage bytes', text: '\u0001\u0002\u0000garbage', why: /binary data/ },
    { reason: 'JSON', text: '{"domain": {"name": "a"}}', why: /JSON/ },
    { reason: 'a Cisco config', text: readFileSync(new URL('cisco-ios/sample_01.ios', CORPUS), 'utf8'), why: /text outside any XML element at line 2/ },
    { reason: 'markdown', text: '# Notes\n\nSome <b>bold</b> text\n', why: /text outside any XML element at line 1/ },
    { reason: 'an RVTools CSV', text: 'VM,Powerstate,CPUs,Memory\na,poweredOn,1,1024\n', why: /text outside any XML element/ },
    { reason: 'other XML', text: '<html><body/></html>', why: /root element <html> \(line 1\) is not libvirt XML/ },
    { reason: 'an unclosed element', text: "<domain type='kvm'>\n  <name>x</name>\n", why: /<domain> is not closed before the end of the file/ },
    { reason: 'mismatched tags', text: '<domain>\n<name>x</nam>\n</domain>', why: /line 2/ },
    { reason: 'an empty file', text: '', why: /no XML element/ },
  ])('$reason throws UnsupportedFormat with a reason', ({ text, why }) => {
    const run = () => importLibvirt([{ path: 'input.xml', text }]);
    expect(run).toThrow(UnsupportedFormat);
    expect(run).toThrow(why);
  });

  it('concatenated documents may each bring an XML declaration', () => {
    const one = "<?xml version='1.0'?>\n<network><name>a</name></network>\n";
    const result = importLibvirt([{ path: 'two.xml', text: one + one.replace('>a<', '>b<') }]);
    expect(result.networks.map((n) => [n.key, n.source.line])).toEqual([
      ['a', 2],
      ['b', 4],
    ]);
  });
});
