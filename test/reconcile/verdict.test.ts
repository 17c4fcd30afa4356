/**
 * The per-tenant verdict and what a round may correct: pure functions over plain
 * values. Operators read the status; `--self-heal` and `--sync` act on the causes.
 */
import { describe, expect, it } from 'vitest';
import type { Change } from '../../engine/plan/change.js';
import type { Drift } from '../../engine/plan/drift.js';
import { causeOf, judgeTenant, selectCorrections, type TenantFindings } from '../../engine/reconcile/index.js';
import { desired, recorded } from '../engine/resources.js';

const web = desired('acme/vm/web-1', 'vm', { memoryMiB: 4096 });
const net = desired('acme/network/office', 'network', { cidr: '10.0.0.0/24' });
const disk = desired('acme/vm/web-1/disk/data', 'disk', { sizeGiB: 10 });

const changedWeb: Drift = { kind: 'changed', address: web.address, type: 'vm', before: recorded(web), observed: { memoryMiB: 8192 }, changed: ['memoryMiB'] };
const deletedDisk: Drift = { kind: 'deleted', address: disk.address, type: 'disk', before: recorded(disk) };

const correctWeb: Change = { action: 'update', address: web.address, type: 'vm', tenant: 'acme', before: { ...recorded(web), attributes: { memoryMiB: 8192 } }, after: web, changed: ['memoryMiB'] };
const recreateDisk: Change = { action: 'create', address: disk.address, type: 'disk', tenant: 'acme', after: disk };
const newNet: Change = { action: 'create', address: net.address, type: 'network', tenant: 'acme', after: net };
const noopNet: Change = { action: 'noop', address: net.address, type: 'network', tenant: 'acme', before: recorded(net), after: net };

const findings = (more: Partial<TenantFindings>): TenantFindings => ({ tenant: 'acme', errors: [], drift: [], changes: [], orphaned: false, ...more });

describe('judgeTenant', () => {
  it.each([
    { reason: 'an empty plan is Synced', given: findings({ changes: [noopNet] }), want: { status: 'Synced', drifted: 0, pending: 0 } },
    { reason: 'changes the spec asks for are OutOfSync', given: findings({ changes: [newNet] }), want: { status: 'OutOfSync', pending: 1, summary: 'the spec asks for 1 to add (acme/network/office)' } },
    { reason: 'drift is Drifted, and its corrections are not pending spec changes', given: findings({ drift: [changedWeb], changes: [correctWeb] }), want: { status: 'Drifted', drifted: 1, pending: 0, summary: '1 changed outside netfirst (acme/vm/web-1: memoryMiB)' } },
    { reason: 'drift outranks spec changes, and both are told', given: findings({ drift: [deletedDisk], changes: [recreateDisk, newNet] }), want: { status: 'Drifted', drifted: 1, pending: 1, summary: '1 deleted outside netfirst (acme/vm/web-1/disk/data); and the spec asks for 1 to add (acme/network/office)' } },
    { reason: 'an error outranks everything, and names the first error', given: findings({ errors: ['acme.yaml:3:1: error: bad', 'acme.yaml:9:1: error: worse'], drift: [changedWeb] }), want: { status: 'Error', error: 'acme.yaml:3:1: error: bad', summary: 'acme.yaml:3:1: error: bad (and 1 more error)' } },
    { reason: 'an orphaned tenant is OutOfSync: its resources are left alone', given: findings({ orphaned: true }), want: { status: 'OutOfSync', summary: 'no spec describes it any more: its resources are left as they are (--prune destroys them)' } },
  ])('$reason', ({ given, want }) => {
    expect(judgeTenant(given)).toMatchObject(want);
  });

  it('keeps the addresses behind the verdict, each change with its cause', () => {
    expect(judgeTenant(findings({ drift: [changedWeb, deletedDisk], changes: [correctWeb, recreateDisk, newNet, noopNet] })).detail).toEqual({
      drift: [{ address: 'acme/vm/web-1', kind: 'changed', attributes: ['memoryMiB'] }, { address: 'acme/vm/web-1/disk/data', kind: 'deleted' }],
      changes: [
        { address: 'acme/vm/web-1', action: 'update', cause: 'drift' },
        { address: 'acme/vm/web-1/disk/data', action: 'create', cause: 'drift' },
        { address: 'acme/network/office', action: 'create', cause: 'spec' },
      ],
    });
  });
});

describe('causeOf', () => {
  it('blames drift for a replace forced by a drifted bound dependency', () => {
    const vm = desired('acme/vm/web-1', 'vm', {});
    const replace: Change = { action: 'replace', address: vm.address, type: 'vm', tenant: 'acme', before: recorded(vm), after: vm, requiresReplace: [], replacedWith: [disk.address], changed: [] };
    expect(causeOf(replace, new Set([disk.address]))).toBe('drift');
    expect(causeOf(replace, new Set())).toBe('spec');
  });
});

describe('selectCorrections', () => {
  const changes = [correctWeb, newNet, noopNet];
  const drift = [changedWeb, { kind: 'deleted', address: 'acme/vm/gone', type: 'vm', before: recorded(desired('acme/vm/gone', 'vm', {})) } as Drift];
  const all = new Set(['acme']);
  it.each([
    { reason: 'no policy: the loop only observes', policy: { selfHeal: false, sync: false }, want: [], accepted: [] },
    { reason: '--self-heal corrects drift only, and accepts drift that needs no change', policy: { selfHeal: true, sync: false }, want: ['acme/vm/web-1'], accepted: ['acme/vm/gone'] },
    { reason: '--sync applies the spec changes only', policy: { selfHeal: false, sync: true }, want: ['acme/network/office'], accepted: [] },
    { reason: 'both apply the whole plan', policy: { selfHeal: true, sync: true }, want: ['acme/vm/web-1', 'acme/network/office'], accepted: ['acme/vm/gone'] },
  ])('$reason', ({ policy, want, accepted }) => {
    const got = selectCorrections(changes, drift, policy, all);
    expect(got.changes.map((c) => c.address)).toEqual(want);
    expect(got.acceptDrift.map((d) => d.address)).toEqual(accepted);
  });

  it('never touches a tenant that is not eligible (in Error)', () => {
    expect(selectCorrections(changes, drift, { selfHeal: true, sync: true }, new Set())).toEqual({ changes: [], acceptDrift: [] });
  });
});
