/**
 * legacyDigestView on plain values: an old state's lineage-keyed digest becomes the
 * secret key's when it still matches the secret as the spec references it now, a
 * stand-in matching nothing when it does not — never shown as it was.
 */
import { describe, expect, it } from 'vitest';
import { legacyDigestView, UNVERIFIED_DIGEST } from '../../engine/run/legacy-digests.js';
import type { DigestSecret } from '../../engine/plan/expand.js';
import type { RecordedResource } from '../../specs/model/resource.js';
import type { SpecSet } from '../../specs/model.js';
import { TenantDocument } from '../../specs/schema.js';

/** Secret values by env name, as the environment holds them now. */
const NOW: Record<string, string> = { ACME_ALICE: 'alice-pw', ACME_BOB: 'bob-pw-rotated' };
const fake = (prefix: string): DigestSecret => (ref) => {
  if (!('env' in ref)) return { error: 'files are not used here' };
  const value = NOW[ref.env];
  return value === undefined ? { error: `secret environment variable ${ref.env} is not set` } : { digest: `${prefix}${value}` };
};
const digest = fake('hmac-sha256:');
const legacy = fake('sha256:');

const tenant = (name: string, users: { name: string; env: string }[]) => ({
  file: `${name}.yaml`,
  doc: 0,
  value: TenantDocument.parse({
    apiVersion: 'netfirst/v1', kind: 'Tenant', metadata: { name },
    spec: { zone: 'z1', vpn: { remoteAccess: { users: users.map((u) => ({ name: u.name, password: { env: u.env } })) } } },
  }),
});
const specs: SpecSet = {
  zones: new Map(),
  tenants: new Map([
    ['acme', tenant('acme', [{ name: 'alice', env: 'ACME_ALICE' }, { name: 'bob', env: 'ACME_BOB' }, { name: 'carol', env: 'ACME_CAROL' }])],
    ['beta', tenant('beta', [{ name: 'dan', env: 'ACME_ALICE' }])],
  ]),
  partners: [],
  files: [],
  diagnostics: [],
  locate: () => undefined,
};
const user = (tenantName: string, name: string, password: string): RecordedResource => ({
  address: `${tenantName}/vpn-user/${name}`, type: 'vpn-user', tenant: tenantName, zone: 'z1', providerId: `u-${name}`,
  attributes: { name, password }, dependsOn: [], boundTo: [], protect: false, sensitive: ['password'], createdAt: '', updatedAt: '',
});
const recorded = new Map([
  user('acme', 'alice', 'sha256:alice-pw'),
  user('acme', 'bob', 'sha256:bob-pw'),
  user('acme', 'carol', 'sha256:carol-pw'),
  user('gone', 'erin', 'sha256:erin-pw'),
  user('beta', 'dan', 'sha256:alice-pw'),
  user('beta', 'fay', 'hmac-sha256:fay-pw'),
].map((r) => [r.address, r] as const));

describe('legacyDigestView', () => {
  const all = legacyDigestView({ specs, recorded, digest, legacy });
  it.each([
    { reason: 'an unchanged secret: the key’s digest, so the plan shows no change', address: 'acme/vpn-user/alice', want: 'hmac-sha256:alice-pw' },
    { reason: 'a secret changed since: a stand-in, so the plan shows the change', address: 'acme/vpn-user/bob', want: UNVERIFIED_DIGEST },
    { reason: 'a secret that cannot be read now: a stand-in (the plan reports the error)', address: 'acme/vpn-user/carol', want: UNVERIFIED_DIGEST },
    { reason: 'a tenant gone from the specs: a stand-in, never the old digest', address: 'gone/vpn-user/erin', want: UNVERIFIED_DIGEST },
    { reason: 'a digest keyed by the secret key already: as it is', address: 'beta/vpn-user/fay', want: 'hmac-sha256:fay-pw' },
  ])('$reason', ({ address, want }) => {
    expect(all.recorded.get(address)!.attributes['password']).toBe(want);
  });

  it('lists exactly the rewrites the next apply makes, from the digest it saw', () => {
    expect(all.rewrites.map((r) => `${r.address} ${r.from} -> ${r.to}`).sort()).toEqual([
      `acme/vpn-user/alice sha256:alice-pw -> hmac-sha256:alice-pw`,
      `acme/vpn-user/bob sha256:bob-pw -> ${UNVERIFIED_DIGEST}`,
      `acme/vpn-user/carol sha256:carol-pw -> ${UNVERIFIED_DIGEST}`,
      `beta/vpn-user/dan sha256:alice-pw -> hmac-sha256:alice-pw`,
      `gone/vpn-user/erin sha256:erin-pw -> ${UNVERIFIED_DIGEST}`,
    ]);
  });

  it('touches only the tenants planned', () => {
    const scoped = legacyDigestView({ specs, recorded, tenants: new Set(['beta']), digest, legacy });
    expect(scoped.rewrites.map((r) => r.address)).toEqual(['beta/vpn-user/dan']);
    expect(scoped.recorded.get('acme/vpn-user/alice')!.attributes['password']).toBe('sha256:alice-pw');
  });

  it('a state without old digests is given back as it is', () => {
    const current = new Map([...all.recorded].filter(([, r]) => !String(r.attributes['password']).startsWith('sha256:')));
    const view = legacyDigestView({ specs, recorded: current, digest, legacy });
    expect(view.recorded).toBe(current);
    expect(view.rewrites).toEqual([]);
  });
});
