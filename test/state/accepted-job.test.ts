/**
 * An async provider's job, journalled when it is accepted: the next run resolves the
 * pending create by reading the object the job named, never by creating it again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { recoverPending } from '../../engine/apply/recover.js';
import type { Observed, Provider, Recorded } from '../../providers/contract.js';
import { openState } from '../../state/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const attributes = { name: 'office', cidr: '10.0.0.0/24', gateway: '10.0.0.1', segment: { type: 'vlan', id: 100 }, sourceNatIp: null, colocationHandoff: null };

describe('a job accepted before a crash', () => {
  it('is journalled with its job and object ids, and recovered by reading that object', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netfirst-accepted-'));
    dirs.push(dir);
    const state = openState(join(dir, 'state.db'));
    const op = state.beginOperation({ address: 'acme/network/office', action: 'create', type: 'network', tenant: 'acme', zone: 'z1', runId: 'r1' });
    state.noteAccepted(op, { jobId: 'job-7', providerId: 'net-uuid-1' });
    expect(state.pendingOperations()).toEqual([expect.objectContaining({ id: op, providerId: 'net-uuid-1', jobId: 'job-7', status: 'pending' })]);

    const reads: Recorded[] = [];
    let listed = 0;
    const provider = {
      name: 'fake',
      resourceTypes: {},
      async read(r: Recorded): Promise<Observed | undefined> {
        reads.push(r);
        return r.providerId === 'net-uuid-1' ? { providerId: r.providerId, address: r.address, type: r.type, tenant: r.tenant, attributes } : undefined;
      },
      async create(): Promise<Observed> { throw new Error('must not create again'); },
      async update(): Promise<Observed> { throw new Error('no update'); },
      async delete() { throw new Error('no delete'); },
      // eslint-disable-next-line require-yield
      async *list() { listed++; },
    } satisfies Provider;
    const report = await recoverPending(state, () => provider, () => undefined);
    expect(report).toEqual([{ address: 'acme/network/office', action: 'create', outcome: 'exists at the provider (net-uuid-1, job job-7): recorded' }]);
    expect(reads.map((r) => r.providerId)).toEqual(['net-uuid-1']);
    expect(listed).toBe(0);
    expect(state.getResource('acme/network/office')).toMatchObject({ providerId: 'net-uuid-1', attributes });
    expect(state.pendingOperations()).toEqual([]);
    state.close();
  });
});
