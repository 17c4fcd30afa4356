/**
 * The plan review's change table and data-loss warnings (plan-changes.ts), and a run's
 * progress folded from its events (run-progress.ts): pure, from plan JSON and events as
 * the server records them.
 */
import { describe, expect, it } from 'vitest';
import { formatGiB, reviewPlan } from '../../engine/serve/console/plan-changes.js';
import { foldRun, planSteps } from '../../engine/serve/console/run-progress.js';
import type { RunEvent } from '../../state/index.js';

const vm = (name: string, extra: Record<string, unknown> = {}) => ({
  name, cpu: 2, memoryMiB: 4096, hypervisor: 'kvm', rootDisk: { sizeGiB: 40, tier: 'standard' }, nics: [{ network: 't/network/office', ip: '10.0.0.5' }], ...extra,
});

const change = (c: Record<string, unknown>) => ({ tenant: 't', requiresReplace: [], reason: null, before: null, after: null, ...c });

describe('plan review: changes and data loss', () => {
  it.each([
    {
      reason: 'an update shows only what differs, nested fields dotted',
      ch: change({ address: 't/vm/a', type: 'vm', action: 'update', before: vm('a'), after: vm('a', { memoryMiB: 8192, rootDisk: { sizeGiB: 60, tier: 'standard' } }) }),
      want: [{ name: 'memoryMiB', before: '4096 MiB (4 GiB)', after: '8192 MiB (8 GiB)', forcesReplace: false }, { name: 'rootDisk.sizeGiB', before: '40 GiB', after: '60 GiB', forcesReplace: false }],
    },
    {
      reason: 'a create shows every attribute, with nothing before',
      ch: change({ address: 't/disk/d', type: 'disk', action: 'create', after: { name: 'd', sizeGiB: 10 } }),
      want: [{ name: 'name', after: '"d"', forcesReplace: false }, { name: 'sizeGiB', after: '10 GiB', forcesReplace: false }],
    },
    {
      reason: 'a replace marks the attribute that forces it',
      ch: change({ address: 't/vm/a', type: 'vm', action: 'replace', requiresReplace: ['hypervisor'], before: vm('a'), after: vm('a', { hypervisor: 'vmware' }) }),
      want: [{ name: 'hypervisor', before: '"kvm"', after: '"vmware"', forcesReplace: true }],
    },
    {
      reason: 'a digest is never shown, whatever the attribute is called',
      ch: change({ address: 't/vpn-user/u', type: 'vpn-user', action: 'update', before: { name: 'u', password: 'hmac-sha256:aa' }, after: { name: 'u', password: 'hmac-sha256:bb' } }),
      want: [{ name: 'password', before: '(sensitive)', after: '(sensitive)', forcesReplace: false }],
    },
  ])('$reason', ({ ch, want }) => {
    const review = reviewPlan({ changes: [ch], resources: {} });
    expect(review.changes).toHaveLength(1);
    expect(review.changes[0]!.attributes).toEqual(want);
  });

  it('hides attributes the plan marks sensitive, and says that the value changed', () => {
    const review = reviewPlan({
      changes: [change({ address: 't/vpn/hq', type: 'vpn-connection', action: 'update', before: { name: 'hq', preSharedKey: 'old-secret' }, after: { name: 'hq', preSharedKey: 'new-secret' } })],
      resources: { 't/vpn/hq': { sensitive: ['preSharedKey'] } },
    });
    expect(review.changes[0]!.attributes).toEqual([{ name: 'preSharedKey', before: '(sensitive)', after: '(sensitive) (value changed)', forcesReplace: false }]);
    expect(JSON.stringify(review)).not.toMatch(/secret/);
  });

  it('leaves out noop and read changes', () => {
    const review = reviewPlan({ changes: [change({ address: 't/vm/a', type: 'vm', action: 'noop', before: vm('a'), after: vm('a') }), change({ address: 't/vm/b', type: 'vm', action: 'read', before: vm('b') })] });
    expect(review.changes).toEqual([]);
    expect(review.dataLoss).toEqual([]);
  });

  it('warns of every disk deleted or replaced, and of a VM deleted or replaced with its root disk', () => {
    const review = reviewPlan({
      changes: [
        change({ address: 't/vm/a/disk/data', type: 'disk', action: 'delete', before: { name: 'data', sizeGiB: 250, tier: 'performance', vm: 't/vm/a' } }),
        change({ address: 't/vm/b/disk/big', type: 'disk', action: 'replace', before: { name: 'big', sizeGiB: 2048, tier: 'capacity', vm: 't/vm/b' }, after: { name: 'big', sizeGiB: 2048, tier: 'standard', vm: 't/vm/b' } }),
        change({ address: 't/vm/c', type: 'vm', action: 'delete', before: vm('c') }),
        change({ address: 't/vm/d', type: 'vm', action: 'replace', movedFrom: 't/vm/old-d', before: vm('d'), after: vm('d', { hypervisor: 'vmware' }) }),
        change({ address: 't/vm/e', type: 'vm', action: 'update', before: vm('e'), after: vm('e', { cpu: 4 }) }),
        change({ address: 't/network/n', type: 'network', action: 'delete', before: { name: 'n' } }),
      ],
    });
    expect(review.dataLoss).toEqual([
      { address: 't/vm/a/disk/data', what: 'disk', action: 'deleted', size: '250 GiB', tier: 'performance', vm: 't/vm/a' },
      { address: 't/vm/b/disk/big', what: 'disk', action: 'replaced', size: '2 TiB', tier: 'capacity', vm: 't/vm/b' },
      { address: 't/vm/c', what: 'root disk', action: 'deleted', size: '40 GiB', tier: 'standard' },
      { address: 't/vm/old-d', what: 'root disk', action: 'replaced', size: '40 GiB', tier: 'standard' },
    ]);
  });

  it.each([[20, '20 GiB'], [1024, '1 TiB'], [1536, '1.5 TiB'], [4096, '4 TiB']])('formats %d GiB as %s', (gib, words) => {
    expect(formatGiB(gib)).toBe(words);
  });

  it('survives a document that is not a plan', () => {
    expect(reviewPlan(null)).toEqual({ changes: [], dataLoss: [] });
    expect(reviewPlan({ changes: 'no' })).toEqual({ changes: [], dataLoss: [] });
  });
});

describe('run progress: the plan steps, folded with the events', () => {
  const event = (seq: number, type: string, data: Record<string, unknown>): RunEvent => ({ runId: 'r', seq, at: '2026-01-01T00:00:00.000Z', type, data: JSON.stringify(data) });

  it('names the steps as the executor does: a delete and a replace have a destroy step', () => {
    const steps = planSteps({
      changes: [
        { address: 't/vm/a', action: 'create' }, { address: 't/vm/b', action: 'update' }, { address: 't/vm/c', action: 'delete' },
        { address: 't/vm/d', action: 'replace', movedFrom: 't/vm/old-d' }, { address: 't/vm/e', action: 'noop' },
      ],
    });
    expect(steps.map((s) => [s.id, s.action, s.status])).toEqual([
      ['t/vm/a', 'create', 'pending'], ['t/vm/b', 'update', 'pending'], ['t/vm/c (destroy)', 'delete', 'pending'],
      ['t/vm/old-d (destroy)', 'delete', 'pending'], ['t/vm/d', 'create', 'pending'],
    ]);
  });

  it('applies started, done and failed; counts are the latest event\'s; the log is every line; the result is run.finished', () => {
    const steps = planSteps({ changes: [{ address: 't/vm/a', action: 'create' }, { address: 't/vm/b', action: 'create' }, { address: 't/vm/c', action: 'create' }] });
    const progress = foldRun(steps, [
      event(1, 'run.started', { total: 3 }),
      event(2, 'resource.started', { address: 't/vm/a', action: 'create', done: 0, failed: 0, total: 3, text: 't/vm/a: Creating...' }),
      event(3, 'resource.started', { address: 't/vm/b', action: 'create', done: 0, failed: 0, total: 3, text: 't/vm/b: Creating...' }),
      event(4, 'resource.done', { address: 't/vm/a', action: 'create', ms: 12, done: 1, failed: 0, total: 3, text: 't/vm/a: Creation complete' }),
      event(5, 'resource.failed', { address: 't/vm/b', action: 'create', ms: 30, error: 'no capacity', done: 2, failed: 1, total: 3, text: 't/vm/b: failed' }),
      event(6, 'resource.started', { address: 't/vm/x', action: 'update', done: 2, failed: 1, total: 3, text: 't/vm/x: Modifying...' }),
      event(7, 'run.finished', { status: 'failed', summary: '1 added; 1 failed', done: 2, failed: 1, total: 3, text: 'Apply failed.' }),
    ]);
    expect(progress.steps.map((s) => [s.id, s.status])).toEqual([['t/vm/a', 'done'], ['t/vm/b', 'failed'], ['t/vm/c', 'pending'], ['t/vm/x', 'running']]);
    expect(progress.steps[1]).toMatchObject({ error: 'no capacity', ms: 30 });
    expect({ total: progress.total, done: progress.done, failed: progress.failed, lastSeq: progress.lastSeq }).toEqual({ total: 3, done: 2, failed: 1, lastSeq: 7 });
    expect(progress.log).toEqual(['t/vm/a: Creating...', 't/vm/b: Creating...', 't/vm/a: Creation complete', 't/vm/b: failed', 't/vm/x: Modifying...']);
    expect(progress.finished).toEqual({ status: 'failed', summary: '1 added; 1 failed', text: 'Apply failed.' });
  });

  it('is still running with no run.finished', () => {
    const progress = foldRun(planSteps({ changes: [{ address: 't/vm/a', action: 'create' }] }), [event(1, 'run.started', { total: 1 })]);
    expect(progress.finished).toBeUndefined();
    expect(progress).toMatchObject({ total: 1, done: 0, lastSeq: 1 });
  });
});
