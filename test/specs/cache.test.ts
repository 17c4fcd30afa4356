import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../specs/diagnostic.js';
import { loadSpecs } from '../../specs/load.js';
import type { SpecSet } from '../../specs/model.js';

let root: string;
let specsDir: string;
let cacheDir: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'netfirst-specs-cache-'));
  specsDir = join(root, 'specs');
  cacheDir = join(root, 'cache');
  cpSync('test/fixtures/specs-valid', specsDir, { recursive: true });
  cpSync('test/fixtures/specs-invalid/many-problems.yaml', join(specsDir, 'broken.yaml'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** The observable content of a SpecSet (locate is a function). */
const contents = (s: SpecSet) => ({ zones: s.zones, tenants: s.tenants, partners: s.partners, files: s.files, diagnostics: s.diagnostics });
/** The one cache file, as JSON. */
const cacheFile = (): string => join(cacheDir, readdirSync(cacheDir).find((n) => n.endsWith('.json'))!);
const readCache = () => JSON.parse(readFileSync(cacheFile(), 'utf8'));

describe('load cache', () => {
  it('a warm load gives the same SpecSet as a cold one, diagnostics and positions included', () => {
    const cold = loadSpecs([specsDir], { cacheDir });
    expect(Object.keys(readCache().entries)).toHaveLength(4);
    const warm = loadSpecs([specsDir], { cacheDir });
    expect(contents(warm)).toEqual(contents(cold));
    expect(contents(warm)).toEqual(contents(loadSpecs([specsDir])));
    expect(warm.diagnostics.length).toBeGreaterThan(10);
  });

  it('a hit is served from the cache without parsing or validating the file again', () => {
    loadSpecs([specsDir], { cacheDir });
    // Doctor the entry for acme-dental.yaml: only a load that trusts the cache can see the change.
    const sha = loadSpecs([specsDir]).files.find((f) => f.file.endsWith('acme-dental.yaml'))!.sha256;
    const cache = readCache();
    cache.entries[sha].documents[0].value.spec.vms[0].cpu = 99;
    writeFileSync(cacheFile(), JSON.stringify(cache));
    expect(loadSpecs([specsDir], { cacheDir }).tenants.get('acme-dental')!.value.spec.vms[0]!.cpu).toBe(99);
  });

  it('keeps the entry of each file\'s latest content only', () => {
    loadSpecs([specsDir], { cacheDir });
    const file = join(specsDir, 'acme-dental.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('cpu: 2', 'cpu: 4'));
    loadSpecs([specsDir], { cacheDir });
    const cache = readCache();
    expect(Object.keys(cache.entries).sort()).toEqual(Object.values(cache.files).sort());
    expect(Object.keys(cache.entries)).toHaveLength(4);
  });

  it('locate works for a file that came from the cache', () => {
    loadSpecs([specsDir], { cacheDir });
    const warm = loadSpecs([specsDir], { cacheDir });
    expect(warm.locate(join(specsDir, 'acme-dental.yaml'), 0, ['spec', 'vms', 0, 'memory'])).toEqual({ line: 37, column: 15 });
  });

  it.each([
    { reason: 'a changed file is loaded anew', given: (text: string) => text.replace('cpu: 2', 'cpu: 4'), want: 4 },
    { reason: 'a file changed into an invalid one reports its problems', given: (text: string) => text.replace('cpu: 2', 'cpu: lots'), want: undefined },
  ])('$reason', ({ given, want }) => {
    loadSpecs([specsDir], { cacheDir });
    const file = join(specsDir, 'acme-dental.yaml');
    writeFileSync(file, given(readFileSync(file, 'utf8')));
    const warm = loadSpecs([specsDir], { cacheDir });
    expect(warm.tenants.get('acme-dental')?.value.spec.vms[0]!.cpu).toBe(want);
    if (want === undefined) expect(warm.diagnostics.map(formatDiagnostic).filter((d) => d.includes('acme-dental'))).toEqual([
      `${file}:36:12: error: spec.vms[0].cpu: must be 1-256; got "lots"`,
    ]);
  });

  it('a corrupt entry is a miss, not an error', () => {
    const cold = loadSpecs([specsDir], { cacheDir });
    writeFileSync(cacheFile(), '{"generation": "trunc');
    expect(contents(loadSpecs([specsDir], { cacheDir }))).toEqual(contents(cold));
    expect(Object.keys(readCache().entries)).toHaveLength(4);
  });
});
