/**
 * Crash safety for real: `netfirst apply` is killed with SIGKILL at many points of a run
 * with simulated latency, then resumed. Afterwards what the zone holds equals what state
 * records — no resource lost, none created twice — and a plan says No changes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tenantYaml, zoneYaml } from '../bench/generate.js';
import { REPO } from '../cli/harness.js';

const BIN = join(REPO, 'bin', 'netfirst.js');
const TENANTS = 6;
const dir = mkdtempSync(join(tmpdir(), 'netfirst-kill-'));
const env = { ...process.env, NO_COLOR: '1', NETFIRST_STATE: '' };

function run(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', env, timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

let resolvedByReading = 0;

/** Starts an apply and SIGKILLs it after `ms`; resolves with whether it was killed before finishing. */
function applyAndKill(ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'apply', '.', '--auto-approve', '--parallelism', '4'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      for (const m of text.matchAll(/Resolved (\d+) operations? of an interrupted run/g)) resolvedByReading += Number(m[1]);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve(signal === 'SIGKILL');
    });
  });
}

function realityEqualsState(): { inventory: number; state: number } {
  const inventory = JSON.parse(run('zone', 'inventory', 'bench-1', '.', '--json').stdout) as { address: string; providerId: string }[];
  const state = JSON.parse(run('state', 'list', '--json').stdout) as { address: string; providerId: string }[];
  const addresses = inventory.map((o) => o.address);
  expect(new Set(addresses).size, 'no resource exists twice in the zone').toBe(addresses.length);
  const key = (r: { address: string; providerId: string }): string => `${r.address} ${r.providerId}`;
  expect(inventory.map(key).sort()).toEqual(state.map(key).sort());
  return { inventory: inventory.length, state: state.length };
}

describe('SIGKILL at many points of an apply', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loses nothing and creates nothing twice, across 25+ kills during creates, replaces and deletes', async () => {
    writeFileSync(join(dir, 'zone.yaml'), zoneYaml('bench-1', '25ms'));
    mkdirSync(join(dir, 'secrets'));
    writeFileSync(join(dir, 'secrets', 'psk'), 'kill-test-psk\n');
    writeFileSync(join(dir, 'secrets', 'admin-pw'), 'kill-test-pw\n');
    for (let i = 0; i < TENANTS; i++) writeFileSync(join(dir, `tenant-${i}.yaml`), tenantYaml(i, 'bench-1'));

    // Kill points spread over start-up, planning and the provider calls of the run.
    let kills = 0;
    const delays = [700, 900, 1100, 1300, 1500, 1700, 1900, 2100];
    for (let round = 0; kills < 20 && round < 60; round++) {
      if (await applyAndKill(delays[round % delays.length]! + (round % 3) * 37)) kills++;
    }
    const finished = run('apply', '.', '--auto-approve');
    for (const m of finished.stdout.matchAll(/Resolved (\d+) operations? of an interrupted run/g)) resolvedByReading += Number(m[1]);
    expect(finished.code, finished.stderr).toBe(0);
    expect(run('plan', '.', '--detailed-exitcode').code).toBe(0);
    const afterCreates = realityEqualsState();
    expect(afterCreates.state).toBe(TENANTS * 49);

    // Now a change that replaces networks (and everything bound to them) and deletes VMs.
    for (let i = 0; i < TENANTS; i++) {
      const text = tenantYaml(i, 'bench-1').replace(/cidr: 10\.(\d+)\.(\d+)\.0\/24, segment: \{ vlan: auto \}, sourceNat: nat \}/, 'cidr: 10.$1.$2.0/25, segment: { vlan: auto }, sourceNat: nat }');
      writeFileSync(join(dir, `tenant-${i}.yaml`), text.slice(0, text.indexOf('    - name: vm-12')));
    }
    for (let round = 0; kills < 28 && round < 60; round++) {
      if (await applyAndKill(delays[round % delays.length]! + 150)) kills++;
    }
    const done = run('apply', '.', '--auto-approve');
    for (const m of done.stdout.matchAll(/Resolved (\d+) operations? of an interrupted run/g)) resolvedByReading += Number(m[1]);
    expect(done.code, done.stderr).toBe(0);
    expect(run('plan', '.', '--detailed-exitcode').code).toBe(0);
    const afterChanges = realityEqualsState();
    console.log(`kill test: ${kills} SIGKILLs survived, ${resolvedByReading} interrupted operations resolved by reading; ${afterCreates.state} resources after creates, ${afterChanges.state} after replaces and deletes; zone inventory equals state`);
    expect(kills).toBeGreaterThanOrEqual(25);
    expect(resolvedByReading, 'kills landed while provider calls were in flight').toBeGreaterThan(0);
  }, 600_000);
});
