/**
 * API plans and runs: records come back as written, pages do not shift while new ones
 * arrive, plan status moves only by compare-and-set, runs of a killed server are found
 * and marked, each run numbers its own events, and an Idempotency-Key replays the first
 * response.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { INTERRUPTED_SUMMARY, openState, type ApiPlanRecord, type ApiPlanStatus, type RunRecord, type StateStore } from '../../state/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'netfirst-api-'));
  dirs.push(dir);
  return join(dir, 'state.db');
}

function withState<T>(test: (state: StateStore, path: string) => T): T {
  const path = tempPath();
  const state = openState(path);
  try {
    return test(state, path);
  } finally {
    state.close();
  }
}

const iso = (minute: number) => new Date(Date.parse('2025-06-01T12:00:00.000Z') + minute * 60_000).toISOString();

const plan = (id: string, overrides: Partial<ApiPlanRecord> = {}): ApiPlanRecord => ({
  id, createdAt: iso(0), createdBy: 'a1b2c3d4e5f6', partner: 'blue', tenants: ['acme'], destroy: false, status: 'planned',
  serial: 7, specHash: 'sha256:spec', hasChanges: true, hasErrors: false, summary: { add: 1, change: 0, replace: 0, destroy: 0 },
  text: 'Plan: 1 to add', markdown: '# Plan', json: '{"sealed":true}', request: '{"tenants":["acme"]}',
  ...overrides,
});

const run = (id: string, planId: string, overrides: Partial<RunRecord> = {}): RunRecord => ({
  id, planId, createdAt: iso(0), createdBy: 'a1b2c3d4e5f6', partner: 'blue', tenants: ['acme'], status: 'running', instance: 'server-1',
  ...overrides,
});

describe('plans', () => {
  it('come back as written, optional fields absent', () => {
    withState((state) => {
      const operator = plan('p1', { partner: undefined, tenants: ['acme', 'bolt'], destroy: true, hasErrors: true });
      const { partner: _, ...written } = operator;
      state.insertPlan(written);
      expect(state.getPlan('p1')).toEqual(written);
      expect(state.getPlan('p1')).not.toHaveProperty('partner');
      expect(state.getPlan('nope')).toBeUndefined();
    });
  });

  it('refuses a second plan with the same id', () => {
    withState((state) => {
      state.insertPlan(plan('p1'));
      expect(() => state.insertPlan(plan('p1', { text: 'other' }))).toThrow(/UNIQUE|PRIMARY KEY/);
      expect(state.getPlan('p1')?.text).toBe('Plan: 1 to add');
    });
  });

  const seeded: ApiPlanRecord[] = [
    plan('p1', { createdAt: iso(1), tenants: ['acme'], partner: 'blue' }),
    plan('p2', { createdAt: iso(2), tenants: ['acme-2'], partner: 'blue', status: 'approved' }),
    plan('p3', { createdAt: iso(3), tenants: ['bolt', 'acme'], partner: 'green' }),
    plan('p4', { createdAt: iso(3), tenants: ['bolt'], partner: 'green', status: 'applied' }),
    plan('p5', { createdAt: iso(4), tenants: [], partner: undefined }),
  ];

  it.each([
    { reason: 'newest first, ties by id descending', given: {}, want: ['p5', 'p4', 'p3', 'p2', 'p1'] },
    { reason: 'a tenant filter is exact: acme is not acme-2', given: { tenant: 'acme' }, want: ['p3', 'p1'] },
    { reason: 'a tenant with a wildcard-looking name matches only itself', given: { tenant: 'acme%' }, want: [] },
    { reason: 'by partner', given: { partner: 'green' }, want: ['p4', 'p3'] },
    { reason: 'by status', given: { status: 'approved' as ApiPlanStatus }, want: ['p2'] },
    { reason: 'partner and tenant together', given: { partner: 'green', tenant: 'acme' }, want: ['p3'] },
    { reason: 'before a cursor that ties on createdAt: the tie is split by id', given: { before: { createdAt: iso(3), id: 'p4' } }, want: ['p3', 'p2', 'p1'] },
  ])('list: $reason', ({ given, want }) => {
    withState((state) => {
      for (const p of seeded) state.insertPlan(p);
      expect(state.listPlans({ limit: 10, ...given }).map((p) => p.id)).toEqual(want);
    });
  });

  it('pages without gaps or repeats while new plans are made between pages', () => {
    withState((state) => {
      const made: ApiPlanRecord[] = [];
      const make = (count: number) => {
        for (let i = 0; i < count; i++) {
          const n = made.length;
          // Pairs share a createdAt, and ids do not follow insertion order: the id alone breaks ties.
          // Plans made while paging are made now: later than any listed.
          const p = plan(`p-${String((n * 7919) % 1000).padStart(3, '0')}`, { createdAt: iso(Math.floor(n / 2) + (n >= 9 ? 60 : 0)) });
          state.insertPlan(p);
          made.push(p);
        }
      };
      const newestFirst = (a: ApiPlanRecord, b: ApiPlanRecord) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1);
      make(9);
      const expected = made.slice().sort(newestFirst).map((p) => p.id);
      const seen: string[] = [];
      for (let page = state.listPlans({ limit: 4 }); page.length > 0;) {
        seen.push(...page.map((p) => p.id));
        make(3);
        const last = page.at(-1)!;
        page = state.listPlans({ limit: 4, before: { createdAt: last.createdAt, id: last.id } });
      }
      expect(seen).toEqual(expected);
    });
  });

  it.each([
    { reason: 'approving a planned plan records who and when', from: ['planned'], to: 'approved', start: 'planned', moved: true, want: { status: 'approved', approvedBy: 'tok-op', approvedAt: iso(5) } },
    { reason: 'a plan already approved by another is not approved again', from: ['planned'], to: 'approved', start: 'approved', moved: false, want: { status: 'approved', approvedBy: 'tok-first' } },
    { reason: 'applying an approved plan keeps its approver', from: ['approved'], to: 'applying', start: 'approved', moved: true, want: { status: 'applying', approvedBy: 'tok-first' } },
    { reason: 'a discarded plan cannot be applied', from: ['approved'], to: 'applying', start: 'discarded', moved: false, want: { status: 'discarded' } },
    { reason: 'discarding from either waiting status records when', from: ['planned', 'approved'], to: 'discarded', start: 'approved', moved: true, want: { status: 'discarded', discardedAt: iso(5) } },
    { reason: 'an empty from moves nothing', from: [], to: 'failed', start: 'applying', moved: false, want: { status: 'applying' } },
  ] as { reason: string; from: ApiPlanStatus[]; to: ApiPlanStatus; start: ApiPlanStatus; moved: boolean; want: Partial<ApiPlanRecord> }[])(
    'setPlanStatus: $reason', ({ from, to, start, moved, want }) => {
      withState((state) => {
        state.insertPlan(plan('p1', start === 'planned' ? {} : { status: start, ...(start !== 'discarded' ? { approvedBy: 'tok-first', approvedAt: iso(1) } : {}) }));
        expect(state.setPlanStatus('p1', from, to, { actor: 'tok-op', at: new Date(iso(5)) })).toBe(moved);
        expect(state.getPlan('p1')).toMatchObject(want);
      });
    });

  it('setPlanStatus: of two racing approvals exactly one wins', () => {
    const path = tempPath();
    const a = openState(path);
    const b = openState(path);
    a.insertPlan(plan('p1'));
    const results = [a, b].map((s, i) => s.setPlanStatus('p1', ['planned'], 'approved', { actor: `tok-${i}`, at: new Date(iso(5)) }));
    expect(results).toEqual([true, false]);
    expect(b.getPlan('p1')?.approvedBy).toBe('tok-0');
    a.close();
    b.close();
  });

  it.each([
    { reason: 'approving without saying who is a bug', to: 'approved' as const },
    { reason: 'discarding without saying when is a bug', to: 'discarded' as const },
  ])('setPlanStatus: $reason', ({ to }) => {
    withState((state) => {
      state.insertPlan(plan('p1'));
      expect(() => state.setPlanStatus('p1', ['planned'], to)).toThrow(/needs who and when/);
      expect(state.getPlan('p1')?.status).toBe('planned');
    });
  });

  it('setPlanStatus: an unknown plan does not move', () => {
    withState((state) => expect(state.setPlanStatus('nope', ['planned'], 'applying')).toBe(false));
  });
});

describe('runs', () => {
  it('come back as written; a run needs its plan', () => {
    withState((state) => {
      state.insertPlan(plan('p1'));
      const r = run('r1', 'p1', { tenants: ['acme', 'bolt'] });
      state.insertRun(r);
      expect(state.getRun('r1')).toEqual(r);
      expect(state.getRun('nope')).toBeUndefined();
      expect(() => state.insertRun(run('r2', 'no-such-plan'))).toThrow(/FOREIGN KEY/);
    });
  });

  it.each([
    { reason: 'newest first', given: {}, want: ['r4', 'r3', 'r2', 'r1'] },
    { reason: 'by partner', given: { partner: 'green' }, want: ['r4', 'r2'] },
    { reason: 'by status', given: { status: 'running' as const }, want: ['r3', 'r1'] },
    { reason: 'after a cursor', given: { before: { createdAt: iso(3), id: 'r3' } }, want: ['r2', 'r1'] },
    { reason: 'a limit', given: { limit: 1 }, want: ['r4'] },
  ])('list: $reason', ({ given, want }) => {
    withState((state) => {
      state.insertPlan(plan('p1'));
      state.insertRun(run('r1', 'p1', { createdAt: iso(1) }));
      state.insertRun(run('r2', 'p1', { createdAt: iso(2), partner: 'green', status: 'failed' }));
      state.insertRun(run('r3', 'p1', { createdAt: iso(3) }));
      state.insertRun(run('r4', 'p1', { createdAt: iso(4), partner: 'green', status: 'succeeded' }));
      expect(state.listRuns({ limit: 10, ...given }).map((r) => r.id)).toEqual(want);
    });
  });

  it.each([
    { reason: 'a running run finishes', start: 'running' as const, want: { status: 'succeeded', summary: '1 added', finishedAt: iso(9) } },
    { reason: 'a run marked interrupted that finishes after all records its outcome', start: 'interrupted' as const, want: { status: 'succeeded', summary: '1 added', finishedAt: iso(9) } },
  ])('finishRun: $reason', ({ start, want }) => {
    withState((state) => {
      state.insertPlan(plan('p1'));
      state.insertRun(run('r1', 'p1', { status: start }));
      state.finishRun('r1', 'succeeded', '1 added', new Date(iso(9)));
      expect(state.getRun('r1')).toMatchObject(want);
    });
  });

  it.each([
    { reason: 'finishing twice is a bug', id: 'r1', status: 'failed' as const, want: /already finished \(succeeded\)/ },
    { reason: 'finishing an unknown run is a bug', id: 'nope', status: 'failed' as const, want: /no run nope/ },
    { reason: 'finishing as running is a bug', id: 'r2', status: 'running' as const, want: /cannot finish as running/ },
  ])('finishRun: $reason', ({ id, status, want }) => {
    withState((state) => {
      state.insertPlan(plan('p1'));
      state.insertRun(run('r1', 'p1', { status: 'succeeded', finishedAt: iso(2), summary: 'done' }));
      state.insertRun(run('r2', 'p1'));
      expect(() => state.finishRun(id, status, 'again', new Date(iso(9)))).toThrow(want);
      expect(state.getRun('r1')).toMatchObject({ status: 'succeeded', summary: 'done' });
    });
  });

  it('interruptOrphanedRuns marks only the running runs of other instances, and returns them', () => {
    withState((state) => {
      state.insertPlan(plan('p1'));
      state.insertRun(run('mine', 'p1', { instance: 'server-2', createdAt: iso(1) }));
      state.insertRun(run('orphan-a', 'p1', { instance: 'server-1', createdAt: iso(2) }));
      state.insertRun(run('orphan-b', 'p1', { instance: 'server-0', createdAt: iso(3) }));
      state.insertRun(run('done', 'p1', { instance: 'server-1', status: 'failed', finishedAt: iso(4), summary: 'boom' }));
      const found = state.interruptOrphanedRuns('server-2', new Date(iso(10)));
      const interrupted = { status: 'interrupted', summary: INTERRUPTED_SUMMARY, finishedAt: iso(10) };
      expect(found).toEqual([{ ...run('orphan-a', 'p1', { instance: 'server-1', createdAt: iso(2) }), ...interrupted }, { ...run('orphan-b', 'p1', { instance: 'server-0', createdAt: iso(3) }), ...interrupted }]);
      expect(found.map((r) => state.getRun(r.id))).toEqual(found);
      expect(state.getRun('mine')?.status).toBe('running');
      expect(state.getRun('done')).toMatchObject({ status: 'failed', summary: 'boom' });
      expect(state.interruptOrphanedRuns('server-2', new Date(iso(11)))).toEqual([]);
    });
  });
});

describe('run events', () => {
  it('are numbered 1, 2, 3 … per run and read after a seq', () => {
    withState((state) => {
      state.insertPlan(plan('p1'));
      state.insertRun(run('r1', 'p1'));
      state.insertRun(run('r2', 'p1'));
      const a1 = state.appendRunEvent('r1', 'start', { tenants: ['acme'] }, new Date(iso(1)));
      const b1 = state.appendRunEvent('r2', 'start', undefined, new Date(iso(1)));
      const a2 = state.appendRunEvent('r1', 'change', { address: 'acme/network/office', action: 'create' }, new Date(iso(2)));
      const a3 = state.appendRunEvent('r1', 'done', 'ok', new Date(iso(3)));
      expect([a1.seq, a2.seq, a3.seq, b1.seq]).toEqual([1, 2, 3, 1]);
      expect(a1).toEqual({ runId: 'r1', seq: 1, at: iso(1), type: 'start', data: '{"tenants":["acme"]}' });
      expect(b1.data).toBe('null');
      expect(state.runEvents('r1', 0)).toEqual([a1, a2, a3]);
      expect(state.runEvents('r1', 1)).toEqual([a2, a3]);
      expect(state.runEvents('r1', 1, 1)).toEqual([a2]);
      expect(state.runEvents('r1', 3)).toEqual([]);
      expect(state.runEvents('r2', 0)).toEqual([b1]);
    });
  });

  it('keep one numbering when two stores append to the same run', () => {
    const path = tempPath();
    const a = openState(path);
    const b = openState(path);
    a.insertPlan(plan('p1'));
    a.insertRun(run('r1', 'p1'));
    const seqs = [a, b, a, b].map((s, i) => s.appendRunEvent('r1', 'tick', i, new Date(iso(i))).seq);
    expect(seqs).toEqual([1, 2, 3, 4]);
    a.close();
    b.close();
  });

  it('need their run', () => {
    withState((state) => expect(() => state.appendRunEvent('nope', 'start', {}, new Date(iso(0)))).toThrow(/FOREIGN KEY/));
  });
});

describe('idempotency', () => {
  const first = { requestHash: 'sha256:req-1', status: 201, body: '{"id":"p1"}' };

  it.each([
    { reason: 'a saved response is found by token and key', token: 'tok-a', key: 'k1', want: first },
    { reason: 'another key finds nothing', token: 'tok-a', key: 'k2', want: undefined },
    { reason: 'another token’s same key finds nothing: keys are per token', token: 'tok-b', key: 'k1', want: undefined },
  ])('$reason', ({ token, key, want }) => {
    withState((state) => {
      state.saveIdempotent('tok-a', 'k1', first, new Date(iso(0)));
      expect(state.findIdempotent(token, key)).toEqual(want);
    });
  });

  it('keeps the first response when a key is saved twice: a replay always gets the first answer', () => {
    withState((state) => {
      state.saveIdempotent('tok-a', 'k1', first, new Date(iso(0)));
      state.saveIdempotent('tok-a', 'k1', { requestHash: 'sha256:req-2', status: 500, body: 'late' }, new Date(iso(1)));
      expect(state.findIdempotent('tok-a', 'k1')).toEqual(first);
    });
  });
});
