/**
 * A linux-provider VM's root directory (providers/linux/vm-root.ts) and how `exec` enters
 * it (vm-enter.ts, vm-enter.sh), without a kernel: the files a fresh root holds, that it
 * mirrors the host's merged-/usr symlinks, that netfirst never writes through what a VM
 * bent into a symlink, that the command reaches the helper as an argument array and the
 * operator's environment does not reach the VM. Runs unprivileged, on real files.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENTER_SCRIPT, enterEnvironment, enterVmArgv } from '../../providers/linux/vm-enter.js';
import { HOST_DIRS, MOUNT_POINTS, WRITABLE_DIRS, ensureVmRoot, hasVmRoot, removeVmRoot, vmRootDir } from '../../providers/linux/vm-root.js';

let scratch: string;
/** A host's top level as a merged-/usr Debian has it (bin, sbin, lib, lib64 symlinks into usr), and one with a real /lib32. */
let host: string;

beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'netfirst-vm-root-'));
  host = join(scratch, 'host');
  mkdirSync(join(host, 'usr', 'bin'), { recursive: true });
  for (const d of ['bin', 'sbin', 'lib', 'lib64']) symlinkSync(`usr/${d}`, join(host, d));
  mkdirSync(join(host, 'lib32'));
  mkdirSync(join(host, 'etc', 'alternatives'), { recursive: true });
  symlinkSync('/usr/bin/mawk', join(host, 'etc', 'alternatives', 'awk'));
  writeFileSync(join(host, 'etc', 'alternatives', 'not-a-link'), 'host content');
  writeFileSync(join(host, 'etc', 'shadow'), 'root:$y$host-hash:19000:0:99999:7:::\n');
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

const made = (): string => {
  const root = vmRootDir(join(scratch, 'linux-lab-1'), 3);
  ensureVmRoot(root, 'pc-1', 'nf12ab-v3', host);
  return root;
};

describe('a VM root', () => {
  it('lives under the provider directory, in a vms/ directory no other user of the host can enter', () => {
    const root = made();
    expect(root).toBe(join(scratch, 'linux-lab-1', 'vms', 'v3'));
    expect(statSync(join(root, '..')).mode & 0o777).toBe(0o700);
    expect(hasVmRoot(root)).toBe(true);
  });

  it.each([
    { reason: 'root is locked: no password in the VM, and never the host\'s hash', file: 'etc/shadow', want: /^root:!:\d+:0:99999:7:::\nnobody:\*:/ },
    { reason: 'the VM\'s own accounts', file: 'etc/passwd', want: /^root:x:0:0:root:\/root:\/bin\/sh\n/ },
    { reason: 'its own groups', file: 'etc/group', want: /^root:x:0:\n/ },
    { reason: 'its name', file: 'etc/hostname', want: /^pc-1\n$/ },
    { reason: 'its name resolves locally', file: 'etc/hosts', want: /127\.0\.1\.1\tpc-1\n/ },
    { reason: 'no resolver of the host', file: 'etc/resolv.conf', want: /^# netfirst: this VM is given no resolver/ },
    { reason: 'names from its own files', file: 'etc/nsswitch.conf', want: /^passwd: files\n/ },
  ])('etc: $reason ($file)', ({ file, want }) => {
    const root = made();
    expect(readFileSync(join(root, file), 'utf8')).toMatch(want);
    expect(readFileSync(join(root, file), 'utf8')).not.toContain('host-hash');
  });

  it.each([
    ...WRITABLE_DIRS.map((d) => ({ entry: d, kind: 'directory', reason: 'the VM writes here' })),
    ...MOUNT_POINTS.map((d) => ({ entry: d, kind: 'directory', reason: 'a mount point of the enter script' })),
    { entry: 'bin', kind: 'symlink usr/bin', reason: 'the host has merged /usr: the same symlink' },
    { entry: 'lib64', kind: 'symlink usr/lib64', reason: 'the host has merged /usr: the same symlink' },
    { entry: 'lib32', kind: 'directory', reason: 'the host has a real /lib32: a mount point for it' },
    { entry: 'libx32', kind: 'absent', reason: 'the host has none' },
  ])('top level: $entry is a $kind ($reason)', ({ entry, kind }) => {
    const root = made();
    const path = join(root, entry);
    if (kind === 'absent') return expect(existsSync(path)).toBe(false);
    const stat = lstatSync(path);
    if (kind === 'directory') return expect(stat.isDirectory()).toBe(true);
    expect(stat.isSymbolicLink()).toBe(true);
    expect(`symlink ${readlinkSync(path)}`).toBe(kind);
  });

  it('tmp is sticky and world-writable, root\'s home is root\'s only, the alternatives are links only', () => {
    const root = made();
    expect(statSync(join(root, 'tmp')).mode & 0o7777).toBe(0o1777);
    expect(statSync(join(root, 'var', 'tmp')).mode & 0o7777).toBe(0o1777);
    expect(statSync(join(root, 'root')).mode & 0o777).toBe(0o700);
    expect(readlinkSync(join(root, 'etc', 'alternatives', 'awk'))).toBe('/usr/bin/mawk');
    expect(existsSync(join(root, 'etc', 'alternatives', 'not-a-link'))).toBe(false);
  });

  it.each([
    { reason: 'a name with a newline', name: 'pc-1\n10.0.0.1 bank' },
    { reason: 'a name with a slash', name: '../../etc' },
    { reason: 'no name at all', name: '' },
  ])('a VM name that is not a DNS label is never written into its files: $reason', ({ name }) => {
    const root = vmRootDir(join(scratch, 'p'), 1);
    ensureVmRoot(root, name, 'nf12ab-v1', host);
    expect(readFileSync(join(root, 'etc', 'hostname'), 'utf8')).toBe('nf12ab-v1\n');
  });

  it('ensuring again keeps what the VM wrote and adds only what is missing', () => {
    const root = made();
    writeFileSync(join(root, 'etc', 'shadow'), 'root:$y$set-in-the-vm:1:0:99999:7:::\n');
    writeFileSync(join(root, 'root', 'notes'), 'mine');
    rmSync(join(root, 'srv'), { recursive: true });
    ensureVmRoot(root, 'pc-1', 'nf12ab-v3', host);
    expect(readFileSync(join(root, 'etc', 'shadow'), 'utf8')).toContain('set-in-the-vm');
    expect(readFileSync(join(root, 'root', 'notes'), 'utf8')).toBe('mine');
    expect(lstatSync(join(root, 'srv')).isDirectory()).toBe(true);
  });

  it('never writes through a symlink a VM made: etc bent to a host directory is left alone', () => {
    const root = made();
    const hostEtc = join(scratch, 'host-etc');
    mkdirSync(hostEtc);
    rmSync(join(root, 'etc'), { recursive: true });
    symlinkSync(hostEtc, join(root, 'etc'));
    ensureVmRoot(root, 'pc-1', 'nf12ab-v3', host);
    expect(existsSync(join(hostEtc, 'passwd'))).toBe(false);
    expect(existsSync(join(hostEtc, 'shadow'))).toBe(false);
  });

  it('removing the root removes what the VM made, and never what its symlinks point at', () => {
    const root = made();
    const outside = join(scratch, 'host-file');
    writeFileSync(outside, 'keep');
    symlinkSync(outside, join(root, 'root', 'link-to-host'));
    symlinkSync(scratch, join(root, 'tmp', 'link-to-host-dir'));
    removeVmRoot(root);
    expect(existsSync(root)).toBe(false);
    expect(hasVmRoot(root)).toBe(false);
    expect(readFileSync(outside, 'utf8')).toBe('keep');
    expect(existsSync(join(scratch, 'host'))).toBe(true);
  });

  it('a vms/ directory that existed with a looser mode is closed to 0700', () => {
    const parent = join(scratch, 'p', 'vms');
    mkdirSync(parent, { recursive: true });
    chmodSync(parent, 0o755);
    const root = vmRootDir(join(scratch, 'p'), 2);
    ensureVmRoot(root, 'pc-2', 'nf12ab-v2', host);
    expect(statSync(parent).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(root, 'etc', 'hostname'), 'utf8')).toBe('pc-2\n');
  });
});

describe('entering a VM', () => {
  it('the enter script mounts exactly the directories the root is made with', () => {
    const script = readFileSync(ENTER_SCRIPT, 'utf8');
    const loop = (first: string): string[] => script.match(new RegExp(`for d in (${first} [a-z0-9 ]+); do`))![1]!.split(' ');
    expect(loop('etc')).toEqual([...WRITABLE_DIRS]);
    expect(loop('bin')).toEqual([...HOST_DIRS]);
    for (const m of MOUNT_POINTS) expect(script).toContain(`"$root/${m}"`);
  });

  it.each([
    { reason: 'shell syntax stays one argument', argv: ['sh', '-c', 'echo $(id) ; rm -rf /'] },
    { reason: 'a -- inside the command is the command\'s', argv: ['printf', '%s', '--', '--partner'] },
    { reason: 'quotes and newlines are data', argv: ['echo', '"a"\n\'b\''] },
  ])('the command reaches the helper as the same argument array: $reason', ({ argv }) => {
    const line = enterVmArgv('nf12ab-v3', '/data/vms/v3', argv);
    expect(line.slice(0, 4)).toEqual(['ip', 'netns', 'exec', 'nf12ab-v3']);
    expect(line.slice(4, 5)).toEqual(['unshare']);
    expect(line).toEqual(expect.arrayContaining(['--mount', '--pid', '--fork', '--propagation', 'private']));
    const at = line.indexOf(ENTER_SCRIPT);
    expect(line.slice(at - 1, at + 3)).toEqual(['sh', ENTER_SCRIPT, '/data/vms/v3', '--']);
    expect(line.slice(at + 3)).toEqual(argv);
  });

  it.each([
    { reason: 'a provider credential', key: 'CLOUDSTACK_SECRET_KEY' },
    { reason: 'an API token', key: 'NETFIRST_TOKEN' },
    { reason: 'a tenant secret', key: 'ACME_HQ_PSK' },
    { reason: 'a partner selection', key: 'NETFIRST_PARTNER' },
    { reason: 'the host\'s library path', key: 'LD_PRELOAD' },
  ])('the operator\'s environment does not reach the VM: $reason ($key)', ({ key }) => {
    const env = enterEnvironment({ [key]: 'x', TERM: 'xterm', PATH: '/home/op/bin:/usr/bin', HOME: '/home/op' });
    expect(env[key]).toBeUndefined();
    expect(env).toMatchObject({ TERM: 'xterm', HOME: '/root', USER: 'root' });
    expect(env['PATH']).not.toContain('/home/op');
  });
});
