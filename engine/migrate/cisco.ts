/**
 * The Cisco importer: IOS / IOS-XE running-configs and ASA / PIX configs → import facts.
 * Pure: files in, `ImportResult` out. Per file it detects the dialect, reads blocks, then runs
 * the extractors in dependency order (networks before NAT, NAT before the firewall that
 * needs public addresses); whatever no extractor claimed is reported by cisco-leftovers.ts.
 * Secrets: texts are redacted as they are recorded, and every key value found is scrubbed
 * from all texts once more at the end.
 */
import { emptyResult, type ImportResult, type ImportedSecret, type SourceLine, type Unmapped } from './model.js';
import { readAcls } from './cisco-acl.js';
import { readBlocks, type CiscoConfig } from './cisco-config.js';
import type { FileContext } from './cisco-context.js';
import { detectCiscoFormat } from './cisco-detect.js';
import { Findings } from './cisco-findings.js';
import { mapFirewall } from './cisco-firewall.js';
import { interfaceLookup, readInterfaces } from './cisco-interfaces.js';
import { reportLeftovers } from './cisco-leftovers.js';
import { mapAsaNat } from './cisco-nat-asa.js';
import { mapIosNat } from './cisco-nat-ios.js';
import { mapPixNat } from './cisco-nat-pix.js';
import { mapNetworks } from './cisco-networks.js';
import { readObjects } from './cisco-objects.js';
import { PublicIpTable } from './cisco-public-ips.js';
import { scrubValues } from './cisco-redact.js';
import { readRoutes, reportRoutes } from './cisco-routes.js';
import { mapVpn } from './cisco-vpn.js';

export { UnsupportedFormat } from './model.js';

function importFile(path: string, text: string): { readonly config: CiscoConfig; readonly f: Findings } {
  const format = detectCiscoFormat(path, text);
  const config: CiscoConfig = { file: path, format, blocks: readBlocks(text, format) };
  const f = new Findings(path);
  const objects = readObjects(config.blocks);
  const ifaces = readInterfaces(config.blocks);
  const cx: FileContext = { config, f, ifaces, interfaceNamed: interfaceLookup(ifaces), objects, acls: readAcls(config.blocks, format, objects), aclUse: new Map(), publicIps: new PublicIpTable(f) };
  mapNetworks(config.blocks, ifaces, f);
  if (format === 'cisco-ios') mapIosNat(cx);
  else {
    mapAsaNat(cx);
    mapPixNat(cx);
  }
  for (const p of cx.publicIps.publicIps()) f.addPublicIp(p);
  markNatInside(f);
  const routes = readRoutes(config.blocks, format);
  reportRoutes(cx, routes, mapVpn(cx, routes));
  mapFirewall(cx);
  reportLeftovers(config.blocks, f);
  return { config, f };
}

/** A network some source NAT covers is NATed out (ASA has no `ip nat inside` to say so). */
function markNatInside(f: Findings): void {
  const natted = new Set(f.publicIps.flatMap((p) => p.sourceNatFor ?? []));
  f.networks.forEach((n, i) => {
    if (natted.has(n.key) && !n.natInside) f.replaceNetwork(i, { ...n, natInside: true });
  });
}

const secretValue = (s: ImportedSecret | undefined): string[] => (s?.kind === 'value' ? [s.value] : []);

/** Removes every known key value from report texts (a pattern may miss an unusual syntax). */
function scrubbed(result: ImportResult): ImportResult {
  const secrets = result.vpnPeers.flatMap((p) => secretValue(p.preSharedKey));
  if (secrets.length === 0) return result;
  const line = (s: SourceLine): SourceLine => (s.text === undefined ? s : { ...s, text: scrubValues(s.text, secrets) });
  const entry = (u: Unmapped): Unmapped => ({ source: line(u.source), construct: scrubValues(u.construct, secrets), reason: scrubValues(u.reason, secrets) });
  return {
    ...result,
    networks: result.networks.map((n) => ({ ...n, source: line(n.source) })),
    publicIps: result.publicIps.map((p) => ({ ...p, source: line(p.source), ...(p.portForwards ? { portForwards: p.portForwards.map((x) => ({ ...x, source: line(x.source) })) } : {}) })),
    firewall: result.firewall.map((r) => ({ ...r, source: line(r.source) })),
    vpnPeers: result.vpnPeers.map((p) => ({ ...p, source: line(p.source), ...(p.preSharedKey ? { preSharedKey: { ...p.preSharedKey, source: line(p.preSharedKey.source) } } : {}) })),
    unmapped: result.unmapped.map(entry),
  };
}

/** Imports Cisco configs; throws `UnsupportedFormat` for a file that is not one. */
export function importCisco(files: readonly { readonly path: string; readonly text: string }[]): ImportResult {
  const formats = new Map<string, string>();
  const base = emptyResult();
  const parts = files.map((file) => importFile(file.path, file.text));
  for (const { config } of parts) formats.set(config.file, config.format);
  return scrubbed({
    ...base,
    formats,
    networks: parts.flatMap((p) => p.f.networks),
    publicIps: parts.flatMap((p) => p.f.publicIps),
    firewall: parts.flatMap((p) => p.f.firewall),
    vpnPeers: parts.flatMap((p) => p.f.vpnPeers),
    unmapped: parts.flatMap((p) => [...p.f.unmapped].sort((a, b) => a.source.line - b.source.line)),
  });
}
