/**
 * graph: the plan graph as DOT (Graphviz) or Mermaid — what waits for what; with
 * `--topology`, what each tenant is (engine/topology) as DOT, Mermaid or SVG.
 */
import type { Dag } from '../../graph/index.js';
import { hasErrors, formatDiagnostic } from '../../../specs/diagnostic.js';
import type { Step } from '../../plan/order.js';
import { makePlan } from '../../plan/plan.js';
import { CliError } from '../errors.js';
import { print } from '../output.js';
import { planningSecrets } from '../../run/secrets.js';
import { openWorkspaceState, type GlobalOptions } from '../../run/workspace.js';
import { loadRunSpecs, partnerName, partnerSelection, type PartnerOptions } from '../../run/partner.js';
import { orderChanges } from '../../plan/order.js';
import { topologyOf, topologyToDot, topologyToMermaid, topologyToSvg } from '../../topology/index.js';

export interface GraphOptions extends GlobalOptions, PartnerOptions {
  readonly format?: string;
  readonly topology?: boolean;
  readonly tenant?: string;
}

const SYMBOL: Record<Step['kind'], string> = { create: '+', update: '~', delete: '-' };

export async function graphCommand(paths: string[], options: GraphOptions): Promise<number> {
  const format = options.format ?? 'dot';
  if (options.topology) {
    if (format !== 'dot' && format !== 'mermaid' && format !== 'svg') throw new CliError(`--format must be svg, dot or mermaid, not ${format}`);
  } else {
    if (format !== 'dot' && format !== 'mermaid') throw new CliError(`--format must be dot or mermaid, not ${format} (svg needs --topology)`);
    if (options.tenant !== undefined) throw new CliError('--tenant needs --topology');
  }
  const specs = loadRunSpecs(paths, options);
  const state = openWorkspaceState(options);
  const snapshot = state.snapshot();
  state.close();
  // A partner's `--tenant` it does not own is refused here, before anything is read out.
  const tenants = partnerSelection(specs, snapshot.resources.values(), options);
  const partner = partnerName(options);
  const secrets = planningSecrets({ state, specs, partner, recorded: snapshot.resources, tenants: partner !== undefined ? tenants : undefined });
  const { plan } = makePlan({
    specs, lineage: snapshot.lineage, serial: snapshot.serial, recorded: secrets.recorded, digestSecret: secrets.digestSecret,
    ...(partner !== undefined && tenants ? { partner, tenants } : {}),
  });
  if (hasErrors(plan.diagnostics)) {
    throw new CliError(plan.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic).join('\n'));
  }
  if (options.topology) {
    const known = (t: string): boolean => specs.tenants.has(t) || [...snapshot.resources.values()].some((r) => r.tenant === t);
    if (options.tenant !== undefined && !known(options.tenant)) throw new CliError(`no tenant ${options.tenant} in the specs or the state`);
    const shown = options.tenant !== undefined ? [options.tenant]
      : [...(tenants ?? new Set([...snapshot.resources.values()].map((r) => r.tenant).concat(plan.changes.map((c) => c.tenant))))].sort();
    const topologies = shown.map((t) => topologyOf(snapshot.resources.values(), plan.changes, t));
    print(format === 'svg' ? await topologyToSvg(topologies) : format === 'dot' ? topologyToDot(topologies) : topologyToMermaid(topologies));
    return 0;
  }
  const { dag } = orderChanges(plan.changes);
  print(format === 'dot' ? toDot(dag) : toMermaid(dag));
  return 0;
}

export function toDot(dag: Dag<Step>): string {
  const lines = ['digraph netfirst {', '  rankdir = LR;', '  node [shape = box, fontname = "monospace"];'];
  for (const id of dag.nodes()) lines.push(`  ${JSON.stringify(id)} [label = ${JSON.stringify(`${SYMBOL[dag.value(id).kind]} ${id}`)}];`);
  for (const e of dag.edges()) lines.push(`  ${JSON.stringify(e.from)} -> ${JSON.stringify(e.to)};`);
  lines.push('}');
  return lines.join('\n');
}

export function toMermaid(dag: Dag<Step>): string {
  const ids = new Map(dag.nodes().map((id, i) => [id, `n${i}`] as const));
  const lines = ['flowchart LR'];
  for (const [id, short] of ids) lines.push(`  ${short}["${SYMBOL[dag.value(id).kind]} ${id.replaceAll('"', '#quot;')}"]`);
  for (const e of dag.edges()) lines.push(`  ${ids.get(e.from)} --> ${ids.get(e.to)}`);
  return lines.join('\n');
}
