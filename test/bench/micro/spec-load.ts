/**
 * `node --expose-gc --import tsx test/bench/micro/spec-load.ts [count]`: loads `count`
 * (1,000) generated tenant files with `yaml.parseAllDocuments` + `toJS()` alone (the
 * parse floor), cold on one thread, cold on every core (worker threads), cold writing
 * the cache, and warm from the cache, and prints the medians. Wall time, measured in
 * turns so that a noisy neighbour slows every variant alike; CPU time is printed too
 * (for the parallel load it is the sum over threads). The budget: the whole cold plan
 * ≤ 1.5× the floor, warm ≤ 300 ms.
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
const files = writeTenantFiles(dir, count);

interface Sample {
  readonly wall: number;
  readonly cpu: number;
}
const cpuNow = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const measure = (fn: () => void): Sample => {
  (globalThis as { gc?: () => void }).gc?.();
  const cpu = cpuNow();
  const wall = performance.now();
  fn();
  return { wall: performance.now() - wall, cpu: cpuNow() - cpu };
};
const expectAll = (set: ReturnType<typeof loadSpecs>): void => {
  if (set.tenants.size !== count || set.diagnostics.length > 0) throw new Error('bench specs did not load');
};

const variants: Record<string, () => void> = {
  'parse floor (yaml + toJS)': () => {
    for (const file of files) for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) doc.toJS();
  },
  'cold, one thread': () => expectAll(loadSpecs([dir], { parallel: false })),
  'cold, parallel': () => expectAll(loadSpecs([dir])),
  'cold, parallel, writing cache': () => {
    rmSync(cacheDir, { recursive: true, force: true });
    expectAll(loadSpecs([dir], { cacheDir }));
  },
  'warm cache': () => expectAll(loadSpecs([dir], { cacheDir })),
};
const samples = new Map<string, Sample[]>(Object.keys(variants).map((name) => [name, []]));
const runs = 5;
for (let r = 0; r < runs; r++) for (const [name, fn] of Object.entries(variants)) samples.get(name)!.push(measure(fn));

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const floor = median(samples.get('parse floor (yaml + toJS)')!.map((s) => s.wall));
console.log(`${count} tenant files, median of ${runs}`);
for (const [name, xs] of samples) {
  const wall = median(xs.map((s) => s.wall));
  const cpu = median(xs.map((s) => s.cpu));
  console.log(`  ${name.padEnd(30)} ${wall.toFixed(0).padStart(5)} ms wall (${(wall / floor).toFixed(2)}× floor)  ${cpu.toFixed(0).padStart(5)} ms CPU`);
}
rmSync(root, { recursive: true, force: true });
