/**
 * Resource targeting, pure (engine/plan/target.ts): which changes a `--target` plan keeps,
 * and which `--target` / `--replace` addresses are refused, from plain values.
 */
import { describe, expect, it } from 'vitest';
import { diffResources } from '../../engine/plan/diff.js';
import { targetedChanges, targetingProblems } from '../../engine/plan/target.js';
import { byAddress, disk, net, recorded, vm } from '../engine/resources.js';

const tenants = new Set(['t']);
const office = net('office');
const lab = net('lab', '10.1.0.0/24');
const web = vm('web-1', 'office');
const db = vm('db-1', 'lab', 4096, '10.1.0.10');
const data = disk('web-1', 'data');
const applied = byAddress([office, lab, web, db, data].map((r) => recorded(r)));
const summary = (changes: readonly { address: string; action: string }[]): string[] => changes.map((c) => `${c.action} ${c.address}`);

describe('targetedChanges', () => {
  it.each([
    {
      reason: 'nothing recorded: the target and what it needs are created, its sibling is not',
      given: { desired: [office, lab, web, db, data], recorded: new Map(), targets: ['t/vm/web-1'] },
      want: ['create t/network/office', 'create t/vm/web-1'],
    },
    {
      reason: 'a disk needs its VM, which needs its network',
      given: { desired: [office, lab, web, db, data], recorded: new Map(), targets: ['t/vm/web-1/disk/data'] },
      want: ['create t/network/office', 'create t/vm/web-1', 'create t/vm/web-1/disk/data'],
    },
    {
      reason: 'a target gone from the spec is deleted with what depends on it; the untargeted deletion stays out',
      given: { desired: [office, lab], recorded: applied, targets: ['t/vm/web-1'] },
      want: ['delete t/vm/web-1', 'delete t/vm/web-1/disk/data'],
    },
    {
      reason: 'a replaced network takes along what is replaced with it, not the untouched network',
      given: { desired: [net('office', '10.9.0.0/24'), lab, vm('web-1', 'office', 4096, '10.9.0.10'), db, data], recorded: applied, targets: ['t/network/office'] },
      want: ['replace t/network/office', 'replace t/vm/web-1', 'replace t/vm/web-1/disk/data'],
    },
  ])('$reason', ({ given, want }) => {
    const { changes } = diffResources({ desired: given.desired, recorded: given.recorded, specTenants: tenants, prune: false });
    expect(summary(targetedChanges(changes, given.targets, given.recorded))).toEqual(want);
  });

  it('a target in a tenant whose spec is gone is deleted (no --prune needed for what was named), with its dependents', () => {
    const { changes } = diffResources({ desired: [], recorded: applied, specTenants: new Set(), prune: false });
    expect(changes).toEqual([]);
    const kept = targetedChanges(changes, ['t/vm/web-1'], applied);
    expect(kept.map((c) => [c.action, c.address, c.reason])).toEqual([
      ['delete', 't/vm/web-1', 'not in spec (--target)'],
      ['delete', 't/vm/web-1/disk/data', 'depends on a destroyed target'],
    ]);
  });
});

describe('--replace in diff', () => {
  it('replaces the named resource though nothing forces it, and what is bound to it', () => {
    const { changes } = diffResources({ desired: [office, lab, web, db, data], recorded: applied, specTenants: tenants, prune: false, replace: new Set(['t/vm/web-1']) });
    expect(summary(changes)).toEqual(['noop t/network/lab', 'noop t/network/office', 'noop t/vm/db-1', 'replace t/vm/web-1', 'replace t/vm/web-1/disk/data']);
    expect(changes.find((c) => c.address === 't/vm/web-1')).toMatchObject({ requested: true, requiresReplace: [], reason: 'replacement requested (--replace)' });
    expect(changes.find((c) => c.address === 't/vm/web-1/disk/data')).toMatchObject({ replacedWith: ['t/vm/web-1'] });
  });
});

describe('targetingProblems', () => {
  const { changes } = diffResources({ desired: [office, web], recorded: byAddress([recorded(office), recorded(db)]), specTenants: tenants, prune: false });
  it.each([
    { reason: 'a desired or recorded address is fine', targets: ['t/vm/web-1', 't/vm/db-1'], replace: [], want: [] },
    { reason: 'a typo, with the nearest address', targets: ['t/vm/web-2'], replace: [], want: ['--target t/vm/web-2: no such resource in the specs or in state; did you mean t/vm/web-1?'] },
    { reason: 'replacing what does not exist yet', targets: [], replace: ['t/vm/web-1'], want: ['--replace t/vm/web-1: it does not exist yet (this plan creates it): nothing to replace'] },
    { reason: 'replacing what the plan destroys', targets: [], replace: ['t/vm/db-1'], want: ['--replace t/vm/db-1: no spec describes it any more, so there is nothing to replace it with (this plan destroys it)'] },
    { reason: 'replacing an existing resource is fine', targets: [], replace: ['t/network/office'], want: [] },
  ])('$reason', ({ targets, replace, want }) => {
    expect(targetingProblems({ targets, replace, changes, recorded: byAddress([recorded(office), recorded(db)]) }).map((d) => d.summary)).toEqual(want);
  });

  it('outside the run\'s tenants nothing is suggested: the tenant is named as not planned', () => {
    const problems = targetingProblems({ targets: ['u/vm/web-1'], replace: [], changes, recorded: byAddress([recorded(office)]), tenants });
    expect(problems.map((d) => d.summary)).toEqual(['--target u/vm/web-1: tenant u is not among the tenants this run plans']);
  });
});
