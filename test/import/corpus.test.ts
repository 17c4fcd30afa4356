/**
 * Every file of the shared corpus (real configurations and exports written by others,
 * read in place from ../shared/corpus) imports into a Tenant spec that validates
 * against a zone, with a report whose every line points into the file; files that are
 * not a supported format are refused with a clear error. Golden files pin the output
 * of several of them: run with UPDATE_GOLDEN=1 to rewrite them after an intended change.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validateDraft } from '../../engine/cli/commands/import.js';
import { reportText } from '../../engine/migrate/emit.js';
import { IMPORT_KINDS, importTenant, type ImportKind, type SourceFileText } from '../../engine/migrate/index.js';
import { UnsupportedFormat } from '../../engine/migrate/model.js';
import { loadSpecs } from '../../specs/load.js';

const CORPUS = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));
const GOLDEN = fileURLToPath(new URL('./golden/', import.meta.url));
const ZONE_FILE = fileURLToPath(new URL('../fixtures/import-zone/zone.yaml', import.meta.url));
const zone = [...loadSpecs([ZONE_FILE], { parallel: false }).zones.values()][0]!;
const haveCorpus = existsSync(CORPUS);
if (!haveCorpus) console.warn(`skipping corpus imports: ${CORPUS} is not there (the shared corpus sits beside the repo in CI)`);

const KIND_OF_DIR: Record<string, ImportKind> = { 'cisco-ios': 'cisco', 'cisco-asa': 'cisco', rvtools: 'rvtools', libvirt: 'libvirt' };
const read = (dir: string, name: string): SourceFileText => ({ path: join(dir, name), text: readFileSync(join(CORPUS, dir, name), 'utf8') });
const files = (dir: string): string[] => (haveCorpus ? readdirSync(join(CORPUS, dir)).filter((f) => !f.startsWith('.')).sort() : []);
const tenantOf = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40).replace(/-+$/, '');

function importAndValidate(kind: ImportKind, sources: SourceFileText[], tenant: string, extra: { kind: ImportKind; files: SourceFileText[] }[] = []) {
  const out = importTenant([{ kind, files: sources }, ...extra], { tenant, zone: zone.value, command: `netfirst import ${kind}` });
  const diagnostics = validateDraft(out.yaml, out.draft, zone, { tenant, zone: ZONE_FILE, state: join(CORPUS, 'no-state-here.db') });
  return { ...out, diagnostics };
}

/** Every report line points at a real line of a file that was read. */
function expectReportInFiles(report: readonly { file: string; line: number }[], sources: readonly SourceFileText[]): void {
  const lines = new Map(sources.map((s) => [s.path, s.text.split(/\r\n|\r|\n/).length]));
  for (const r of report) {
    expect(lines.has(r.file), `${r.file} was read`).toBe(true);
    expect(r.line).toBeGreaterThanOrEqual(1);
    expect(r.line).toBeLessThanOrEqual(lines.get(r.file)!);
  }
}

describe.skipIf(!haveCorpus)('every corpus file imports into a valid spec', () => {
  for (const dir of Object.keys(KIND_OF_DIR)) {
    const kind = KIND_OF_DIR[dir]!;
    for (const name of files(dir)) {
      it(`${dir}/${name} (${kind})`, () => {
        const source = read(dir, name);
        const out = importAndValidate(kind, [source], tenantOf(name));
        expect(out.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        expectReportInFiles(out.draft.report, [source]);
        // Keys read from the file go to the secrets file only: never into the spec or the report.
        for (const s of out.draft.secrets) {
          if (s.value === undefined) continue;
          expect(out.yaml).not.toContain(s.value);
          expect(JSON.stringify(out.draft.report)).not.toContain(s.value);
          expect(out.secrets).toContain(s.env);
        }
      });
    }
  }
});

describe.skipIf(!haveCorpus)('several files of one estate merge into one tenant', () => {
  it('an RVTools export given tab by tab: VMs get their NICs, disks and portgroup VLANs', () => {
    const set = files('rvtools').filter((f) => f.startsWith('rvtools-to-ibm-cloud_rvtools-small-complete_')).map((f) => read('rvtools', f));
    const out = importAndValidate('rvtools', set, 'small-complete');
    expect(out.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(out.draft.vms).toHaveLength(3);
    expect(out.draft.networks.map((n) => n.value.segment.vlan).filter((v) => v !== 'auto').sort()).toEqual([101, 102, 103]);
    expect(out.draft.vms.some((v) => v.value.nics.length === 2)).toBe(true);
  });

  it('the migration-planner export (vInfo + vDisk) gives 9 VMs with their disks', () => {
    const set = ['migration-planner_example1_vInfo.csv', 'migration-planner_example1_vDisk.csv'].map((f) => read('rvtools', f));
    const out = importAndValidate('rvtools', set, 'example1');
    expect(out.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(out.draft.vms).toHaveLength(9);
  });

  it('a Cisco config and a libvirt host of one customer: networks from the router, VMs on them', () => {
    const out = importAndValidate('cisco', [read('cisco-ios', 'sample_02.ios')], 'merged', [{ kind: 'libvirt', files: [read('libvirt', 'nat-network.xml'), read('libvirt', 'net-virtio-network-portgroup.xml')] }]);
    expect(out.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(out.result.formats.size).toBe(3);
    expect(out.draft.vms.length).toBeGreaterThan(0);
    expect(out.draft.networks.length).toBeGreaterThan(1);
  });
});

describe.skipIf(!haveCorpus)('files that are not a supported format are refused clearly', () => {
  const others = [
    ...files('cloudstack-api/cloudstack-go').map((f) => read('cloudstack-api/cloudstack-go', f)),
    ...files('cloudstack-api/libcloud').slice(0, 5).map((f) => read('cloudstack-api/libcloud', f)),
    { path: 'PROVENANCE.md', text: readFileSync(join(CORPUS, 'PROVENANCE.md'), 'utf8') },
  ];
  for (const kind of IMPORT_KINDS) {
    it(`import ${kind} refuses CloudStack API JSON and markdown with UnsupportedFormat`, () => {
      for (const f of others) {
        let thrown: unknown;
        try {
          importTenant([{ kind, files: [f] }], { tenant: 'x', zone: zone.value, command: 'test' });
        } catch (error) {
          thrown = error;
        }
        expect(thrown, `${kind} on ${f.path}`).toBeInstanceOf(UnsupportedFormat);
        expect((thrown as UnsupportedFormat).file).toBe(f.path);
      }
    });
  }
});

/** Output pinned byte for byte: the spec and the report. */
const GOLDEN_FILES: readonly [string, string][] = [
  ['cisco-ios', 'sample_01.ios'],
  ['cisco-ios', 'running_cfg_0004_multi_subnets_ext_net_and_single_subnet_ext_net.txt'],
  ['cisco-ios', 'fwbuilder_ios.test'],
  ['cisco-asa', 'pix7-nat.test'],
  ['cisco-asa', 'sample_01.asa'],
  ['rvtools', 'migration-planner_example1_vInfo.csv'],
  ['libvirt', 'nat-network.xml'],
  ['libvirt', 'net-virtio-network-portgroup.xml'],
];

describe.skipIf(!haveCorpus)('golden files', () => {
  for (const [dir, name] of GOLDEN_FILES) {
    it(`${dir}/${name}`, () => {
      const out = importAndValidate(KIND_OF_DIR[dir]!, [read(dir, name)], tenantOf(name));
      const actual = `${out.yaml}\n# ---- report\n${reportText(out.draft).split('\n').map((l) => `# ${l}`.trimEnd()).join('\n')}\n${out.secrets ? `\n# ---- secrets file (values left out)\n${out.secrets.replace(/^([A-Z0-9_]+)='.*'$/gm, '$1=<value>').split('\n').map((l) => `# ${l}`.trimEnd()).join('\n')}\n` : ''}`;
      const file = join(GOLDEN, `${basename(name)}.yaml`);
      if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(file)) {
        mkdirSync(GOLDEN, { recursive: true });
        writeFileSync(file, actual);
      }
      expect(actual).toBe(readFileSync(file, 'utf8'));
    });
  }
});
