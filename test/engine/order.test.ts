import { describe, expect, it } from 'vitest';
import { diffResources } from '../../engine/plan/diff.js';
import { destroyId, orderChanges } from '../../engine/plan/order.js';
import { Dag, walkDag } from '../../engine/graph/index.js';
import { byAddress, disk, net, recorded, vm } from './resources.js';

const tenants = new Set(['t']);

/** The order a sequential walk visits steps in. */
async function sequence(dag: Dag<unknown>): Promise<string[]> {
  const seen: string[] = [];
  await walkDag(dag, async (id) => { seen.push(id); }, { parallelism: 1 });
  return seen;
}

describe('orderChanges', () => {
  const office = net('office');
  const web = vm('web-1', 'office');
  const data = disk('web-1', 'data');

  it('creates follow dependencies', async () => {
    const { changes } = diffResources({ desired: [data, web, office], recorded: new Map(), specTenants: tenants, prune: false });
    const { dag, diagnostics } = orderChanges(changes);
    expect(diagnostics).toEqual([]);
    expect(await sequence(dag)).toEqual(['t/network/office', 't/vm/web-1', 't/vm/web-1/disk/data']);
  });

  it('deletes go in reverse', async () => {
    const { changes } = diffResources({ desired: [], recorded: byAddress([recorded(office), recorded(web), recorded(data)]), specTenants: tenants, prune: false });
    const { dag } = orderChanges(changes);
    expect(await sequence(dag)).toEqual([destroyId('t/vm/web-1/disk/data'), destroyId('t/vm/web-1'), destroyId('t/network/office')]);
  });

  it('a replace cascade destroys dependents first and recreates them after', async () => {
    const { changes } = diffResources({
      desired: [net('office', '10.9.0.0/24'), vm('web-1', 'office', 4096, '10.9.0.10'), data],
      recorded: byAddress([recorded(office), recorded(web), recorded(data)]),
      specTenants: tenants,
      prune: false,
    });
    const { dag } = orderChanges(changes);
    expect(await sequence(dag)).toEqual([
      destroyId('t/vm/web-1/disk/data'),
      destroyId('t/vm/web-1'),
      destroyId('t/network/office'),
      't/network/office',
      't/vm/web-1',
      't/vm/web-1/disk/data',
    ]);
  });
});

describe('Dag', () => {
  it('reports cycles with the nodes on them', () => {
    const dag = new Dag<string>();
    for (const id of ['a', 'b', 'c', 'd']) dag.addNode(id, id);
    dag.addEdge('a', 'b');
    dag.addEdge('b', 'c');
    dag.addEdge('c', 'a');
    dag.addEdge('c', 'd');
    expect(dag.cycles()).toEqual([['a', 'b', 'c']]);
  });
});

describe('walkDag', () => {
  const chain = (): Dag<string> => {
    const dag = new Dag<string>();
    for (const id of ['net', 'vm', 'disk', 'other']) dag.addNode(id, id);
    dag.addEdge('net', 'vm');
    dag.addEdge('vm', 'disk');
    return dag;
  };

  it('skips dependents of a failure while independent branches go on', async () => {
    const outcomes = await walkDag(chain(), async (id) => { if (id === 'vm') throw new Error('boom'); }, { parallelism: 4 });
    expect(Object.fromEntries([...outcomes].map(([k, v]) => [k, v.status]))).toEqual({ net: 'succeeded', vm: 'failed', disk: 'skipped', other: 'succeeded' });
  });

  it('never runs more than the parallelism bound, and starts nodes as soon as they are ready', async () => {
    const dag = new Dag<number>();
    for (let i = 0; i < 50; i++) dag.addNode(`n${i}`, i);
    let running = 0;
    let peak = 0;
    await walkDag(dag, async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 1));
      running--;
    }, { parallelism: 7 });
    expect(peak).toBe(7);
  });

  it('stops starting new nodes once aborted, reporting the rest as interrupted', async () => {
    const abort = new AbortController();
    const outcomes = await walkDag(chain(), async (id) => { if (id === 'net') abort.abort(); }, { parallelism: 1, signal: abort.signal });
    expect(outcomes.get('vm')).toEqual({ status: 'skipped', because: 'interrupted' });
  });
});
