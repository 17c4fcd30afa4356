/**
 * `node --expose-gc --import tsx test/bench/micro/spec-load.ts [count]`: loads `count` (1,000) generated tenant
 * files cold, warm from the cache, and with `yaml.parseAllDocuments` alone, and prints
 * the medians. The budget: cold ≤ 1.5× parse alone for the whole plan, warm ≤ 300 ms.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadSpecs } from '../../../specs/load.js';
import { writeTenantFiles } from '../../specs/generate.js';

const count = Number(process.argv[2] ?? 1000);
const root = mkdtempSync(join(tmpdir(), 'netfirst-bench-'));
const dir = join(root, 'tenants');
const cacheDir = join(root, 'cache');
writeTenantFiles(dir, count);

/** CPU milliseconds of the process (wall time is too noisy on a shared machine). */
const time = (fn: () => void): number => {
  const cpu = (): number => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  (globalThis as { gc?: () => void }).gc?.();
  const start = cpu();
  fn();
  return cpu() - start;
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const runs = 7;

const yamlOnly: number[] = [];
const cold: number[] = [];
const coldCaching: number[] = [];
const warm: number[] = [];
for (let r = 0; r < runs; r++) {
  yamlOnly.push(time(() => {
    for (let i = 0; i < count; i++) parseAllDocuments(readFileSync(join(dir, `tenant-${String(i).padStart(4, '0')}.yaml`), 'utf8'));
  }));
  cold.push(time(() => {
    const set = loadSpecs([dir]);
    if (set.tenants.size !== count || set.diagnostics.length > 0) throw new Error('bench specs did not load');
  }));
  rmSync(cacheDir, { recursive: true, force: true });
  coldCaching.push(time(() => loadSpecs([dir], { cacheDir })));
  warm.push(time(() => {
    const set = loadSpecs([dir], { cacheDir });
    if (set.tenants.size !== count) throw new Error('bench specs did not load from cache');
  }));
}
const y = median(yamlOnly);
const c = median(cold);
console.log(`${count} tenant files, CPU time, median of ${runs}`);
console.log(`  yaml.parseAllDocuments alone   ${y.toFixed(0)} ms`);
console.log(`  loadSpecs cold (no cache)      ${c.toFixed(0)} ms  (${(c / y).toFixed(2)}x)`);
console.log(`  loadSpecs cold, writing cache  ${median(coldCaching).toFixed(0)} ms  (${(median(coldCaching) / y).toFixed(2)}x)`);
console.log(`  loadSpecs warm cache           ${median(warm).toFixed(0)} ms`);
rmSync(root, { recursive: true, force: true });
