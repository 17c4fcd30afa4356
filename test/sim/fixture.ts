/**
 * A small simulated zone and desired-resource builders for the sim tests. Capacities
 * are tiny so each rule is one or two calls away from refusing.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import type { Attributes } from '../../specs/model/resource.js';
import type { Desired } from '../../providers/contract.js';
import { createSimProvider } from '../../providers/sim/index.js';
import { ZoneSpec } from '../../specs/schema.js';

export const ZONE = 'z1';

/** kvm-a: 4 vCPU, 8 GiB; performance tier: 100 GiB; VLANs 100-101, VNIs 10000-10001, public IPs .10-.11. */
export function zoneSpec(provider: Partial<z.input<typeof ZoneSpec>['provider']> = {}) {
  return ZoneSpec.parse({
    provider: { type: 'sim', ...provider },
    segments: { vlans: ['100-101'], vxlans: ['10000-10001'] },
    publicIpPools: [{ name: 'pool-a', cidr: '203.0.113.0/24', gateway: '203.0.113.1', range: '203.0.113.10-203.0.113.11' }],
    clusters: [
      { name: 'kvm-a', hypervisor: 'kvm', hosts: 1, cpuPerHost: 4, memoryPerHost: '8GiB' },
      { name: 'vmw-a', hypervisor: 'vmware', hosts: 2, cpuPerHost: 2, memoryPerHost: '4GiB', cpuOvercommit: 2 },
    ],
    storageTiers: [
      { name: 'performance', media: 'ssd', capacity: '100GiB' },
      { name: 'capacity', media: 'sata-7k2', capacity: '1TiB' },
    ],
    templates: [
      { name: 'ubuntu-24.04', hypervisors: ['kvm', 'vmware'] },
      { name: 'win-2022', hypervisors: ['vmware'] },
    ],
  });
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'netfirst-sim-'));
}

export function openSim(dir: string, provider: Partial<z.input<typeof ZoneSpec>['provider']> = {}) {
  return createSimProvider({ zoneName: ZONE, zone: zoneSpec(provider), path: join(dir, 'sim-z1.db') });
}

function desired(address: string, type: Desired['type'], attributes: Attributes, refs: Desired['refs'] = {}): Desired {
  return { address, type, tenant: address.split('/')[0]!, zone: ZONE, attributes, refs, secrets: {} };
}

export const network = (name: string, o: { vlan?: number; vxlan?: number; cidr?: string; gateway?: string; sourceNatIp?: string | null; tenant?: string } = {}) =>
  desired(`${o.tenant ?? 'acme'}/network/${name}`, 'network', {
    name,
    cidr: o.cidr ?? '10.0.0.0/24',
    gateway: o.gateway ?? '10.0.0.1',
    segment: o.vxlan !== undefined ? { type: 'vxlan', id: o.vxlan } : { type: 'vlan', id: o.vlan ?? 100 },
    sourceNatIp: o.sourceNatIp ?? null,
    colocationHandoff: null,
  });

export const publicIp = (name: string, address: string, pool = 'pool-a') =>
  desired(`acme/public-ip/${name}`, 'public-ip', { name, address, pool });

export interface VmOptions {
  cpu?: number;
  memoryMiB?: number;
  hypervisor?: 'kvm' | 'xenserver' | 'vmware';
  cluster?: string;
  template?: string;
  rootGiB?: number;
  tier?: string;
  nics?: { network: string; ip: string }[];
  refs?: Desired['refs'];
  /** Left out: the attributes of an engine from before `power` existed. */
  power?: 'running' | 'stopped';
}

export const vm = (name: string, o: VmOptions = {}) =>
  desired(`acme/vm/${name}`, 'vm', {
    name,
    hypervisor: o.hypervisor ?? 'kvm',
    cluster: o.cluster ?? 'kvm-a',
    cpu: o.cpu ?? 1,
    memoryMiB: o.memoryMiB ?? 1024,
    template: o.template ?? 'ubuntu-24.04',
    nics: o.nics ?? [{ network: 'acme/network/office', ip: '10.0.0.10' }],
    rootDisk: { sizeGiB: o.rootGiB ?? 10, tier: o.tier ?? 'performance' },
    ...(o.power !== undefined ? { power: o.power } : {}),
  }, o.refs ?? {});

export const disk = (vmName: string, name: string, o: { sizeGiB?: number; tier?: string; refs?: Desired['refs'] } = {}) =>
  desired(`acme/vm/${vmName}/disk/${name}`, 'disk', { name, vm: `acme/vm/${vmName}`, sizeGiB: o.sizeGiB ?? 10, tier: o.tier ?? 'performance' }, o.refs ?? {});

/** What a ProviderError-rejecting promise rejected with, as plain data for tables. */
export async function rejection(p: Promise<unknown>): Promise<{ code: string; message: string } | 'resolved'> {
  try {
    await p;
    return 'resolved';
  } catch (err) {
    const e = err as { code?: string; message: string };
    return { code: e.code ?? 'not a ProviderError', message: e.message };
  }
}
