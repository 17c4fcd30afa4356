/**
 * The scripted timeline (test/usage/timeline.ts) exported hour by hour gives exactly
 * the records a billing system expects, and the hours add up to the days and the days
 * to the month, to the last digit.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { parseQuantity, type UsageRecord } from '../../engine/usage/index.js';
import { exportTimeline, recordTimeline } from './timeline.js';

const state = recordTimeline();
afterAll(() => state.close());

const hourly = exportTimeline(state, '2025-03-10T00:00:00Z', '2025-03-12T00:00:00Z', 'hour');
const daily = exportTimeline(state, '2025-03-10T00:00:00Z', '2025-03-12T00:00:00Z', 'day');
const monthly = exportTimeline(state, '2025-03-01T00:00:00Z', '2025-04-01T00:00:00Z', 'month');

/** `10:00 acme/vm/web-1 vm-hours kvm|2 vCPU / 4 GiB| 0.75 hours` */
const line = (r: UsageRecord): string =>
  `${r.start.slice(5, 16)} ${r.address} ${r.usageType} ${[r.hypervisor, r.size, r.tier].join('|')} ${r.quantity} ${r.unit}`;

describe('the scripted timeline, hourly', () => {
  it('gives exactly the expected records', () => {
    expect(hourly.map(line)).toEqual([
      // The public IP, held across midnight: 40 minutes, two whole hours, 40 minutes.
      '03-10T22:00 acme/public-ip/web public-ip-hours || 0.666666666667 hours',
      '03-10T23:00 acme/public-ip/web public-ip-hours || 1 hours',
      '03-11T00:00 acme/public-ip/web public-ip-hours || 1 hours',
      '03-11T01:00 acme/public-ip/web public-ip-hours || 0.666666666667 hours',
      // web-1: 2 vCPU / 4 GiB from 10:15, 8 GiB from 12:30 (a second vm-hours record that hour), gone at 14:45;
      // running all along, so vm-allocated-hours (CloudStack ALLOCATED_VM) equals vm-hours.
      '03-10T10:00 acme/vm/web-1 vm-hours kvm|2 vCPU / 4 GiB| 0.75 hours',
      '03-10T10:00 acme/vm/web-1 vm-allocated-hours kvm|2 vCPU / 4 GiB| 0.75 hours',
      '03-10T10:00 acme/vm/web-1 vcpu-hours kvm|| 1.5 vCPU-hours',
      '03-10T10:00 acme/vm/web-1 memory-gib-hours kvm|| 3 GiB-hours',
      '03-10T10:00 acme/vm/web-1 storage-gib-hours ||performance 30 GiB-hours',
      '03-10T11:00 acme/vm/web-1 vm-hours kvm|2 vCPU / 4 GiB| 1 hours',
      '03-10T11:00 acme/vm/web-1 vm-allocated-hours kvm|2 vCPU / 4 GiB| 1 hours',
      '03-10T11:00 acme/vm/web-1 vcpu-hours kvm|| 2 vCPU-hours',
      '03-10T11:00 acme/vm/web-1 memory-gib-hours kvm|| 4 GiB-hours',
      '03-10T11:00 acme/vm/web-1 storage-gib-hours ||performance 40 GiB-hours',
      '03-10T12:00 acme/vm/web-1 vm-hours kvm|2 vCPU / 4 GiB| 0.5 hours',
      '03-10T12:00 acme/vm/web-1 vm-hours kvm|2 vCPU / 8 GiB| 0.5 hours',
      '03-10T12:00 acme/vm/web-1 vm-allocated-hours kvm|2 vCPU / 4 GiB| 0.5 hours',
      '03-10T12:00 acme/vm/web-1 vm-allocated-hours kvm|2 vCPU / 8 GiB| 0.5 hours',
      '03-10T12:00 acme/vm/web-1 vcpu-hours kvm|| 2 vCPU-hours',
      '03-10T12:00 acme/vm/web-1 memory-gib-hours kvm|| 6 GiB-hours',
      '03-10T12:00 acme/vm/web-1 storage-gib-hours ||performance 40 GiB-hours',
      '03-10T13:00 acme/vm/web-1 vm-hours kvm|2 vCPU / 8 GiB| 1 hours',
      '03-10T13:00 acme/vm/web-1 vm-allocated-hours kvm|2 vCPU / 8 GiB| 1 hours',
      '03-10T13:00 acme/vm/web-1 vcpu-hours kvm|| 2 vCPU-hours',
      '03-10T13:00 acme/vm/web-1 memory-gib-hours kvm|| 8 GiB-hours',
      '03-10T13:00 acme/vm/web-1 storage-gib-hours ||performance 40 GiB-hours',
      '03-10T14:00 acme/vm/web-1 vm-hours kvm|2 vCPU / 8 GiB| 0.75 hours',
      '03-10T14:00 acme/vm/web-1 vm-allocated-hours kvm|2 vCPU / 8 GiB| 0.75 hours',
      '03-10T14:00 acme/vm/web-1 vcpu-hours kvm|| 1.5 vCPU-hours',
      '03-10T14:00 acme/vm/web-1 memory-gib-hours kvm|| 6 GiB-hours',
      '03-10T14:00 acme/vm/web-1 storage-gib-hours ||performance 30 GiB-hours',
      // web-1/disk/data: 500 GiB on standard from 10:15, on performance from 13:00, gone at 14:45.
      '03-10T10:00 acme/vm/web-1/disk/data storage-gib-hours ||standard 375 GiB-hours',
      '03-10T11:00 acme/vm/web-1/disk/data storage-gib-hours ||standard 500 GiB-hours',
      '03-10T12:00 acme/vm/web-1/disk/data storage-gib-hours ||standard 500 GiB-hours',
      '03-10T13:00 acme/vm/web-1/disk/data storage-gib-hours ||performance 500 GiB-hours',
      '03-10T14:00 acme/vm/web-1/disk/data storage-gib-hours ||performance 375 GiB-hours',
    ]);
  });

  it('every record carries tenant, partner, zone, address, types, UTC period and unit', () => {
    expect(hourly.find((r) => r.usageType === 'vm-hours')).toEqual({
      tenant: 'acme', partner: 'westside-it', zone: 'iswest-1', address: 'acme/vm/web-1', resourceType: 'vm',
      usageType: 'vm-hours', cloudstackUsageType: 1, hypervisor: 'kvm', size: '2 vCPU / 4 GiB', tier: '',
      start: '2025-03-10T10:00:00Z', end: '2025-03-10T11:00:00Z', quantity: '0.75', unit: 'hours',
    });
    expect(new Set(hourly.map((r) => `${r.usageType} ${r.cloudstackUsageType}`))).toEqual(new Set([
      'vm-hours 1', 'vm-allocated-hours 2', 'vcpu-hours null', 'memory-gib-hours null', 'storage-gib-hours 6', 'public-ip-hours 3',
    ]));
  });
});

/** Quantities summed per record key and coarser period. */
function rollUp(records: readonly UsageRecord[], periodOf: (r: UsageRecord) => string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const r of records) {
    const key = [periodOf(r), r.tenant, r.zone, r.address, r.usageType, r.hypervisor, r.size, r.tier].join(' ');
    out.set(key, (out.get(key) ?? 0n) + parseQuantity(r.quantity));
  }
  return out;
}

describe('periods add up exactly', () => {
  it('hourly records summed over each day equal the daily records', () => {
    expect(rollUp(hourly, (r) => r.start.slice(0, 10))).toEqual(rollUp(daily, (r) => r.start.slice(0, 10)));
  });

  it('daily records summed over the month equal the monthly record', () => {
    expect(rollUp(daily, (r) => r.start.slice(0, 7))).toEqual(rollUp(monthly, (r) => r.start.slice(0, 7)));
  });

  it('the daily records are what the day was', () => {
    expect(daily.map((r) => `${r.start.slice(5, 10)} ${r.address} ${r.usageType} ${r.size || r.tier} ${r.quantity}`)).toEqual([
      '03-10 acme/public-ip/web public-ip-hours  1.666666666667',
      '03-11 acme/public-ip/web public-ip-hours  1.666666666667',
      '03-10 acme/vm/web-1 vm-hours 2 vCPU / 4 GiB 2.25',
      '03-10 acme/vm/web-1 vm-hours 2 vCPU / 8 GiB 2.25',
      '03-10 acme/vm/web-1 vm-allocated-hours 2 vCPU / 4 GiB 2.25',
      '03-10 acme/vm/web-1 vm-allocated-hours 2 vCPU / 8 GiB 2.25',
      '03-10 acme/vm/web-1 vcpu-hours  9',
      '03-10 acme/vm/web-1 memory-gib-hours  27',
      '03-10 acme/vm/web-1 storage-gib-hours performance 180',
      '03-10 acme/vm/web-1/disk/data storage-gib-hours standard 1375',
      '03-10 acme/vm/web-1/disk/data storage-gib-hours performance 875',
    ]);
  });
});
