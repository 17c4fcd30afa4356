/**
 * The topology as an outline, the drawing's text alternative: each network with what
 * sits on it (VMs with their addresses and disks, VPN tunnels, colocation hand-offs),
 * then each public IP with where it leads (static NAT, port forwards) and its firewall
 * rules, then whatever stands alone (remote-access users). Every node is listed once;
 * a node reached twice (a VM on two networks) is named again, not repeated whole.
 * Text only: preact escapes it.
 */
import type { VNode } from 'preact';
import type { Topology, TopologyEdge, TopologyNode } from '../../topology/index.js';

const nameOf = (n: TopologyNode): string => n.label[0] ?? n.id;
const factsOf = (n: TopologyNode): string => n.label.slice(1).filter((l) => l !== '').join('; ');
const statusOf = (s: TopologyNode['status']): string => (s === 'existing' ? '' : ` (${s} by the pending plan)`);

const EDGE_WORDS: { readonly [K in TopologyEdge['kind']]: string } = {
  nic: 'on it', disk: 'disk', 'static-nat': 'static NAT', 'port-forward': 'port forward', 'vpn-local': 'tunnel', handoff: 'hand-off',
};

export function TopologyOutline({ topology }: { topology: Topology }): VNode {
  const nodes = new Map(topology.nodes.map((n) => [n.id, n] as const));
  const out = new Map<string, TopologyEdge[]>();
  for (const e of topology.edges) out.set(e.from, [...(out.get(e.from) ?? []), e]);
  const listed = new Set<string>();

  const item = (n: TopologyNode, via?: TopologyEdge): VNode => {
    const again = listed.has(n.id);
    listed.add(n.id);
    const children = again ? [] : (out.get(n.id) ?? []).filter((e) => nodes.has(e.to));
    const how = via === undefined || via.kind === 'disk' ? '' : via.kind === 'nic' ? (via.label ? `at ${via.label}: ` : '') : `${via.label || EDGE_WORDS[via.kind]} — `;
    return (
      <li>
        {how}{n.kind} <strong>{nameOf(n)}</strong>{statusOf(n.status)}{again ? ' (listed above)' : factsOf(n) ? ` — ${factsOf(n)}` : ''}
        {children.length > 0 ? <ul>{children.map((e) => item(nodes.get(e.to)!, e))}</ul> : null}
      </li>
    );
  };

  const networks = topology.nodes.filter((n) => n.kind === 'network');
  const publicIps = topology.nodes.filter((n) => n.kind === 'public-ip');
  const onNetworks = networks.map((n) => item(n));
  const fromIps = publicIps.map((n) => item(n));
  const rest = topology.nodes.filter((n) => !listed.has(n.id)).map((n) => item(n));
  return (
    <details class="topology-text">
      <summary>The topology as text</summary>
      {onNetworks.length > 0 ? <><p>Networks:</p><ul>{onNetworks}</ul></> : null}
      {fromIps.length > 0 ? <><p>Public IPs:</p><ul>{fromIps}</ul></> : null}
      {rest.length > 0 ? <><p>Also:</p><ul>{rest}</ul></> : null}
    </details>
  );
}
