import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Provider } from '../../providers/contract.js';
import { createProvider } from '../../providers/index.js';
import { mulberry32 } from '../../providers/sim/index.js';
import { network, openSim, publicIp, rejection, tempDir, vm, zoneSpec } from './fixture.js';

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});
function dir(): string {
  const d = tempDir();
  cleanup.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}
function track<P extends Provider>(p: P): P {
  cleanup.push(() => p.close?.());
  return p;
}

/** Which of `count` network creates fail, run with the given concurrency order. */
async function failedCreates(seed: number, count: number, order: 'forward' | 'reverse'): Promise<string[]> {
  const p = track(openSim(dir(), { failureRate: 0.3, seed }));
  const indexes = Array.from({ length: count }, (_, i) => i);
  if (order === 'reverse') indexes.reverse();
  const results = await Promise.allSettled(
    indexes.map((i) => p.create(network(`n${i}`, { vlan: 100 + (i % 2), tenant: `t${i}`, cidr: '10.0.0.0/24' }))),
  );
  return results
    .map((r, k) => ({ r, address: `t${indexes[k]}/network/n${indexes[k]}` }))
    .filter(({ r }) => r.status === 'rejected' && (r.reason as { code: string }).code === 'injected')
    .map(({ address }) => address)
    .sort();
}

describe('failure injection', () => {
  it('fails every create, update and delete of a failOn address, before the world changes', async () => {
    const p = track(openSim(dir(), { failOn: ['acme/public-ip/web'] }));
    const other = await p.create(publicIp('mail', '203.0.113.11'));
    expect(await rejection(p.create(publicIp('web', '203.0.113.10')))).toMatchObject({ code: 'injected', message: /failOn/ });
    expect((await p.inventory!()).map((o) => o.address)).toEqual(['acme/public-ip/mail']);
    const asWeb = { ...other, address: 'acme/public-ip/web', zone: 'z1' };
    expect(await rejection(p.update(asWeb, { ...publicIp('web', '203.0.113.11') }, []))).toMatchObject({ code: 'injected' });
    expect(await rejection(p.delete(asWeb))).toMatchObject({ code: 'injected' });
    expect(await p.read({ ...other, zone: 'z1' })).toEqual(other);
  });

  it('marks injected failures as not retryable', async () => {
    const p = track(openSim(dir(), { failOn: ['acme/network/office'] }));
    await expect(p.create(network('office'))).rejects.toMatchObject({ name: 'ProviderError', code: 'injected', retryable: false });
  });

  it('fails the same operations for the same seed, whatever order they run in', async () => {
    const forward = await failedCreates(7, 40, 'forward');
    const reverse = await failedCreates(7, 40, 'reverse');
    expect(forward).toEqual(reverse);
    expect(forward.length).toBeGreaterThan(3); // about 30% of 40
    expect(forward.length).toBeLessThan(25);
    expect(await failedCreates(8, 40, 'forward')).not.toEqual(forward);
  });

  it('rolls again on each retry of the same operation', async () => {
    const p = track(openSim(dir(), { failureRate: 0.5, seed: 1 }));
    const outcomes: string[] = [];
    for (let attempt = 0; attempt < 12; attempt++) {
      const r = await rejection(p.create(network('office', { vlan: 100 })));
      outcomes.push(r === 'resolved' ? 'ok' : r.code);
      if (r === 'resolved') break;
    }
    expect(outcomes.at(-1)).toBe('ok');
    expect(outcomes.slice(0, -1).every((o) => o === 'injected')).toBe(true);
  });

  it('mulberry32 is a deterministic generator in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(xs).size).toBe(5);
  });
});

describe('latency', () => {
  it('runs mutations as async jobs that finish after the latency, while reads answer at once', async () => {
    const p = track(openSim(dir(), { latency: '30ms' }));
    const events: string[] = [];
    const creating = p.create(network('office')).then(() => events.push('created'));
    setTimeout(() => events.push('timer 0ms'), 0);
    const inventory = await p.inventory!();
    events.push(`inventory saw ${inventory.length}`);
    await new Promise((r) => setTimeout(r, 5));
    events.push('5ms later');
    await creating;
    expect(events).toEqual(['inventory saw 0', 'timer 0ms', '5ms later', 'created']);
    expect(await p.inventory!()).toHaveLength(1);
  });

  it('runs concurrent jobs side by side, not one after another', async () => {
    const p = track(openSim(dir(), { latency: '40ms' }));
    const events: string[] = [];
    // Run one after another, the second job would end at 80 ms, after the 60 ms marker.
    const jobs = [
      p.create(network('a', { vlan: 100 })).then(() => events.push('a created')),
      p.create(network('b', { vxlan: 10000 })).then(() => events.push('b created')),
    ];
    const marker = new Promise((r) => setTimeout(r, 60)).then(() => events.push('60ms marker'));
    await Promise.all([...jobs, marker]);
    expect(events).toEqual(['a created', 'b created', '60ms marker']);
  });
});

describe('the world file', () => {
  it('survives closing and reopening, with capacity usage rebuilt from it', async () => {
    const d = dir();
    const first = openSim(d);
    const office = await first.create(network('office'));
    const web = await first.create(vm('web-1', { cpu: 4, refs: { 'acme/network/office': office.providerId } }));
    first.close?.();

    const again = track(openSim(d));
    expect(await again.read({ ...web, zone: 'z1' })).toEqual(web);
    expect(await rejection(again.create(vm('web-2', { cpu: 1, refs: { 'acme/network/office': office.providerId }, nics: [{ network: 'acme/network/office', ip: '10.0.0.11' }] }))))
      .toMatchObject({ code: 'capacity' });
    expect(await rejection(again.create(network('other', { vlan: 100, tenant: 'beta' })))).toMatchObject({ code: 'conflict' });
  });

  it('has committed a change by the time the call returns, though changes made together commit together', async () => {
    const d = dir();
    const sim = track(openSim(d));
    const office = await sim.create(network('office'));
    // Several calls at once: they share one commit, and each returns only after it.
    const made = await Promise.all([
      sim.create(network('a', { vlan: 101, tenant: 't1' })),
      sim.create(network('b', { vxlan: 10000, tenant: 't2' })),
    ]);
    const other = new Database(join(d, 'sim-z1.db'), { readonly: true });
    try {
      const ids = other.prepare('SELECT id FROM objects').pluck().all();
      for (const o of [office, ...made]) expect(ids).toContain(o.providerId);
    } finally {
      other.close();
    }
    // One refused change in the turn undoes only itself.
    const results = await Promise.allSettled([sim.create(network('dup', { vlan: 100, tenant: 'beta' })), sim.create(network('fine', { vxlan: 10001, tenant: 'gamma' }))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
  });

  it('belongs to one zone', async () => {
    const d = dir();
    openSim(d).close?.();
    const { createSimProvider } = await import('../../providers/sim/index.js');
    expect(() => createSimProvider({ zoneName: 'z2', zone: zoneSpec(), path: join(d, 'sim-z1.db') })).toThrow(/holds the world of zone z1, not z2/);
  });
});

describe('createProvider', () => {
  it.each([
    { reason: 'the default world sits beside the state', given: undefined, want: '.netfirst/sim-z1.db' },
    { reason: 'a relative path is resolved against the directory holding the state directory', given: 'worlds/z1.db', want: 'worlds/z1.db' },
  ])('$reason', async ({ given, want }) => {
    const project = dir();
    const stateDir = join(project, '.netfirst');
    mkdirSync(stateDir);
    const p = track(createProvider('z1', zoneSpec(given === undefined ? {} : { path: given }), { stateDir }));
    expect(p.name).toBe('sim');
    expect(existsSync(join(project, want))).toBe(true);
  });
});
