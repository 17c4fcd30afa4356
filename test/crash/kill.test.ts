/**
 * Crash safety for real: `netfirst apply` is killed with SIGKILL while its provider calls
 * are in flight, again and again, then resumed. Each kill lands a little later after the
 * first provider call started; when a run gets to finish, the specs flip to the other of
 * two versions (network CIDRs that force replace cascades, VMs removed and added back) so
 * there is always work in flight. Afterwards what the zone holds equals what state
 * records — no resource lost, none created twice — and a plan says No changes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tenantYaml, zoneYaml } from '../bench/generate.js';
import { REPO } from '../cli/harness.js';

const BIN = join(REPO, 'bin', 'netfirst.js');
const TENANTS = 6;
const KILLS = 26;
const dir = mkdtempSync(join(tmpdir(), 'netfirst-kill-'));
const env = { ...process.env, NO_COLOR: '1', NETFIRST_STATE: '' };

function run(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', env, timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Version A: the generated tenants. Version B: office networks narrowed (replace cascades) and three VMs gone. */
function writeSpecs(version: 'A' | 'B'): void {
  for (let i = 0; i < TENANTS; i++) {
    let text = tenantYaml(i, 'bench-1');
    if (version === 'B') {
      text = text.replace(/cidr: 10\.(\d+)\.(\d+)\.0\/24, segment: \{ vlan: auto \}, sourceNat: nat \}/, 'cidr: 10.$1.$2.0/25, segment: { vlan: auto }, sourceNat: nat }');
      text = text.slice(0, text.indexOf('    - name: vm-12'));
    }
    writeFileSync(join(dir, `tenant-${i}.yaml`), text);
  }
}

let resolvedByReading = 0;
const countResolved = (text: string): void => {
  for (const m of text.matchAll(/Resolved (\d+) operations? of an interrupted run/g)) resolvedByReading += Number(m[1]);
};

/**
 * Starts an apply and SIGKILLs it `afterMs` after its first provider call started.
 * Resolves 'killed', or 'finished' when it ended on its own first.
 */
function applyAndKill(afterMs: number): Promise<'killed' | 'finished'> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'apply', '.', '--auto-approve', '--parallelism', '4'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      out += text;
      if (!timer && /: (Creating|Modifying|Destroying)\.\.\./.test(out)) timer = setTimeout(() => child.kill('SIGKILL'), afterMs);
    });
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      countResolved(out);
      resolve(signal === 'SIGKILL' ? 'killed' : 'finished');
    });
  });
}

function realityEqualsState(): number {
  const inventory = JSON.parse(run('zone', 'inventory', 'bench-1', '.', '--json').stdout) as { address: string; providerId: string }[];
  const state = JSON.parse(run('state', 'list', '--json').stdout) as { address: string; providerId: string }[];
  const addresses = inventory.map((o) => o.address);
  expect(new Set(addresses).size, 'no resource exists twice in the zone').toBe(addresses.length);
  const key = (r: { address: string; providerId: string }): string => `${r.address} ${r.providerId}`;
  expect(inventory.map(key).sort()).toEqual(state.map(key).sort());
  return state.length;
}

describe('SIGKILL while provider calls are in flight', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`loses nothing and creates nothing twice, across ${KILLS} kills during creates, replaces and deletes`, async () => {
    writeFileSync(join(dir, 'zone.yaml'), zoneYaml('bench-1', '25ms'));
    mkdirSync(join(dir, 'secrets'));
    writeFileSync(join(dir, 'secrets', 'psk'), 'kill-test-psk\n');
    writeFileSync(join(dir, 'secrets', 'admin-pw'), 'kill-test-pw\n');
    let version: 'A' | 'B' = 'A';
    writeSpecs(version);

    let kills = 0;
    let flips = 0;
    for (let round = 0; kills < KILLS && round < 120; round++) {
      // Kill points walk through the run: 0 ms to ~1 s after the first provider call.
      const outcome = await applyAndKill((round * 97) % 1000);
      if (outcome === 'killed') kills++;
      else {
        version = version === 'A' ? 'B' : 'A';
        writeSpecs(version);
        flips++;
      }
    }
    const finished = run('apply', '.', '--auto-approve');
    countResolved(finished.stdout);
    expect(finished.code, finished.stderr).toBe(0);
    expect(run('plan', '.', '--detailed-exitcode').code).toBe(0);
    const count = realityEqualsState();
    expect(count).toBe(version === 'A' ? TENANTS * 49 : TENANTS * 42);
    console.log(`kill test: ${kills} SIGKILLs mid-apply survived (${flips} runs finished and flipped the specs), ${resolvedByReading} interrupted operations resolved by reading; ${count} resources; zone inventory equals state`);
    expect(kills).toBeGreaterThanOrEqual(25);
    expect(resolvedByReading, 'kills landed while provider calls were in flight').toBeGreaterThan(0);
  }, 900_000);
});
