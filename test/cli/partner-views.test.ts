/**
 * A partner sees only its own tenants in the long-running commands too: reconcile
 * looks at and corrects only them, status lists only them, watch plans only them.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, sandbox, type Sandbox } from './harness.js';

describe('--partner on reconcile, status and watch', () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = sandbox('iswest');
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
  });
  afterAll(() => sb?.remove());

  it('reconcile --partner looks at its tenants only, and status shows only them', () => {
    const round = sb.run('reconcile', 'iswest', '--once', '--json', '--partner', 'lexcore');
    expect(round.code, round.stderr).toBe(0);
    const tenants = round.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { tenant: string }).tenant);
    expect(tenants).toEqual(['baker-law']);
    expect(sb.run('reconcile', 'iswest', '--once', '--json').code).toBe(0);
    const status = JSON.parse(sb.run('status', 'iswest', '--json', '--partner', 'westside-it').stdout) as { tenants: { tenant: string }[] };
    expect(status.tenants.map((t) => t.tenant)).toEqual(['acme-dental']);
    const refused = sb.run('status', 'iswest', '--partner', 'westside-it', '--tenant', 'baker-law');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('partner westside-it does not manage tenant baker-law');
  });

  it('watch --partner plans only its tenants and ignores saves of others', async () => {
    const child = spawn(process.execPath, [join(REPO, 'bin', 'netfirst.js'), 'watch', 'iswest', '--partner', 'westside-it'], { cwd: sb.dir, env: { ...process.env, NO_COLOR: '1', NETFIRST_STATE: '' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const until = async (re: RegExp): Promise<void> => {
      for (let i = 0; i < 400 && !re.test(out); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      if (!re.test(out)) throw new Error(`watch never printed ${re}:\n${out}`);
    };
    try {
      await until(/Watching iswest/);
      expect(out).toMatch(/planned acme-dental in/);
      sb.edit('iswest/baker-law.yaml', 'cpu: 2', 'cpu: 3');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      sb.edit('iswest/acme-dental.yaml', 'memory: 8GiB', 'memory: 10GiB');
      await until(/acme-dental\.yaml: planned acme-dental in/);
      expect(out).not.toContain('baker-law');
    } finally {
      child.kill('SIGTERM');
      // Never leave a watcher behind, even one that does not stop on SIGTERM.
      const stopped = await Promise.race([
        new Promise<boolean>((resolve) => (child.exitCode !== null ? resolve(true) : child.once('exit', () => resolve(true)))),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5000)),
      ]);
      if (!stopped) child.kill('SIGKILL');
    }
  });
});
