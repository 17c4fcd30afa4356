/** The status row a round leaves: what carries over from the previous round, and what the loop does between rounds. */
import { describe, expect, it } from 'vitest';
import { attributeErrors, judgeTenant, nextRecord, NO_ACTION, pauseUnlessAborted, reconcileLoop } from '../../engine/reconcile/index.js';

const verdict = (status: 'Synced' | 'Error') => judgeTenant({ tenant: 'acme', errors: status === 'Error' ? ['boom'] : [], drift: [], changes: [], orphaned: false });

describe('nextRecord', () => {
  it('keeps since when the status holds, when it was last Synced, and the last error after recovery', () => {
    const r1 = nextRecord(undefined, verdict('Synced'), NO_ACTION, { id: 'r1', at: 't1' });
    expect(r1).toMatchObject({ status: 'Synced', statusSince: 't1', lastSyncedAt: 't1', checkedAt: 't1' });
    expect(r1.lastError).toBeUndefined();
    const r2 = nextRecord(r1, verdict('Synced'), NO_ACTION, { id: 'r2', at: 't2' });
    expect(r2).toMatchObject({ statusSince: 't1', lastSyncedAt: 't2', checkedAt: 't2', roundId: 'r2' });
    const r3 = nextRecord(r2, verdict('Error'), NO_ACTION, { id: 'r3', at: 't3' });
    expect(r3).toMatchObject({ status: 'Error', statusSince: 't3', lastSyncedAt: 't2', lastError: 'boom', lastErrorAt: 't3' });
    const r4 = nextRecord(r3, verdict('Synced'), NO_ACTION, { id: 'r4', at: 't4' });
    expect(r4).toMatchObject({ status: 'Synced', statusSince: 't4', lastError: 'boom', lastErrorAt: 't3' });
  });

  it('takes a failure while correcting as the last error', () => {
    const r = nextRecord(undefined, verdict('Synced'), { kind: 'failed', detail: '0 changes applied, 1 failed', error: 'acme/vm/web-1: quota' }, { id: 'r', at: 't' });
    expect(r).toMatchObject({ action: 'failed', lastError: 'acme/vm/web-1: quota', lastErrorAt: 't' });
  });
});

describe('attributeErrors', () => {
  const declared = {
    tenantsIn: (file: string) => ({ 'acme.yaml': ['acme'], 'both.yaml': ['a', 'b'] } as Record<string, string[]>)[file] ?? [],
    zonesIn: (file: string) => (file === 'zone.yaml' ? ['z1'] : []),
    tenantsOfZone: (zone: string) => (zone === 'z1' ? ['acme', 'cole'] : []),
  };
  it.each([
    { reason: 'an address names its tenant', given: { severity: 'error' as const, summary: 'x', address: 'cole/vm/a' }, want: { cole: ['error: x'] }, unattributed: 0 },
    { reason: "a tenant file fails the tenants it declares", given: { severity: 'error' as const, summary: 'x', file: 'both.yaml', line: 2 }, want: { a: ['both.yaml:2: error: x'], b: ['both.yaml:2: error: x'] }, unattributed: 0 },
    { reason: 'a broken zone file fails every tenant in the zone', given: { severity: 'error' as const, summary: 'x', file: 'zone.yaml' }, want: { acme: ['zone.yaml: error: x'], cole: ['zone.yaml: error: x'] }, unattributed: 0 },
    { reason: 'a file naming nothing is blamed on no one', given: { severity: 'error' as const, summary: 'x', file: 'partners.yaml' }, want: {}, unattributed: 1 },
    { reason: 'warnings are not errors', given: { severity: 'warning' as const, summary: 'x', file: 'acme.yaml' }, want: {}, unattributed: 0 },
  ])('$reason', ({ given, want, unattributed }) => {
    const got = attributeErrors([given], declared);
    expect(Object.fromEntries(got.byTenant)).toEqual(want);
    expect(got.unattributed).toHaveLength(unattributed);
  });
});

describe('reconcileLoop', () => {
  it('runs rounds with a pause between them until stopped, and never cuts a round short', async () => {
    const stop = new AbortController();
    const log: string[] = [];
    const rounds = await reconcileLoop({
      intervalMs: 1000,
      once: false,
      signal: stop.signal,
      async round(n) {
        log.push(`round ${n}`);
        if (n === 3) stop.abort(); // stopping mid-round: the round still completes
        log.push(`end ${n}`);
      },
      pause: async (ms) => { log.push(`pause ${ms}`); },
    });
    expect(rounds).toBe(3);
    expect(log).toEqual(['round 1', 'end 1', 'pause 1000', 'round 2', 'end 2', 'pause 1000', 'round 3', 'end 3']);
  });

  it('runs exactly one round with once', async () => {
    let n = 0;
    expect(await reconcileLoop({ intervalMs: 1, once: true, signal: new AbortController().signal, round: async () => { n++; } })).toBe(1);
    expect(n).toBe(1);
  });

  it('ends the pause between rounds at once when stopped', async () => {
    const stop = new AbortController();
    const t0 = Date.now();
    setTimeout(() => stop.abort(), 20);
    await pauseUnlessAborted(60_000, stop.signal);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
});
