/**
 * The pure parts of `apply PLANFILE` (the CLI cases are test/cli/saved-plan-boundary):
 * the seal, what a saved plan's changes may propose at all, and the first difference
 * from the plan made again.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { proposalProblems, type ProposalInput } from '../../engine/plan/proposal.js';
import { firstDifference, type SavedChange } from '../../engine/plan/saved.js';
import { hasValidSeal, sealPlan } from '../../engine/plan/seal.js';
import { byAddress, disk, net, recorded, vm } from '../engine/resources.js';

describe('the seal', () => {
  const key = randomBytes(32);
  const plan = { format: 'netfirst-plan/1', serial: 3, changes: [{ address: 't/vm/a', after: { memoryMiB: 4096 } }] };
  const sealed = sealPlan(plan, key);

  it.each<{ reason: string; given: unknown; want: boolean }>([
    { reason: 'as sealed', given: sealed, want: true },
    { reason: 'as read back from its file, keys in another order', given: JSON.parse(JSON.stringify({ changes: sealed.changes, seal: sealed.seal, serial: 3, format: 'netfirst-plan/1' })), want: true },
    { reason: 'one value edited', given: { ...sealed, serial: 4 }, want: false },
    { reason: 'a field added', given: { ...sealed, partner: 'p' }, want: false },
    { reason: 'no seal', given: plan, want: false },
    { reason: 'a seal of another shape', given: { ...sealed, seal: 'sha256:00' }, want: false },
    { reason: 'sealed with another key', given: sealPlan(plan, randomBytes(32)), want: false },
    { reason: 'not an object', given: [sealed], want: false },
  ])('$reason: $want', ({ given, want }) => {
    expect(hasValidSeal(given, key)).toBe(want);
  });
});

describe('proposalProblems', () => {
  const office = net('office');
  const web = vm('web-1', 'office');
  const data = disk('web-1', 'data');
  const state = byAddress([recorded(office), recorded(web), recorded(data, { protect: true }), recorded(vm('db-1', 'office'))]);
  const change = (address: string, action: SavedChange['action'], more: Partial<SavedChange> = {}): SavedChange => ({
    address, type: 'vm', tenant: address.split('/')[0]!, action, after: null, requiresReplace: [], reason: null, ...more,
  });
  const input = (changes: SavedChange[], more: Partial<ProposalInput> = {}): ProposalInput => ({
    changes, resources: {}, drift: [], selection: { destroy: false }, recorded: state, specProtect: () => undefined, ...more,
  });
  const westside = { name: 'westside', owns: (t: string) => t === 't' };

  it.each<{ reason: string; given: ProposalInput; want: string[] }>([
    { reason: 'a plain update', given: input([change('t/vm/web-1', 'update')]), want: [] },
    {
      reason: 'the owner is the address\'s first segment, whatever the tenant field says',
      given: input([change('other/vm/x', 'create', { tenant: 't' })], { partner: westside }),
      want: ["other/vm/x: its tenant field says t, but the address is tenant other's", 'other/vm/x: partner westside does not manage tenant other'],
    },
    {
      reason: 'only tenants the plan selected',
      given: input([change('u/vm/x', 'create')], { selection: { destroy: false, tenants: ['t'] } }),
      want: ['u/vm/x: tenant u is not among the tenants the plan was made for'],
    },
    {
      reason: 'a partner\'s selection of a tenant it does not own',
      given: input([], { partner: westside, selection: { destroy: false, tenants: ['t', 'u'] } }),
      want: ['the plan was made for tenant u: partner westside does not manage it'],
    },
    {
      reason: 'a move from another tenant, onto a recorded address',
      given: input([change('t/vm/db-1', 'update', { movedFrom: 'u/vm/mail' })]),
      want: ["t/vm/db-1: moved from u/vm/mail, another tenant's address: a resource moves only within its tenant", 't/vm/db-1: moved from u/vm/mail, which state does not hold', 't/vm/db-1: moved onto an address state already holds'],
    },
    { reason: 'a move within the tenant to a new address', given: input([change('t/vm/web-2', 'update', { movedFrom: 't/vm/db-1' })]), want: [] },
    { reason: 'a delete cannot move', given: input([change('t/vm/web-2', 'delete', { movedFrom: 't/vm/db-1' })]), want: ['t/vm/web-2: a delete cannot move a resource (movedFrom t/vm/db-1)'] },
    {
      reason: 'one recorded resource moved twice',
      given: input([change('t/vm/a', 'noop', { movedFrom: 't/vm/db-1' }), change('t/vm/b', 'update', { movedFrom: 't/vm/db-1' })]),
      want: ['t/vm/db-1: changed twice (by the changes to t/vm/a and t/vm/b)'],
    },
    { reason: 'one address twice', given: input([change('t/vm/db-1', 'update'), change('t/vm/db-1', 'delete')]), want: ['t/vm/db-1: changed twice'] },
    { reason: 'a create over a recorded resource', given: input([change('t/vm/db-1', 'create')]), want: ['t/vm/db-1: created, but state already holds it'] },
    { reason: 'a delete of what state does not hold', given: input([change('t/vm/nope', 'delete')]), want: ['t/vm/nope: a delete of a resource state does not hold'] },
    {
      reason: 'protection from state, whatever the plan\'s resources say',
      given: input([change('t/vm/web-1/disk/data', 'delete')]),
      want: ['t/vm/web-1/disk/data is protected: the plan would delete it'],
    },
    {
      reason: 'protection from the spec',
      given: input([change('t/vm/db-1', 'delete')], { specProtect: (a) => a === 't/vm/db-1' }),
      want: ['t/vm/db-1 is protected: the plan would delete it'],
    },
    {
      reason: 'a destroy reads protection from the specs as they are now (lifted there)',
      given: input([change('t/vm/web-1/disk/data', 'delete')], { selection: { destroy: true }, specProtect: () => false }),
      want: [],
    },
    {
      reason: 'a VM deleted without its disk',
      given: input([change('t/vm/web-1', 'delete')]),
      want: ['t/vm/web-1: deleted, but t/vm/web-1/disk/data depends on it and would be left orphaned'],
    },
    {
      reason: 'a network deleted while a VM moves off it',
      given: input([change('t/network/office', 'delete'), change('t/vm/web-1', 'update'), change('t/vm/db-1', 'replace')], {
        resources: { 't/vm/web-1': { zone: 'z1', dependsOn: ['t/network/lan'], boundTo: [], protect: false }, 't/vm/db-1': { zone: 'z1', dependsOn: ['t/network/lan'], boundTo: [], protect: false } },
      }),
      want: [],
    },
    {
      reason: 'a network deleted while a VM stays on it',
      given: input([change('t/network/office', 'delete'), change('t/vm/web-1', 'update'), change('t/vm/db-1', 'delete')], {
        resources: { 't/vm/web-1': { zone: 'z1', dependsOn: ['t/network/office'], boundTo: [], protect: false } },
      }),
      want: ['t/network/office: deleted, but t/vm/web-1 depends on it and would be left orphaned'],
    },
    {
      reason: 'drift of a tenant the partner does not own',
      given: input([], { partner: westside, drift: [{ address: 'u/vm/mail' }] }),
      want: ['drift of u/vm/mail: partner westside does not manage tenant u'],
    },
  ])('$reason', ({ given, want }) => {
    expect(proposalProblems(given)).toEqual(want);
  });
});

describe('firstDifference', () => {
  const plan = {
    changes: [{ address: 't/vm/a', action: 'update', after: { memoryMiB: 4096, nics: [{ ip: '10.0.0.5' }] } }, { address: 't/vm/b', action: 'noop' }],
    resources: { 't/vm/a': { protect: false } },
    zones: { z1: { provider: { type: 'sim' } } },
    orphanedTenants: [],
    diagnostics: [{ severity: 'warning' }],
  };
  it.each<{ reason: string; saved: Record<string, unknown>; want: string | undefined }>([
    { reason: 'the same plan, diagnostics aside', saved: { ...plan, diagnostics: [] }, want: undefined },
    { reason: 'an added change', saved: { ...plan, changes: [...plan.changes, { address: 't/vm/c', action: 'delete' }] }, want: 'it proposes to delete t/vm/c, which planning does not give' },
    { reason: 'another action', saved: { ...plan, changes: [plan.changes[0]!, { address: 't/vm/b', action: 'delete' }] }, want: 'it proposes to delete t/vm/b where planning gives noop' },
    { reason: 'no change where planning gives one', saved: { ...plan, changes: [{ ...plan.changes[0]!, action: 'noop' }, plan.changes[1]!] }, want: 'it leaves t/vm/a as it is where planning gives update' },
    { reason: 'a change left out', saved: { ...plan, changes: plan.changes.slice(1) }, want: 'it leaves out the update of t/vm/a, which planning gives' },
    {
      reason: 'a nested attribute',
      saved: { ...plan, changes: [{ ...plan.changes[0]!, after: { memoryMiB: 4096, nics: [{ ip: '10.0.0.6' }] } }, plan.changes[1]!] },
      want: 'its change to t/vm/a differs at after.nics.0.ip (planning gives "10.0.0.5")',
    },
    { reason: 'a resource\'s protection', saved: { ...plan, resources: { 't/vm/a': { protect: true } } }, want: 'it differs at resources.t/vm/a.protect (planning gives false)' },
    { reason: 'a zone', saved: { ...plan, zones: {} }, want: 'it differs at zones.z1' },
  ])('$reason', ({ saved, want }) => {
    expect(firstDifference(saved, plan)).toBe(want);
  });
});
