/**
 * checkPartner, pure: every refusal a partner's plan can meet, on plain spec values.
 * Diagnostics are shown as `file: severity: path: summary` (plain-value specs have no
 * lines); one test on examples/iswest pins the lines.
 */
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../specs/diagnostic.js';
import { loadSpecs } from '../../specs/load.js';
import type { SpecSet } from '../../specs/model.js';
import { PartnersDocument, TenantDocument, type TenantDoc } from '../../specs/schema.js';
import { checkPartner } from '../../engine/partners/index.js';
import { buildDesired } from '../../engine/plan/desired.js';
import type { RecordedResource } from '../../specs/model/resource.js';
import { fakeDigest, recordAll, specSet, zoneDoc } from '../plan/spec-set.js';

type PartnerEntry = Record<string, unknown>;

const ZONE = zoneDoc('z1', {
  publicIpPools: [
    { name: 'pool-a', cidr: '203.0.113.0/24', gateway: '203.0.113.1', range: '203.0.113.10-203.0.113.250' },
    { name: 'pool-b', cidr: '198.51.100.0/24', gateway: '198.51.100.1', range: '198.51.100.10-198.51.100.250' },
  ],
});

const WESTSIDE: PartnerEntry = { name: 'westside-it', tenants: ['acme-*', 'harbor-vet'], zones: ['z1'] };
const LEXCORE: PartnerEntry = { name: 'lexcore', tenants: ['baker-law'], zones: ['z1'] };

function tenant(name: string, partner: string | undefined, spec: Record<string, unknown> = {}): TenantDoc {
  return TenantDocument.parse({
    apiVersion: 'netfirst/v1',
    kind: 'Tenant',
    metadata: { name, ...(partner !== undefined ? { partner } : {}) },
    spec: { zone: 'z1', networks: [{ name: 'lan', cidr: '10.0.0.0/24' }], ...spec },
  });
}

const vm = (name: string, more: Record<string, unknown> = {}) => ({
  name, hypervisor: 'kvm', cpu: 2, memory: '4GiB', template: 'ubuntu-24.04', nics: [{ network: 'lan' }], rootDisk: { size: '20GiB', tier: 'performance' }, ...more,
});

/** `partners: null`: no Partners document at all. */
function world(tenants: readonly TenantDoc[], partners: readonly PartnerEntry[] | null): SpecSet {
  const base = specSet([ZONE], tenants);
  if (partners === null) return base;
  const doc = PartnersDocument.parse({ apiVersion: 'netfirst/v1', kind: 'Partners', metadata: { name: 'partners' }, spec: { partners } });
  return { ...base, partners: [{ file: 'partners.yaml', doc: 0, value: doc }] };
}

interface Case {
  reason: string;
  tenants: TenantDoc[];
  /** Default: westside-it and lexcore; null: no Partners document. */
  partners?: PartnerEntry[] | null;
  partner?: string;
  /** Tenants the plan decides (default: every tenant with a spec). */
  planned?: string[];
  /** Tenants whose current spec is already applied (recorded in state). */
  applied?: TenantDoc[];
  destroy?: boolean;
  want: string[];
}

function check(c: Case): string[] {
  const specs = world(c.tenants, c.partners === undefined ? [WESTSIDE, LEXCORE] : c.partners);
  let recorded: ReadonlyMap<string, RecordedResource> = new Map();
  if (c.applied) {
    const before = world(c.applied, []);
    recorded = recordAll(buildDesired({ specs: before, recorded: new Map(), digestSecret: fakeDigest }).resources);
  }
  const planned = new Set(c.planned ?? c.tenants.map((t) => t.metadata.name));
  const desired = c.destroy ? [] : buildDesired({ specs, recorded, digestSecret: fakeDigest, tenants: planned }).resources;
  return checkPartner({ specs, recorded, desired, partner: c.partner ?? 'westside-it', planned, destroy: c.destroy ?? false }).map((d) => formatDiagnostic(d));
}

describe('checkPartner: whose tenants, and where they may live', () => {
  it.each<Case>([
    {
      reason: 'a partner plans its own tenant, in its zone, that names it: nothing to refuse',
      tenants: [tenant('acme-dental', 'westside-it'), tenant('harbor-vet', 'westside-it')],
      want: [],
    },
    {
      reason: 'naming the partner in metadata grants nothing: ownership is by the Partners entry only',
      tenants: [tenant('zeta-corp', 'westside-it')],
      want: ['tenants/zeta-corp.yaml: error: metadata.name: partner westside-it does not manage tenant zeta-corp (it manages acme-*, harbor-vet)'],
    },
    {
      reason: "another partner's tenant planned in this partner's run is refused, even without a claim",
      tenants: [tenant('baker-law', 'lexcore')],
      want: ['tenants/baker-law.yaml: error: metadata.name: partner westside-it does not manage tenant baker-law (it manages acme-*, harbor-vet)'],
    },
    {
      reason: 'a prefix pattern matches only names that start with it',
      tenants: [tenant('acm', 'westside-it')],
      want: ['tenants/acm.yaml: error: metadata.name: partner westside-it does not manage tenant acm (it manages acme-*, harbor-vet)'],
    },
    {
      reason: 'an owned tenant whose file names another partner is refused at metadata.partner',
      tenants: [tenant('acme-dental', 'lexcore')],
      want: ['tenants/acme-dental.yaml: error: metadata.partner: tenant acme-dental names partner lexcore, not westside-it: a partner changes only tenants that name it'],
    },
    {
      reason: 'in a partner run every tenant file says whose it is, so a reviewer sees it: a missing metadata.partner is refused',
      tenants: [tenant('acme-dental', undefined)],
      want: ['tenants/acme-dental.yaml: error: metadata: tenant acme-dental does not say which partner manages it: add "partner: westside-it" to its metadata'],
    },
    {
      reason: 'a tenant in a zone the partner is not given is refused at spec.zone',
      tenants: [tenant('acme-dental', 'westside-it')],
      partners: [{ ...WESTSIDE, zones: ['z2'] }],
      want: ['tenants/acme-dental.yaml: error: spec.zone: partner westside-it may not use zone z1 (its zones: z2)'],
    },
    {
      reason: 'a partner listed without zones is given none (deny by default)',
      tenants: [tenant('acme-dental', 'westside-it')],
      partners: [{ name: 'westside-it', tenants: ['acme-*'] }],
      want: ['tenants/acme-dental.yaml: error: spec.zone: partner westside-it may not use zone z1 (it is given no zone)'],
    },
    {
      reason: 'a destroy checks ownership only: the spec of a tenant that goes away does not matter',
      tenants: [tenant('acme-dental', undefined), tenant('baker-law', 'lexcore')],
      destroy: true,
      want: ['tenants/baker-law.yaml: error: metadata.name: partner westside-it does not manage tenant baker-law (it manages acme-*, harbor-vet)'],
    },
    {
      reason: 'a tenant known only to state (its file is gone) is still refused when it is not owned',
      tenants: [],
      planned: ['baker-law'],
      want: ['error: partner westside-it does not manage tenant baker-law (it manages acme-*, harbor-vet)'],
    },
  ])('$reason', (c) => {
    expect(check(c)).toEqual(c.want);
  });
});

describe('checkPartner: the partner itself', () => {
  it.each<Case>([
    {
      reason: 'an unknown partner is an error at the Partners document, with a suggestion',
      tenants: [tenant('acme-dental', 'westside-it')],
      partner: 'westsde-it',
      want: ['partners.yaml: error: spec.partners: unknown partner westsde-it (did you mean "westside-it"?): the Partners document names westside-it, lexcore'],
    },
    {
      reason: 'without a Partners document no partner can be checked: an error, not a pass',
      tenants: [tenant('acme-dental', 'westside-it')],
      partners: null,
      want: ['error: partner westside-it given, but no Partners document was loaded: pass the directory holding partners.yaml (kind: Partners)'],
    },
    {
      reason: 'a partner defined twice is ambiguous: which entry counts would be a guess',
      tenants: [tenant('acme-dental', 'westside-it')],
      partners: [WESTSIDE, LEXCORE, { ...WESTSIDE, tenants: ['zeta-*'] }],
      want: ['partners.yaml: error: spec.partners[2].name: partner westside-it is defined twice (first at partners.yaml): the operator must keep one entry'],
    },
  ])('$reason', (c) => {
    expect(check(c)).toEqual(c.want);
  });
});

describe('checkPartner: fixed segments and public IPs within what the partner is given', () => {
  const net = (segment: Record<string, unknown>) => ({ networks: [{ name: 'lan', cidr: '10.0.0.0/24', segment }] });
  const ip = (entry: Record<string, unknown>) => ({ publicIps: [{ name: 'web', ...entry }] });
  const ranged = { ...WESTSIDE, segments: { vlans: ['150-159'], vxlans: ['10050-10059'] }, publicIpPools: ['pool-b'] };
  it.each<Case>([
    {
      reason: 'a fixed VLAN outside the partner range is refused, though inside the zone pool',
      tenants: [tenant('acme-dental', 'westside-it', net({ vlan: 120 }))],
      partners: [ranged],
      want: ['tenants/acme-dental.yaml: error: spec.networks[0].segment.vlan: VLAN 120 is outside the VLAN IDs partner westside-it may use (150-159)'],
    },
    {
      reason: 'a fixed VLAN inside the partner range passes',
      tenants: [tenant('acme-dental', 'westside-it', net({ vlan: 155 }))],
      partners: [ranged],
      want: [],
    },
    {
      reason: 'a fixed VNI outside the partner range is refused',
      tenants: [tenant('acme-dental', 'westside-it', net({ vxlan: 10001 }))],
      partners: [ranged],
      want: ['tenants/acme-dental.yaml: error: spec.networks[0].segment.vxlan: VXLAN VNI 10001 is outside the VNIs partner westside-it may use (10050-10059)'],
    },
    {
      reason: 'auto segments come from the zone pool: partner ranges limit what a partner pins',
      tenants: [tenant('acme-dental', 'westside-it', net({ vlan: 'auto' }))],
      partners: [ranged],
      want: [],
    },
    {
      reason: 'without partner ranges any fixed VLAN of the zone pool is the partner\'s to pin (backward compatible)',
      tenants: [tenant('acme-dental', 'westside-it', net({ vlan: 120 }))],
      want: [],
    },
    {
      reason: 'a fixed public IP from a pool the partner is not given is refused at its address',
      tenants: [tenant('acme-dental', 'westside-it', ip({ address: '203.0.113.77' }))],
      partners: [ranged],
      want: ['tenants/acme-dental.yaml: error: spec.publicIps[0].address: public IP 203.0.113.77 is in pool pool-a; partner westside-it may use pools pool-b'],
    },
    {
      reason: 'naming a pool the partner is not given is refused at pool',
      tenants: [tenant('acme-dental', 'westside-it', ip({ pool: 'pool-a' }))],
      partners: [ranged],
      want: ['tenants/acme-dental.yaml: error: spec.publicIps[0].pool: public IP web takes pool pool-a; partner westside-it may use pools pool-b'],
    },
    {
      reason: 'an auto address the zone would take from another pool is refused, saying how to fix it',
      tenants: [tenant('acme-dental', 'westside-it', ip({}))],
      partners: [ranged],
      want: ['tenants/acme-dental.yaml: error: spec.publicIps[0]: public IP web would come from pool pool-a (203.0.113.10); partner westside-it may use pools pool-b: name one with "pool:"'],
    },
    {
      reason: 'addresses from the partner pool pass, fixed or auto',
      tenants: [tenant('acme-dental', 'westside-it', { publicIps: [{ name: 'web', address: '198.51.100.20' }, { name: 'nat', pool: 'pool-b' }] })],
      partners: [ranged],
      want: [],
    },
  ])('$reason', (c) => {
    expect(check(c)).toEqual(c.want);
  });
});

describe('checkPartner: quotas, over every tenant the partner owns, after the change', () => {
  const quota = (quotas: Record<string, unknown>): PartnerEntry[] => [{ ...WESTSIDE, quotas }, LEXCORE];
  const old = tenant('acme-old', 'westside-it', { vms: [vm('a-1', { cpu: 6, memory: '8GiB' })] });
  const grown = (cpu: number) => tenant('acme-dental', 'westside-it', { vms: [vm('pms-1', { cpu })] });
  const detail = (key: string) => `\n  Counted over every tenant partner westside-it manages, as they would be after this plan. The quota is set in partners.yaml, spec.partners[0].quotas.${key}.`;
  it.each<Case>([
    {
      reason: 'vCPU over quota: the sum over all owned tenants, with the growth per tenant, at the VM that grows',
      tenants: [old, grown(4)],
      applied: [old, grown(2)],
      planned: ['acme-dental'],
      partners: quota({ cpu: 8 }),
      want: [`tenants/acme-dental.yaml: error: spec.vms[0].cpu: partner westside-it would use 10 vCPU of its quota of 8 (acme-dental +2)${detail('cpu')}`],
    },
    {
      reason: 'exactly at the quota is allowed',
      tenants: [old, grown(2)],
      applied: [old],
      planned: ['acme-dental'],
      partners: quota({ cpu: 8 }),
      want: [],
    },
    {
      reason: 'another partner\'s tenants do not count against this partner\'s quota',
      tenants: [grown(2), tenant('baker-law', 'lexcore', { vms: [vm('big-1', { cpu: 30 })] })],
      applied: [tenant('baker-law', 'lexcore', { vms: [vm('big-1', { cpu: 30 })] })],
      planned: ['acme-dental'],
      partners: quota({ cpu: 2 }),
      want: [],
    },
    {
      reason: 'VM count over quota, at the new VM',
      tenants: [tenant('acme-dental', 'westside-it', { vms: [vm('a-1'), vm('a-2'), vm('a-3')] })],
      partners: quota({ vms: 2 }),
      want: [`tenants/acme-dental.yaml: error: spec.vms[0]: partner westside-it would use 3 VMs of its quota of 2 (acme-dental +3)${detail('vms')}`],
    },
    {
      reason: 'memory over quota, in the units users write',
      tenants: [tenant('acme-dental', 'westside-it', { vms: [vm('a-1', { memory: '96GiB' }), vm('a-2', { memory: '64GiB' })] })],
      partners: quota({ memory: '128GiB' }),
      want: [`tenants/acme-dental.yaml: error: spec.vms[0].memory: partner westside-it would use 160GiB of memory of its quota of 128GiB (acme-dental +160GiB)${detail('memory')}`],
    },
    {
      reason: 'storage per tier counts root disks and data disks; a tier without a quota has no limit',
      tenants: [tenant('acme-dental', 'westside-it', {
        vms: [vm('a-1', { rootDisk: { size: '512GiB', tier: 'performance' }, disks: [{ name: 'data', size: '600GiB', tier: 'performance' }, { name: 'cold', size: '100TiB', tier: 'capacity' }] })],
      })],
      partners: quota({ storage: { performance: '1TiB' } }),
      want: [`tenants/acme-dental.yaml: error: spec.vms[0].rootDisk.size: partner westside-it would use 1112GiB of performance storage of its quota of 1TiB (acme-dental +1112GiB)${detail('storage.performance')}`],
    },
    {
      reason: 'a data disk that grows is where a storage overrun points',
      tenants: [tenant('acme-dental', 'westside-it', { vms: [vm('a-1', { disks: [{ name: 'data', size: '2TiB', tier: 'capacity' }] })] })],
      applied: [tenant('acme-dental', 'westside-it', { vms: [vm('a-1', { disks: [{ name: 'data', size: '1TiB', tier: 'capacity' }] })] })],
      partners: quota({ storage: { capacity: '1TiB' } }),
      want: [`tenants/acme-dental.yaml: error: spec.vms[0].disks[0].size: partner westside-it would use 2TiB of capacity storage of its quota of 1TiB (acme-dental +1TiB)${detail('storage.capacity')}`],
    },
    {
      reason: 'public IPs over quota',
      tenants: [tenant('acme-dental', 'westside-it', { publicIps: [{ name: 'a' }, { name: 'b' }] }), tenant('acme-ortho', 'westside-it', { publicIps: [{ name: 'c' }] })],
      partners: quota({ publicIps: 2 }),
      want: [`tenants/acme-dental.yaml: error: spec.publicIps[0]: partner westside-it would use 3 public IPs of its quota of 2 (acme-dental +2, acme-ortho +1)${detail('publicIps')}`],
    },
    {
      reason: 'VPN peers (site-to-site connections) over quota, at the first connection by address',
      tenants: [tenant('acme-dental', 'westside-it', {
        networks: [{ name: 'lan', cidr: '10.0.0.0/24', sourceNat: 'nat' }],
        publicIps: [{ name: 'nat' }],
        vpn: { siteToSite: ['hq', 'branch'].map((name, i) => ({
          name, peer: `192.0.2.${i + 1}`, peerCidrs: [`192.168.${i}.0/24`], localNetworks: ['lan'],
          ike: { encryption: 'aes256', hash: 'sha256', dhGroup: 14 }, esp: { encryption: 'aes256', hash: 'sha256' }, preSharedKey: { env: 'PSK' },
        })) },
      })],
      partners: quota({ vpnPeers: 1 }),
      want: [`tenants/acme-dental.yaml: error: spec.vpn.siteToSite[1]: partner westside-it would use 2 VPN peers of its quota of 1 (acme-dental +2)${detail('vpnPeers')}`],
    },
    {
      reason: 'every quota overrun is reported, one diagnostic each',
      tenants: [tenant('acme-dental', 'westside-it', { vms: [vm('a-1', { cpu: 4 }), vm('a-2', { cpu: 4 })] })],
      partners: quota({ vms: 1, cpu: 4 }),
      want: [
        `tenants/acme-dental.yaml: error: spec.vms[0]: partner westside-it would use 2 VMs of its quota of 1 (acme-dental +2)${detail('vms')}`,
        `tenants/acme-dental.yaml: error: spec.vms[0].cpu: partner westside-it would use 8 vCPU of its quota of 4 (acme-dental +8)${detail('cpu')}`,
      ],
    },
    {
      reason: 'already over (the operator lowered the quota) and this plan shrinks: a warning, so getting back under stays possible',
      tenants: [old, grown(2)],
      applied: [old, grown(4)],
      planned: ['acme-dental'],
      partners: quota({ cpu: 4 }),
      want: ['warning: partner westside-it uses 8 vCPU of its quota of 4 (acme-dental -2): already over, and this plan adds none\n  The quota is set in partners.yaml, spec.partners[0].quotas.cpu.'],
    },
    {
      reason: 'a destroyed tenant frees its share: the quota is counted after the change',
      tenants: [old],
      applied: [old],
      planned: ['acme-old'],
      destroy: true,
      partners: quota({ cpu: 1 }),
      want: [],
    },
  ])('$reason', (c) => {
    expect(check(c)).toEqual(c.want);
  });
});

describe('checkPartner on examples/iswest: diagnostics carry file and path for the line', () => {
  it('refuses westside-it planning baker-law, at the line of its name', () => {
    const specs = loadSpecs(['examples/iswest'], { parallel: false });
    const planned = new Set(['acme-dental', 'baker-law']);
    const desired = buildDesired({ specs, recorded: new Map(), digestSecret: fakeDigest, tenants: planned }).resources;
    const found = checkPartner({ specs, recorded: new Map(), desired, partner: 'westside-it', planned });
    expect(found.map((d) => ({ file: d.file, path: d.path, line: specs.locate(d.file!, d.doc!, d.path!)?.line, summary: d.summary }))).toEqual([
      { file: 'examples/iswest/baker-law.yaml', path: ['metadata', 'name'], line: 8, summary: 'partner westside-it does not manage tenant baker-law (it manages acme-*)' },
    ]);
  });
});
