/**
 * Topologies as Graphviz DOT and Mermaid text, one cluster / subgraph per tenant.
 * Planned changes are marked in the label (`+`, `-`, `±`, `~`) and by colour.
 * Every label is partner input: quoted and escaped for its format, never spliced raw.
 */
import { STATUS_MARK, type Topology, type TopologyNode, type TopologyStatus } from './topology.js';

const COLOUR: { readonly [S in TopologyStatus]: string } = { existing: 'black', added: 'green', removed: 'red', replaced: 'orange', updated: 'blue' };
const SHAPE: { readonly [K in TopologyNode['kind']]: string } = {
  network: 'box3d', vm: 'box', disk: 'cylinder', 'public-ip': 'hexagon', 'vpn-connection': 'component', 'vpn-user': 'ellipse', colocation: 'house',
};

const markedLabel = (n: TopologyNode): readonly string[] => {
  const [name = '', ...rest] = n.label;
  return [n.status === 'existing' ? name : `${STATUS_MARK[n.status]} ${name}`, ...rest];
};

/** A DOT string literal: JSON's escaping is DOT's for `"` and `\`; lines join with DOT's `\n`. */
const dotString = (s: string): string => JSON.stringify(s);

export function topologyToDot(topologies: readonly Topology[]): string {
  const lines = ['digraph topology {', '  rankdir = LR;', '  node [fontname = "monospace"];', '  edge [fontname = "monospace", fontsize = 10];'];
  topologies.forEach((t, i) => {
    lines.push(`  subgraph cluster_${i} {`, `    label = ${dotString(`tenant ${t.tenant}`)};`);
    for (const n of t.nodes) {
      const style = n.status === 'removed' ? ', style = dashed' : '';
      lines.push(`    ${dotString(n.id)} [shape = ${SHAPE[n.kind]}, color = ${COLOUR[n.status]}${style}, label = ${dotString(markedLabel(n).join('\n'))}];`);
    }
    for (const e of t.edges) {
      const label = e.status === 'existing' ? (e.label ?? '') : `${STATUS_MARK[e.status]} ${e.label ?? e.kind}`;
      lines.push(`    ${dotString(e.from)} -> ${dotString(e.to)} [color = ${COLOUR[e.status]}${label === '' ? '' : `, label = ${dotString(label)}`}];`);
    }
    lines.push('  }');
  });
  lines.push('}');
  return lines.join('\n');
}

/** Mermaid label text: its entity codes for what would end the string or open HTML. */
const mermaidText = (s: string): string =>
  s.replaceAll('&', '#amp;').replaceAll('"', '#quot;').replaceAll('<', '#lt;').replaceAll('>', '#gt;');

export function topologyToMermaid(topologies: readonly Topology[]): string {
  const lines = ['flowchart LR'];
  const ids = new Map<string, string>();
  const idOf = (address: string): string => ids.get(address) ?? ids.set(address, `n${ids.size}`).get(address) ?? '';
  topologies.forEach((t, i) => {
    lines.push(`  subgraph t${i}["tenant ${mermaidText(t.tenant)}"]`);
    for (const n of t.nodes) lines.push(`    ${idOf(n.id)}["${markedLabel(n).map(mermaidText).join('<br/>')}"]${n.status === 'existing' ? '' : `:::${n.status}`}`);
    for (const e of t.edges) {
      const label = e.status === 'existing' ? (e.label ?? '') : `${STATUS_MARK[e.status]} ${e.label ?? e.kind}`;
      lines.push(`    ${idOf(e.from)} -->${label === '' ? '' : `|"${mermaidText(label)}"|`} ${idOf(e.to)}`);
    }
    lines.push('  end');
  });
  for (const s of ['added', 'removed', 'replaced', 'updated'] as const) lines.push(`  classDef ${s} stroke:${COLOUR[s]},stroke-width:3px`);
  return lines.join('\n');
}
