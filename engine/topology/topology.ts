/**
 * What a tenant *is*, as a plain value to draw: its networks, VMs, disks, public IPs,
 * VPN peers and remote-access users (nodes) and how they connect (edges), from the
 * recorded resources merged with the plan's changes. Pure: no layout, no I/O, no escaping
 * (each renderer escapes for its own format). A resource's status says what the plan
 * does to it; `existing` is what is recorded and left alone.
 */
import type { Change } from '../plan/change.js';
import { assertNever } from '../../specs/model/never.js';
import { parseAddress, type Attributes, type RecordedResource, type ResourceTypeName } from '../../specs/model/resource.js';
import { listOf, numberOf, recordOf, textOf } from '../../specs/model/attribute-values.js';

export type TopologyStatus = 'existing' | 'added' | 'removed' | 'replaced' | 'updated';
export type TopologyNodeKind = 'network' | 'vm' | 'disk' | 'public-ip' | 'vpn-connection' | 'vpn-user' | 'colocation';
export type TopologyEdgeKind = 'nic' | 'disk' | 'static-nat' | 'port-forward' | 'vpn-local' | 'handoff';

export interface TopologyNode {
  readonly id: string;
  readonly kind: TopologyNodeKind;
  /** First line is the name; the rest are facts (plain text, unescaped). */
  readonly label: readonly string[];
  readonly status: TopologyStatus;
}

export interface TopologyEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: TopologyEdgeKind;
  readonly label?: string;
  readonly status: TopologyStatus;
}

export interface Topology {
  readonly tenant: string;
  readonly nodes: readonly TopologyNode[];
  readonly edges: readonly TopologyEdge[];
}

/** How a status is marked in text: `+` added, `-` removed, `±` replaced, `~` updated. */
export const STATUS_MARK: { readonly [S in TopologyStatus]: string } = { existing: '', added: '+', removed: '-', replaced: '±', updated: '~' };

interface Entry {
  readonly address: string;
  readonly type: ResourceTypeName;
  readonly attributes: Attributes;
  readonly status: TopologyStatus;
}

/** The tenant's resources as they will be: recorded ones overlaid with each change's effect. */
function entriesOf(recorded: Iterable<RecordedResource>, changes: readonly Change[], tenant: string): Entry[] {
  const byAddress = new Map<string, Entry>();
  for (const r of recorded) {
    if (r.tenant === tenant) byAddress.set(r.address, { address: r.address, type: r.type, attributes: r.attributes, status: 'existing' });
  }
  for (const c of changes) {
    if (c.tenant !== tenant) continue;
    switch (c.action) {
      case 'create':
        byAddress.set(c.address, { address: c.address, type: c.type, attributes: c.after.attributes, status: 'added' });
        break;
      case 'delete':
        byAddress.set(c.address, { address: c.address, type: c.type, attributes: c.before.attributes, status: 'removed' });
        break;
      case 'replace':
      case 'update':
      case 'noop': {
        // A rename records the resource under its old address until apply moves it.
        if (c.movedFrom !== undefined) byAddress.delete(c.movedFrom);
        const status: TopologyStatus = c.action === 'replace' ? 'replaced' : c.action === 'update' ? 'updated' : 'existing';
        byAddress.set(c.address, { address: c.address, type: c.type, attributes: c.after.attributes, status });
        break;
      }
      case 'read':
        byAddress.set(c.address, { address: c.address, type: c.type, attributes: c.observed, status: 'existing' });
        break;
      default:
        assertNever(c);
    }
  }
  return [...byAddress.values()].sort((a, b) => a.address.localeCompare(b.address));
}

const strings = (v: Attributes[string] | undefined): string[] => listOf(v).map(textOf);
const marked = (status: TopologyStatus, text: string): string => (status === 'existing' ? text : `${STATUS_MARK[status]} ${text}`);

/** The topology of one tenant. Edges whose ends are not in the tenant are left out. */
export function topologyOf(recorded: Iterable<RecordedResource>, changes: readonly Change[], tenant: string): Topology {
  const entries = entriesOf(recorded, changes, tenant);
  const nodes = new Map<string, { id: string; kind: TopologyNodeKind; label: string[]; status: TopologyStatus }>();
  const edges: TopologyEdge[] = [];
  const addNode = (id: string, kind: TopologyNodeKind, label: string[], status: TopologyStatus) => nodes.set(id, { id, kind, label, status });
  const publicIpLines = new Map<string, string[]>();
  const linesOfPublicIp = (address: string): string[] => publicIpLines.get(address) ?? publicIpLines.set(address, []).get(address) ?? [];

  for (const e of entries) {
    const a = e.attributes;
    switch (e.type) {
      case 'network': {
        const segment = recordOf(a.segment);
        addNode(e.address, 'network', [
          textOf(a.name),
          `${textOf(segment.type).toUpperCase()} ${textOf(segment.id)}`,
          `${textOf(a.cidr)} gw ${textOf(a.gateway)}`,
          ...(a.sourceNatIp ? [`source NAT ${textOf(a.sourceNatIp)}`] : []),
        ], e.status);
        const handoff = textOf(a.colocationHandoff);
        if (handoff !== '') {
          const id = `${tenant}/colocation/${handoff}`;
          addNode(id, 'colocation', [handoff, 'colocation hand-off'], e.status);
          edges.push({ from: e.address, to: id, kind: 'handoff', status: e.status });
        }
        break;
      }
      case 'vm': {
        const nics = listOf(a.nics).map(recordOf);
        const root = recordOf(a.rootDisk);
        addNode(e.address, 'vm', [
          // A stopped VM says so on its first line: it keeps its place and its disks, but nothing answers.
          a.power === 'stopped' ? `${textOf(a.name)} (stopped)` : textOf(a.name),
          nics.map((n) => textOf(n.ip)).join(', '),
          `${textOf(a.hypervisor)} · ${numberOf(a.cpu)} vCPU · ${numberOf(a.memoryMiB)} MiB`,
          `root ${numberOf(root.sizeGiB)} GiB ${textOf(root.tier)}`,
        ], e.status);
        for (const n of nics) edges.push({ from: textOf(n.network), to: e.address, kind: 'nic', label: textOf(n.ip), status: e.status });
        break;
      }
      case 'disk':
        addNode(e.address, 'disk', [textOf(a.name), `${numberOf(a.sizeGiB)} GiB ${textOf(a.tier)}`], e.status);
        edges.push({ from: textOf(a.vm), to: e.address, kind: 'disk', status: e.status });
        break;
      case 'public-ip':
        addNode(e.address, 'public-ip', [textOf(a.name), textOf(a.address), `pool ${textOf(a.pool)}`], e.status);
        break;
      case 'static-nat':
        edges.push({ from: textOf(a.publicIp), to: textOf(a.vm), kind: 'static-nat', label: `static NAT → ${textOf(a.vmIp)}`, status: e.status });
        break;
      case 'port-forward':
        edges.push({
          from: textOf(a.publicIp), to: textOf(a.vm), kind: 'port-forward',
          label: `${textOf(a.protocol)} ${numberOf(a.publicPort)} → ${parseAddress(textOf(a.vm)).name}:${numberOf(a.privatePort)}`, status: e.status,
        });
        break;
      case 'firewall-rule': {
        const ports = strings(a.ports);
        const rule = `allow ${textOf(a.protocol)}${ports.length > 0 ? ` ${ports.join(',')}` : ''} from ${strings(a.from).join(', ')}`;
        linesOfPublicIp(textOf(a.publicIp)).push(marked(e.status, rule));
        break;
      }
      case 'vpn-connection':
        addNode(e.address, 'vpn-connection', [
          textOf(a.name),
          `peer ${textOf(a.peer)}`,
          `peer CIDRs ${strings(a.peerCidrs).join(', ')}`,
          `local ${textOf(a.localAddress)}`,
        ], e.status);
        for (const network of strings(a.localNetworks)) edges.push({ from: network, to: e.address, kind: 'vpn-local', label: 'site-to-site', status: e.status });
        break;
      case 'vpn-user':
        addNode(e.address, 'vpn-user', [textOf(a.name), 'remote-access user'], e.status);
        break;
      default:
        assertNever(e.type);
    }
  }
  for (const [address, lines] of publicIpLines) nodes.get(address)?.label.push(...lines);
  return { tenant, nodes: [...nodes.values()], edges: edges.filter((e) => nodes.has(e.from) && nodes.has(e.to)) };
}
