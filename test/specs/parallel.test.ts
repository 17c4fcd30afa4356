import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFile } from '../../specs/load-file.js';
import { loadTextsInParallel, PARALLEL_MIN_FILES } from '../../specs/load-parallel.js';
import { loadSpecs } from '../../specs/load.js';
import type { SpecSet } from '../../specs/model.js';
import { SourceFile } from '../../specs/source.js';
import { tenantYaml, writeTenantFiles } from './generate.js';

let root: string;
let specsDir: string;

/** Enough files for the parallel path, with every kind of outcome among them. */
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'netfirst-specs-parallel-'));
  specsDir = join(root, 'specs');
  writeTenantFiles(specsDir, PARALLEL_MIN_FILES + 16);
  const write = (name: string, text: string): void => writeFileSync(join(specsDir, name), text);
  write('tenant-0003.yaml', tenantYaml(3).replace('cpu: 2', 'cpu: lots').replace('tier: capacity', 'tier: capacity, iops: 9'));
  write('tenant-0010.yaml', `${tenantYaml(10)}---\n${readFileSync('test/fixtures/specs-valid/zone.yaml', 'utf8')}`);
  write('tenant-0020.yaml', tenantYaml(20).replace('  vms:', '  vms: [\n'));
  write('tenant-0030.yaml', tenantYaml(30).replace('kind: Tenant', 'kind: Tenat'));
  write('tenant-0040-copy.yaml', tenantYaml(40));
  write('z-partners.yaml', readFileSync('test/fixtures/specs-valid/partners.yaml', 'utf8'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The observable content of a SpecSet (locate is a function). */
const contents = (s: SpecSet) => ({ zones: s.zones, tenants: s.tenants, partners: s.partners, files: s.files, diagnostics: s.diagnostics });

describe('loading on several threads', () => {
  it('gives the SpecSet one thread gives: documents, diagnostics with positions, their order, files', () => {
    const one = loadSpecs([specsDir], { parallel: false });
    expect(one.diagnostics.length).toBeGreaterThan(3);
    expect(contents(loadSpecs([specsDir]))).toStrictEqual(contents(one));
  });

  it('writes what the workers loaded to the cache, which then serves the same SpecSet', () => {
    const cacheDir = join(root, 'cache');
    const cold = loadSpecs([specsDir], { cacheDir });
    const cache = JSON.parse(readFileSync(join(cacheDir, readdirSync(cacheDir)[0]!), 'utf8'));
    // One entry per distinct content: tenant-0040-copy.yaml is tenant-0040.yaml again.
    expect(Object.keys(cache.entries)).toHaveLength(new Set(cold.files.map((f) => f.sha256)).size);
    expect(contents(loadSpecs([specsDir], { cacheDir }))).toStrictEqual(contents(cold));
  });
});

describe('loadTextsInParallel', () => {
  const texts = Array.from({ length: 80 }, (_, i) => (i % 7 === 3 ? tenantYaml(i).replace('cpu: 2', 'cpu: 0') : tenantYaml(i)));
  const want = texts.map((text) => loadFile(new SourceFile('', text)));
  const results = (loaded: readonly { result: unknown }[]) => loaded.map((l) => l.result);

  it('returns loadFile of each text in order, whoever loads them', () => {
    expect(results(loadTextsInParallel(texts, 2))).toStrictEqual(want);
  });

  it('returns the same when a worker loads every batch', () => {
    const loaded = loadTextsInParallel(texts, 2, { mainThreadLoads: false });
    expect(results(loaded)).toStrictEqual(want);
    expect(loaded.every((l) => l.json !== undefined)).toBe(true);
  });

  /** Workers that misbehave: the main thread loads what they did not deliver, without hanging. */
  it.each([
    { reason: 'a worker that cannot start', given: `throw new Error('no tsx here');` },
    { reason: 'a worker that reports a failure', given: `post({ failure: 'out of luck' });` },
    { reason: 'a worker that claims a batch and dies', given: `Atomics.add(counters, 0, 1); process.exit(1);` },
    { reason: 'a worker that claims a batch and hangs', given: `Atomics.add(counters, 0, 1); Atomics.wait(counters, 1, Atomics.load(counters, 1));` },
  ])('$reason', ({ given }) => {
    const entry = join(root, `worker-${Math.random().toString(36).slice(2)}.cjs`);
    writeFileSync(entry, [
      `const { workerData } = require('node:worker_threads');`,
      `const counters = new Int32Array(workerData.counters);`,
      `const post = (m) => { workerData.port.postMessage(m); Atomics.add(counters, 1, 1); Atomics.notify(counters, 1); };`,
      given,
    ].join('\n'));
    // A hang would fail on vitest's timeout; the stall bound makes the main thread take over.
    expect(results(loadTextsInParallel(texts, 2, { entry: pathToFileURL(entry), stallMs: 300 }))).toStrictEqual(want);
  });
});
