/**
 * Pipelines applying one state at once. The same tenants serialize: the second (given
 * a lock timeout) waits and then finds nothing to do; without a timeout it fails at once
 * naming the holder. Different tenants apply side by side, and only creating in the
 * same zone (its shared VLANs, addresses and capacity) waits. Nothing is corrupted or
 * created twice.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, sandbox } from './harness.js';

const BIN = join(REPO, 'bin', 'netfirst.js');

describe('concurrent applies of one state', () => {
  const sb = sandbox();
  afterAll(() => sb.remove());

  /** Runs an apply; `onOutput` sees its stdout as it comes. */
  const applyAsync = (args: string[], onOutput: (soFar: string) => void = () => {}): Promise<{ code: number; stdout: string; stderr: string; lines: { at: number; line: string }[] }> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [BIN, 'apply', 'iswest', '--auto-approve', ...args], { cwd: sb.dir, env: { ...process.env, NO_COLOR: '1', NETFIRST_STATE: '' } });
      let stdout = '';
      let stderr = '';
      const lines: { at: number; line: string }[] = [];
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        for (const line of d.toString().split('\n')) if (line.trim() !== '') lines.push({ at: Date.now(), line });
        onOutput(stdout);
      });
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr, lines }));
    });

  it('serializes them: one applies, the other waits and finds No changes; nothing is created twice', async () => {
    sb.edit('iswest/zone.yaml', 'latency: 5ms', 'latency: 40ms');
    const [a, b] = await Promise.all([applyAsync(['--lock-timeout', '2m', '--parallelism', '2']), applyAsync(['--lock-timeout', '2m', '--parallelism', '2'])]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const outputs = [a.stdout, b.stdout];
    expect(outputs.filter((o) => o.includes('Resources: 41 added')).length).toBe(1);
    expect(outputs.filter((o) => o.includes('No changes.')).length).toBe(1);
    expect(a.stderr + b.stderr).toMatch(/Waiting up to 2m for the lock on tenant:\S+ held by .*lock ID [0-9a-f]+/);
    const inventory = JSON.parse(sb.run('zone', 'inventory', 'iswest-1', 'iswest', '--json').stdout) as { address: string }[];
    const state = JSON.parse(sb.run('state', 'list', '--json').stdout) as { address: string }[];
    expect(inventory).toHaveLength(41);
    expect(new Set(inventory.map((o) => o.address)).size).toBe(41);
    expect(state.map((s) => s.address).sort()).toEqual(inventory.map((o) => o.address).sort());
  });

  it('without a lock timeout the second fails at once, saying who holds the lock since when', async () => {
    sb.edit('iswest/zone.yaml', 'latency: 40ms', 'latency: 2500ms');
    sb.edit('iswest/acme-dental.yaml', 'memory: 8GiB', 'memory: 12GiB');
    sb.edit('iswest/acme-dental.yaml', 'memory: 16GiB', 'memory: 20GiB');
    let second: ReturnType<typeof sb.run> | undefined;
    // The second starts while the first is inside a provider call, so it surely holds the lock.
    const done = await applyAsync(['--parallelism', '1'], (soFar) => {
      if (!second && soFar.includes(': Modifying...')) second = sb.run('apply', 'iswest', '--auto-approve');
    });
    if (!second) throw new Error('the first apply never started modifying');
    expect(done.code).toBe(0);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/tenant:\S+ is locked by .* \(pid \d+, "netfirst apply iswest --auto-approve --parallelism 1"\) since \S+, last heartbeat \d+s ago; lock ID [0-9a-f]+/);
  });

  it('applies different tenants side by side: both succeed, in overlapping time, state consistent', async () => {
    sb.edit('iswest/zone.yaml', 'latency: 2500ms', 'latency: 1500ms');
    // Shrinking memory takes nothing from the zone: each run holds only its tenant's lock.
    sb.edit('iswest/acme-dental.yaml', 'memory: 12GiB', 'memory: 10GiB');
    sb.edit('iswest/cole-accounting.yaml', 'memory: 32GiB', 'memory: 28GiB');
    const [a, c] = await Promise.all([
      applyAsync(['--tenant', 'acme-dental', '--parallelism', '1']),
      applyAsync(['--tenant', 'cole-accounting', '--parallelism', '1']),
    ]);
    expect([a.code, c.code], a.stderr + c.stderr).toEqual([0, 0]);
    expect(a.stdout).toContain('Resources: 0 added, 1 changed');
    expect(c.stdout).toContain('Resources: 0 added, 1 changed');
    // Overlap: each started modifying before the other had finished.
    const started = (r: typeof a): number => r.lines.find((l) => l.line.includes(': Modifying...'))!.at;
    const finished = (r: typeof a): number => r.lines.find((l) => l.line.includes('Apply complete!'))!.at;
    expect(started(c)).toBeLessThan(finished(a));
    expect(started(a)).toBeLessThan(finished(c));
    expect(a.stderr + c.stderr).not.toContain('Waiting');
    const plan = sb.run('plan', 'iswest', '--refresh', '--detailed-exitcode');
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    expect(sb.run('state', 'lock').stdout).toContain('not locked');
  });

  it('creating in the same zone waits for the zone: both succeed, nothing allocated twice', async () => {
    // 1.5 s a call keeps the first holder's zone lock past the second's start even when a
    // loaded machine starts one CLI a second after the other.
    const network = (name: string): string => `    - name: ${name}\n      cidr: 10.99.${name === 'lab-a' ? 1 : 2}.0/24\n      segment: { vlan: auto }\n`;
    sb.edit('iswest/acme-dental.yaml', '  networks:\n', `  networks:\n${network('lab-a')}`);
    sb.edit('iswest/cole-accounting.yaml', '  networks:\n', `  networks:\n${network('lab-b')}`);
    const [a, c] = await Promise.all([
      applyAsync(['--tenant', 'acme-dental', '--lock-timeout', '2m']),
      applyAsync(['--tenant', 'cole-accounting', '--lock-timeout', '2m']),
    ]);
    expect([a.code, c.code], a.stderr + c.stderr).toEqual([0, 0]);
    expect(a.stdout + c.stdout).toMatch(/1 added[\s\S]*1 added/);
    expect(a.stderr + c.stderr).toMatch(/Waiting up to 2m for the lock on zone:iswest-1/);
    const state = JSON.parse(sb.run('state', 'list', '--json').stdout) as { address: string }[];
    const vlans = state.filter((r) => r.address.includes('/network/')).map((r) =>
      (JSON.parse(sb.run('state', 'show', r.address, '--json').stdout) as { attributes: { segment: { id: number } } }).attributes.segment.id);
    expect(vlans.length).toBe(8);
    expect(new Set(vlans).size).toBe(vlans.length);
    const plan = sb.run('plan', 'iswest', '--refresh', '--detailed-exitcode');
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
  });

  it('state lock lists the tenant and zone locks of an apply while it runs, and nothing after', async () => {
    sb.edit('iswest/acme-dental.yaml', '  networks:\n', '  networks:\n    - name: lab-c\n      cidr: 10.99.3.0/24\n      segment: { vlan: auto }\n');
    // One create of 6 s: time for two `state lock` runs on a loaded machine while it is held.
    sb.edit('iswest/zone.yaml', /latency: \d+ms/, 'latency: 6000ms');
    let creating!: () => void;
    const started = new Promise<void>((resolve) => (creating = resolve));
    const running = applyAsync(['--tenant', 'acme-dental'], (soFar) => {
      if (soFar.includes('Creating...')) creating();
    });
    await started;
    const held = JSON.parse(sb.run('state', 'lock', '--json').stdout) as { scope: string; command: string }[];
    // The tenant's lock and the zone's (taken to create in it), each a lease of its own.
    expect(held.flatMap((l) => l.scope.split(' ')).sort()).toEqual(['tenant:acme-dental', 'zone:iswest-1']);
    for (const lock of held) expect(lock.command).toContain('apply');
    const text = sb.run('state', 'lock').stdout;
    expect(text).toMatch(/^Locked by .*, on tenant:acme-dental\.$/m);
    expect(text).toMatch(/^Locked by .*, on zone:iswest-1\.$/m);
    expect((await running).code).toBe(0);
    expect(JSON.parse(sb.run('state', 'lock', '--json').stdout)).toEqual([]);
  });
});
