/**
 * state/edits.ts: `state rm` / `state mv` / `import ADDRESS ID` as typed state operations. What users rely on:
 * a forgotten record frees what it held in the zone, a moved one keeps its provider ID
 * and takes its allocations and references along, every edit is one transaction (all
 * or nothing) that moves the serial, and the history says who made it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openState, type StateStore } from '../../state/index.js';
import type { ResourceRecord } from '../../state/index.js';

const author = { actor: 'ops@host', command: 'state test', runId: 'state-test-1' };

const network: ResourceRecord = {
  address: 'acme/network/office', type: 'network', tenant: 'acme', zone: 'z1', providerId: 'net-1',
  attributes: { name: 'office', cidr: '10.0.0.0/24', gateway: '10.0.0.1', segment: { type: 'vlan', id: 310 } },
  dependsOn: [], boundTo: [], protect: false, sensitive: [],
};
const vm: ResourceRecord = {
  address: 'acme/vm/web-1', type: 'vm', tenant: 'acme', zone: 'z1', providerId: 'vm-1',
  attributes: { name: 'web-1', cpu: 2, nics: [{ network: 'acme/network/office', ip: '10.0.0.10' }] },
  dependsOn: ['acme/network/office'], boundTo: ['acme/network/office'], protect: false, sensitive: [],
};
const disk: ResourceRecord = {
  address: 'acme/vm/web-1/disk/data', type: 'disk', tenant: 'acme', zone: 'z1', providerId: 'disk-1',
  attributes: { name: 'data', sizeGiB: 10, vm: 'acme/vm/web-1' },
  dependsOn: ['acme/vm/web-1'], boundTo: ['acme/vm/web-1'], protect: false, sensitive: [],
};

describe('state edits', () => {
  let state: StateStore;
  beforeEach(() => {
    state = openState(':memory:', { now: () => new Date('2026-12-07T10:00:00.000Z') });
    state.recordAdopted('seed', [network, vm, disk]);
  });
  afterEach(() => state.close());

  it('forget removes the records, frees their allocations, moves the serial and journals who did it', () => {
    const serial = state.serial();
    state.forgetResources(['acme/network/office'], author);
    expect(state.getResource('acme/network/office')).toBeUndefined();
    expect(state.listAllocations('z1').filter((a) => a.kind === 'vlan')).toEqual([]);
    expect(state.serial()).toBe(serial + 1);
    const last = [...state.events()].at(-1);
    expect(last).toMatchObject({ action: 'delete', address: 'acme/network/office', providerId: 'net-1', actor: 'ops@host', command: 'state test', runId: 'state-test-1' });
  });

  it('import records an existing object with its allocations, journalled with who did it; never at a taken address or ID', () => {
    state.forgetResources(['acme/network/office'], author);
    const serial = state.serial();
    expect(() => state.importResource({ ...network, address: 'acme/network/other', providerId: 'vm-1' }, author)).toThrow(/provider ID vm-1 is already recorded/);
    expect(() => state.importResource({ ...network, address: 'acme/vm/web-1' }, author)).toThrow(/acme\/vm\/web-1 is already recorded/);
    expect(state.serial()).toBe(serial);
    state.importResource(network, { ...author, runId: 'import-1' });
    expect(state.getResource('acme/network/office')).toMatchObject({ providerId: 'net-1', createdAt: '2026-12-07T10:00:00.000Z' });
    expect(state.listAllocations('z1').filter((a) => a.kind === 'vlan')).toHaveLength(1);
    expect(state.serial()).toBe(serial + 1);
    expect([...state.events()].at(-1)).toMatchObject({ action: 'create', address: 'acme/network/office', providerId: 'net-1', actor: 'ops@host', command: 'state test', runId: 'import-1' });
  });

  it('forget of an unrecorded address changes nothing at all', () => {
    const serial = state.serial();
    expect(() => state.forgetResources(['acme/vm/web-1', 'acme/vm/nope'], author)).toThrow(/acme\/vm\/nope is not recorded/);
    expect(state.getResource('acme/vm/web-1')).toBeDefined();
    expect(state.serial()).toBe(serial);
  });

  it('move keeps the provider ID; allocations, references and address-valued attributes follow', () => {
    state.moveResources([{ from: 'acme/network/office', to: 'acme/network/main' }], author);
    const moved = state.getResource('acme/network/main')!;
    expect(moved.providerId).toBe('net-1');
    expect(state.getResource('acme/network/office')).toBeUndefined();
    const web = state.getResource('acme/vm/web-1')!;
    expect(web.dependsOn).toEqual(['acme/network/main']);
    expect(web.boundTo).toEqual(['acme/network/main']);
    expect(web.attributes['nics']).toEqual([{ network: 'acme/network/main', ip: '10.0.0.10' }]);
    expect(state.listAllocations('z1').map((a) => `${a.kind} ${a.value} ${a.address}`).sort()).toEqual([
      'ip acme/network/main:10.0.0.1 acme/network/main',
      'ip acme/network/main:10.0.0.10 acme/vm/web-1',
      'vlan 310 acme/network/main',
    ]);
    const events = [...state.events()].filter((e) => e.runId === 'state-test-1').map((e) => `${e.action} ${e.address}`);
    expect(events).toEqual(['delete acme/network/office', 'create acme/network/main', 'update acme/vm/web-1']);
  });

  it('move onto a recorded address changes nothing at all', () => {
    const serial = state.serial();
    expect(() => state.moveResources([{ from: 'acme/vm/web-1', to: 'acme/network/office' }], author)).toThrow(/already recorded/);
    expect(state.getResource('acme/vm/web-1')?.providerId).toBe('vm-1');
    expect(state.serial()).toBe(serial);
  });
});
