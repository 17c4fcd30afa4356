/**
 * `netfirst import` on huge and hostile input (engine/migrate/limits.ts): files above the
 * size limit, special files, and exports that would make more than one tenant's worth
 * are refused with one line naming the file and the limit, exit 1, nothing written;
 * inputs that used to overflow the stack (a 50 MB config: "Maximum call stack size
 * exceeded") or grow without bound (nested object-groups, repeated VLAN ranges,
 * unclosed banners, nested <node>s) are read without recursion, within the limits.
 * Big inputs are generated into temp dirs; nothing here is timed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBlocks } from '../../engine/migrate/cisco-config.js';
import { readObjects } from '../../engine/migrate/cisco-objects.js';
import { IMPORTERS } from '../../engine/migrate/index.js';
import { MAX_FILE_GROUP_BLOCKS, MAX_GROUP_BLOCKS } from '../../engine/migrate/limits.js';
import { sandbox, type Run, type Sandbox } from '../cli/harness.js';

const ZONE = fileURLToPath(new URL('../fixtures/import-zone/zone.yaml', import.meta.url));

/** `count` lines made by `line(i)`, joined. */
const lines = (count: number, line: (i: number) => string): string => Array.from({ length: count }, (_, i) => line(i)).join('');
const quad = (i: number): string => `${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

const IOS_HEAD = 'hostname edge\n!\n';
const ASA_HEAD = 'ASA Version 9.8(2)\nhostname fw\n!\ninterface GigabitEthernet0/0\n nameif outside\n security-level 0\n ip address 198.51.100.2 255.255.255.0\n!\ninterface GigabitEthernet0/1\n nameif inside\n security-level 100\n ip address 10.0.0.1 255.255.0.0\n!\n';
const subinterfaces = (n: number, from = 0): string =>
  lines(n, (i) => `interface GigabitEthernet0/1.${from + i + 2}\n encapsulation dot1Q ${((from + i) % 4000) + 2}\n ip address 10.${quad(from + i).split('.').slice(1).join('.')}.1 255.255.255.0\n!\n`);
const VINFO_HEAD = 'VM,Powerstate,CPUs,Memory,Disks,Provisioned MiB,Network #1,Primary IP Address\n';

/** Exit 1, one line on stderr holding every part, no stack trace. */
function refusedInOneLine(r: Run, ...parts: string[]): void {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(1);
  const text = r.stderr.trim();
  expect(text.split('\n'), text).toHaveLength(1);
  for (const p of parts) expect(text).toContain(p);
  expect(text).not.toMatch(/Maximum call stack|a bug in netfirst|\n\s+at /);
}

describe('netfirst import refuses what is too large, in one line, writing nothing', { timeout: 240_000 }, () => {
  let sb: Sandbox;
  const path = (f: string): string => join(sb.dir, 'in', f);
  beforeAll(() => {
    sb = sandbox();
    mkdirSync(join(sb.dir, 'in'));
  });
  afterAll(() => sb.remove());

  const importing = (kind: string, files: string[], ...extra: string[]): Run =>
    sb.run('import', kind, ...files.map(path), '--tenant', 'big', '--zone', ZONE, '--out', 'out', ...extra);

  it.each([
    {
      reason: 'a 50 MB Cisco configuration is refused before it is read (it used to overflow the stack after 33 s and 1 GB)',
      kind: 'cisco',
      make: () => ({ 'core.cfg': 50 * 2 ** 20 }),
      want: ['in/core.cfg: file is 50 MiB; import files are limited to 8 MiB'],
    },
    {
      reason: 'an RVTools tab just over 8 MiB is refused',
      kind: 'rvtools',
      make: () => ({ 'vInfo.csv': 8 * 2 ** 20 + 1 }),
      want: ['in/vInfo.csv: file is 8.0 MiB; import files are limited to 8 MiB'],
    },
    {
      reason: 'a libvirt XML of 9 MiB is refused',
      kind: 'libvirt',
      make: () => ({ 'host.xml': 9 * 2 ** 20 }),
      want: ['in/host.xml: file is 9 MiB; import files are limited to 8 MiB'],
    },
    {
      reason: 'a 2 MB slice of that configuration made 15,428 networks; more than a VLAN space of networks is refused',
      kind: 'cisco',
      make: () => ({ 'slice.cfg': IOS_HEAD + subinterfaces(15_428) }),
      want: ['in/slice.cfg: more than 4,096 networks in one import', "one tenant's worth"],
    },
    {
      reason: 'the limit holds across files: two configurations of 2,500 networks each are named together',
      kind: 'cisco',
      make: () => ({ 'a.cfg': IOS_HEAD + subinterfaces(2500), 'b.cfg': IOS_HEAD + subinterfaces(2500, 2500) }),
      want: ['in/a.cfg, ', 'in/b.cfg: more than 4,096 networks in one import'],
    },
    {
      reason: 'more NAT rules than any one customer has (each is matched against every network)',
      kind: 'cisco',
      make: () => ({ 'nat.cfg': ASA_HEAD + lines(16_385, (i) => `static (inside,outside) tcp 198.51.100.10 ${(i % 60_000) + 1} 10.0.${quad(i).split('.').slice(1).join('.')} 80 netmask 255.255.255.255\n`) }),
      want: ['in/nat.cfg: more than 16,384 NAT rules in one file'],
    },
    {
      reason: 'more VPN peers than one tenant has',
      kind: 'cisco',
      make: () => ({
        'vpn.cfg': `${IOS_HEAD}interface GigabitEthernet0/0\n ip address 198.51.100.2 255.255.255.0\n crypto map vpn\n!\naccess-list 101 permit ip 10.0.0.0 0.0.0.255 192.168.0.0 0.0.255.255\n`
          + lines(1025, (i) => `crypto map vpn ${i + 1} ipsec-isakmp\n set peer 192.${quad(i)}\n match address 101\n`),
      }),
      want: ['in/vpn.cfg: more than 1,024 VPN peers in one import'],
    },
    {
      reason: 'an RVTools export of more VMs than one tenant holds',
      kind: 'rvtools',
      make: () => ({ 'vInfo.csv': VINFO_HEAD + lines(4097, (i) => `vm-${i},poweredOn,1,1024,1,10240,net-1,10.${quad(i)}\n`) }),
      want: ['in/vInfo.csv: more than 4,096 VMs in one import'],
    },
    {
      reason: 'an XML file of more elements than a host of domains, refused before a DOM is built',
      kind: 'libvirt',
      make: () => ({ 'nodes.xml': `${'<node>'.repeat(100_001)}${'</node>'.repeat(100_001)}` }),
      want: ['in/nodes.xml: more than 100,000 XML elements in one file'],
    },
    {
      reason: 'a report of more unmapped lines than anyone can review',
      kind: 'cisco',
      make: () => ({ 'junk.cfg': `${IOS_HEAD}interface Vlan1\n ip address 10.0.0.1 255.255.255.0\n!\n${lines(100_001, (i) => `x${i}\n`)}` }),
      want: ['in/junk.cfg: more than 100,000 unmapped constructs in one import'],
    },
  ])('$reason', ({ kind, make, want }) => {
    const files = make();
    for (const [name, content] of Object.entries(files)) {
      if (typeof content === 'number') {
        writeFileSync(path(name), '');
        truncateSync(path(name), content); // sparse: costs no disk
      } else writeFileSync(path(name), content);
    }
    refusedInOneLine(importing(kind, Object.keys(files)), ...want);
    expect(existsSync(join(sb.dir, 'out'))).toBe(false);
  });

  it('a FIFO is refused, not waited on', () => {
    const made = spawnSync('mkfifo', [path('pipe.cfg')]);
    if (made.status !== 0) return; // no mkfifo here: nothing to show
    refusedInOneLine(importing('cisco', ['pipe.cfg']), 'in/pipe.cfg: not a regular file');
  });

  it('more files than one import reads are refused before any is read', () => {
    writeFileSync(path('one.cfg'), IOS_HEAD);
    refusedInOneLine(importing('cisco', Array.from({ length: 257 }, () => 'one.cfg')), '257 files to import; one import reads at most 256');
  });

  it('within the limits, a large configuration imports and validates (4,001 networks, 4,000 firewall rules)', () => {
    const pub = (i: number): string => `203.0.113.${10 + (i % 240)}`;
    const config = ASA_HEAD.replace(' ip address 10.0.0.1 255.255.0.0\n', ' ip address 10.255.0.1 255.255.0.0\n')
      + 'access-group outside_in in interface outside\n'
      + subinterfaces(4000).replace(/interface GigabitEthernet0\/1\.(\d+)\n/g, 'interface GigabitEthernet0/1.$1\n nameif in$1\n security-level 50\n')
      + lines(240, (i) => `static (in${i + 2},outside) ${pub(i)} 10.${quad(i).split('.').slice(1).join('.')}.10 netmask 255.255.255.255\n`)
      + lines(4000, (i) => `access-list outside_in extended permit tcp any host ${pub(i)} eq ${1000 + Math.floor(i / 240)}\n`);
    writeFileSync(path('big-ok.cfg'), config);
    const r = sb.run('import', 'cisco', path('big-ok.cfg'), '--tenant', 'big', '--zone', ZONE, '--out', 'ok');
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.stderr).toContain('Imported tenant big for zone colo-1: 4001 networks (4000 with a fixed VLAN), 240 public IPs, 4000 firewall rules');
    expect(existsSync(join(sb.dir, 'ok', 'big.yaml'))).toBe(true);
  });
});

describe('importers never recurse per line or element, nor multiply without bound', () => {
  it.each([
    {
      reason: 'a chain of 50,000 object-groups (each naming the next) used to overflow the stack',
      text: ASA_HEAD + lines(50_000, (i) => `object-group network g${i}\n group-object g${i + 1}\n network-object host 10.1.${quad(i).split('.').slice(1).join('.')}\n`) + 'object-group network g50000\n network-object host 10.2.0.1\n',
      group: 'g0',
      want: { kind: 'unresolved', why: `the object-groups of this file expand to more than ${MAX_FILE_GROUP_BLOCKS} address blocks in all` },
    },
    {
      reason: 'groups that double per level (2^60 addresses) stop at the bound instead of growing exponentially',
      text: ASA_HEAD + 'object-group network d0\n network-object host 10.0.0.1\n network-object host 10.0.0.2\n' + lines(60, (i) => `object-group network d${i + 1}\n group-object d${i}\n group-object d${i}\n`),
      group: 'd60',
      want: { kind: 'unresolved', why: `object-group d12 expands to more than ${MAX_GROUP_BLOCKS} address blocks` },
    },
    {
      reason: 'a group that contains itself through others is unresolved, not an endless walk',
      text: ASA_HEAD + 'object-group network a\n group-object b\nobject-group network b\n group-object a\n',
      group: 'a',
      want: { kind: 'unresolved', why: 'object-group a contains itself' },
    },
  ])('$reason', ({ text, group, want }) => {
    const objects = readObjects(readBlocks(text, 'cisco-asa'));
    expect(objects.groups.get(group)).toEqual(want);
  });

  it('50,000 repeated `vlan 1-4094` ranges define each VLAN once (a pass over the VLAN space, not one per line)', () => {
    const text = `${IOS_HEAD}interface Vlan1\n ip address 10.0.0.1 255.255.255.0\n!\n${lines(50_000, (i) => (i === 49_999 ? 'vlan 1-4094\n name last\n' : 'vlan 1-4094\n'))}vlan 7-99999999999\n`;
    const result = IMPORTERS.cisco([{ path: 'vlans.cfg', text }]);
    const l2 = result.networks.filter((n) => n.key.startsWith('vlan'));
    // Ids 1-4095 (a 12-bit tag; 7-99999999999 is read up to there), less VLAN 1, which has an SVI.
    expect(l2).toHaveLength(4094);
    // The last definition of an id wins: 7 and up from the last line, 2 from the named block.
    expect(l2.find((n) => n.vlan === 7)?.source.line).toBe(50_007);
    expect(l2.find((n) => n.vlan === 2)?.nameHints[0]).toBe('last');
  });

  it('90,000 unclosed banners, each with its own delimiter, are not each searched to the end of the file', () => {
    const text = `${IOS_HEAD}interface Vlan1\n ip address 10.0.0.1 255.255.255.0\n!\n${lines(90_000, (i) => `banner motd ${String.fromCharCode(0x4e00 + (i % 20_000))}\n`)}`;
    const result = IMPORTERS.cisco([{ path: 'banners.cfg', text }]);
    expect(result.unmapped.filter((u) => u.reason.startsWith('banner has no closing delimiter'))).toHaveLength(90_000);
  });

  it('50,000 nested <node> elements are read without recursion', () => {
    const text = `${'<node>'.repeat(50_000)}<domain type='kvm'><name>deep</name><memory unit='MiB'>512</memory><vcpu>1</vcpu></domain>${'</node>'.repeat(50_000)}`;
    const result = IMPORTERS.libvirt([{ path: 'nodes.xml', text }]);
    expect(result.vms.map((v) => v.name)).toEqual(['deep']);
  });

  it('an RVTools tab of 150,000 rows is read without spreading them into one call (it used to overflow the stack)', () => {
    const text = VINFO_HEAD + lines(150_000, (i) => `vm-${i},poweredOn,1,1024,1,10240,net-1,10.${quad(i)}\n`);
    expect(IMPORTERS.rvtools([{ path: 'vInfo.csv', text }]).vms).toHaveLength(150_000);
  });
});
