/**
 * Writing a drafted tenant: the Tenant YAML with a comment naming the source of every
 * imported item, the `*.secrets.env` text holding the keys the spec only references,
 * and the import report for people and for pipelines. Pure: text out, no files.
 */
import { basename } from 'node:path';
import { Document, isMap, isSeq, type Node } from 'yaml';
import { API_VERSION } from '../../specs/schema.js';
import { sourceLabel, type Annotated, type ReportEntry, type TenantDraft } from './draft.js';

/** The Tenant document as YAML. `sources` are the files read, named in the header. */
export function tenantYaml(draft: TenantDraft, sources: readonly string[], command: string): string {
  const spec: Record<string, unknown> = { zone: draft.zone };
  if (draft.networks.length > 0) spec['networks'] = draft.networks.map((a) => a.value);
  if (draft.publicIps.length > 0) spec['publicIps'] = draft.publicIps.map((a) => a.value);
  if (draft.firewall.length > 0) spec['firewall'] = draft.firewall.map((a) => a.value);
  if (draft.siteToSite.length > 0) spec['vpn'] = { siteToSite: draft.siteToSite.map((a) => a.value) };
  if (draft.vms.length > 0) spec['vms'] = draft.vms.map((a) => a.value);
  const doc = new Document({
    apiVersion: API_VERSION,
    kind: 'Tenant',
    metadata: { name: draft.tenant, ...(draft.partner !== undefined ? { partner: draft.partner } : {}) },
    spec,
  });
  const unmapped = draft.report.filter((r) => r.kind === 'unmapped').length;
  const review = draft.report.length - unmapped;
  doc.commentBefore = [
    ` Imported by \`${command}\` from ${sources.map((s) => basename(s)).join(', ')}.`,
    ` The comment above each item names the file and line it came from.`,
    ...(unmapped + review > 0 ? [` The import report lists ${unmapped} construct(s) not mapped and ${review} decision(s) to review.`] : []),
    ...(draft.secrets.length > 0 ? [` Secrets are references; their values are in the ${draft.tenant}.secrets.env file, never here.`] : []),
  ].join('\n');
  annotate(doc, ['spec', 'networks'], draft.networks, ['segment']);
  annotate(doc, ['spec', 'publicIps'], draft.publicIps, ['staticNat']);
  annotate(doc, ['spec', 'firewall'], draft.firewall, []);
  annotate(doc, ['spec', 'vpn', 'siteToSite'], draft.siteToSite, ['ike', 'esp', 'preSharedKey']);
  annotate(doc, ['spec', 'vms'], draft.vms, ['rootDisk']);
  flowItems(doc, ['spec', 'publicIps'], 'portForwards');
  flowItems(doc, ['spec', 'vms'], 'nics');
  flowItems(doc, ['spec', 'vms'], 'disks');
  flowLists(doc, ['spec', 'vpn', 'siteToSite'], ['peerCidrs', 'localNetworks']);
  flowLists(doc, ['spec', 'firewall'], ['ports', 'from']);
  return doc.toString({ lineWidth: 0 });
}

/** Comments before each item (`# core-sw1.cfg:118 — was VLAN 1050`), small maps on one line. */
function annotate<T>(doc: Document, path: readonly string[], items: readonly Annotated<T>[], flow: readonly string[]): void {
  const seq = doc.getIn(path, true);
  if (!isSeq(seq)) return;
  seq.items.forEach((node, i) => {
    const item = items[i];
    if (!item || !isMap(node)) return;
    const parts = [...(item.source ? [sourceLabel(item.source)] : []), ...item.notes];
    if (parts.length > 0) (node as Node).commentBefore = ` ${oneLine(parts.join(' — '))}`;
    for (const key of flow) {
      const child = node.get(key, true);
      if (isMap(child)) child.flow = true;
    }
  });
}

function flowItems(doc: Document, path: readonly string[], key: string): void {
  const seq = doc.getIn(path, true);
  if (!isSeq(seq)) return;
  for (const node of seq.items) {
    const list = isMap(node) ? node.get(key, true) : undefined;
    if (isSeq(list)) for (const item of list.items) if (isMap(item)) item.flow = true;
  }
}

function flowLists(doc: Document, path: readonly string[], keys: readonly string[]): void {
  const seq = doc.getIn(path, true);
  if (!isSeq(seq)) return;
  for (const node of seq.items) {
    for (const key of keys) {
      const list = isMap(node) ? node.get(key, true) : undefined;
      if (isSeq(list)) list.flow = true;
    }
  }
}

/** Comments must stay comments: a source text with a newline would end one. */
const oneLine = (text: string): string => text.replace(/[\r\n]+/g, ' ');

/** The `*.secrets.env` file: one `NAME='value'` per secret, empty where the source masked it. */
export function secretsEnv(draft: TenantDraft): string {
  const lines = [
    `# Secrets of tenant ${draft.tenant}, written by netfirst import. Keep this file out of git.`,
    `# The spec references them as { env: NAME }; load them before plan/apply with:`,
    `#   set -a; . ./${draft.tenant}.secrets.env; set +a`,
  ];
  for (const s of draft.secrets) {
    lines.push('', `# ${oneLine(s.what)} — ${sourceLabel(s.source)}`);
    if (s.value === undefined) lines.push(`# masked or missing in the source: fill in the value`, `${s.env}=`);
    else lines.push(`${s.env}=${shellQuote(s.value)}`);
  }
  return lines.join('\n') + '\n';
}

/** Single-quoted for POSIX shells, which take everything inside literally. */
const shellQuote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

export interface Counts {
  readonly networks: number;
  readonly vlans: number;
  readonly publicIps: number;
  readonly firewallRules: number;
  readonly vpnPeers: number;
  readonly vms: number;
  readonly unmapped: number;
  readonly review: number;
}

export function countsOf(draft: TenantDraft): Counts {
  return {
    networks: draft.networks.length,
    vlans: draft.networks.filter((n) => n.value.segment.vlan !== 'auto').length,
    publicIps: draft.publicIps.length,
    firewallRules: draft.firewall.length,
    vpnPeers: draft.siteToSite.length,
    vms: draft.vms.length,
    unmapped: draft.report.filter((r) => r.kind === 'unmapped').length,
    review: draft.report.filter((r) => r.kind === 'review').length,
  };
}

const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** The report for people: what was imported, then every construct not mapped and every decision to check. */
export function reportText(draft: TenantDraft): string {
  const c = countsOf(draft);
  const lines = [
    `Imported tenant ${draft.tenant} for zone ${draft.zone}: ${plural(c.networks, 'network')} (${c.vlans} with a fixed VLAN), ${plural(c.publicIps, 'public IP')}, ${plural(c.firewallRules, 'firewall rule')}, ${plural(c.vpnPeers, 'VPN peer')}, ${plural(c.vms, 'VM')}.`,
  ];
  const section = (kind: ReportEntry['kind'], title: string): void => {
    const entries = draft.report.filter((r) => r.kind === kind);
    if (entries.length === 0) return;
    lines.push('', `${title} (${entries.length}):`);
    for (const r of entries) lines.push(`  ${r.file}:${r.line}: ${oneLine(r.construct)}: ${oneLine(r.reason)}`);
  };
  section('unmapped', 'Not mapped');
  section('review', 'To review');
  return lines.join('\n');
}
