/**
 * rewriteSecretDigests: an old state's digests become the secret key's in place — only
 * sensitive attributes that still hold the digest the caller saw, in one transaction,
 * the serial up once when anything changed, no event appended.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openState, type DigestRewrite, type ResourceRecord, type StateStore } from '../../state/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function seeded(): StateStore {
  const dir = mkdtempSync(join(tmpdir(), 'netfirst-digests-'));
  dirs.push(dir);
  const state = openState(join(dir, 'state.db'));
  const users: ResourceRecord[] = ['alice', 'bob'].map((name) => ({
    address: `acme/vpn-user/${name}`, type: 'vpn-user', tenant: 'acme', zone: 'z1', providerId: `u-${name}`,
    attributes: { name, password: `sha256:old-${name}` }, dependsOn: [], boundTo: [], protect: false, sensitive: ['password'],
  }));
  state.recordAdopted('seed', users);
  return state;
}

const rewrite = (address: string, from: string, to: string, attribute = 'password'): DigestRewrite => ({ address, attribute, from, to });

describe('rewriteSecretDigests', () => {
  it.each([
    { reason: 'a digest still as seen is rewritten', given: [rewrite('acme/vpn-user/alice', 'sha256:old-alice', 'hmac-sha256:new')], changed: 1, alice: 'hmac-sha256:new' },
    { reason: 'a digest that moved since is left alone (compare-and-set)', given: [rewrite('acme/vpn-user/alice', 'sha256:other', 'hmac-sha256:new')], changed: 0, alice: 'sha256:old-alice' },
    { reason: 'only sensitive attributes are rewritten', given: [rewrite('acme/vpn-user/alice', 'alice', 'mallory', 'name')], changed: 0, alice: 'sha256:old-alice' },
    { reason: 'a resource gone from state is skipped', given: [rewrite('acme/vpn-user/carol', 'sha256:old-carol', 'hmac-sha256:new')], changed: 0, alice: 'sha256:old-alice' },
    { reason: 'nothing asked, nothing done', given: [], changed: 0, alice: 'sha256:old-alice' },
  ])('$reason', ({ given, changed, alice }) => {
    const state = seeded();
    try {
      const serial = state.serial();
      const events = [...state.events()].length;
      expect(state.rewriteSecretDigests(given)).toBe(changed);
      expect(state.getResource('acme/vpn-user/alice')!.attributes['password']).toBe(alice);
      expect(state.getResource('acme/vpn-user/bob')!.attributes['password']).toBe('sha256:old-bob');
      expect(state.serial()).toBe(serial + (changed > 0 ? 1 : 0));
      expect([...state.events()].length).toBe(events);
    } finally {
      state.close();
    }
  });
});
