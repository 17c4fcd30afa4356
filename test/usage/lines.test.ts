/**
 * From events to usage lines and records, with plain values: what counts as usage
 * (create to delete), what splits it (a change of a billed quantity, nothing else),
 * and what a billing period sees of it.
 */
import { describe, expect, it } from 'vitest';
import { linesOf } from '../../engine/usage/lines.js';
import { metersOf } from '../../engine/usage/meters.js';
import { usageRecords } from '../../engine/usage/records.js';
import type { StateEvent } from '../../state/events.js';
import { at, diskAttrs, event, ipAttrs, ms, vmAttrs } from './events.js';

const VM = 'acme/vm/web-1';
const DISK = 'acme/vm/web-1/disk/data';
const IP = 'acme/public-ip/web';
const END_OF_DAY = ms('00:00', '2025-03-11');

/** Lines as `usageType [start, end) rate`, easy to read in a table. */
const show = (events: StateEvent[], until = END_OF_DAY): string[] =>
  linesOf(events, until).lines.map((l) =>
    `${l.meter.usageType}${l.meter.size ? ` ${l.meter.size}` : ''}${l.meter.tier ? ` ${l.meter.tier}` : ''} ${new Date(l.start).toISOString().slice(11, 16)}–${new Date(l.end).toISOString().slice(11, 16)} ×${l.meter.rate.num}${l.meter.rate.den === 1 ? '' : `/${l.meter.rate.den}`}`);

describe('metersOf', () => {
  it.each([
    {
      reason: 'a VM is billed as a VM of its size, its vCPUs, its memory and its root disk on its tier',
      type: 'vm' as const, attributes: vmAttrs({ cpu: 4, memoryMiB: 8192, hypervisor: 'vmware', rootGiB: 60, rootTier: 'standard' }),
      want: ['vm-hours vmware 4 vCPU / 8 GiB 1/1', 'vm-allocated-hours vmware 4 vCPU / 8 GiB 1/1', 'vcpu-hours vmware 4/1', 'memory-gib-hours vmware 8192/1024', 'storage-gib-hours standard 60/1'],
    },
    { reason: 'a size of memory that is not whole GiB reads exactly', type: 'vm' as const, attributes: vmAttrs({ cpu: 1, memoryMiB: 1536 }), want: ['vm-hours kvm 1 vCPU / 1.5 GiB 1/1', 'vm-allocated-hours kvm 1 vCPU / 1.5 GiB 1/1', 'vcpu-hours kvm 1/1', 'memory-gib-hours kvm 1536/1024', 'storage-gib-hours performance 40/1'] },
    {
      reason: 'a stopped VM is allocated (CloudStack ALLOCATED_VM) and keeps its root disk, but runs no vCPUs or memory',
      type: 'vm' as const, attributes: vmAttrs({ power: 'stopped' }),
      want: ['vm-allocated-hours kvm 2 vCPU / 4 GiB 1/1', 'storage-gib-hours performance 40/1'],
    },
    {
      reason: 'a VM recorded before power existed was running',
      type: 'vm' as const, attributes: vmAttrs(),
      want: ['vm-hours kvm 2 vCPU / 4 GiB 1/1', 'vm-allocated-hours kvm 2 vCPU / 4 GiB 1/1', 'vcpu-hours kvm 2/1', 'memory-gib-hours kvm 4096/1024', 'storage-gib-hours performance 40/1'],
    },
    { reason: 'a disk is its size on its tier', type: 'disk' as const, attributes: diskAttrs(), want: ['storage-gib-hours standard 500/1'] },
    { reason: 'a public IP is held by the hour', type: 'public-ip' as const, attributes: ipAttrs, want: ['public-ip-hours 1/1'] },
    { reason: 'static NAT is part of the IP, not billed apart', type: 'static-nat' as const, attributes: {}, want: [] },
    { reason: 'firewall rules are not billed', type: 'firewall-rule' as const, attributes: {}, want: [] },
    { reason: 'a site-to-site peer', type: 'vpn-connection' as const, attributes: {}, want: ['vpn-peer-hours 1/1'] },
    { reason: 'a remote-access user', type: 'vpn-user' as const, attributes: {}, want: ['vpn-user-hours 1/1'] },
    { reason: 'a network (its segment)', type: 'network' as const, attributes: {}, want: ['network-hours 1/1'] },
    { reason: 'a port forward', type: 'port-forward' as const, attributes: {}, want: ['port-forward-hours 1/1'] },
  ])('$reason', ({ type, attributes, want }) => {
    expect(metersOf(type, attributes).map((m) => [m.usageType, m.hypervisor, m.size, m.tier, `${m.rate.num}/${m.rate.den}`].filter(Boolean).join(' '))).toEqual(want);
  });
});

describe('linesOf', () => {
  it.each([
    {
      reason: 'a resource counts from its create to its delete',
      events: [event('create', 'public-ip', IP, at('10:15'), ipAttrs), event('delete', 'public-ip', IP, at('14:45'))],
      want: ['public-ip-hours 10:15–14:45 ×1'],
    },
    {
      reason: 'a resource never deleted counts until the end of the range (or now)',
      events: [event('create', 'public-ip', IP, at('22:20'), ipAttrs)],
      want: ['public-ip-hours 22:20–00:00 ×1'],
    },
    {
      reason: 'a memory resize splits vm-hours and memory, not vCPUs nor the root disk',
      events: [event('create', 'vm', VM, at('10:15'), vmAttrs()), event('update', 'vm', VM, at('12:30'), vmAttrs({ memoryMiB: 8192 })), event('delete', 'vm', VM, at('14:45'))],
      want: [
        'vm-hours 2 vCPU / 4 GiB 10:15–12:30 ×1', 'vm-allocated-hours 2 vCPU / 4 GiB 10:15–12:30 ×1', 'vcpu-hours 10:15–14:45 ×2', 'memory-gib-hours 10:15–12:30 ×4096/1024',
        'storage-gib-hours performance 10:15–14:45 ×40', 'vm-hours 2 vCPU / 8 GiB 12:30–14:45 ×1', 'vm-allocated-hours 2 vCPU / 8 GiB 12:30–14:45 ×1', 'memory-gib-hours 12:30–14:45 ×8192/1024',
      ],
    },
    {
      reason: 'a stop ends the running meters and a start begins them again; allocation and the root disk run on',
      events: [
        event('create', 'vm', VM, at('10:00'), vmAttrs({ power: 'running' })), event('update', 'vm', VM, at('11:00'), vmAttrs({ power: 'stopped' })),
        event('update', 'vm', VM, at('13:30'), vmAttrs({ power: 'running' })), event('delete', 'vm', VM, at('14:00')),
      ],
      want: [
        'vm-hours 2 vCPU / 4 GiB 10:00–11:00 ×1', 'vm-allocated-hours 2 vCPU / 4 GiB 10:00–14:00 ×1', 'vcpu-hours 10:00–11:00 ×2',
        'memory-gib-hours 10:00–11:00 ×4096/1024', 'storage-gib-hours performance 10:00–14:00 ×40',
        'vm-hours 2 vCPU / 4 GiB 13:30–14:00 ×1', 'vcpu-hours 13:30–14:00 ×2', 'memory-gib-hours 13:30–14:00 ×4096/1024',
      ],
    },
    {
      reason: 'a VM created stopped is allocated from its create, running from its first start',
      events: [event('create', 'vm', VM, at('10:00'), vmAttrs({ power: 'stopped' })), event('update', 'vm', VM, at('12:00'), vmAttrs({ power: 'running' })), event('delete', 'vm', VM, at('13:00'))],
      want: [
        'vm-allocated-hours 2 vCPU / 4 GiB 10:00–13:00 ×1', 'storage-gib-hours performance 10:00–13:00 ×40',
        'vm-hours 2 vCPU / 4 GiB 12:00–13:00 ×1', 'vcpu-hours 12:00–13:00 ×2', 'memory-gib-hours 12:00–13:00 ×4096/1024',
      ],
    },
    {
      reason: 'an upgrade that adds power: running to a VM recorded without it splits nothing',
      events: [event('create', 'vm', VM, at('10:00'), vmAttrs()), event('update', 'vm', VM, at('11:00'), vmAttrs({ power: 'running' })), event('delete', 'vm', VM, at('12:00'))],
      want: [
        'vm-hours 2 vCPU / 4 GiB 10:00–12:00 ×1', 'vm-allocated-hours 2 vCPU / 4 GiB 10:00–12:00 ×1', 'vcpu-hours 10:00–12:00 ×2',
        'memory-gib-hours 10:00–12:00 ×4096/1024', 'storage-gib-hours performance 10:00–12:00 ×40',
      ],
    },
    {
      reason: 'an update that changes nothing billed (a refresh, a new NIC IP) does not split anything',
      events: [event('create', 'disk', DISK, at('10:15'), diskAttrs()), event('update', 'disk', DISK, at('11:00'), { ...diskAttrs(), vm: 'acme/vm/web-2' }), event('delete', 'disk', DISK, at('14:45'))],
      want: ['storage-gib-hours standard 10:15–14:45 ×500'],
    },
    {
      reason: 'a move to another tier ends usage on one tier and starts it on the other',
      events: [event('create', 'disk', DISK, at('10:15'), diskAttrs()), event('update', 'disk', DISK, at('13:00'), diskAttrs({ tier: 'performance' })), event('delete', 'disk', DISK, at('14:45'))],
      want: ['storage-gib-hours standard 10:15–13:00 ×500', 'storage-gib-hours performance 13:00–14:45 ×500'],
    },
    {
      reason: 'a replacement (delete then create) leaves a gap only as long as the provider took',
      events: [event('create', 'public-ip', IP, at('10:00'), ipAttrs), event('delete', 'public-ip', IP, at('11:00')), event('create', 'public-ip', IP, at('11:05'), ipAttrs, 'ip-2'), event('delete', 'public-ip', IP, at('12:00'), null, 'ip-2')],
      want: ['public-ip-hours 10:00–11:00 ×1', 'public-ip-hours 11:05–12:00 ×1'],
    },
    {
      reason: 'create-before-destroy: both objects are billed while both exist, each ended by its own delete',
      events: [event('create', 'disk', DISK, at('10:00'), diskAttrs(), 'd-1'), event('create', 'disk', DISK, at('11:00'), diskAttrs({ sizeGiB: 800 }), 'd-2'), event('delete', 'disk', DISK, at('11:30'), null, 'd-1')],
      want: ['storage-gib-hours standard 10:00–11:30 ×500', 'storage-gib-hours standard 11:00–00:00 ×800'],
    },
    {
      reason: 'events after the end of the range are not seen',
      events: [event('create', 'public-ip', IP, at('10:00'), ipAttrs), event('delete', 'public-ip', IP, at('12:00', '2025-03-12'))],
      want: ['public-ip-hours 10:00–00:00 ×1'],
    },
  ])('$reason', ({ events, want }) => {
    expect(show(events)).toEqual(want);
  });
});

describe('usageRecords', () => {
  const query = { from: ms('00:00'), to: END_OF_DAY, granularity: 'day' as const, now: END_OF_DAY, partnerOf: () => 'westside-it' };

  it('a resource deleted before the period has no records; one created before it does', () => {
    const events = [
      event('create', 'public-ip', 'acme/public-ip/old', at('10:00', '2025-02-01'), ipAttrs), event('delete', 'public-ip', 'acme/public-ip/old', at('11:00', '2025-02-01')),
      event('create', 'public-ip', 'acme/public-ip/web', at('10:00', '2025-02-01'), ipAttrs),
    ];
    const records = [...usageRecords(events, query)];
    expect(records.map((r) => [r.address, r.start, r.end, r.quantity])).toEqual([['acme/public-ip/web', '2025-03-10T00:00:00Z', '2025-03-11T00:00:00Z', '24']]);
  });

  it('usage is counted only up to now: the current hour is partial, later hours have none', () => {
    const events = [event('create', 'public-ip', IP, at('09:00'), ipAttrs)];
    const records = [...usageRecords(events, { ...query, granularity: 'hour', now: ms('11:30') })];
    expect(records.map((r) => `${r.start.slice(11, 16)} ${r.quantity}`)).toEqual(['09:00 1', '10:00 1', '11:00 0.5']);
  });

  it('a VM stopped for part of the day is billed RUNNING_VM (1) for its running hours and ALLOCATED_VM (2) for all of them', () => {
    const events = [
      event('create', 'vm', VM, at('08:00'), vmAttrs({ power: 'running' })), event('update', 'vm', VM, at('12:00'), vmAttrs({ power: 'stopped' })),
      event('update', 'vm', VM, at('18:00'), vmAttrs({ power: 'running' })),
    ];
    const records = [...usageRecords(events, query)];
    expect(records.map((r) => `${r.usageType} ${r.cloudstackUsageType ?? '-'} ${r.quantity} ${r.unit}`)).toEqual([
      'vm-hours 1 10 hours', 'vm-allocated-hours 2 16 hours', 'vcpu-hours - 20 vCPU-hours', 'memory-gib-hours - 40 GiB-hours', 'storage-gib-hours 6 640 GiB-hours',
    ]);
  });

  it('--tenant/--partner filters keep only the chosen tenants, and each record names its partner', () => {
    const events = [event('create', 'public-ip', 'acme/public-ip/a', at('09:00'), ipAttrs), event('create', 'public-ip', 'baker/public-ip/b', at('09:00'), ipAttrs)];
    const records = [...usageRecords(events, { ...query, partnerOf: (t) => (t === 'baker' ? 'lexcore' : ''), includeTenant: (t) => t === 'baker' })];
    expect(records.map((r) => [r.tenant, r.partner, r.quantity])).toEqual([['baker', 'lexcore', '15']]);
  });
});
