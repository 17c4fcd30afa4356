/**
 * Topologies as one self-contained SVG: each tenant laid out by elkjs (layered,
 * left to right, orthogonal edges) and framed, stacked top to bottom, with a legend.
 * No external fonts, scripts or links; every text is partner input and is escaped.
 * Planned changes get a coloured outline (green added, red dashed removed, orange
 * replaced, blue updated) and their mark (`+`, `-`, `±`, `~`) before the name.
 */
import elkModule from 'elkjs/lib/elk.bundled.js';
import type { ELK, ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';

// A CommonJS module: Node hands ESM its module.exports, whose `default` is the constructor.
const Elk = elkModule.default;
import { STATUS_MARK, type Topology, type TopologyNode, type TopologyStatus } from './topology.js';

const CHAR = 7.2;
const LINE = 15;
const PAD = 8;
const FRAME = 16;
const HEADER = 24;

const OUTLINE: { readonly [S in TopologyStatus]: string } = {
  existing: '#57606a', added: '#1a7f37', removed: '#cf222e', replaced: '#d97706', updated: '#0969da',
};
const FILL: { readonly [K in TopologyNode['kind']]: string } = {
  network: '#ddf4ff', vm: '#ffffff', disk: '#f6f8fa', 'public-ip': '#fff8c5', 'vpn-connection': '#fbefff', 'vpn-user': '#fbefff', colocation: '#eeeeee',
};
const LEGEND: readonly TopologyStatus[] = ['existing', 'added', 'removed', 'replaced', 'updated'];

/** Text as XML character data or an attribute value: nothing in it can open markup. */
export function escapeXml(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&apos;')
    // Characters XML 1.0 forbids even escaped.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd');
}

const labelOf = (n: TopologyNode): string[] => {
  const [name = '', ...rest] = n.label;
  return [n.status === 'existing' ? name : `${STATUS_MARK[n.status]} ${name}`, ...rest];
};
const edgeLabelOf = (e: Topology['edges'][number]): string => (e.status === 'existing' ? (e.label ?? '') : `${STATUS_MARK[e.status]} ${e.label ?? e.kind}`);
/** Coordinates to a tenth of a pixel: elk's float noise only bloats the file. */
const px = (v: number | undefined): number => Math.round((v ?? 0) * 10) / 10;
const widthOf = (lines: readonly string[], min: number): number => Math.max(min, ...lines.map((l) => [...l].length * CHAR + 2 * PAD));

interface Laid {
  readonly topology: Topology;
  readonly graph: ElkNode;
}

async function layOut(elk: ELK, t: Topology): Promise<Laid> {
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.spacing.nodeNode': '24',
      'elk.layered.spacing.nodeNodeBetweenLayers': '48',
      'elk.spacing.edgeLabel': '4',
      'elk.edgeLabels.inline': 'false',
    },
    children: t.nodes.map((n) => {
      const lines = labelOf(n);
      return { id: n.id, width: widthOf(lines, n.kind === 'network' ? 240 : 120), height: lines.length * LINE + 2 * PAD };
    }),
    edges: t.edges.map((e, i): ElkExtendedEdge => {
      const label = edgeLabelOf(e);
      return {
        id: `e${i}`, sources: [e.from], targets: [e.to],
        ...(label === '' ? {} : { labels: [{ id: `l${i}`, text: label, width: [...label].length * 6 + 4, height: 12 }] }),
      };
    }),
  };
  return { topology: t, graph: await elk.layout(graph) };
}

function tenantSvg(laid: Laid, y: number): { svg: string[]; width: number; height: number } {
  const { topology: t, graph } = laid;
  const width = px(Math.max((graph.width ?? 0) + 2 * FRAME, [...`tenant ${t.tenant}`].length * 8 + 2 * FRAME));
  const height = px((graph.height ?? 0) + 2 * FRAME + HEADER);
  const out = [
    `<g class="tenant" transform="translate(0,${y})">`,
    `<rect x="0.5" y="0.5" width="${width}" height="${height}" rx="6" fill="none" stroke="#8c959f"/>`,
    `<text x="${FRAME}" y="${FRAME + 4}" font-weight="bold">tenant ${escapeXml(t.tenant)}</text>`,
    `<g transform="translate(${FRAME},${FRAME + HEADER})">`,
  ];
  const nodes = new Map(t.nodes.map((n) => [n.id, n] as const));
  for (const child of graph.children ?? []) {
    const n = nodes.get(child.id);
    if (!n) continue;
    const x = px(child.x), cy = px(child.y);
    const dash = n.status === 'removed' ? ' stroke-dasharray="5 3"' : '';
    const strokeWidth = n.status === 'existing' ? 1 : 3;
    out.push(`<g class="node ${n.kind} ${n.status}"><title>${escapeXml(`${n.kind} ${n.id} (${n.status})`)}</title>`);
    out.push(`<rect x="${x}" y="${cy}" width="${px(child.width)}" height="${px(child.height)}" rx="${n.kind === 'vm' ? 2 : 8}" fill="${FILL[n.kind]}" stroke="${OUTLINE[n.status]}" stroke-width="${strokeWidth}"${dash}/>`);
    labelOf(n).forEach((line, i) => {
      out.push(`<text x="${x + PAD}" y="${px(cy + PAD + (i + 1) * LINE - 4)}"${i === 0 ? ' font-weight="bold"' : ''}>${escapeXml(line)}</text>`);
    });
    out.push('</g>');
  }
  (graph.edges ?? []).forEach((edge, i) => {
    const e = t.edges[i];
    if (!e) return;
    const colour = OUTLINE[e.status];
    const dash = e.status === 'removed' ? ' stroke-dasharray="5 3"' : '';
    for (const s of (edge as ElkExtendedEdge).sections ?? []) {
      const points = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint].map((p) => `${px(p.x)},${px(p.y)}`).join(' ');
      out.push(`<polyline class="edge ${e.kind} ${e.status}" points="${points}" fill="none" stroke="${colour}" stroke-width="${e.status === 'existing' ? 1.2 : 2.5}"${dash} marker-end="url(#arrow)"/>`);
    }
    for (const l of edge.labels ?? []) {
      out.push(`<text class="edge-label" x="${px(l.x)}" y="${px((l.y ?? 0) + 10)}" font-size="10" fill="${colour}">${escapeXml(l.text ?? '')}</text>`);
    }
  });
  out.push('</g>', '</g>');
  return { svg: out, width, height };
}

function legend(y: number): { svg: string[]; height: number } {
  const out = [`<g class="legend" transform="translate(0,${y})">`, `<text x="0" y="12" font-weight="bold">legend</text>`];
  LEGEND.forEach((s, i) => {
    const x = i * 120;
    out.push(
      `<rect x="${x}" y="20" width="18" height="12" fill="#fff" stroke="${OUTLINE[s]}" stroke-width="${s === 'existing' ? 1 : 3}"${s === 'removed' ? ' stroke-dasharray="5 3"' : ''}/>`,
      `<text x="${x + 24}" y="30">${escapeXml(`${STATUS_MARK[s] || '='} ${s}`)}</text>`,
    );
  });
  out.push('</g>');
  return { svg: out, height: 40 };
}

/** The SVG document for these tenants (laid out asynchronously by elkjs). */
export async function topologyToSvg(topologies: readonly Topology[]): Promise<string> {
  const elk = new Elk();
  const laid = await Promise.all(topologies.map((t) => layOut(elk, t)));
  const body: string[] = [];
  let y = 0;
  let width = 600;
  for (const l of laid) {
    const part = tenantSvg(l, y);
    body.push(...part.svg);
    y += part.height + FRAME;
    width = px(Math.max(width, part.width + 1));
  }
  const key = legend(y);
  body.push(...key.svg);
  const height = y + key.height;
  const tenants = topologies.map((t) => t.tenant).join(', ') || 'no tenants';
  const counts = topologies.map((t) => `${t.tenant}: ${t.nodes.length} resources drawn`).join('; ');
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="topology-title topology-desc" aria-label="${escapeXml(`Topology of ${tenants}`)}">`,
    `<title id="topology-title">${escapeXml(`Topology of ${tenants}`)}</title>`,
    `<desc id="topology-desc">${escapeXml(`Networks, VMs, disks, public IPs and VPNs per tenant, with planned changes marked. ${counts}`)}</desc>`,
    `<style>text{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;fill:#1f2328}</style>`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#57606a"/></marker></defs>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    ...body,
    '</svg>',
  ].join('\n');
}
