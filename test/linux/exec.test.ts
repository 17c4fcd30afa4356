/**
 * `netfirst exec` is the operator's, and runs inside the VM (issue 15, item 9, hostile
 * case 17). A partner's run is refused before anything is read or run — that part needs
 * no privilege and always runs. As root, with network namespaces and nftables, a small
 * linux zone (examples/linux-lab's cole, with a second VM) is applied through the CLI
 * and commands are run in its VMs: they see the VM's /etc, its processes only, its own
 * root filesystem (the host's files and /usr are out of reach or read-only), and the
 * host's mount table never changes. Elsewhere that part skips and says why. Every
 * namespace is one the provider made for this test, and all are removed afterwards.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zoneNames } from '../../providers/linux/names.js';
import { REPO, sandbox, type Run, type Sandbox } from '../cli/harness.js';
import { kernelUnavailable } from './kernel.js';

const REFUSED = "exec is for the operator: a partner's run may not run commands in VMs";
const noStack = (r: Run): void => expect(r.stderr).not.toMatch(/\n\s+at |NETFIRST_DEBUG|bug in netfirst/);

describe("exec in a partner's run", () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = sandbox('iswest');
  });
  afterAll(() => sb?.remove());

  it.each([
    { reason: 'a VM of its own tenant', args: ['acme-dental/vm/pms-1', '--partner', 'westside-it'], env: {} },
    { reason: "another partner's VM", args: ['baker-law/vm/mail-1', '--partner', 'westside-it'], env: {} },
    { reason: 'the partner given by NETFIRST_PARTNER', args: ['acme-dental/vm/pms-1'], env: { NETFIRST_PARTNER: 'westside-it' } },
    { reason: 'a partner the specs do not define (nothing is read to find out)', args: ['acme-dental/vm/pms-1', '--partner', 'nobody'], env: {} },
    { reason: 'with specs named', args: ['acme-dental/vm/pms-1', '--specs', 'iswest', '--partner', 'westside-it'], env: {} },
  ])('is refused, exit 1, nothing read or run: $reason', ({ args, env }) => {
    const marker = join(sb.dir, 'ran');
    const r = spawnSync(process.execPath, [join(REPO, 'bin', 'netfirst.js'), 'exec', ...args, '--', 'touch', marker], {
      cwd: sb.dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', NETFIRST_STATE: '', NETFIRST_PARTNER: '', ...env },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`Error: ${REFUSED}\n`);
    expect(r.stdout).toBe('');
    noStack({ code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr });
    expect(r.stderr).not.toMatch(/baker-law|lexcore|ledgerline|\.netfirst|\/tmp\//);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(join(sb.dir, '.netfirst'))).toBe(false);
  });
});

// ------------------------------------------------------------------ inside a VM (root)

const skip = kernelUnavailable({ exec: true });
if (skip) console.warn(`skipping netfirst exec inside linux-provider VMs: ${skip}`);
const havePing = spawnSync('ping', ['-V']).status === 0;
const havePs = spawnSync('ps', ['-p', '1']).status === 0;

const prefix = `x${Math.random().toString(36).slice(2, 4).replace(/[^a-z0-9]/g, 'q')}`;
const namespaces = (): string[] => spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').map((l) => l.split(' ')[0]!).filter(Boolean);
/**
 * The host's mount table, less the handles of network namespaces (/run/netns/NAME: apply
 * and destroy add and remove them, and so may another test running beside this one).
 */
const hostMounts = (): string[] => readFileSync('/proc/self/mountinfo', 'utf8').trim().split('\n').filter((l) => !(l.split(' ')[4] ?? '').startsWith('/run/netns/'));
const hostFirstLine = (file: string): string => (existsSync(file) ? readFileSync(file, 'utf8').split('\n')[0]! : '');

describe.skipIf(skip !== undefined)('exec inside a linux-provider VM', () => {
  let sb: Sandbox;
  const names = zoneNames('lab-1', prefix);
  const mine = (): string[] => namespaces().filter((n) => n.startsWith(names.namespacePrefix));
  let mountsBefore: string[] = [];
  const provider = (): string => join(sb.dir, '.netfirst', 'linux-lab-1');
  const vmRoot = (address: string): string => {
    const registry = JSON.parse(readFileSync(join(provider(), 'registry.json'), 'utf8')) as { vms: Record<string, number> };
    return join(provider(), 'vms', `v${registry.vms[address]!}`);
  };
  /** `netfirst exec` of the real CLI, with stdin and extra environment when given. */
  const exec = (address: string, argv: readonly string[], options: { input?: string; env?: Record<string, string>; flags?: string[] } = {}): Run => {
    const r = spawnSync(process.execPath, [join(REPO, 'bin', 'netfirst.js'), 'exec', address, '--specs', 'linux-lab', ...(options.flags ?? []), '--', ...argv], {
      cwd: sb.dir, encoding: 'utf8', input: options.input ?? '', timeout: 60_000,
      env: { ...process.env, NO_COLOR: '1', NETFIRST_STATE: '', NETFIRST_PARTNER: '', ...options.env },
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };

  beforeAll(() => {
    mountsBefore = hostMounts();
    sb = sandbox('linux-lab');
    sb.edit('linux-lab/zone.yaml', '{ type: linux, hosts: 2 }', `{ type: linux, hosts: 2, prefix: ${prefix} }`);
    // cole alone (no NAT, no VPN), with a second VM to reach.
    spawnSync('rm', ['-f', join(sb.dir, 'linux-lab', 'acme.yaml'), join(sb.dir, 'linux-lab', 'baker.yaml')]);
    const cole = sb.read('linux-lab/cole.yaml');
    const second = cole.split('\n').find((l) => l.includes('name: srv-1'))!.replace('srv-1', 'srv-2').replace('10.30.0.10', '10.30.0.11');
    sb.write('linux-lab/cole.yaml', `${cole.trimEnd()}\n${second}\n`);
    const r = sb.run('apply', 'linux-lab', '--auto-approve');
    if (r.code !== 0) throw new Error(`apply failed:\n${r.stdout}\n${r.stderr}`);
  });

  afterAll(() => {
    if (sb) {
      sb.run('destroy', 'linux-lab', '--auto-approve');
      for (const ns of mine()) spawnSync('ip', ['netns', 'del', ns]);
      sb.remove();
    }
  });

  it("reads the VM's /etc/shadow (root locked), not the host's", () => {
    const r = exec('cole/vm/srv-1', ['cat', '/etc/shadow']);
    expect(r.code).toBe(0);
    const first = r.stdout.split('\n')[0]!;
    expect(first).toMatch(/^root:!:\d+:0:99999:7:::$/);
    expect(first).not.toBe(hostFirstLine('/etc/shadow'));
    expect(exec('cole/vm/srv-1', ['hostname']).stdout).toBe('srv-1\n');
  });

  it("sees its own processes only: PID 1 is the VM's, /proc lists the command and its init", () => {
    const init = exec('cole/vm/srv-1', ['cat', '/proc/1/cmdline']);
    expect(init.code).toBe(0);
    // The CLI runs its compiled copy (dist/) when that is current, else the sources: the script is either's.
    const [shell, script] = init.stdout.split('\0');
    expect(shell).toBe('sh');
    expect([join(REPO, 'providers', 'linux', 'vm-enter.sh'), join(REPO, 'dist', 'providers', 'linux', 'vm-enter.sh')]).toContain(script);
    expect(init.stdout).not.toBe(readFileSync('/proc/1/cmdline', 'utf8'));
    const listed = exec('cole/vm/srv-1', ['ls', '/proc']);
    const pids = listed.stdout.split('\n').filter((e) => /^\d+$/.test(e)).map(Number);
    expect(pids).toHaveLength(2); // the VM's init (the enter script) and ls itself
    expect(pids).toContain(1);
    if (!havePs) return;
    const ps = exec('cole/vm/srv-1', ['ps', '-e', '-o', 'pid=,comm=']);
    expect(ps.code).toBe(0);
    expect(ps.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/)[1])).toEqual(['sh', 'ps']);
  });

  it('writes land in the VM: /etc/x in the VM is not /etc/x of the host', () => {
    const probe = `/etc/netfirst-exec-probe-${prefix}`;
    expect(exec('cole/vm/srv-1', ['sh', '-c', `echo from-the-vm > ${probe}`]).code).toBe(0);
    expect(existsSync(probe)).toBe(false);
    expect(readFileSync(join(vmRoot('cole/vm/srv-1'), probe), 'utf8')).toBe('from-the-vm\n');
    expect(exec('cole/vm/srv-1', ['cat', probe]).stdout).toBe('from-the-vm\n');
    // Each VM has its own root.
    expect(exec('cole/vm/srv-2', ['cat', probe]).code).not.toBe(0);
  });

  it.each([
    { reason: "the host's state database is not in the VM", argv: (dir: string) => ['test', '-e', join(dir, '.netfirst', 'state.db')], want: 1 },
    { reason: "the host's network namespaces are not in the VM", argv: () => ['test', '-e', '/run/netns'], want: 1 },
    { reason: "the host's /usr is read-only", argv: () => ['touch', '/usr/netfirst-exec-probe'], want: 'fails' },
    { reason: 'the top of the VM root is netfirst\'s (read-only)', argv: () => ['mkdir', '/netfirst-exec-probe'], want: 'fails' },
    { reason: 'no mounting (CAP_SYS_ADMIN is dropped)', argv: () => ['mount', '-t', 'tmpfs', 'none', '/mnt'], want: 'fails' },
    { reason: 'no device nodes (CAP_MKNOD is dropped)', argv: () => ['mknod', '/tmp/disk', 'b', '8', '0'], want: 'fails' },
    { reason: "the kernel's sysctls are read-only (core_pattern would run a program on the host)", argv: () => ['sh', '-c', 'echo "|/tmp/x" > /proc/sys/kernel/core_pattern'], want: 'fails' },
    { reason: 'no disk of the host in /dev', argv: () => ['sh', '-c', 'ls /dev | grep -Ev "^(null|zero|full|random|urandom|tty|fd|stdin|stdout|stderr)$"'], want: 1 },
  ])('the host is out of reach: $reason', ({ argv, want }) => {
    const r = exec('cole/vm/srv-1', argv(sb.dir));
    if (want === 'fails') expect(r.code).not.toBe(0);
    else expect(r.code).toBe(want);
    expect(existsSync('/usr/netfirst-exec-probe')).toBe(false);
    expect(existsSync('/netfirst-exec-probe')).toBe(false);
    expect(readFileSync('/proc/sys/kernel/core_pattern', 'utf8')).not.toContain('/tmp/x');
  });

  it("the operator's environment does not reach the VM", () => {
    const r = exec('cole/vm/srv-1', ['env'], { env: { CLOUDSTACK_SECRET_KEY: 'op-secret-1', ACME_HQ_PSK: 'psk-2' } });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/op-secret-1|psk-2/);
    expect(r.stdout).toMatch(/^HOME=\/root$/m);
  });

  it('exit code, stdin, stdout and stderr pass through', () => {
    expect(exec('cole/vm/srv-1', ['sh', '-c', 'exit 7']).code).toBe(7);
    const r = exec('cole/vm/srv-1', ['sh', '-c', 'cat; echo to-stderr >&2'], { input: 'from-stdin\n' });
    expect(r).toMatchObject({ code: 0, stdout: 'from-stdin\n', stderr: 'to-stderr\n' });
    expect(exec('cole/vm/srv-1', ['no-such-command-xyz']).code).toBe(127);
  });

  it.skipIf(!havePing)('a VM still reaches another VM of its network (ping from inside)', () => {
    const r = exec('cole/vm/srv-1', ['ping', '-c', '1', '-W', '2', '10.30.0.11']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(exec('cole/vm/srv-1', ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']).stdout).toContain('10.30.0.10/24');
  });

  it("a partner's run is refused on a real VM, and nothing runs in it", () => {
    const r = exec('cole/vm/srv-1', ['touch', '/root/partner-was-here'], { flags: ['--partner', 'westside-it'] });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(REFUSED);
    expect(existsSync(join(vmRoot('cole/vm/srv-1'), 'root', 'partner-was-here'))).toBe(false);
  });

  it('a VM whose root is gone is drift; apply makes it again', () => {
    const root = vmRoot('cole/vm/srv-2');
    spawnSync('rm', ['-rf', root]);
    const plan = sb.run('plan', 'linux-lab', '--refresh', '--detailed-exitcode');
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('cole/vm/srv-2');
    expect(sb.run('apply', 'linux-lab', '--refresh', '--auto-approve').code).toBe(0);
    expect(existsSync(join(root, 'etc', 'shadow'))).toBe(true);
    expect(sb.run('plan', 'linux-lab', '--refresh', '--detailed-exitcode').code).toBe(0);
  });

  it("the host's mount table is unchanged by every exec (and by one running now)", () => {
    expect(hostMounts()).toEqual(mountsBefore);
    const running = spawn(process.execPath, [join(REPO, 'bin', 'netfirst.js'), 'exec', 'cole/vm/srv-1', '--specs', 'linux-lab', '--', 'sh', '-c', 'echo mounted; read line'], {
      cwd: sb.dir, env: { ...process.env, NETFIRST_STATE: '', NETFIRST_PARTNER: '' }, stdio: ['pipe', 'pipe', 'inherit'],
    });
    return new Promise<void>((done, fail) => {
      running.stdout!.once('data', () => {
        try {
          expect(hostMounts()).toEqual(mountsBefore);
        } catch (error) {
          running.kill('SIGKILL');
          fail(error);
          return;
        }
        running.stdin!.end('go\n');
      });
      running.once('exit', (code) => (code === 0 ? done() : fail(new Error(`exec exited ${String(code)}`))));
    });
  });

  it('destroy removes each VM root with its VM', () => {
    expect(readdirSync(join(provider(), 'vms')).sort()).toEqual(['v1', 'v2']);
    expect(sb.run('destroy', 'linux-lab', '--auto-approve').code).toBe(0);
    expect(readdirSync(join(provider(), 'vms'))).toEqual([]);
    expect(mine()).toEqual([]);
    expect(hostMounts()).toEqual(mountsBefore);
  });
});
