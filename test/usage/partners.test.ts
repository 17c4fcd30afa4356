/**
 * Which partner a tenant's records name: the Partners file (an exact name before a
 * prefix, the longest prefix first) — as for ownership — then the tenant's own
 * metadata.partner, else none.
 */
import { describe, expect, it } from 'vitest';
import { partnerDirectory } from '../../engine/usage/partners.js';

const directory = partnerDirectory({
  tenantPartners: new Map([['acme-dental', 'westside-it'], ['acme-labs', undefined], ['harbor-vet', 'harbor-partners'], ['zeta-clinic', 'zeta-it']]),
  partners: [
    { name: 'westside-it', tenants: ['acme-*', 'harbor-vet'] },
    { name: 'acme-group', tenants: ['acme-group-*'] },
    { name: 'lexcore', tenants: ['baker-law'] },
    { name: 'catch-all', tenants: ['b*'] },
  ],
});

describe('partnerOf', () => {
  it.each([
    { reason: 'the Partners file decides, not what a tenant file claims', tenant: 'harbor-vet', want: 'westside-it' },
    { reason: "a tenant no Partners entry covers is billed to its own metadata.partner", tenant: 'zeta-clinic', want: 'zeta-it' },
    { reason: 'a tenant spec without a partner falls back to the Partners file', tenant: 'acme-labs', want: 'westside-it' },
    { reason: 'a tenant whose spec is gone is still found by prefix', tenant: 'acme-old', want: 'westside-it' },
    { reason: 'the longest prefix wins', tenant: 'acme-group-north', want: 'acme-group' },
    { reason: 'an exact name beats any prefix', tenant: 'baker-law', want: 'lexcore' },
    { reason: 'a shorter prefix still matches what longer ones do not', tenant: 'baxter', want: 'catch-all' },
    { reason: 'a tenant nobody names has no partner', tenant: 'zenith', want: '' },
  ])('$reason', ({ tenant, want }) => {
    expect(directory.partnerOf(tenant)).toBe(want);
  });

  it('knows every partner named anywhere, for --partner to check against', () => {
    expect(directory.known).toEqual(['acme-group', 'catch-all', 'harbor-partners', 'lexcore', 'westside-it', 'zeta-it']);
  });
});
