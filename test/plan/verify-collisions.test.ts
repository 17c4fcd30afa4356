/**
 * A VLAN two tenants want is charged to one of them (CollisionPolicy): the holder in
 * state keeps it, else the spec that came first in git; a partner's run names nobody.
 * Fixture verify-duplicate-vlan: acme and beta both pin VLAN 150 in zone z1.
 */
import { describe, expect, it } from 'vitest';
import type { RecordedResource } from '../../specs/model/resource.js';
import type { CollisionPolicy } from '../../engine/plan/verify-zone.js';
import { planFixture } from './fixture-plan.js';

const FIXTURE = 'test/fixtures/verify-duplicate-vlan';
const ACME = 'acme.yaml:7:56: error: spec.networks[0].segment.vlan: VLAN 150 is already used in zone z1 by network office of tenant beta (beta/network/office)';
const BETA = 'beta.yaml:7:59: error: spec.networks[0].segment.vlan: VLAN 150 is already used in zone z1 by network lan of tenant acme (acme/network/lan)';

const holding = (address: string, name: string): RecordedResource => ({
  address, type: 'network', tenant: address.split('/')[0]!, zone: 'z1', providerId: `net-${name}`,
  attributes: { name, cidr: '10.9.0.0/24', gateway: '10.9.0.1', segment: { type: 'vlan', id: 150 }, sourceNatIp: null, colocationHandoff: null },
  dependsOn: [], boundTo: [], protect: false, sensitive: [], createdAt: '2025-01-01T00:00:00Z', updatedAt: '2025-01-01T00:00:00Z',
});
const first = (tenant: string): CollisionPolicy['precedence'] => (a, b) => (a === b ? 0 : a === tenant ? -1 : b === tenant ? 1 : 0);
const everyone = (): boolean => true;

describe('verify: who a collision is charged to', () => {
  it.each([
    { reason: 'without a policy (pure callers), both hear of it', collisions: undefined, want: [ACME, BETA] },
    { reason: 'nothing known of history: both', collisions: { visible: everyone, precedence: () => 0 }, want: [ACME, BETA] },
    { reason: 'acme came first in git: only beta, the newcomer', collisions: { visible: everyone, precedence: first('acme') }, want: [BETA] },
    { reason: 'beta came first: only acme', collisions: { visible: everyone, precedence: first('beta') }, want: [ACME] },
    {
      reason: 'acme holds the VLAN in state: only beta, whatever git says',
      collisions: { visible: everyone, precedence: first('beta') },
      recorded: [holding('acme/network/lan', 'lan')],
      want: [BETA],
    },
    {
      reason: 'a partner\'s run (beta\'s) names no one else',
      collisions: { visible: (t: string) => t === 'beta', precedence: first('acme') },
      tenants: ['beta'],
      want: ['beta.yaml:7:59: error: spec.networks[0].segment.vlan: VLAN 150 is already in use in zone z1'],
    },
  ])('$reason', ({ collisions, recorded, tenants, want }) => {
    const result = planFixture(FIXTURE, {
      ...(collisions ? { collisions } : {}),
      ...(recorded ? { recorded: new Map(recorded.map((r) => [r.address, r])) } : {}),
      ...(tenants ? { tenants: new Set(tenants) } : {}),
    });
    expect(result.messages).toEqual(want);
  });
});
