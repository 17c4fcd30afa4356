/**
 * What a new token may be, as `netfirst token create` and the console's Tokens page both
 * judge it: each problem on its field, in the words of the face that asked.
 */
import { describe, expect, it } from 'vitest';
import type { SpecSet } from '../../specs/model.js';
import { tokenCreatedDetail, tokenRequestOf, type TokenAsked } from '../../engine/serve/token-request.js';

const NOW = new Date('2026-12-07T12:00:00.000Z');
const DAY = 86_400_000;
const PARTNERS = {
  partners: [{ file: '/specs/partners.yaml', doc: 0, value: { spec: { partners: [{ name: 'westside-it', tenants: ['acme-*'] }, { name: 'lexcore', tenants: ['baker-law'] }] } } }],
} as unknown as Pick<SpecSet, 'partners'>;
const form = { label: (f: string) => f[0]!.toUpperCase() + f.slice(1), now: NOW, partners: PARTNERS };
const cli = { label: (f: string) => `--${f}`, now: NOW };

describe('tokenRequestOf', () => {
  it.each([
    { reason: 'an operator token, unscoped', given: { role: 'operator', expires: '90d' }, want: { role: 'operator', expiresAt: new Date(NOW.getTime() + 90 * DAY) } },
    { reason: 'a partner token of a partner the Partners document names', given: { role: 'partner', partner: 'westside-it', expires: '12h', description: ' Westside automation ' },
      want: { role: 'partner', partner: 'westside-it', description: 'Westside automation', expiresAt: new Date(NOW.getTime() + 12 * 3_600_000) } },
    { reason: 'a tenant token', given: { role: 'tenant', tenant: 'acme-dental', expires: '1d' }, want: { role: 'tenant', tenant: 'acme-dental', expiresAt: new Date(NOW.getTime() + DAY) } },
    { reason: 'a viewer narrowed to a partner', given: { role: 'viewer', partner: 'lexcore', expires: '30m' }, want: { role: 'viewer', partner: 'lexcore', expiresAt: new Date(NOW.getTime() + 1_800_000) } },
    { reason: 'empty fields count as not given (a form sends them all)', given: { role: 'operator', partner: '', tenant: ' ', description: '', expires: '1d' }, want: { role: 'operator', expiresAt: new Date(NOW.getTime() + DAY) } },
  ])('makes $reason', ({ given, want }) => {
    expect(tokenRequestOf(given as TokenAsked, form)).toEqual({ ok: true, token: want });
  });

  it.each([
    { reason: 'an unknown role', given: { role: 'admin', expires: '1d' }, want: [['role', 'Role admin: one of operator, partner, tenant, viewer']] },
    { reason: 'a partner token without its partner', given: { role: 'partner', expires: '1d' }, want: [['partner', 'a partner token needs Partner (the Partners entry it acts as)']] },
    { reason: 'a partner the Partners document does not name', given: { role: 'partner', partner: 'westsde-it', expires: '1d' },
      want: [['partner', 'Partner: unknown partner westsde-it (did you mean "westside-it"?): the Partners document names westside-it, lexcore']] },
    { reason: 'a tenant token without its tenant', given: { role: 'tenant', expires: '1d' }, want: [['tenant', 'a tenant token needs Tenant (the one tenant it sees and changes)']] },
    { reason: 'a scoped operator token', given: { role: 'operator', partner: 'lexcore', tenant: 'baker-law', expires: '1d' },
      want: [['partner', 'an operator token is not scoped: leave out Partner'], ['tenant', 'an operator token is not scoped: leave out Tenant']] },
    { reason: 'a partner token narrowed to a tenant', given: { role: 'partner', partner: 'lexcore', tenant: 'baker-law', expires: '1d' },
      want: [['tenant', 'a partner token covers every tenant of its partner: leave out Tenant (or make a tenant token)']] },
    { reason: 'a name that is no DNS label', given: { role: 'tenant', tenant: 'Acme Dental', expires: '1d' }, want: [['tenant', 'Tenant Acme Dental: a name is a DNS label (a-z, 0-9, -)']] },
    { reason: 'an expiry that is no duration', given: { role: 'viewer', expires: 'soon' }, want: [['expires', 'Expires must be a duration such as 200ms, 30s or 5m, not soon (e.g. 90d)']] },
    { reason: 'an expiry past three years', given: { role: 'viewer', expires: '1100d' }, want: [['expires', 'Expires 1100d: between 1s and 3 years (e.g. 90d)']] },
    { reason: 'a description too long to read', given: { role: 'viewer', expires: '1d', description: 'x'.repeat(201) }, want: [['description', 'Description is 201 characters: at most 200']] },
  ])('refuses $reason, on its field', ({ given, want }) => {
    const result = tokenRequestOf(given as TokenAsked, form);
    expect(result.ok).toBe(false);
    expect(result.problems?.map((p) => [p.field, p.message])).toEqual(want);
  });

  it('names the flags on the command line, and leaves the partner to be judged by the server that reads the specs', () => {
    expect(tokenRequestOf({ role: 'partner', expires: '1d' }, cli).problems?.[0]?.message).toBe('a partner token needs --partner (the Partners entry it acts as)');
    expect(tokenRequestOf({ role: 'partner', partner: 'nobody', expires: '1d' }, cli).ok).toBe(true);
  });
});

describe('tokenCreatedDetail', () => {
  it('says what the audit log keeps of a token made: never its secret', () => {
    expect(tokenCreatedDetail({ id: 'abc', role: 'partner', partner: 'lexcore', createdAt: NOW.toISOString(), expiresAt: '2027-01-01T00:00:00.000Z' }))
      .toBe('partner token for partner lexcore, expires 2027-01-01T00:00:00.000Z');
  });
});
