import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../specs/diagnostic.js';
import { loadSpecs, operatorFiles } from '../../specs/load.js';
import { GiB } from '../../specs/units.js';

const TiB = 2 ** 40;

const FIXTURES = 'test/fixtures';
const report = (paths: string[]): string => loadSpecs(paths).diagnostics.map(formatDiagnostic).join('\n');

describe('loadSpecs', () => {
  it('loads the DESIGN.md examples as written, with sizes in bytes and durations in ms', () => {
    const specs = loadSpecs([`${FIXTURES}/specs-valid`]);
    expect(specs.diagnostics).toEqual([]);
    expect(specs.files.map((f) => f.file)).toEqual([
      'test/fixtures/specs-valid/acme-dental.yaml',
      'test/fixtures/specs-valid/partners.yaml',
      'test/fixtures/specs-valid/zone.yaml',
    ]);
    const zone = specs.zones.get('agoura-1')!.value;
    expect(zone.spec.clusters[0]!.memoryPerHost).toBe(256 * GiB);
    expect(zone.spec.storageTiers.map((t) => t.capacity)).toEqual([20 * TiB, 60 * TiB, 200 * TiB]);
    const tenant = specs.tenants.get('acme-dental')!;
    expect(tenant).toMatchObject({ file: 'test/fixtures/specs-valid/acme-dental.yaml', doc: 0 });
    const vm = tenant.value.spec.vms[0]!;
    expect([vm.memory, vm.rootDisk.size, vm.disks[0]!.size]).toEqual([4 * GiB, 40 * GiB, 500 * GiB]);
    const hq = tenant.value.spec.vpn!.siteToSite[0]!;
    expect([hq.ike.lifetime, hq.esp.lifetime]).toEqual([8 * 3_600_000, 3_600_000]);
    expect(tenant.value.spec.networks[0]!.segment).toEqual({ vlan: 'auto' });
    expect(specs.partners[0]!.value.spec.partners[0]!.quotas?.storage).toEqual({ performance: 4 * TiB, capacity: 40 * TiB });
    expect(specs.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256))).toBe(true);
  });

  it('reports every problem of every file at once, each at its line and column', () => {
    expect(report([`${FIXTURES}/specs-invalid`])).toMatchInlineSnapshot(`
      "test/fixtures/specs-invalid/many-problems.yaml:1:13: error: apiVersion: must be netfirst/v1; got "netfirst/v2"
      test/fixtures/specs-invalid/many-problems.yaml:3:19: error: metadata.name: must be a DNS label: lowercase letters, digits and "-", 1 to 63 characters, not starting or ending with "-"; got "Acme_Dental"
      test/fixtures/specs-invalid/many-problems.yaml:8:13: error: spec.networks[0].cidr: 10.20.0.1/24 has host bits set: write the network address of the block
      test/fixtures/specs-invalid/many-problems.yaml:9:24: error: spec.networks[0].segment.vlan: must be at most 4094; got 5000
      test/fixtures/specs-invalid/many-problems.yaml:11:13: error: spec.networks[1].cidr: must be an IPv4 network in CIDR notation such as 10.20.0.0/24; got "10.20.9.0/33"
      test/fixtures/specs-invalid/many-problems.yaml:12:16: error: spec.networks[1].segment: must be { vlan: auto | 1-4094 } or { vxlan: auto | 1-16777215 }; "vlam" is no field, did you mean "vlan"?
      test/fixtures/specs-invalid/many-problems.yaml:16:34: error: spec.firewall[0].protocol: must be one of tcp, udp, icmp; got "tcpp"; did you mean "tcp"?
      test/fixtures/specs-invalid/many-problems.yaml:23:59: error: spec.vpn.siteToSite[0].ike.dhGroup: must be one of 2, 5, 14, 15, 16, 19, 20, 21; got 13
      test/fixtures/specs-invalid/many-problems.yaml:23:73: error: spec.vpn.siteToSite[0].ike.lifetime: must be a duration such as 8h, 30m, 1h30m or 20ms; got "8 hours"
      test/fixtures/specs-invalid/many-problems.yaml:25:23: error: spec.vpn.siteToSite[0].preSharedKey: must be { env: NAME } or { file: path }
      test/fixtures/specs-invalid/many-problems.yaml:27:7: error: spec.vms[0]: missing required field "memory"
      test/fixtures/specs-invalid/many-problems.yaml:28:19: error: spec.vms[0].hypervisor: must be one of kvm, xenserver, vmware; got "kvmm"; did you mean "kvm"?
      test/fixtures/specs-invalid/many-problems.yaml:30:7: error: spec.vms[0].memroy: unknown field "memroy"; did you mean "memory"? valid fields: name, hypervisor, cluster, cpu, memory, template, nics, rootDisk, disks, power, protect, previously
      test/fixtures/specs-invalid/many-problems.yaml:33:25: error: spec.vms[0].rootDisk.size: must be a size with a unit, such as 4GiB, 500GB or 20TiB; got "40Gb"
      test/fixtures/specs-invalid/syntax.yaml:4:1: error: Flow map in block collection must be sufficiently indented and end with a }
      test/fixtures/specs-invalid/wrong-kind.yaml:2:7: error: kind: must be one of Zone, Tenant, Partners; got "Tenat"; did you mean "Tenant"?"
    `);
  });

  it('reads every document of a multi-document file and skips empty ones', () => {
    const specs = loadSpecs([`${FIXTURES}/specs-multidoc/zone-lab.yaml`]);
    expect(specs.diagnostics).toEqual([]);
    expect([...specs.zones.keys()]).toEqual(['lab-1']);
    expect([...specs.tenants.values()].map((t) => [t.value.metadata.name, t.doc])).toEqual([['lab-a', 2], ['lab-b', 4]]);
    expect(specs.partners.map((p) => p.doc)).toEqual([1]);
    expect(specs.zones.get('lab-1')!.value.spec.provider).toEqual({ type: 'sim', latency: 20 });
    expect(specs.tenants.get('lab-b')!.value.spec.vms[0]!.rootDisk.size).toBe(1e12);
  });

  it('reports a second tenant of the same name at its own name, naming where the first is', () => {
    const specs = loadSpecs([`${FIXTURES}/specs-duplicate`]);
    expect(specs.diagnostics.map(formatDiagnostic)).toMatchInlineSnapshot(`
      [
        "test/fixtures/specs-duplicate/more/acme-copy.yaml:5:9: error: metadata.name: duplicate Tenant "acme": already defined at test/fixtures/specs-duplicate/acme.yaml:3:19",
      ]
    `);
    expect(specs.tenants.get('acme')!.file).toBe('test/fixtures/specs-duplicate/acme.yaml');
    expect(specs.files.map((f) => f.file)).toEqual(['test/fixtures/specs-duplicate/acme.yaml', 'test/fixtures/specs-duplicate/more/acme-copy.yaml']);
  });

  it.each([
    { reason: 'a path that does not exist is an error, not a crash', given: ['test/fixtures/specs-nowhere'], want: ['test/fixtures/specs-nowhere: error: no such file or directory'] },
    { reason: 'a file named twice is read once', given: [`${FIXTURES}/specs-duplicate/acme.yaml`, `${FIXTURES}/specs-duplicate/acme.yaml`], want: [] },
  ])('$reason', ({ given, want }) => {
    expect(loadSpecs(given).diagnostics.map(formatDiagnostic)).toEqual(want);
  });

  it.each([
    { reason: 'a field the YAML spells out', given: ['spec', 'vms', 0, 'memory'], want: { line: 37, column: 15 } },
    { reason: 'a value inside flow collections', given: ['spec', 'publicIps', 1, 'staticNat', 'vm'], want: { line: 17, column: 37 } },
    { reason: 'a defaulted field points at its nearest written ancestor', given: ['spec', 'publicIps', 0, 'address'], want: { line: 16, column: 7 } },
    { reason: 'a document that does not exist', given: ['spec'], doc: 3, want: undefined },
  ])('locate: $reason', ({ given, doc, want }) => {
    const specs = loadSpecs([`${FIXTURES}/specs-valid`]);
    expect(specs.locate('test/fixtures/specs-valid/acme-dental.yaml', doc ?? 0, given)).toEqual(want);
  });

  it.each([
    { reason: 'partners.yaml at the top of a directory given', paths: ['test/fixtures/specs-valid'], file: 'test/fixtures/specs-valid/partners.yaml', want: true },
    { reason: 'zone*.yaml at the top of a directory given', paths: ['test/fixtures/specs-valid'], file: 'test/fixtures/specs-valid/zone-west.yml', want: true },
    { reason: 'a zone file in a subdirectory', paths: ['test/fixtures/specs-valid'], file: 'test/fixtures/specs-valid/tenants/zone.yaml', want: false },
    { reason: 'a tenant file', paths: ['test/fixtures/specs-valid'], file: 'test/fixtures/specs-valid/acme.yaml', want: false },
    { reason: 'a zone file given by its own path', paths: ['test/fixtures/specs-multidoc/zone-lab.yaml'], file: 'test/fixtures/specs-multidoc/zone-lab.yaml', want: true },
    { reason: 'a file given by its own path that is not an operator file', paths: ['test/fixtures/specs-valid/acme.yaml'], file: 'test/fixtures/specs-valid/acme.yaml', want: false },
  ])('operator files: $reason', ({ paths, file, want }) => {
    expect(operatorFiles(paths)(file)).toBe(want);
  });
});
