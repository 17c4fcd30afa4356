/** Who owns which tenant, which tenants a partner's run plans, and what load problems it sees. */
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../specs/diagnostic.js';
import type { SpecSet } from '../../specs/model.js';
import { PartnersDocument, TenantDocument } from '../../specs/schema.js';
import { ownsTenant, partnerTenants, partnerView, type Partner } from '../../engine/partners/index.js';

const partner = (tenants: string[]): Partner => ({
  name: 'westside-it',
  spec: PartnersDocument.parse({ apiVersion: 'netfirst/v1', kind: 'Partners', metadata: { name: 'p' }, spec: { partners: [{ name: 'westside-it', tenants, zones: ['z1'] }] } }).spec.partners[0]!,
  file: 'partners.yaml',
  doc: 0,
  path: ['spec', 'partners', 0],
});

describe('ownsTenant', () => {
  it.each([
    { reason: 'an exact name', tenants: ['harbor-vet'], tenant: 'harbor-vet', want: true },
    { reason: 'a name is not a prefix', tenants: ['harbor-vet'], tenant: 'harbor-vet-2', want: false },
    { reason: 'a prefix with * matches what starts with it', tenants: ['acme-*'], tenant: 'acme-dental', want: true },
    { reason: 'a prefix does not match a shorter name', tenants: ['acme-*'], tenant: 'acme', want: false },
    { reason: 'no entries: no tenants', tenants: [], tenant: 'acme-dental', want: false },
  ])('$reason', ({ tenants, tenant, want }) => {
    expect(ownsTenant(partner(tenants), tenant)).toBe(want);
  });
});

function specs(tenants: { name: string; partner?: string; file: string }[], diagnostics: Diagnostic[] = []): SpecSet {
  return {
    zones: new Map(),
    tenants: new Map(tenants.map((t) => [t.name, {
      file: t.file,
      doc: 0,
      value: TenantDocument.parse({ apiVersion: 'netfirst/v1', kind: 'Tenant', metadata: { name: t.name, ...(t.partner ? { partner: t.partner } : {}) }, spec: { zone: 'z1' } }),
    }])),
    partners: [],
    files: [],
    diagnostics,
    locate: () => undefined,
  };
}

describe("partnerTenants: the tenants a partner's run plans", () => {
  const set = specs([
    { name: 'acme-dental', partner: 'westside-it', file: 'acme.yaml' },
    { name: 'zeta-corp', partner: 'westside-it', file: 'zeta.yaml' },
    { name: 'baker-law', partner: 'lexcore', file: 'baker.yaml' },
  ]);
  it.each([
    { reason: 'owned specs, claims (to refuse them) and owned tenants known only to state', destroy: false, recorded: ['acme-old', 'baker-law'], want: ['acme-dental', 'acme-old', 'zeta-corp'] },
    { reason: 'a destroy only ever touches owned tenants: claims are left out', destroy: true, recorded: [], want: ['acme-dental'] },
  ])('$reason', ({ destroy, recorded, want }) => {
    expect([...partnerTenants(partner(['acme-*']), set, recorded, { destroy })].sort()).toEqual(want);
  });
});

describe("partnerView: load problems of other partners' files are not the partner's", () => {
  const problem = (file: string): Diagnostic => ({ severity: 'error', summary: 'bad', file });
  it.each([
    { reason: "a file holding only another partner's tenants is hidden", file: 'baker.yaml', shown: false },
    { reason: "the partner's own file is shown", file: 'acme.yaml', shown: true },
    { reason: 'a file nothing loaded from may be the partner\'s: shown', file: 'broken.yaml', shown: true },
    { reason: 'a problem without a file is shown', file: undefined, shown: true },
  ])('$reason', ({ file, shown }) => {
    const d = file === undefined ? { severity: 'error' as const, summary: 'bad' } : problem(file);
    const set = specs([{ name: 'acme-dental', partner: 'westside-it', file: 'acme.yaml' }, { name: 'baker-law', partner: 'lexcore', file: 'baker.yaml' }], [d]);
    expect(partnerView(set, partner(['acme-*'])).diagnostics).toEqual(shown ? [d] : []);
  });
});
