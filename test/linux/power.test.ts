/**
 * A VM's `power` on the linux provider, with real packets: tenant cole of
 * examples/linux-lab (one network, one VM) applied into namespaces of this host, then
 * stopped — its processes end, it answers no ping, its disk image, addresses and
 * namespace stay, `exec` is refused — started outside netfirst (drift), stopped again by
 * apply, and started by the spec. Needs root, network namespaces and nftables; elsewhere
 * it skips and says why. Everything it made is removed afterwards.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zoneNames } from '../../providers/linux/names.js';
import { sandbox, type Sandbox } from '../cli/harness.js';
import { kernelUnavailable } from './kernel.js';

const skip = kernelUnavailable();
if (skip) console.warn(`skipping the linux provider power test: ${skip}`);

const prefix = `p${Math.random().toString(36).slice(2, 4).replace(/[^a-z0-9]/g, 'q')}`;
const VM = 'cole/vm/srv-1';
const VM_IP = '10.30.0.10';
const SPEC = 'linux-lab/cole.yaml';
const ROOT_DISK = 'rootDisk: { size: 10GiB, tier: fast } }';

const ping = (ns: string, ip: string): Promise<boolean> =>
  new Promise((resolve) => execFile('ip', ['netns', 'exec', ns, 'ping', '-c', '1', '-W', '1', ip], (error) => resolve(!error)));
const namespaces = (): string[] => spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').map((l) => l.split(' ')[0]!).filter(Boolean);

describe.skipIf(skip !== undefined)('linux provider: power of a VM in this kernel', () => {
  let sb: Sandbox;
  const names = zoneNames('lab-1', prefix);
  const mine = (): string[] => namespaces().filter((n) => n.startsWith(names.namespacePrefix));
  const registry = (): { vms: Record<string, number>; routers: Record<string, number> } => JSON.parse(sb.read('.netfirst/linux-lab-1/registry.json'));
  const vmNs = (): string => names.vm(registry().vms[VM]!);
  const routerNs = (): string => names.router(registry().routers['cole']!);
  const images = (): string[] => readdirSync(join(sb.dir, '.netfirst', 'linux-lab-1', 'images'), { recursive: true }).map(String).filter((f) => f.endsWith('.img'));
  const recordedPower = (): unknown => (JSON.parse(sb.run('state', 'show', VM, '--json').stdout) as { attributes: { power?: unknown } }).attributes.power;
  const children: ChildProcess[] = [];

  beforeAll(() => {
    sb = sandbox('linux-lab');
    sb.edit('linux-lab/zone.yaml', '{ type: linux, hosts: 2 }', `{ type: linux, hosts: 2, prefix: ${prefix} }`);
    // Only cole: one network, one VM, no NAT, no VPN.
    for (const other of ['acme.yaml', 'baker.yaml']) rmSync(join(sb.dir, 'linux-lab', other));
  });

  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
    if (sb) {
      sb.run('destroy', 'linux-lab', '--auto-approve');
      for (const ns of mine()) spawnSync('ip', ['netns', 'del', ns]);
      sb.remove();
    }
  });

  it('a VM runs unless its spec says otherwise: it answers its gateway', async () => {
    const r = sb.run('apply', 'linux-lab', '--auto-approve');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(recordedPower()).toBe('running');
    expect(await ping(routerNs(), VM_IP)).toBe(true);
    expect(sb.run('plan', 'linux-lab', '--refresh', '--detailed-exitcode').code).toBe(0);
  });

  it('stopping ends its processes and takes it off the network, keeping its disk and namespace', async () => {
    const sleeper = spawn('ip', ['netns', 'exec', vmNs(), 'sleep', '600'], { stdio: 'ignore' });
    children.push(sleeper);
    const ended = new Promise<boolean>((resolve) => sleeper.once('exit', () => resolve(true)));
    await new Promise((resolve) => setTimeout(resolve, 200));

    sb.edit(SPEC, ROOT_DISK, `${ROOT_DISK.slice(0, -2)}, power: stopped }`);
    const plan = sb.run('plan', 'linux-lab');
    expect(plan.stdout).toContain('~ power = "running" -> "stopped"');
    expect(plan.stdout).toContain('Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.');
    const r = sb.run('apply', 'linux-lab', '--auto-approve');
    expect(r.code).toBe(0);

    expect(await Promise.race([ended, new Promise((resolve) => setTimeout(() => resolve(false), 5_000))])).toBe(true);
    expect(await ping(routerNs(), VM_IP)).toBe(false);
    expect(mine()).toContain(vmNs());
    expect(images()).toHaveLength(1);
    expect(recordedPower()).toBe('stopped');
    expect(sb.run('plan', 'linux-lab', '--refresh', '--detailed-exitcode').code).toBe(0);
  });

  it('netfirst exec refuses a stopped VM, saying why', () => {
    const r = sb.run('exec', VM, '--specs', 'linux-lab', '--', 'true');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`${VM} is stopped`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a VM brought up by hand is drift, and apply stops it again', async () => {
    expect(spawnSync('ip', ['-n', vmNs(), 'link', 'set', 'dev', 'eth0', 'up']).status).toBe(0);
    const plan = sb.run('plan', 'linux-lab', '--refresh', '--detailed-exitcode');
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain(`# ${VM} has changed outside netfirst`);
    expect(plan.stdout).toContain('~ power = "stopped" -> "running"');
    expect(sb.run('apply', 'linux-lab', '--refresh', '--auto-approve').code).toBe(0);
    expect(await ping(routerNs(), VM_IP)).toBe(false);
    expect(sb.run('plan', 'linux-lab', '--refresh', '--detailed-exitcode').code).toBe(0);
  });

  it('starting is an in-place update that puts it back on the network', async () => {
    sb.edit(SPEC, ', power: stopped }', ' }');
    const r = sb.run('apply', 'linux-lab', '--auto-approve');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('0 added, 1 changed, 0 replaced, 0 destroyed');
    expect(await ping(routerNs(), VM_IP)).toBe(true);
    expect(sb.run('exec', VM, '--specs', 'linux-lab', '--', 'true').code).toBe(0);
    expect(sb.run('plan', 'linux-lab', '--refresh', '--detailed-exitcode').code).toBe(0);
  });

  it('destroy leaves nothing of the zone', () => {
    expect(sb.run('destroy', 'linux-lab', '--auto-approve').code).toBe(0);
    expect(mine()).toEqual([]);
    expect(existsSync(join(sb.dir, '.netfirst', 'linux-lab-1', 'images')) ? images() : []).toEqual([]);
  });
});
