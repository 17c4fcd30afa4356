/**
 * Measures state commit throughput and snapshot load time (not a test; run with
 * `npx tsx test/bench/micro/state-commits.ts [count]`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openState } from '../../../state/index.js';

const count = Number(process.argv[2] ?? 50_000);
const dir = mkdtempSync(join(tmpdir(), 'netfirst-bench-'));
const state = openState(join(dir, 'state.db'));

const vm = (i: number) => ({
  address: `t${i % 100}/vm/vm-${i}`,
  type: 'vm' as const,
  tenant: `t${i % 100}`,
  zone: 'z1',
  providerId: `id-${i}`,
  attributes: {
    name: `vm-${i}`, hypervisor: 'kvm', cluster: 'kvm-a', cpu: 2, memoryMiB: 4096, template: 'ubuntu-24.04',
    nics: [{ network: `t${i % 100}/network/office`, ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` }],
    rootDisk: { sizeGiB: 40, tier: 'performance' },
  },
  dependsOn: [`t${i % 100}/network/office`],
  boundTo: [`t${i % 100}/network/office`],
  protect: false,
  sensitive: [],
});

let t = performance.now();
const ops: number[] = [];
for (let i = 0; i < count; i++) {
  ops.push(state.beginOperation({ address: `t${i % 100}/vm/vm-${i}`, action: 'create', type: 'vm', tenant: `t${i % 100}`, zone: 'z1', runId: 'bench' }));
}
let ms = performance.now() - t;
console.log(`beginOperation: ${count} in ${ms.toFixed(0)} ms = ${Math.round((count / ms) * 1000)} transactions/s`);
t = performance.now();
const cpu0 = process.cpuUsage();
for (let i = 0; i < count; i++) state.commitCreate(ops[i]!, vm(i));
ms = performance.now() - t;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
console.log(`commitCreate: ${count} in ${ms.toFixed(0)} ms = ${Math.round((count / ms) * 1000)} transactions/s wall; ` +
  `${cpuMs.toFixed(0)} ms CPU = ${Math.round((count / cpuMs) * 1000)}/s per CPU-second`);

t = performance.now();
const snap = state.snapshot();
ms = performance.now() - t;
console.log(`snapshot of ${snap.resources.size} resources: ${ms.toFixed(0)} ms`);

t = performance.now();
state.snapshot();
console.log(`snapshot again (same serial, cached): ${(performance.now() - t).toFixed(2)} ms`);

t = performance.now();
let n = 0;
for (const _ of state.events()) n++;
console.log(`iterate ${n} events: ${(performance.now() - t).toFixed(0)} ms`);

state.close();
const reopened = openState(join(dir, 'state.db'));
t = performance.now();
reopened.snapshot();
console.log(`snapshot after reopen: ${(performance.now() - t).toFixed(0)} ms`);
reopened.close();
rmSync(dir, { recursive: true, force: true });
