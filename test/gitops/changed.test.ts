/**
 * Changed files → tenants to plan (`plan --changed-since`), as plain values: which
 * tenants a pull request's plan covers, and the reason it gives for each.
 */
import { describe, expect, it } from 'vitest';
import { secretFileRefs, summarizeSpecText, tenantsForChanges, type ChangedFile, type SpecDocSummary, type TenantFacts } from '../../engine/gitops/changed.js';

const tenant = (name: string, digest: string, zone = 'z1', partner?: string): SpecDocSummary => ({ kind: 'Tenant', name, zone, digest, ...(partner ? { partner } : {}) });
const zone = (name: string, digest: string): SpecDocSummary => ({ kind: 'Zone', name, digest });
const partners = (...entries: [string, string[], string][]): SpecDocSummary => ({
  kind: 'Partners',
  name: 'partners',
  partners: entries.map(([name, tenants, digest]) => ({ name, tenants, digest })),
});
const file = (path: string, status: ChangedFile['status'], before: SpecDocSummary[], after: SpecDocSummary[]): ChangedFile => ({ path, status, before, after });
const facts = (name: string, more: Partial<TenantFacts> = {}): TenantFacts => ({ name, zone: 'z1', secretFiles: [], unallocated: false, ...more });

/** Four tenants: acme and baker in z1 (all applied), cole in z1 with a network not applied yet, dunn in z2. */
const TENANTS: TenantFacts[] = [
  facts('acme', { partner: 'westside', secretFiles: ['specs/secrets/acme-psk'] }),
  facts('baker', { partner: 'lexcore' }),
  facts('cole', { unallocated: true }),
  facts('dunn', { zone: 'z2', unallocated: true }),
];
const RECORDED = new Set(['acme', 'baker', 'cole', 'dunn', 'gone']);

describe('tenantsForChanges', () => {
  it.each<{ reason: string; given: ChangedFile[]; want: Record<string, string[]> }>([
    {
      reason: 'nothing changed: nothing to plan',
      given: [],
      want: {},
    },
    {
      reason: 'a tenant file changed: that tenant, and zone-mates whose values are not allocated yet',
      given: [file('specs/acme.yaml', 'modified', [tenant('acme', 'a1')], [tenant('acme', 'a2')])],
      want: {
        acme: ['tenant file specs/acme.yaml changed'],
        cole: ["shares zone z1's pools with changed tenant acme and has values not allocated yet"],
      },
    },
    {
      reason: 'only comments or layout changed (same digest): nothing to plan',
      given: [file('specs/acme.yaml', 'modified', [tenant('acme', 'a1')], [tenant('acme', 'a1')])],
      want: {},
    },
    {
      reason: 'a new tenant file: the new tenant (it takes values from the pools cole waits on)',
      given: [file('specs/cole.yaml', 'added', [], [tenant('cole', 'c1')])],
      want: { cole: ['tenant file specs/cole.yaml added'] },
    },
    {
      reason: 'a deleted tenant file: the tenant, planned for destruction only with --prune; it frees values cole may take',
      given: [file('specs/gone.yaml', 'deleted', [tenant('gone', 'g1')], [])],
      want: {
        cole: ["shares zone z1's pools with changed tenant gone and has values not allocated yet"],
        gone: ['tenant file specs/gone.yaml deleted'],
      },
    },
    {
      reason: 'a deleted file of a tenant never applied: nothing to plan for it',
      given: [file('specs/draft.yaml', 'deleted', [tenant('draft', 'd1', 'z2')], [])],
      want: { dunn: ["shares zone z2's pools with changed tenant draft and has values not allocated yet"] },
    },
    {
      reason: 'a multi-tenant file: only the documents that differ',
      given: [file('specs/all.yaml', 'modified', [tenant('acme', 'a1'), tenant('baker', 'b1')], [tenant('acme', 'a1'), tenant('baker', 'b2')])],
      want: {
        baker: ['tenant file specs/all.yaml changed'],
        cole: ["shares zone z1's pools with changed tenant baker and has values not allocated yet"],
      },
    },
    {
      reason: 'a tenant moved to another zone: zone-mates waiting on values in both zones',
      given: [file('specs/baker.yaml', 'modified', [tenant('baker', 'b1', 'z1')], [tenant('baker', 'b2', 'z2')])],
      want: {
        baker: ['tenant file specs/baker.yaml changed'],
        cole: ["shares zone z1's pools with changed tenant baker and has values not allocated yet"],
        dunn: ["shares zone z2's pools with changed tenant baker and has values not allocated yet"],
      },
    },
    {
      reason: 'a zone changed: every tenant of that zone, no other',
      given: [file('specs/zone.yaml', 'modified', [zone('z2', 'x'), zone('z1', 'y1')], [zone('z2', 'x'), zone('z1', 'y2')])],
      want: {
        acme: ['zone z1 changed (specs/zone.yaml)'],
        baker: ['zone z1 changed (specs/zone.yaml)'],
        cole: ['zone z1 changed (specs/zone.yaml)'],
      },
    },
    {
      reason: "a partner's entry changed: the tenants its patterns match (before or after) and those claiming it",
      given: [file('specs/partners.yaml', 'modified',
        [partners(['westside', ['acme-*'], 'w1'], ['lexcore', ['baker'], 'l1'])],
        [partners(['westside', ['acme*', 'cole'], 'w2'], ['lexcore', ['baker'], 'l1'])])],
      want: {
        acme: ['partner westside changed (specs/partners.yaml)'],
        cole: ['partner westside changed (specs/partners.yaml)'],
      },
    },
    {
      reason: 'a partner removed: its tenants',
      given: [file('specs/partners.yaml', 'modified', [partners(['lexcore', ['baker'], 'l1'])], [partners()])],
      want: { baker: ['partner lexcore removed (specs/partners.yaml)'] },
    },
    {
      reason: 'a secret file a tenant references: that tenant (the secret digest is in its plan)',
      given: [file('specs/secrets/acme-psk', 'modified', [], [])],
      want: { acme: ['secret file specs/secrets/acme-psk changed'] },
    },
    {
      reason: 'a file that is no spec and no secret of anyone: nothing',
      given: [file('README.md', 'modified', [], [])],
      want: {},
    },
  ])('$reason', ({ given, want }) => {
    const got = tenantsForChanges({ files: given, tenants: TENANTS, recordedTenants: RECORDED });
    expect(Object.fromEntries(got.map((t) => [t.tenant, t.reasons]))).toEqual(want);
  });

  it("a partner's run names in its reasons only the tenants it may see", () => {
    const files = [file('specs/baker.yaml', 'modified', [tenant('baker', 'b1')], [tenant('baker', 'b2')])];
    const got = tenantsForChanges({ files, tenants: TENANTS, recordedTenants: RECORDED, visible: (t) => t === 'cole' });
    expect(Object.fromEntries(got.map((t) => [t.tenant, t.reasons]))['cole']).toEqual(["shares zone z1's pools with a changed tenant and has values not allocated yet"]);
  });

  it('gives every reason that applies, tenants in name order', () => {
    const got = tenantsForChanges({
      files: [
        file('specs/zone.yaml', 'modified', [zone('z1', 'y1')], [zone('z1', 'y2')]),
        file('specs/acme.yaml', 'modified', [tenant('acme', 'a1')], [tenant('acme', 'a2')]),
      ],
      tenants: TENANTS,
      recordedTenants: RECORDED,
    });
    expect(got).toEqual([
      { tenant: 'acme', reasons: ['zone z1 changed (specs/zone.yaml)', 'tenant file specs/acme.yaml changed'] },
      { tenant: 'baker', reasons: ['zone z1 changed (specs/zone.yaml)'] },
      { tenant: 'cole', reasons: ['zone z1 changed (specs/zone.yaml)', "shares zone z1's pools with changed tenant acme and has values not allocated yet"] },
    ]);
  });
});

describe('summarizeSpecText', () => {
  it('reads kind, name, zone and partner; digests ignore comments and key order', () => {
    const a = summarizeSpecText('kind: Tenant\nmetadata: { name: acme, partner: westside }\nspec: { zone: z1, vms: [] }\n---\nkind: Zone\nmetadata: { name: z1 }\n');
    const b = summarizeSpecText('# edited\nspec: { vms: [], zone: z1 }\nmetadata: { partner: westside, name: acme }\nkind: Tenant\n');
    expect(a.map((d) => [d.kind, d.name])).toEqual([['Tenant', 'acme'], ['Zone', 'z1']]);
    expect(a[0]).toEqual(b[0]);
    expect(a[0]).toMatchObject({ zone: 'z1', partner: 'westside' });
  });

  it.each([
    { reason: 'not YAML', given: 'a: [' },
    { reason: 'no kind', given: 'metadata: { name: x }' },
    { reason: 'another kind of document', given: 'kind: Deployment\nmetadata: { name: x }' },
    { reason: 'empty', given: '' },
  ])('skips what is no spec document: $reason', ({ given }) => {
    expect(summarizeSpecText(given)).toEqual([]);
  });

  it('summarizes each partner entry of a Partners document', () => {
    const [doc] = summarizeSpecText('kind: Partners\nmetadata: { name: partners }\nspec:\n  partners:\n    - { name: westside, tenants: ["acme-*"] }\n');
    expect(doc).toMatchObject({ kind: 'Partners', partners: [{ name: 'westside', tenants: ['acme-*'] }] });
  });
});

describe('secretFileRefs', () => {
  it('finds { file } references anywhere, not { env } ones', () => {
    expect(secretFileRefs({ vpn: { siteToSite: [{ preSharedKey: { file: 'secrets/psk' } }], remoteAccess: { users: [{ password: { env: 'PW' } }, { password: { file: 'secrets/pw' } }] } } }))
      .toEqual(['secrets/psk', 'secrets/pw']);
  });
});
