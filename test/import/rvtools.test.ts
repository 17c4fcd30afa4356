import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UnsupportedFormat, type ImportedVm, type ImportResult } from '../../engine/migrate/model.js';
import { importRvtools } from '../../engine/migrate/rvtools.js';

const CORPUS = new URL('../../../shared/corpus/', import.meta.url);
const RVTOOLS = new URL('rvtools/', CORPUS);
const GIB = 2 ** 30;
const MIB = 2 ** 20;

const corpusFiles = readdirSync(RVTOOLS).filter((n) => n.endsWith('.csv')).sort();
const read = (name: string) => ({ path: name, text: readFileSync(new URL(name, RVTOOLS), 'utf8') });
/** Every corpus file whose name contains `part`: one RVTools export. */
const exportOf = (part: string) => corpusFiles.filter((n) => n.includes(part)).map(read);
const vm = (result: ImportResult, name: string): ImportedVm => {
  const found = result.vms.find((v) => v.name === name);
  if (found === undefined) throw new Error(`no VM ${name}`);
  return found;
};
const constructs = (result: ImportResult) => result.unmapped.map((u) => u.construct);

describe('RVTools corpus', () => {
  it.each(corpusFiles)('%s imports on its own without throwing', (name) => {
    const result = importRvtools([read(name)]);
    expect(result.formats.get(name)).toMatch(/^rvtools-/);
  });

  it('all corpus files import together in one call', () => {
    const result = importRvtools(corpusFiles.map(read));
    expect(result.formats.size).toBe(corpusFiles.length);
    expect(result.vms.length).toBeGreaterThan(800);
  });

  it('the tab is told from the header row, not the file name', () => {
    const { text } = read('rvtools-to-ibm-cloud_rvtools-small-complete_vDisk.csv');
    const result = importRvtools([{ path: 'export/vInfo.csv', text }]);
    expect(result.formats.get('export/vInfo.csv')).toBe('rvtools-vdisk');
  });
});

describe('migration-planner example1 (RVTools 4.x, vCenter 8)', () => {
  const result = importRvtools(exportOf('migration-planner_example1'));

  it('reads each tab as what its header says', () => {
    expect(Object.fromEntries(result.formats)).toEqual({
      'migration-planner_example1_vDisk.csv': 'rvtools-vdisk',
      'migration-planner_example1_vHost.csv': 'rvtools-vhost',
      'migration-planner_example1_vInfo.csv': 'rvtools-vinfo',
      'migration-planner_example1_vPartition.csv': 'rvtools-vpartition',
    });
  });

  it.each([
    { name: 'vm-1', cpu: 1, memoryMib: 2224, poweredOn: false, nics: [{ network: 'VM Network' }], disksGib: [['Hard disk 1', 101]] },
    { name: 'vm-2', cpu: 2, memoryMib: 2046, poweredOn: false, nics: [{ network: 'VM Network' }], disksGib: [['Hard disk 1', 512]] },
    { name: 'vm-3', cpu: 3, memoryMib: 3526, poweredOn: true, nics: [{ network: 'VM Network', ip: '10.58.58.28' }], disksGib: [['Hard disk 1', 100]] },
    { name: 'vm-7', cpu: 9, memoryMib: 13146, poweredOn: false, nics: [{ network: 'VM Network' }], disksGib: [['Hard disk 1', 100]] },
    { name: 'vm-8', cpu: 13, memoryMib: 34321, poweredOn: true, nics: [{ network: 'Management Network', ip: '10.219.147.82' }], disksGib: [['Hard disk 2', 100]] },
  ])('$name: size and power from vInfo, NIC on its portgroup with the primary IP, disks from vDisk in GiB', (want) => {
    const got = vm(result, want.name);
    expect(got).toMatchObject({ hypervisor: 'vmware', cpu: want.cpu, memoryBytes: want.memoryMib * MIB, poweredOn: want.poweredOn, nics: want.nics });
    expect(got.disks.map((d) => [d.label, (d.sizeBytes ?? 0) / GIB])).toEqual(want.disksGib);
  });

  it('imports 9 VMs on the 2 portgroups their NICs name', () => {
    expect(result.vms.map((v) => v.name)).toEqual(['vm-1', 'vm-2', 'vm-3', 'vm-4', 'vm-5', 'vm-6', 'vm-7', 'vm-8', 'vm-9']);
    expect(result.networks.map((n) => [n.key, n.vlan, n.cidr])).toEqual([
      ['VM Network', undefined, undefined],
      ['Management Network', undefined, undefined],
    ]);
  });

  it('keeps the partly filled last row as a VM without a size, and reports it with its line', () => {
    expect(vm(result, 'vm-9')).toMatchObject({ poweredOn: true, source: { line: 10 } });
    expect(vm(result, 'vm-9').cpu).toBeUndefined();
    expect(vm(result, 'vm-9').memoryBytes).toBeUndefined();
    expect(result.unmapped.find((u) => u.construct === 'partly filled vInfo row for vm-9')).toMatchObject({
      source: { file: 'migration-planner_example1_vInfo.csv', line: 10 },
      reason: expect.stringContaining('CPUs and Memory'),
    });
  });

  it('reports the host and partition tabs once each, not per row', () => {
    expect(constructs(result)).toContain('vHost tab: 7 ESXi hosts');
    expect(constructs(result)).toContain('vPartition tab: 9 guest partitions');
  });

  it('a disk row with a quoted, comma-laden path keeps the right line', () => {
    expect(vm(result, 'vm-9').disks[0]?.source).toMatchObject({ file: 'migration-planner_example1_vDisk.csv', line: 10 });
  });

  it('without vDisk, a VM gets one disk of its total capacity, and none when vInfo says it has no disk', () => {
    const vinfoOnly = importRvtools([read('migration-planner_example1_vInfo.csv')]);
    expect(vm(vinfoOnly, 'vm-1').disks).toMatchObject([{ label: 'Hard disk 1', sizeBytes: 100494 * MIB }]);
    expect(vm(vinfoOnly, 'vm-2').disks).toEqual([]);
  });
});

describe('SizingWorkshop (805 VMs, older headers)', () => {
  it('vInfo: 795 VMs, the 10 templates reported with their lines, powered-off VMs flagged', () => {
    const result = importRvtools([read('rvtools-to-ibm-cloud_SizingWorkshop-RVTools_vInfo.csv')]);
    const templates = result.unmapped.filter((u) => u.construct.startsWith('template '));
    expect(result.vms).toHaveLength(795);
    expect(templates).toHaveLength(10);
    expect(templates[0]).toMatchObject({ construct: 'template Bowf17webprod', source: { line: 228 } });
    expect(result.vms.filter((v) => v.poweredOn === false)).toHaveLength(32);
    expect(result.vms.filter((v) => v.poweredOn === true)).toHaveLength(763);
    expect(result.vms[0]).toMatchObject({
      name: 'wadfs1',
      cpu: 1,
      memoryBytes: 4096 * MIB,
      guestOs: 'Microsoft Windows Server 2008 R2 (64-bit)',
      disks: [{ label: 'Hard disk 1', sizeBytes: 86201 * MIB }],
      source: { line: 2 },
    });
  });

  it('vNetwork with blank Network columns keeps the IPs on NICs without a network', () => {
    const result = importRvtools(exportOf('SizingWorkshop'));
    expect(result.vms).toHaveLength(795);
    expect(vm(result, 'wadfs1').nics).toEqual([{ ip: '10.0.0.0' }]);
    expect(vm(result, 'ns2-int').nics).toEqual([{ ip: '10.0.3.35' }]);
    expect(result.vms.every((v) => v.nics.every((n) => n.network === undefined && n.ip !== undefined))).toBe(true);
    expect(result.networks).toEqual([]);
  });

  it('vNetwork rows of templates are reported, not turned into VMs', () => {
    const result = importRvtools(exportOf('SizingWorkshop'));
    const rows = result.unmapped.filter((u) => u.construct.startsWith('vNetwork row for '));
    expect(rows).toHaveLength(10);
    expect(rows[0]).toMatchObject({ construct: 'vNetwork row for Bowf17webprod', source: { file: 'rvtools-to-ibm-cloud_SizingWorkshop-RVTools_vNetwork.csv' } });
  });

  it('vNetwork alone: the VMs are built from the rows', () => {
    const result = importRvtools([read('rvtools-to-ibm-cloud_SizingWorkshop-RVTools_vNetwork.csv')]);
    expect(result.vms).toHaveLength(805);
    expect(result.vms[0]).toMatchObject({ name: 'wadfs1', hypervisor: 'vmware', poweredOn: true, nics: [{ ip: '10.0.0.0' }], disks: [], source: { line: 2 } });
  });
});

describe('small-complete set (vInfo + vNetwork + vDisk + vSwitch + dvSwitch)', () => {
  const result = importRvtools(exportOf('small-complete'));

  it('merges into 3 VMs', () => {
    expect(result.vms.map((v) => [v.name, v.poweredOn])).toEqual([
      ['sample-web-01', true],
      ['sample-db-01', true],
      ['sample-archive-01', false],
    ]);
  });

  it('the dual-homed VM has both NICs in adapter order, with MACs and IPs', () => {
    expect(vm(result, 'sample-db-01').nics).toEqual([
      { network: 'sample-db-net', ip: '10.10.2.20', mac: '00:50:56:aa:00:02' },
      { network: 'sample-backup-net', ip: '10.10.3.20', mac: '00:50:56:aa:00:03' },
    ]);
  });

  it.each([
    { name: 'sample-web-01', disks: [['Hard disk 1', 80], ['Hard disk 2', 40]] },
    { name: 'sample-db-01', disks: [['Hard disk 1', 100], ['Hard disk 2', 220]] },
    { name: 'sample-archive-01', disks: [['Hard disk 1', 80]] },
  ])('$name: vDisk rows replace the vInfo total, boot disk first', ({ name, disks }) => {
    expect(vm(result, name).disks.map((d) => [d.label, (d.sizeBytes ?? 0) / GIB])).toEqual(disks);
  });

  it('portgroups carry their VLANs from vSwitch (101, 102) and dvSwitch (103), with no CIDR', () => {
    const byKey = Object.fromEntries(result.networks.map((n) => [n.key, n]));
    expect(Object.keys(byKey).sort()).toEqual(['sample-app-net', 'sample-backup-net', 'sample-db-net']);
    expect(byKey['sample-app-net']).toMatchObject({ vlan: 101, nameHints: ['sample-app-net'], source: { file: 'rvtools-to-ibm-cloud_rvtools-small-complete_vSwitch.csv', line: 2 } });
    expect(byKey['sample-db-net']).toMatchObject({ vlan: 102 });
    expect(byKey['sample-backup-net']).toMatchObject({ vlan: 103, source: { file: 'rvtools-to-ibm-cloud_rvtools-small-complete_dvSwitch.csv' } });
    expect(result.networks.every((n) => n.cidr === undefined)).toBe(true);
  });

  it('rows for a VM missing from the vInfo given are reported with their lines', () => {
    const extra = { path: 'extra_vNetwork.csv', text: 'VM,NIC label,Network,IPv4 Address\r\nghost-01,Network adapter 1,sample-app-net,10.10.1.99\r\n' };
    const merged = importRvtools([...exportOf('small-complete'), extra]);
    expect(merged.vms).toHaveLength(3);
    expect(merged.unmapped).toContainEqual(expect.objectContaining({ construct: 'vNetwork row for ghost-01', source: expect.objectContaining({ file: 'extra_vNetwork.csv', line: 2 }) }));
  });
});

describe('CSV shapes', () => {
  it.each([
    {
      reason: 'RVTools 3.x headers (MB) mean MiB as well',
      text: 'VM,Powerstate,Template,CPUs,Memory,Provisioned MB\n a ,poweredOn,False,2,1024,2048\n',
      want: { name: 'a', cpu: 2, memoryBytes: 1024 * MIB, disks: [{ sizeBytes: 2048 * MIB }] },
    },
    {
      reason: 'a BOM and CRLF line ends are read through',
      text: '\uFEFFVM,Powerstate,CPUs,Memory MiB,Provisioned MiB\r\nb,poweredOff,1,512,1024\r\n',
      want: { name: 'b', poweredOn: false, memoryBytes: 512 * MIB },
    },
    {
      reason: 'a semicolon-separated sheet (localised Excel) is read too',
      text: 'VM;Powerstate;CPUs;Memory;Network #1;Network #2;Primary IP Address\nc;poweredOn;4;4096;web;db;192.0.2.7\n',
      want: { name: 'c', nics: [{ network: 'web', ip: '192.0.2.7' }, { network: 'db' }] },
    },
  ])('$reason', ({ text, want }) => {
    expect(importRvtools([{ path: 'vInfo.csv', text }]).vms[0]).toMatchObject(want);
  });

  it('a quoted field spanning lines does not shift the lines of later rows', () => {
    const text = 'VM,Powerstate,CPUs,Memory,Annotation\r\nfirst,poweredOn,1,1024,"two\r\nlines"\r\n\r\nsecond,poweredOn,1,1024,x\r\n';
    const result = importRvtools([{ path: 'vInfo.csv', text }]);
    expect(result.vms.map((v) => [v.name, v.source.line])).toEqual([
      ['first', 2],
      ['second', 5],
    ]);
  });

  it('an unclosed quote is reported from the line it opens on; the rows before it are kept', () => {
    const text = '\n\nVM,CPUs,Memory\na,1,1024\nb,"1,1024\nc,2,2048\n';
    const result = importRvtools([{ path: 'vInfo.csv', text }]);
    expect(result.vms.map((v) => [v.name, v.source.line])).toEqual([['a', 4]]);
    expect(result.unmapped).toMatchObject([{ construct: 'unreadable CSV records on lines 5-6', source: { line: 5, text: 'b,"1,1024' } }]);
  });

  it('nothing is dropped silently: nameless rows, duplicates, extra addresses and trunk VLANs are reported', () => {
    const vinfo = { path: 'vInfo.csv', text: 'VM,CPUs,Memory\n,1,1024\ndup,1,1024\ndup,2,2048\n' };
    const vnetwork = { path: 'vNetwork.csv', text: 'VM,NIC label,Network,IPv4 Address\ndup,Network adapter 1,pg,"10.0.0.1, 10.0.0.2, fe80::1"\n' };
    const vport = { path: 'vPort.csv', text: 'Host,Port Group,Switch,VLAN\nh1,trunk-pg,vSwitch0,4095\nh1,pg,vSwitch0,10\nh2,pg,vSwitch0,20\n' };
    const result = importRvtools([vinfo, vnetwork, vport]);
    expect(result.vms).toMatchObject([{ name: 'dup', cpu: 1, nics: [{ network: 'pg', ip: '10.0.0.1' }] }]);
    expect(result.unmapped.map((u) => `${u.source.file}:${u.source.line} ${u.construct}`)).toEqual([
      'vInfo.csv:2 vInfo row without a VM name',
      'vInfo.csv:4 vInfo row for dup',
      'vNetwork.csv:2 additional addresses 10.0.0.2 on dup Network adapter 1',
      'vNetwork.csv:2 addresses fe80::1 on dup Network adapter 1',
      'vPort.csv:2 VLAN 4095 of portgroup trunk-pg',
      'vPort.csv:4 portgroup pg on VLAN 20',
    ]);
    expect(result.networks.map((n) => [n.key, n.vlan])).toEqual([
      ['trunk-pg', undefined],
      ['pg', 10],
    ]);
  });
});

describe('files that are not RVTools exports', () => {
  it.each([
    { reason: 'garbage bytes', text: '\u0001\u0002\u0000garbage', why: /binary data/ },
    { reason: 'JSON', text: '{"vms": [{"name": "a"}]}', why: /JSON/ },
    { reason: 'a Cisco config', text: readFileSync(new URL('cisco-ios/sample_01.ios', CORPUS), 'utf8'), why: /not the header of an RVTools tab/ },
    { reason: 'markdown', text: '# Inventory\n\n| VM | CPUs |\n', why: /not the header of an RVTools tab/ },
    { reason: 'libvirt XML', text: readFileSync(new URL('libvirt/nat-network.xml', CORPUS), 'utf8'), why: /XML or HTML/ },
    { reason: 'the .xlsx workbook itself', text: 'PK\u0003\u0004\u0014\u0000', why: /xlsx workbook/ },
    { reason: 'an empty file', text: '', why: /empty file/ },
    { reason: 'some other CSV', text: 'name,age\nbob,3\n', why: /line 1 \(name,age\) is not the header/ },
  ])('$reason throws UnsupportedFormat with a reason', ({ text, why }) => {
    const run = () => importRvtools([{ path: 'input.csv', text }]);
    expect(run).toThrow(UnsupportedFormat);
    expect(run).toThrow(why);
  });
});
