/**
 * What the cloudstack provider refuses at plan time, and how it reads CloudStack's
 * IPsec policies back: pure functions, plain values.
 */
import { describe, expect, it } from 'vitest';
import { detectDrift } from '../../engine/plan/drift.js';
import type { Attributes, RecordedResource, ResourceTypeName } from '../../specs/model/resource.js';
import { unsupportedReason, unsupportedUpdate } from '../../providers/capabilities.js';
import { cloudstackPolicy, policyOf } from '../../providers/cloudstack/observe.js';

describe('IPsec policies, as CloudStack writes them', () => {
  it.each([
    { reason: 'IKE with a MODP group', given: { encryption: 'aes256', hash: 'sha256', group: 14, lifetimeSeconds: 28800 }, want: 'aes256-sha256;modp2048' },
    { reason: 'ESP without PFS has no group', given: { encryption: 'aes128', hash: 'sha1', group: null, lifetimeSeconds: 3600 }, want: 'aes128-sha1' },
    { reason: 'group 5', given: { encryption: '3des', hash: 'md5', group: 5, lifetimeSeconds: 3600 }, want: '3des-md5;modp1536' },
  ])('$reason: $want, and back', ({ given, want }) => {
    expect(cloudstackPolicy(given)).toBe(want);
    expect(policyOf(want, given.lifetimeSeconds)).toEqual(given);
  });

  it('reads the first proposal of a list CloudStack was given by someone else', () => {
    expect(policyOf('aes256-sha512;modp4096,aes128-sha1;modp1024', 86400)).toEqual({ encryption: 'aes256', hash: 'sha512', group: 16, lifetimeSeconds: 86400 });
  });
});

describe('what a CloudStack zone cannot realize', () => {
  const vpn = (ike: number, esp: number | null) => ({
    ike: { encryption: 'aes256', hash: 'sha256', group: ike, lifetimeSeconds: 28800 },
    esp: { encryption: 'aes256', hash: 'sha256', group: esp, lifetimeSeconds: 3600 },
  });
  it.each([
    { reason: 'MODP groups are fine', given: vpn(14, 14), want: undefined },
    { reason: 'no PFS is fine', given: vpn(2, null), want: undefined },
    { reason: 'an elliptic-curve IKE group is refused at its field', given: vpn(19, 14), want: ['ike', 'dhGroup'] },
    { reason: 'an elliptic-curve PFS group is refused at its field', given: vpn(14, 21), want: ['esp', 'pfsGroup'] },
  ])('$reason', ({ given, want }) => {
    expect(unsupportedReason('cloudstack', 'vpn-connection', given)?.path).toEqual(want);
    expect(unsupportedReason('sim', 'vpn-connection', given)).toBeUndefined();
  });

  it.each<{ reason: string; type: ResourceTypeName; changed: string[]; before: Attributes; after: Attributes; want: string | undefined }>([
    { reason: 'growing a disk is done in place', type: 'disk', changed: ['sizeGiB'], before: { sizeGiB: 10, tier: 'a' }, after: { sizeGiB: 20, tier: 'a' }, want: undefined },
    { reason: 'shrinking a disk would lose data', type: 'disk', changed: ['sizeGiB'], before: { sizeGiB: 20, tier: 'a' }, after: { sizeGiB: 10, tier: 'a' }, want: 'sizeGiB' },
    { reason: 'moving a disk to another tier is not built', type: 'disk', changed: ['tier'], before: { sizeGiB: 10, tier: 'a' }, after: { sizeGiB: 10, tier: 'b' }, want: 'tier' },
    { reason: 'growing a root disk is done in place', type: 'vm', changed: ['rootDisk'], before: { rootDisk: { sizeGiB: 40, tier: 'a' } }, after: { rootDisk: { sizeGiB: 60, tier: 'a' } }, want: undefined },
    { reason: 'moving a root disk is not built', type: 'vm', changed: ['rootDisk'], before: { rootDisk: { sizeGiB: 40, tier: 'a' } }, after: { rootDisk: { sizeGiB: 40, tier: 'b' } }, want: 'rootDisk' },
    { reason: 'CPU changes are stop → change → start', type: 'vm', changed: ['cpu'], before: { cpu: 2 }, after: { cpu: 4 }, want: undefined },
  ])('$reason', ({ type, changed, before, after, want }) => {
    expect(unsupportedUpdate('cloudstack', type, changed, before, after)?.attribute).toBe(want);
    expect(unsupportedUpdate('sim', type, changed, before, after)).toBeUndefined();
  });
});

describe('drift and what a provider cannot see', () => {
  const recorded: RecordedResource = {
    address: 't/vpn/hq', type: 'vpn-connection', tenant: 't', zone: 'z', providerId: 'c1/g1',
    attributes: { peer: '192.0.2.1', localNetworks: ['t/network/a'], preSharedKey: 'sha256:x' },
    dependsOn: [], boundTo: [], protect: false, sensitive: ['preSharedKey'], createdAt: '', updatedAt: '',
  };
  const seen = (attributes: Record<string, unknown>, unobserved?: string[]) => new Map([['c1/g1', {
    providerId: 'c1/g1', address: 't/vpn/hq', type: 'vpn-connection' as const, tenant: 't', attributes: attributes as never, ...(unobserved ? { unobserved } : {}),
  }]]);

  it('keeps the recorded value of an unobserved attribute', () => {
    expect(detectDrift(new Map([[recorded.address, recorded]]), seen({ peer: '192.0.2.1', localNetworks: ['t/network/a', 't/network/b'] }, ['localNetworks']))).toEqual([]);
  });
  it('still reports what it can see', () => {
    const drift = detectDrift(new Map([[recorded.address, recorded]]), seen({ peer: '192.0.2.9', localNetworks: [] }, ['localNetworks']));
    expect(drift.map((d) => (d.kind === 'changed' ? d.changed : d.kind))).toEqual([['peer']]);
  });
});
