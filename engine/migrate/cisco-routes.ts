/**
 * Static routes (IOS `ip route`, ASA `route`). Routes into a VPN tunnel give that peer its
 * remote CIDRs; every other route is reported: the spec has no static routes, and a route to
 * a network behind another router means that network is not imported.
 */
import { tokens, type CiscoFormat, type ConfigBlock } from './cisco-config.js';
import type { FileContext } from './cisco-context.js';
import { cidrOf, isIpv4, netmaskLength, parseIpv4, prefixOf, type Prefix } from './cisco-ipv4.js';

export interface StaticRoute {
  readonly block: ConfigBlock;
  readonly prefix: Prefix;
  readonly iface?: string;
  readonly nextHop?: string;
  readonly vrf?: string;
}

export type RouteLine = StaticRoute | { readonly block: ConfigBlock; readonly broken: true };

function readIos(b: ConfigBlock, w: readonly string[]): RouteLine {
  let k = 2;
  const vrf = w[k] === 'vrf' ? w[k + 1] : undefined;
  if (vrf !== undefined) k += 2;
  const base = parseIpv4(w[k] ?? '');
  const len = netmaskLength(w[k + 1] ?? '');
  const via = w[k + 2];
  if (base === undefined || len === undefined || via === undefined || /^\d+$/.test(via)) return { block: b, broken: true };
  const iface = isIpv4(via) ? undefined : via;
  const nextHop = iface === undefined ? via : isIpv4(w[k + 3] ?? '') ? w[k + 3] : undefined;
  return { block: b, prefix: prefixOf(base, len), ...(iface ? { iface } : {}), ...(nextHop ? { nextHop } : {}), ...(vrf ? { vrf } : {}) };
}

function readAsa(b: ConfigBlock, w: readonly string[]): RouteLine {
  const base = parseIpv4(w[2] ?? '');
  const len = netmaskLength(w[3] ?? '');
  if (!w[1] || base === undefined || len === undefined || !w[4]) return { block: b, broken: true };
  return { block: b, prefix: prefixOf(base, len), iface: w[1], nextHop: w[4] };
}

export function readRoutes(blocks: readonly ConfigBlock[], format: CiscoFormat): RouteLine[] {
  const out: RouteLine[] = [];
  for (const b of blocks) {
    const w = tokens(b.head);
    if (w[0] === 'ip' && w[1] === 'route') out.push(readIos(b, w));
    else if (format === 'cisco-asa' && w[0] === 'route' && w.length >= 5) out.push(readAsa(b, w));
  }
  return out;
}

/** Reports every route not consumed (routes into tunnels are consumed by the VPN mapper). */
export function reportRoutes(cx: FileContext, routes: readonly RouteLine[], consumed: ReadonlySet<ConfigBlock>): void {
  for (const r of routes) {
    cx.f.claim(r.block);
    if (consumed.has(r.block)) continue;
    if ('broken' in r) {
      cx.f.report(r.block.head, 'could not parse', 'static route line could not be read (broken line?); check it by hand');
      continue;
    }
    const via = [r.iface, r.nextHop].filter((x) => x !== undefined).join(' ');
    const vrf = r.vrf ? ` in VRF ${r.vrf}` : '';
    if (r.prefix.len === 0) cx.f.report(r.block.head, 'default route', `default route${vrf} via ${via}: the cloud provides the tenant's Internet route`);
    else if (r.iface && /^null/i.test(r.iface)) cx.f.report(r.block.head, 'null route', `${cidrOf(r.prefix)}${vrf} is discarded (blackhole or aggregate); not in the spec`);
    else cx.f.report(r.block.head, 'static route', `${cidrOf(r.prefix)}${vrf} via ${via}: the spec has no static routes — if hosts behind ${r.nextHop ?? r.iface ?? 'it'} must be reached, import that network or add it to a VPN peer`);
  }
}
