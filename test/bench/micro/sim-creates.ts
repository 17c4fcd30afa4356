/**
 * Measures sim create throughput with latency 0 (not a test; run with
 * `npx tsx test/bench/micro/sim-creates.ts [count]`). Creates networks and VMs on them,
 * 32 at a time like the engine's apply.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createSimProvider } from '../../../providers/sim/index.js';
import { ZoneSpec } from '../../../specs/schema.js';
import { network, tempDir, vm } from '../../sim/fixture.js';

const count = Number(process.argv[2] ?? 20_000);
const zone = ZoneSpec.parse({
  provider: { type: 'sim' },
  segments: { vlans: ['1-4094'], vxlans: ['10000-99999'] },
  clusters: [{ name: 'kvm-a', hypervisor: 'kvm', hosts: 1000, cpuPerHost: 64, memoryPerHost: '1TiB' }],
  storageTiers: [{ name: 'performance', media: 'ssd', capacity: '10000TiB' }],
  templates: [{ name: 'ubuntu-24.04', hypervisors: ['kvm'] }],
});
const dir = tempDir();
const p = createSimProvider({ zoneName: 'z1', zone, path: join(dir, 'sim.db') });

const networks = Math.ceil(count / 100);
let t = performance.now();
const ids: string[] = [];
for (let n = 0; n < networks; n++) {
  const o = await p.create(network(`net-${n}`, { vxlan: 10000 + n, tenant: `t${n}`, cidr: '10.0.0.0/16', gateway: '10.0.0.1' }));
  ids.push(o.providerId);
}
let ms = performance.now() - t;
console.log(`network creates (sequential): ${networks} in ${ms.toFixed(0)} ms = ${Math.round((networks / ms) * 1000)}/s`);

t = performance.now();
const cpu0 = process.cpuUsage();
let next = 0;
async function worker() {
  while (next < count) {
    const i = next++;
    const n = Math.floor(i / 100);
    const d = vm(`vm-${i}`, { refs: { 'acme/network/office': ids[n]! }, nics: [{ network: 'acme/network/office', ip: `10.0.${1 + Math.floor((i % 100) / 250)}.${(i % 100) + 2}` }] });
    await p.create({ ...d, tenant: `t${n}` });
  }
}
await Promise.all(Array.from({ length: 32 }, worker));
ms = performance.now() - t;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
console.log(`vm creates (32 concurrent): ${count} in ${ms.toFixed(0)} ms = ${Math.round((count / ms) * 1000)}/s wall; ` +
  `${cpuMs.toFixed(0)} ms CPU = ${Math.round((count / cpuMs) * 1000)}/s per CPU-second`);
p.close?.();

t = performance.now();
const reopened = createSimProvider({ zoneName: 'z1', zone, path: join(dir, 'sim.db') });
console.log(`reopen (rebuild capacity ledger from ${count} VMs): ${(performance.now() - t).toFixed(0)} ms`);
reopened.close?.();
rmSync(dir, { recursive: true, force: true });
