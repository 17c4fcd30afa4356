/**
 * Console edits of a Tenant spec (specs/edit): what a small client relies on when a form
 * changes its YAML — the file keeps its comments and layout, exactly the lines the edit
 * is about change, the result loads with no diagnostic, and a refusal names the form
 * field. Pure: texts in, texts out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diffLines } from 'diff';
import { describe, expect, it } from 'vitest';
import { applyEdit, fieldFor, type EditMade, type EditOutcome, type SpecEdit } from '../../specs/edit/index.js';
import { loadFile } from '../../specs/load-file.js';
import { SourceFile } from '../../specs/source.js';

/** A partner's file: two tenants, comments everywhere, hand-aligned trailing comments, tight flow lists. */
const FILE = `# Westside IT's small clients in iswest-1.
apiVersion: netfirst/v1
kind: Tenant
metadata: { name: acme-dental, partner: westside-it }   # the practice
spec:
  zone: iswest-1
  networks:
    - name: office          # the front desk and the chairs
      cidr: 10.20.0.0/24
      sourceNat: office-nat
  publicIps:
    - { name: office-nat }
    - name: web
      portForwards: [ { protocol: tcp, port: 443, vm: pms-1 } ]
  firewall:
    - { publicIp: web, protocol: tcp, ports: [443] }   # tight list, as written
  vpn:
    remoteAccess:
      users:
        - { name: dr-lee, password: { file: secrets/westside-it/acme-dr-lee-password } }
  vms:
    - name: pms-1           # practice management
      hypervisor: kvm
      cpu: 4
      memory: 8GiB          # charts are heavy
      template: ubuntu-24.04
      nics: [ { network: office, ip: 10.20.0.10 } ]
      rootDisk: { size: 60GiB, tier: performance }
      disks: [ { name: data, size: 250GiB, tier: performance } ]
# the end of acme-dental
---
apiVersion: netfirst/v1
kind: Tenant
metadata: { name: acme-ortho, partner: westside-it }
spec:
  zone: iswest-1      # same zone
  networks: [ { name: lan, cidr: 10.21.0.0/24 } ]
`;

const NEW_VM: SpecEdit = {
  kind: 'add-vm',
  vm: { name: 'web-1', hypervisor: 'kvm', cpu: 2, memory: '4GiB', template: 'ubuntu-24.04', network: 'office', rootDisk: { size: '20GiB', tier: 'standard' }, disks: [{ name: 'www', size: '10GiB', tier: 'capacity' }] },
};

/** The lines an edit removed (-) and added (+), nothing else. */
function changedLines(before: string, after: string): string[] {
  return diffLines(before, after).filter((p) => p.added || p.removed).flatMap((p) => p.value.replace(/\n$/, '').split('\n').map((l) => `${p.added ? '+' : '-'}${l}`));
}

function made(outcome: EditOutcome): EditMade {
  if (outcome.problems) throw new Error(`refused: ${JSON.stringify(outcome.problems)}`);
  return outcome;
}

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const diagnosticsOf = (text: string) => loadFile(new SourceFile('edited.yaml', text)).diagnostics;

describe('an edit keeps the file as written', () => {
  it.each<{ reason: string; edit: SpecEdit; want: string[]; path: (string | number)[] }>([
    {
      reason: 'a new VM is appended in the style of the VM before it (flow nics, rootDisk and disks)',
      edit: NEW_VM,
      path: ['spec', 'vms', 1],
      want: [
        '+    - name: web-1',
        '+      hypervisor: kvm',
        '+      cpu: 2',
        '+      memory: 4GiB',
        '+      template: ubuntu-24.04',
        '+      nics: [ { network: office } ]',
        '+      rootDisk: { size: 20GiB, tier: standard }',
        '+      disks: [ { name: www, size: 10GiB, tier: capacity } ]',
      ],
    },
    {
      reason: "memory is changed on its own line, its trailing comment kept in its column",
      edit: { kind: 'set-vm', vm: 'pms-1', memory: '16GiB' },
      path: ['spec', 'vms', 0],
      want: ['-      memory: 8GiB          # charts are heavy', '+      memory: 16GiB         # charts are heavy'],
    },
    {
      reason: 'cpu and memory at once',
      edit: { kind: 'set-vm', vm: 'pms-1', cpu: 8, memory: '12GiB' },
      path: ['spec', 'vms', 0],
      want: ['-      cpu: 4', '-      memory: 8GiB          # charts are heavy', '+      cpu: 8', '+      memory: 12GiB         # charts are heavy'],
    },
    {
      reason: 'stopping a VM writes power: right after its memory',
      edit: { kind: 'set-power', vm: 'pms-1', power: 'stopped' },
      path: ['spec', 'vms', 0, 'power'],
      want: ['+      power: stopped'],
    },
    {
      reason: 'a data disk grows inside its flow list',
      edit: { kind: 'set-disk-size', vm: 'pms-1', disk: 'data', size: '500GiB' },
      path: ['spec', 'vms', 0, 'disks', 0, 'size'],
      want: ['-      disks: [ { name: data, size: 250GiB, tier: performance } ]', '+      disks: [ { name: data, size: 500GiB, tier: performance } ]'],
    },
    {
      reason: 'the root disk grows',
      edit: { kind: 'set-disk-size', vm: 'pms-1', disk: 'root', size: '80GiB' },
      path: ['spec', 'vms', 0, 'rootDisk', 'size'],
      want: ['-      rootDisk: { size: 60GiB, tier: performance }', '+      rootDisk: { size: 80GiB, tier: performance }'],
    },
    {
      reason: 'a port forward joins the flow list of its public IP',
      edit: { kind: 'add-port-forward', forward: { publicIp: 'web', protocol: 'tcp', publicPorts: [8443], privatePorts: [443], vm: 'pms-1' } },
      path: ['spec', 'publicIps', 1, 'portForwards'],
      want: [
        '-      portForwards: [ { protocol: tcp, port: 443, vm: pms-1 } ]',
        '+      portForwards: [ { protocol: tcp, port: 443, vm: pms-1 }, { protocol: tcp, port: 8443, privatePort: 443, vm: pms-1 } ]',
      ],
    },
    {
      reason: 'a one-line public IP that gets its first forwards becomes a block with one flow list, as DESIGN.md writes them',
      edit: { kind: 'add-port-forward', forward: { publicIp: 'office-nat', protocol: 'udp', publicPorts: [1194, 1195], vm: 'pms-1' } },
      path: ['spec', 'publicIps', 0, 'portForwards'],
      want: [
        '-    - { name: office-nat }',
        '+    - name: office-nat',
        '+      portForwards: [ { protocol: udp, port: 1194, vm: pms-1 }, { protocol: udp, port: 1195, vm: pms-1 } ]',
      ],
    },
    {
      reason: 'a new public IP is made when the form asks for one',
      edit: { kind: 'add-port-forward', forward: { publicIp: 'mail', createPublicIp: true, protocol: 'tcp', publicPorts: [25], vm: 'pms-1' } },
      path: ['spec', 'publicIps', 2, 'portForwards'],
      want: ['+    - name: mail', '+      portForwards: [ { protocol: tcp, port: 25, vm: pms-1 } ]'],
    },
    {
      reason: 'a VPN user is written as its siblings are, with a reference to its password',
      edit: { kind: 'add-vpn-user', user: { name: 'nurse-kim', password: { file: 'secrets/westside-it/acme-dental-nurse-kim-password' } } },
      path: ['spec', 'vpn', 'remoteAccess', 'users', 1],
      want: ['+        - { name: nurse-kim, password: { file: secrets/westside-it/acme-dental-nurse-kim-password } }'],
    },
    {
      reason: 'adopting an observed memory size writes it with a unit',
      edit: { kind: 'adopt-observed', drift: { address: 'acme-dental/vm/pms-1', attribute: 'memoryMiB', observed: 12288 } },
      path: ['spec', 'vms', 0, 'memory'],
      want: ['-      memory: 8GiB          # charts are heavy', '+      memory: 12GiB         # charts are heavy'],
    },
    {
      reason: 'adopting an observed power state',
      edit: { kind: 'adopt-observed', drift: { address: 'acme-dental/vm/pms-1', attribute: 'power', observed: 'stopped' } },
      path: ['spec', 'vms', 0, 'power'],
      want: ['+      power: stopped'],
    },
    {
      reason: "adopting a disk's observed size (smaller too: reality is what it is)",
      edit: { kind: 'adopt-observed', drift: { address: 'acme-dental/vm/pms-1/disk/data', attribute: 'sizeGiB', observed: 200 } },
      path: ['spec', 'vms', 0, 'disks', 0, 'size'],
      want: ['-      disks: [ { name: data, size: 250GiB, tier: performance } ]', '+      disks: [ { name: data, size: 200GiB, tier: performance } ]'],
    },
    {
      reason: "adopting an observed root disk changes only what differs",
      edit: { kind: 'adopt-observed', drift: { address: 'acme-dental/vm/pms-1', attribute: 'rootDisk', observed: { sizeGiB: 60, tier: 'standard' } } },
      path: ['spec', 'vms', 0, 'rootDisk'],
      want: ['-      rootDisk: { size: 60GiB, tier: performance }', '+      rootDisk: { size: 60GiB, tier: standard }'],
    },
  ])('$reason', ({ edit, want, path }) => {
    const out = made(applyEdit(FILE, 'acme-dental', edit));
    expect(changedLines(FILE, out.text)).toEqual(want);
    expect(out.doc).toBe(0);
    expect(out.path).toEqual(path);
    // Every comment is still there, and the other tenant's document is untouched.
    for (const comment of FILE.match(/#.*$/gm)!) expect(out.text).toContain(comment);
    expect(out.text.slice(out.text.indexOf('---'))).toBe(FILE.slice(FILE.indexOf('---')));
    expect(diagnosticsOf(out.text)).toEqual([]);
  });

  it('edits the second tenant of a file, leaving the first byte for byte', () => {
    const out = made(applyEdit(FILE, 'acme-ortho', { kind: 'add-port-forward', forward: { publicIp: 'gw', createPublicIp: true, protocol: 'tcp', publicPorts: [22], vm: 'x-1' } }));
    expect(out.doc).toBe(1);
    expect(out.text.slice(0, FILE.indexOf('---'))).toBe(FILE.slice(0, FILE.indexOf('---')));
    expect(changedLines(FILE, out.text)).toEqual([
      '+  publicIps:',
      '+    - name: gw',
      '+      portForwards: [ { protocol: tcp, port: 22, vm: x-1 } ]',
    ]);
  });

  it('makes the lists a tenant has none of, in the order the schema writes them', () => {
    const bare = 'apiVersion: netfirst/v1\nkind: Tenant\nmetadata: { name: tiny }\nspec:\n  zone: iswest-1 # only a zone\n  vms: []\n';
    const vm = made(applyEdit(bare, 'tiny', NEW_VM));
    expect(vm.text).toContain('  zone: iswest-1 # only a zone\n  vms:\n    - name: web-1\n');
    const user = made(applyEdit(vm.text, 'tiny', { kind: 'add-vpn-user', user: { name: 'ann', password: { file: 'secrets/ann' } } }));
    expect(user.text.indexOf('  vpn:\n    remoteAccess:\n      users:\n        - { name: ann, password: { file: secrets/ann } }\n')).toBeGreaterThan(0);
    expect(user.text.indexOf('  vpn:')).toBeLessThan(user.text.indexOf('  vms:'));
  });

  it('keeps four-space indentation consistent (the printer\'s own lines are used, never mixed)', () => {
    const wide = 'apiVersion: netfirst/v1\nkind: Tenant\nmetadata:\n    name: wide\nspec:\n    zone: iswest-1\n    vms:\n        -   name: a\n            hypervisor: kvm\n            cpu: 1\n            memory: 1GiB\n            template: t\n            nics: [ { network: n } ]\n            rootDisk: { size: 1GiB, tier: s }\n';
    const out = made(applyEdit(wide, 'wide', { kind: 'set-vm', vm: 'a', cpu: 2 }));
    expect(diagnosticsOf(out.text)).toEqual([]);
    expect(out.text).toContain('cpu: 2');
  });
});

describe('a form field maps back from the diagnostics of the new text', () => {
  it('a VM name that is no DNS label is a diagnostic on the name field, and stays one quoted scalar', () => {
    const out = made(applyEdit(FILE, 'acme-dental', { ...NEW_VM, vm: { ...(NEW_VM as { vm: object }).vm, name: 'Web_1: {cpu: 99}' } } as SpecEdit));
    expect(out.text).toContain('- name: "Web_1: {cpu: 99}"');
    const diagnostics = diagnosticsOf(out.text);
    expect(diagnostics.map((d) => [fieldFor(out, d.path), d.summary])).toEqual([['name', expect.stringContaining('must be a DNS label')]]);
  });

  it('a size that reads as a number stays a string, and the schema says so on the memory field', () => {
    const out = made(applyEdit(FILE, 'acme-dental', { kind: 'set-vm', vm: 'pms-1', memory: '4096' }));
    expect(out.text).toContain('memory: "4096"');
    expect(diagnosticsOf(out.text).map((d) => [fieldFor(out, d.path), d.summary])).toEqual([['memory', expect.stringContaining('must be a size with a unit')]]);
  });

  it('a huge CPU count is written as the number it is and refused by the schema on the cpu field', () => {
    const out = made(applyEdit(FILE, 'acme-dental', { kind: 'set-vm', vm: 'pms-1', cpu: 2 ** 40 }));
    expect(diagnosticsOf(out.text).map((d) => fieldFor(out, d.path))).toEqual(['cpu']);
  });

  it('a diagnostic about the whole new item belongs to the form as a whole', () => {
    const out = made(applyEdit(FILE, 'acme-dental', NEW_VM));
    expect(fieldFor(out, ['spec', 'vms', 1])).toBe('');
    expect(fieldFor(out, ['spec', 'vms', 1, 'nics', 0, 'network'])).toBe('network');
    expect(fieldFor(out, ['spec', 'vms', 1, 'disks', 0, 'tier'])).toBe('disks.0.tier');
    expect(fieldFor(out, ['spec', 'networks', 0])).toBe('');
  });
});

describe('what an edit refuses, naming the field', () => {
  const huge = 'x'.repeat(100_000);
  it.each<{ reason: string; tenant?: string; edit: SpecEdit; field: string; message: RegExp }>([
    { reason: 'a line break in a form value (YAML injection) is refused before the document is touched', edit: { kind: 'set-vm', vm: 'pms-1', memory: '8GiB\n  cpu: 99' }, field: 'memory', message: /line breaks/ },
    { reason: 'the same in a new VM name', edit: { ...NEW_VM, vm: { ...(NEW_VM as { vm: object }).vm, name: 'x\n  cpu: 99' } } as SpecEdit, field: 'name', message: /line breaks/ },
    { reason: 'a huge value', edit: { kind: 'set-vm', vm: 'pms-1', memory: huge }, field: 'memory', message: /100,000 characters long: at most 253/ },
    { reason: 'a CPU count that is not a whole number', edit: { kind: 'set-vm', vm: 'pms-1', cpu: 1.5 }, field: 'cpu', message: /whole number/ },
    { reason: 'an infinite CPU count', edit: { kind: 'set-vm', vm: 'pms-1', cpu: Infinity }, field: 'cpu', message: /whole number/ },
    { reason: 'a VM the tenant does not have', edit: { kind: 'set-power', vm: 'ghost', power: 'stopped' }, field: 'vm', message: /no VM named ghost/ },
    { reason: 'a VM name taken', edit: { ...NEW_VM, vm: { ...(NEW_VM as { vm: object }).vm, name: 'pms-1' } } as SpecEdit, field: 'name', message: /already exists/ },
    { reason: 'shrinking a disk', edit: { kind: 'set-disk-size', vm: 'pms-1', disk: 'data', size: '100GiB' }, field: 'size', message: /disk data of pms-1 is 250GiB: a disk only grows/ },
    { reason: 'shrinking a root disk, in other units', edit: { kind: 'set-disk-size', vm: 'pms-1', disk: 'root', size: '50000MiB' }, field: 'size', message: /only grows/ },
    { reason: 'a size without a unit', edit: { kind: 'set-disk-size', vm: 'pms-1', disk: 'data', size: '500' }, field: 'size', message: /size with a unit/ },
    { reason: 'a disk the VM does not have', edit: { kind: 'set-disk-size', vm: 'pms-1', disk: 'logs', size: '1TiB' }, field: 'disk', message: /no disk named logs/ },
    { reason: 'stopping a stopped VM… or starting a running one', edit: { kind: 'set-power', vm: 'pms-1', power: 'running' }, field: 'power', message: /already running/ },
    { reason: 'a forward of a port already forwarded', edit: { kind: 'add-port-forward', forward: { publicIp: 'web', protocol: 'tcp', publicPorts: [443], vm: 'pms-1' } }, field: 'publicPorts.0', message: /already forwards tcp port 443/ },
    { reason: 'a public IP the tenant does not have', edit: { kind: 'add-port-forward', forward: { publicIp: 'nope', protocol: 'tcp', publicPorts: [80], vm: 'pms-1' } }, field: 'publicIp', message: /no public IP named nope/ },
    { reason: 'private ports that do not pair with the public ones', edit: { kind: 'add-port-forward', forward: { publicIp: 'web', protocol: 'tcp', publicPorts: [80, 81], privatePorts: [8080], vm: 'pms-1' } }, field: 'privatePorts', message: /one private port for each public port/ },
    { reason: 'a VPN user name taken', edit: { kind: 'add-vpn-user', user: { name: 'dr-lee', password: { file: 'secrets/x' } } }, field: 'name', message: /already exists/ },
    { reason: "another tenant's resource to adopt", edit: { kind: 'adopt-observed', drift: { address: 'acme-ortho/vm/x/disk/y', attribute: 'sizeGiB', observed: 1 } }, field: '', message: /not a resource of tenant acme-dental/ },
    { reason: 'an attribute that does not map back: the hypervisor', edit: { kind: 'adopt-observed', drift: { address: 'acme-dental/vm/pms-1', attribute: 'hypervisor', observed: 'vmware' } }, field: '', message: /another hypervisor is another VM/ },
    { reason: 'an attribute that does not map back: a network\'s segment', edit: { kind: 'adopt-observed', drift: { address: 'acme-dental/network/office', attribute: 'segment', observed: { type: 'vlan', id: 7 } } }, field: '', message: /cannot be adopted into the spec/ },
    { reason: 'an observed value of the wrong shape', edit: { kind: 'adopt-observed', drift: { address: 'acme-dental/vm/pms-1', attribute: 'cpu', observed: 'lots' } }, field: '', message: /not a CPU count/ },
    { reason: 'a tenant the file does not hold', tenant: 'baker-law', edit: { kind: 'set-power', vm: 'pms-1', power: 'stopped' }, field: '', message: /holds no Tenant named baker-law/ },
  ])('$reason', ({ tenant, edit, field, message }) => {
    const out = applyEdit(FILE, tenant ?? 'acme-dental', edit);
    expect(out.problems).toBeDefined();
    expect(out.problems).toEqual(expect.arrayContaining([{ field, message: expect.stringMatching(message) }]));
  });

  it('a file with YAML errors is not edited', () => {
    expect(applyEdit(`${FILE}  bad: [`, 'acme-dental', NEW_VM).problems).toEqual([{ field: '', message: expect.stringContaining('YAML errors') }]);
  });

  it('a VM reached through a YAML alias is not edited (its anchor, and every copy, would change)', () => {
    const aliased = 'apiVersion: netfirst/v1\nkind: Tenant\nmetadata: { name: a }\nspec:\n  zone: z\n  networks: [ &vm { name: n, cidr: 10.0.0.0/24 } ]\n  vms: [ *vm ]\n';
    expect(applyEdit(aliased, 'a', { kind: 'set-vm', vm: 'n', cpu: 2 }).problems).toEqual([{ field: 'vm', message: expect.stringContaining('aliases') }]);
  });
});

describe('every example tenant, as its author wrote it', () => {
  const files = ['iswest', 'linux-lab'].flatMap((dir) => readdirSync(join(REPO, 'examples', dir)).filter((f) => f.endsWith('.yaml')).map((f) => join(REPO, 'examples', dir, f)));
  const tenants = files.flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    const loaded = loadFile(new SourceFile(file, text));
    return loaded.documents.flatMap(({ value }) => (value.kind === 'Tenant' && value.spec.vms.length > 0 ? [{ file: file.slice(REPO.length + 1), text, tenant: value.metadata.name, vm: value.spec.vms.at(-1)!.name }] : []));
  });

  it.each(tenants)('$file: changing the memory of $vm changes that one line', ({ text, tenant, vm }) => {
    const out = made(applyEdit(text, tenant, { kind: 'set-vm', vm, memory: '3GiB' }));
    const changed = changedLines(text, out.text);
    expect(changed).toHaveLength(2);
    // A VM written on one line stays one line.
    expect(changed[1]).toContain('memory: 3GiB');
    expect(changed[1]!.replace('memory: 3GiB', '').slice(1)).toBe(changed[0]!.replace(/memory: \d+\w+/, '').slice(1));
    expect(diagnosticsOf(out.text)).toEqual([]);
  });

  it.each(tenants)('$file: a new VM adds its lines and changes none', ({ text, tenant }) => {
    const out = made(applyEdit(text, tenant, { ...NEW_VM, vm: { ...(NEW_VM as { vm: object }).vm, name: 'console-new-1' } } as SpecEdit));
    expect(changedLines(text, out.text).every((l) => l.startsWith('+'))).toBe(true);
  });
});
