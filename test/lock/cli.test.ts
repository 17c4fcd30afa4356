/** `netfirst force-unlock` and `netfirst state lock`, run as users run them. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireLock, currentLock, openState, type LockHandle, type StateStore } from '../../state/index.js';
import { REPO } from '../cli/harness.js';

const dirs: string[] = [];
const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function netfirst(...args: string[]) {
  const r = spawnSync(process.execPath, [join(REPO, 'bin', 'netfirst.js'), ...args], {
    encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', NETFIRST_STATE: '' }, timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function lockedState(): Promise<{ path: string; state: StateStore; lock: LockHandle }> {
  const dir = mkdtempSync(join(tmpdir(), 'netfirst-lockcli-'));
  dirs.push(dir);
  const path = join(dir, 'state.db');
  const state = openState(path);
  const lock = await acquireLock(state, {
    command: 'apply examples/iswest', heartbeatMs: 0, holder: { owner: 'root@gw-2', pid: 1234, host: 'gw-2' },
  });
  cleanup.push(() => lock.release(), () => state.close());
  return { path, state, lock };
}

describe('netfirst force-unlock', () => {
  it('breaks the lock with that ID and says whose it was', async () => {
    const { path, state, lock } = await lockedState();
    const r = netfirst('force-unlock', lock.info.id, '--state', path);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(
      `^Broke lock ${lock.info.id} held by root@gw-2 \\(pid 1234, "netfirst apply examples/iswest"\\) since \\S+Z, last heartbeat \\d+s ago\\.\\n$`,
    ));
    expect(currentLock(state)).toBeUndefined();
  });

  it('exits 1 naming the real lock when the ID is wrong, and leaves it', async () => {
    const { path, state, lock } = await lockedState();
    const r = netfirst('force-unlock', 'deadbeef', '--state', path);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^Error: no lock with ID deadbeef; the state is locked by root@gw-2 .*, lock ID ${lock.info.id}\\n$`));
    expect(currentLock(state)?.id).toBe(lock.info.id);
  });

  it('exits 1 without creating a state where there is none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netfirst-lockcli-'));
    dirs.push(dir);
    const path = join(dir, 'state.db');
    const r = netfirst('force-unlock', 'deadbeef', '--state', path);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Error: no state at ${path}\n`);
    expect(existsSync(path)).toBe(false);
  });
});

describe('netfirst state lock', () => {
  it('shows every holder, or an empty list once unlocked', async () => {
    const { path, lock } = await lockedState();
    const held = netfirst('state', 'lock', '--state', path);
    expect(held.code).toBe(0);
    expect(held.stdout).toContain(`Lock ID ${lock.info.id}; break a dead lock with: netfirst force-unlock ${lock.info.id}`);
    expect(held.stdout).toContain(', on state.');
    expect(JSON.parse(netfirst('state', 'lock', '--json', '--state', path).stdout)).toEqual([lock.info]);
    lock.release();
    expect(JSON.parse(netfirst('state', 'lock', '--json', '--state', path).stdout)).toEqual([]);
    expect(netfirst('state', 'lock', '--state', path).stdout).toBe('The state is not locked.\n');
  });
});
