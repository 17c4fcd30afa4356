import { describe, expect, it } from 'vitest';
import { diffResources } from '../../engine/plan/diff.js';
import { detectDrift } from '../../engine/plan/drift.js';
import { byAddress, desired, disk, net, recorded, vm } from './resources.js';

const tenants = new Set(['t']);
const actions = (changes: { address: string; action: string }[]): Record<string, string> =>
  Object.fromEntries(changes.map((c) => [c.address, c.action]));

describe('diffResources', () => {
  const office = net('office');
  const web = vm('web-1', 'office');
  const data = disk('web-1', 'data');
  const applied = byAddress([recorded(office), recorded(web), recorded(data)]);

  it.each([
    {
      reason: 'nothing recorded: everything is created',
      given: { desired: [office, web, data], recorded: new Map() },
      want: { 't/network/office': 'create', 't/vm/web-1': 'create', 't/vm/web-1/disk/data': 'create' },
    },
    {
      reason: 'recorded equals desired: all noop',
      given: { desired: [office, web, data], recorded: applied },
      want: { 't/network/office': 'noop', 't/vm/web-1': 'noop', 't/vm/web-1/disk/data': 'noop' },
    },
    {
      reason: 'memory changed: one in-place update',
      given: { desired: [office, vm('web-1', 'office', 8192), data], recorded: applied },
      want: { 't/network/office': 'noop', 't/vm/web-1': 'update', 't/vm/web-1/disk/data': 'noop' },
    },
    {
      reason: 'power changed: a stop is an in-place update, never a replacement, and the disks stay',
      given: { desired: [office, vm('web-1', 'office', 4096, '10.0.0.10', 'stopped'), data], recorded: applied },
      want: { 't/network/office': 'noop', 't/vm/web-1': 'update', 't/vm/web-1/disk/data': 'noop' },
    },
    {
      reason: 'network CIDR changed: the network, the VM on it and its disk are replaced',
      given: { desired: [net('office', '10.9.0.0/24'), vm('web-1', 'office', 4096, '10.9.0.10'), data], recorded: applied },
      want: { 't/network/office': 'replace', 't/vm/web-1': 'replace', 't/vm/web-1/disk/data': 'replace' },
    },
    {
      reason: 'VM removed from spec: it and its disk are deleted',
      given: { desired: [office], recorded: applied },
      want: { 't/network/office': 'noop', 't/vm/web-1': 'delete', 't/vm/web-1/disk/data': 'delete' },
    },
  ])('$reason', ({ given, want }) => {
    const { changes } = diffResources({ ...given, specTenants: tenants, prune: false });
    expect(actions(changes)).toEqual(want);
  });

  it('a change of power names power alone as changed', () => {
    const { changes } = diffResources({ desired: [office, vm('web-1', 'office', 4096, '10.0.0.10', 'stopped'), data], recorded: applied, specTenants: tenants, prune: false });
    const web1 = changes.find((c) => c.address === 't/vm/web-1');
    expect(web1?.action === 'update' && web1.changed).toEqual(['power']);
  });

  it('names the attribute that forces a replacement and the dependency that cascades', () => {
    const { changes } = diffResources({ desired: [net('office', '10.9.0.0/24'), vm('web-1', 'office', 4096, '10.9.0.10'), data], recorded: applied, specTenants: tenants, prune: false });
    const byAddr = new Map(changes.map((c) => [c.address, c]));
    const n = byAddr.get('t/network/office');
    const d = byAddr.get('t/vm/web-1/disk/data');
    expect(n?.action === 'replace' && n.requiresReplace).toEqual(['cidr']);
    expect(d?.action === 'replace' && d.replacedWith).toEqual(['t/vm/web-1']);
  });

  it('keeps resources of a tenant whose spec vanished unless pruning', () => {
    const other = desired('gone/network/x', 'network', office.attributes);
    const rec = byAddress([recorded(other)]);
    const kept = diffResources({ desired: [], recorded: rec, specTenants: tenants, prune: false });
    expect(kept.changes).toEqual([]);
    expect(kept.orphanedTenants).toEqual(['gone']);
    const pruned = diffResources({ desired: [], recorded: rec, specTenants: tenants, prune: true });
    expect(actions(pruned.changes)).toEqual({ 'gone/network/x': 'delete' });
  });

  it('a rename with previously keeps the resource (no destroy)', () => {
    const renamed = net('lan', '10.0.0.0/24', { previously: 't/network/office' });
    const { changes } = diffResources({ desired: [{ ...renamed, attributes: { ...renamed.attributes, name: 'office' } }], recorded: byAddress([recorded(office)]), specTenants: tenants, prune: false });
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ address: 't/network/lan', action: 'noop', movedFrom: 't/network/office' });
  });

  it.each([
    {
      reason: 'a VM renamed: only its name is updated; its disk moves with it and keeps its vm reference',
      renames: { vm: true, net: false },
      want: { 't/network/office': 'noop', 't/vm/app-1': 'update', 't/vm/app-1/disk/data': 'noop' },
      moved: { 't/vm/app-1': 't/vm/web-1', 't/vm/app-1/disk/data': 't/vm/web-1/disk/data' },
    },
    {
      reason: 'a network renamed: the VM on it is not replaced for its NIC naming the new address',
      renames: { vm: false, net: true },
      want: { 't/network/lan': 'update', 't/vm/web-1': 'noop', 't/vm/web-1/disk/data': 'noop' },
      moved: { 't/network/lan': 't/network/office' },
    },
    {
      reason: 'both renamed at once: two name updates, nothing replaced',
      renames: { vm: true, net: true },
      want: { 't/network/lan': 'update', 't/vm/app-1': 'update', 't/vm/app-1/disk/data': 'noop' },
      moved: { 't/network/lan': 't/network/office', 't/vm/app-1': 't/vm/web-1', 't/vm/app-1/disk/data': 't/vm/web-1/disk/data' },
    },
  ])('references follow a rename by previously: $reason', ({ renames, want, moved }) => {
    const n = renames.net ? net('lan', '10.0.0.0/24', { previously: 't/network/office' }) : office;
    const vmName = renames.vm ? 'app-1' : 'web-1';
    const v0 = vm(vmName, renames.net ? 'lan' : 'office');
    const v = renames.vm ? { ...v0, previously: 't/vm/web-1' } : v0;
    const d0 = disk(vmName, 'data');
    const d = renames.vm ? { ...d0, previously: 't/vm/web-1/disk/data' } : d0;
    const { changes } = diffResources({ desired: [n, v, d], recorded: applied, specTenants: tenants, prune: false });
    expect(actions(changes)).toEqual(want);
    expect(Object.fromEntries(changes.flatMap((c) => ('movedFrom' in c && c.movedFrom ? [[c.address, c.movedFrom]] : [])))).toEqual(moved);
    for (const c of changes) if (c.action === 'update') expect(c.changed).toEqual(['name']);
  });

  it('is deterministic: changes come sorted by address', () => {
    const a = diffResources({ desired: [data, web, office], recorded: new Map(), specTenants: tenants, prune: false });
    expect(a.changes.map((c) => c.address)).toEqual(['t/network/office', 't/vm/web-1', 't/vm/web-1/disk/data']);
  });
});

describe('detectDrift after a move', () => {
  it('a reference the provider still reports by the old address names the same object: no drift', () => {
    const web = vm('web-1', 'office');
    const data = disk('web-1', 'data');
    // State moved t/vm/web-1 → t/vm/app-1 (a rename, or state mv); the provider knows the objects by their old addresses.
    const movedVm = recorded(web, { address: 't/vm/app-1', attributes: { ...web.attributes, name: 'web-1' } });
    const movedDisk = recorded(data, { attributes: { ...data.attributes, vm: 't/vm/app-1' } });
    const observed = new Map([
      [movedVm.providerId, { providerId: movedVm.providerId, address: 't/vm/web-1', type: 'vm' as const, tenant: 't', attributes: web.attributes }],
      [movedDisk.providerId, { providerId: movedDisk.providerId, address: data.address, type: 'disk' as const, tenant: 't', attributes: data.attributes }],
    ]);
    expect(detectDrift(byAddress([movedVm, movedDisk]), observed)).toEqual([]);
    // A reference to another object is drift still.
    const elsewhere = new Map(observed).set(movedDisk.providerId, { ...observed.get(movedDisk.providerId)!, attributes: { ...data.attributes, vm: 't/vm/other' } });
    expect(detectDrift(byAddress([movedVm, movedDisk]), elsewhere).map((d) => d.address)).toEqual([data.address]);
  });
});
