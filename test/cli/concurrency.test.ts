/**
 * Two pipelines applying the same state at once: the state lock serializes them, the
 * second one (given a lock timeout) waits and then finds nothing to do; without a
 * timeout it fails at once naming the holder. Nothing is corrupted or created twice.
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
  const applyAsync = (args: string[], onOutput: (soFar: string) => void = () => {}): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [BIN, 'apply', 'iswest', '--auto-approve', ...args], { cwd: sb.dir, env: { ...process.env, NO_COLOR: '1', NETFIRST_STATE: '' } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); onOutput(stdout); });
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });

  it('serializes them: one applies, the other waits and finds No changes; nothing is created twice', async () => {
    sb.edit('iswest/zone.yaml', 'latency: 5ms', 'latency: 40ms');
    const [a, b] = await Promise.all([applyAsync(['--lock-timeout', '2m', '--parallelism', '2']), applyAsync(['--lock-timeout', '2m', '--parallelism', '2'])]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const outputs = [a.stdout, b.stdout];
    expect(outputs.filter((o) => o.includes('Resources: 41 added')).length).toBe(1);
    expect(outputs.filter((o) => o.includes('No changes.')).length).toBe(1);
    expect(a.stderr + b.stderr).toMatch(/Waiting up to 2m for the state lock held by .*lock ID [0-9a-f]+/);
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
    expect(second.stderr).toMatch(/state is locked by .* \(pid \d+, "netfirst apply iswest --auto-approve --parallelism 1"\) since \S+, last heartbeat \d+s ago; lock ID [0-9a-f]+/);
  });
});
