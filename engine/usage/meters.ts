/**
 * What a resource is billed for, read from its recorded attributes: a list of meters,
 * each a usage type, the fields that tell its records apart (hypervisor, size, tier)
 * and a rate per hour. A change of attributes changes usage only where a meter's key
 * or rate changes (a stop ends the running meters, a start begins them again); static
 * NAT and firewall rules are not billed. A VM recorded before `power` existed ran.
 *
 * | resource       | meters                                                                  |
 * |----------------|-------------------------------------------------------------------------|
 * | vm             | vm-allocated-hours (hypervisor, size) 1; storage-gib-hours (root tier) GiB; and while running: vm-hours (hypervisor, size) 1, vcpu-hours cpu, memory-gib-hours MiB/1024 |
 * | disk           | storage-gib-hours (tier) sizeGiB                                        |
 * | public-ip      | public-ip-hours 1                                                       |
 * | port-forward   | port-forward-hours 1                                                    |
 * | network        | network-hours 1                                                         |
 * | vpn-connection | vpn-peer-hours 1                                                        |
 * | vpn-user       | vpn-user-hours 1                                                        |
 */
import { withAttributeDefaults } from '../../specs/model/attribute-defaults.js';
import { numberOf, recordOf, textOf } from '../../specs/model/attribute-values.js';
import type { Attributes, ResourceTypeName } from '../../specs/model/resource.js';
import { formatQuantity, perHour, type Rate, sameRate } from './quantity.js';
import type { UsageTypeName } from './usage-types.js';

export interface Meter {
  readonly usageType: UsageTypeName;
  readonly hypervisor: string;
  readonly size: string;
  readonly tier: string;
  readonly rate: Rate;
}

const ONE: Rate = { num: 1, den: 1 };
const MIB_PER_GIB = 1024;

const meter = (usageType: UsageTypeName, rate: Rate, fields: Partial<Pick<Meter, 'hypervisor' | 'size' | 'tier'>> = {}): Meter => ({
  usageType, hypervisor: fields.hypervisor ?? '', size: fields.size ?? '', tier: fields.tier ?? '', rate,
});

/** 8192 → `8`, 1536 → `1.5`: MiB as exact GiB. */
export const gibOfMiB = (mib: number): string => formatQuantity(perHour({ num: mib, den: MIB_PER_GIB }));

/** `4 vCPU / 8 GiB`: how a VM's size reads on an invoice. */
export const vmSize = (cpu: number, memoryMiB: number): string => `${cpu} vCPU / ${gibOfMiB(memoryMiB)} GiB`;

/** The meters of a resource with these attributes; those whose rate is zero are left out. */
export function metersOf(type: ResourceTypeName, attributes: Attributes): Meter[] {
  const out: Meter[] = [];
  switch (type) {
    case 'vm': {
      const hypervisor = textOf(attributes.hypervisor);
      const cpu = numberOf(attributes.cpu);
      const memoryMiB = numberOf(attributes.memoryMiB);
      const root = recordOf(attributes.rootDisk);
      const size = vmSize(cpu, memoryMiB);
      const running = withAttributeDefaults('vm', attributes).power === 'running';
      if (running) out.push(meter('vm-hours', ONE, { hypervisor, size }));
      out.push(meter('vm-allocated-hours', ONE, { hypervisor, size }));
      if (running) {
        out.push(meter('vcpu-hours', { num: cpu, den: 1 }, { hypervisor }));
        out.push(meter('memory-gib-hours', { num: memoryMiB, den: MIB_PER_GIB }, { hypervisor }));
      }
      out.push(meter('storage-gib-hours', { num: numberOf(root.sizeGiB), den: 1 }, { tier: textOf(root.tier) }));
      break;
    }
    case 'disk':
      out.push(meter('storage-gib-hours', { num: numberOf(attributes.sizeGiB), den: 1 }, { tier: textOf(attributes.tier) }));
      break;
    case 'public-ip':
      out.push(meter('public-ip-hours', ONE));
      break;
    case 'port-forward':
      out.push(meter('port-forward-hours', ONE));
      break;
    case 'network':
      out.push(meter('network-hours', ONE));
      break;
    case 'vpn-connection':
      out.push(meter('vpn-peer-hours', ONE));
      break;
    case 'vpn-user':
      out.push(meter('vpn-user-hours', ONE));
      break;
    case 'static-nat':
    case 'firewall-rule':
      break;
    default: {
      // Exhaustive at compile time; a type this netfirst does not know is not billed.
      const unknown: never = type;
      void unknown;
    }
  }
  return out.filter((m) => m.rate.num > 0 && Number.isSafeInteger(m.rate.num));
}

/** What tells two meters' records apart within one resource and period (not the rate). */
export const meterKey = (m: Meter): string => `${m.usageType}\u0000${m.hypervisor}\u0000${m.size}\u0000${m.tier}`;

/** Same record key and same rate: usage continues unchanged across an update. */
export const sameMeter = (a: Meter, b: Meter): boolean => meterKey(a) === meterKey(b) && sameRate(a.rate, b.rate);
