/**
 * A VM's `power` in the sim provider: realized as desired, changed in place (the VM
 * keeps its id, its disk and its capacity), and read back, also for a VM the engine
 * asked for before `power` existed (which runs).
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Provider } from '../../providers/contract.js';
import { disk, network, openSim, tempDir, vm } from './fixture.js';

const open: Provider[] = [];
afterEach(() => {
  for (const p of open.splice(0)) p.close?.();
});

describe('power in the sim', () => {
  it.each([
    { reason: 'a VM asked for stopped is made stopped', given: 'stopped' as const, want: 'stopped' },
    { reason: 'a VM asked for running is made running', given: 'running' as const, want: 'running' },
    { reason: 'a VM asked for by an engine that knew no power runs', given: undefined, want: 'running' },
  ])('$reason', async ({ given, want }) => {
    const sim = openSim(tempDir());
    open.push(sim);
    const office = await sim.create(network('office'));
    const made = await sim.create(vm('web-1', { refs: { 'acme/network/office': office.providerId }, ...(given ? { power: given } : {}) }));
    expect(made.attributes['power']).toBe(want);
    expect((await sim.read({ ...made, zone: 'z1' }))?.attributes['power']).toBe(want);
  });

  it('stops and starts in place: same id, the disk stays attached', async () => {
    const sim = openSim(tempDir());
    open.push(sim);
    const refs = { 'acme/network/office': (await sim.create(network('office'))).providerId };
    const made = await sim.create(vm('web-1', { refs, power: 'running' }));
    const data = await sim.create(disk('web-1', 'data', { refs: { 'acme/vm/web-1': made.providerId } }));
    const stopped = await sim.update({ ...made, zone: 'z1' }, vm('web-1', { refs, power: 'stopped' }), ['power']);
    expect({ id: stopped.providerId, power: stopped.attributes['power'] }).toEqual({ id: made.providerId, power: 'stopped' });
    expect(await sim.read({ ...data, zone: 'z1' })).toEqual(data);
    const started = await sim.update({ ...stopped, zone: 'z1' }, vm('web-1', { refs, power: 'running' }), ['power']);
    expect(started.attributes['power']).toBe('running');
  });

  it('reads a VM its world stored before power existed as running', async () => {
    const dir = tempDir();
    const sim = openSim(dir);
    const refs = { 'acme/network/office': (await sim.create(network('office'))).providerId };
    const made = await sim.create(vm('web-1', { refs }));
    sim.close?.();
    const world = new Database(join(dir, 'sim-z1.db'));
    world.prepare("UPDATE objects SET attributes = json_remove(attributes, '$.power') WHERE type = 'vm'").run();
    world.close();
    const again = openSim(dir);
    open.push(again);
    expect((await again.read({ ...made, zone: 'z1' }))?.attributes['power']).toBe('running');
  });
});
