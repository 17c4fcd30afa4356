/**
 * engine/topology: what a tenant is, drawn. `topologyOf` derives a plain model from
 * recorded resources and a plan's changes; the renderers turn it into DOT, Mermaid or SVG.
 */
export { topologyOf, STATUS_MARK, type Topology, type TopologyNode, type TopologyEdge, type TopologyStatus, type TopologyNodeKind, type TopologyEdgeKind } from './topology.js';
export { topologyToDot, topologyToMermaid } from './text.js';
export { topologyToSvg, escapeXml } from './svg.js';
