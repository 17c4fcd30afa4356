/**
 * The few attributes that say what a recorded resource is, for the tenant page's
 * resources table: a VM's size and addresses, a network's segment and CIDR, a port
 * forward's ports. Plain text (the page escapes it); sensitive attributes never appear
 * (the caller passes publicView's attributes, and none of these is sensitive anyway).
 */
import { assertNever } from '../../../specs/model/never.js';
import { listOf, numberOf, recordOf, textOf } from '../../../specs/model/attribute-values.js';
import { parseAddress, type AttrValue, type Attributes, type ResourceTypeName } from '../../../specs/model/resource.js';

const nameOf = (address: string): string => parseAddress(address).name;
const texts = (v: AttrValue | undefined): string[] => listOf(v).map(textOf);

export function keyFacts(type: ResourceTypeName, a: Attributes): string[] {
  switch (type) {
    case 'network': {
      const segment = recordOf(a.segment);
      return [
        `${textOf(segment.type).toUpperCase()} ${textOf(segment.id)}`, `${textOf(a.cidr)} gw ${textOf(a.gateway)}`,
        ...(textOf(a.sourceNatIp) ? [`source NAT ${textOf(a.sourceNatIp)}`] : []),
        ...(textOf(a.colocationHandoff) ? [`hand-off ${textOf(a.colocationHandoff)}`] : []),
      ];
    }
    case 'public-ip':
      return [textOf(a.address), `pool ${textOf(a.pool)}`];
    case 'static-nat':
      return [`${textOf(a.address)} → ${nameOf(textOf(a.vm))} ${textOf(a.vmIp)}`];
    case 'port-forward':
      return [`${textOf(a.protocol)} ${textOf(a.address)}:${numberOf(a.publicPort)} → ${nameOf(textOf(a.vm))} ${textOf(a.vmIp)}:${numberOf(a.privatePort)}`];
    case 'firewall-rule': {
      const ports = texts(a.ports);
      return [`allow ${textOf(a.protocol)}${ports.length > 0 ? ` ${ports.join(',')}` : ''} to ${textOf(a.address)}`, `from ${texts(a.from).join(', ') || '—'}`];
    }
    case 'vpn-connection':
      return [`peer ${textOf(a.peer)}`, `peer CIDRs ${texts(a.peerCidrs).join(', ')}`];
    case 'vpn-user':
      return ['remote-access user'];
    case 'vm': {
      const root = recordOf(a.rootDisk);
      return [
        `${numberOf(a.cpu)} vCPU · ${numberOf(a.memoryMiB)} MiB · ${textOf(a.hypervisor)}${textOf(a.cluster) ? ` (${textOf(a.cluster)})` : ''}`,
        `IP ${listOf(a.nics).map((n) => textOf(recordOf(n).ip)).join(', ') || '—'}`,
        `root ${numberOf(root.sizeGiB)} GiB ${textOf(root.tier)}`,
        `power ${textOf(a.power) || 'running'}`,
      ];
    }
    case 'disk':
      return [`${numberOf(a.sizeGiB)} GiB ${textOf(a.tier)}`, `on ${nameOf(textOf(a.vm))}`];
    default:
      return assertNever(type);
  }
}
