import { describe, expect, it } from 'vitest';
import { diffResources } from '../../engine/plan/diff.js';
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

  it('is deterministic: changes come sorted by address', () => {
    const a = diffResources({ desired: [data, web, office], recorded: new Map(), specTenants: tenants, prune: false });
    expect(a.changes.map((c) => c.address)).toEqual(['t/network/office', 't/vm/web-1', 't/vm/web-1/disk/data']);
  });
});
