/**
 * Site-to-site VPN peers: one per static crypto map entry (policy-based; CIDRs from the crypto
 * ACL), one per IPsec-protected tunnel interface (route-based; CIDRs from static routes into
 * the tunnel), and one per ASA `tunnel-group A type ipsec-l2l` no crypto map names. IKE comes
 * from the lowest-numbered IKE policy (the one tried first); ESP from the entry's first
 * transform set. Whatever a peer's settings say that the spec cannot hold is one note per peer.
 */
import type { ImportedIpsecPolicy, ImportedVpnPeer } from './model.js';
import { tokens, type ConfigBlock, type ConfigLine } from './cisco-config.js';
import type { FileContext } from './cisco-context.js';
import { readCryptoMaps, type CryptoMapEntry } from './cisco-crypto-map.js';
import { readIpsecCatalog, type IpsecCatalog, type Policy, type ProfileSettings } from './cisco-ipsec-params.js';
import type { CiscoInterface } from './cisco-interfaces.js';
import { cryptoAclCidrs } from './cisco-crypto-acl.js';
import { PrefixIndex } from './cisco-prefix-index.js';
import { isL2lPeerName, keyFor, readKeys, type KeyCatalog, type KeyEntry } from './cisco-psk.js';
import { cidrOf } from './cisco-ipv4.js';
import { redactSecrets } from './cisco-redact.js';
import type { RouteLine, StaticRoute } from './cisco-routes.js';

const policyOnly = ({ unsupported: _u, ...p }: Policy): ImportedIpsecPolicy => p;

interface Shared {
  readonly cx: FileContext;
  readonly catalog: IpsecCatalog;
  readonly keys: KeyCatalog;
  readonly ike: Policy | undefined;
  readonly usedKeys: Set<KeyEntry>;
}

function espOf(s: Shared, settings: ProfileSettings, notes: string[]): ImportedIpsecPolicy {
  const name = settings.transformSets.find((t) => s.catalog.transformSets.has(t));
  const set = name === undefined ? undefined : s.catalog.transformSets.get(name);
  if (settings.transformSets.length === 0) notes.push('no transform set named: ESP encryption and hash are left unset');
  else if (!set) notes.push(`transform set ${settings.transformSets.join(' ')} is not defined in this file: ESP encryption and hash are left unset`);
  else if (settings.transformSets.length > 1) notes.push(`several transform sets offered (${settings.transformSets.join(', ')}); the first defined one (${name}) is imported`);
  if (set) for (const u of set.unsupported) notes.push(`${u} is not in the spec's vocabulary`);
  for (const x of settings.notes) notes.push(x);
  const lifetime = settings.lifetimeSeconds ?? s.catalog.saLifetimeSeconds;
  return { ...(set ? policyOnly(set) : {}), ...(settings.pfsGroup === undefined ? {} : { group: settings.pfsGroup }), ...(lifetime === undefined ? {} : { lifetimeSeconds: lifetime }) };
}

function ikeOf(s: Shared, notes: string[]): ImportedIpsecPolicy {
  if (!s.ike) {
    notes.push('no IKE policy in this file: IKE parameters are left unset');
    return {};
  }
  for (const u of s.ike.unsupported) notes.push(`${u} is not in the spec's vocabulary`);
  return policyOnly(s.ike);
}

function peerFact(s: Shared, at: ConfigLine, key: string, hints: readonly (string | undefined)[], peer: string, cidrs: { local: string[]; peer: string[] }, settings: ProfileSettings, notes: string[]): ImportedVpnPeer {
  const ike = ikeOf(s, notes);
  const esp = espOf(s, settings, notes);
  const chosen = keyFor(s.keys, peer, settings.isakmpProfile);
  for (const k of chosen.used) s.usedKeys.add(k);
  for (const x of chosen.notes) notes.push(x);
  if (notes.length > 0) s.cx.f.report(at, 'VPN peer details', `${peer}: ${notes.join('; ')}`);
  const nameHints = [...new Set(hints.filter((h): h is string => h !== undefined && h !== ''))];
  return { key, nameHints, peer, peerCidrs: cidrs.peer, localCidrs: cidrs.local, ike, esp, ...(chosen.secret ? { preSharedKey: chosen.secret } : {}), source: s.cx.f.source(at) };
}

const localIndexes = new WeakMap<FileContext, PrefixIndex>();

/** The file's own networks, indexed once for every crypto ACL. */
function localNetworks(cx: FileContext): PrefixIndex {
  let index = localIndexes.get(cx);
  if (!index) localIndexes.set(cx, (index = new PrefixIndex(cx.ifaces.flatMap((i) => (i.address && i.kind === 'lan' ? [i.address.prefix] : [])))));
  return index;
}

function fromCryptoMap(s: Shared, e: CryptoMapEntry, appliedTo: ReadonlyMap<string, readonly string[]>): ImportedVpnPeer | undefined {
  const { cx } = s;
  if (e.dynamic || e.manual) {
    cx.f.report(e.head, e.dynamic ? 'dynamic crypto map entry' : 'manual-keyed crypto map', e.dynamic ? `entry ${e.map} ${e.seq} accepts any peer (dynamic map ${e.dynamic}): remote-access or dynamic-peer VPN, not in the spec` : 'manually keyed IPsec is not in the spec');
    return undefined;
  }
  const first = e.peers[0];
  if (!first) {
    cx.f.report(e.head, 'crypto map entry without peer', `entry ${e.map} ${e.seq} has no set peer; nothing to import`);
    return undefined;
  }
  const notes: string[] = [];
  if (e.peers.length > 1) notes.push(`backup peers ${e.peers.slice(1).map((p) => p.ip).join(', ')} are not in the spec`);
  if (!appliedTo.has(e.map)) notes.push(`crypto map ${e.map} is applied to no interface (inactive?)`);
  for (const o of e.other) notes.push(`'${redactSecrets(o.text)}' not in the spec`);
  let cidrs = { local: [] as string[], peer: [] as string[] };
  if (e.acl) {
    cx.aclUse.set(e.acl, `VPN ${e.map} ${e.seq}`);
    const r = cryptoAclCidrs(cx.acls.get(e.acl), e.acl, localNetworks(cx));
    cidrs = { local: r.local, peer: r.peer };
    for (const x of r.notes) notes.push(x);
  } else notes.push('no match address: the protected networks are unknown');
  return peerFact(s, e.head, `${e.map} ${e.seq}`, [e.description, e.settings.isakmpProfile, `${e.map}-${e.seq}`], first.ip, cidrs, e.settings, notes);
}

function fromTunnel(s: Shared, i: CiscoInterface, routes: readonly StaticRoute[]): ImportedVpnPeer {
  const profile = s.catalog.profiles.get(i.tunnelProfile!.name);
  const notes: string[] = [];
  if (!profile) notes.push(`IPsec profile ${i.tunnelProfile!.name} is not defined in this file`);
  if (!i.tunnelMode || !/ipsec/.test(i.tunnelMode.text)) notes.push('GRE over IPsec (no `tunnel mode ipsec`): imported as a plain IPsec peer');
  if (i.shutdown) notes.push(`${i.name} is shut down: imported anyway — drop the peer if it is unused`);
  if (routes.length === 0) notes.push('no static route points into the tunnel (dynamic routing?): the remote CIDRs must be filled in by hand');
  const settings = profile ?? { transformSets: [], notes: [] };
  const peerCidrs = routes.map((r) => cidrOf(r.prefix));
  return peerFact(s, i.block.head, i.name, [i.description, i.tunnelProfile!.name, i.name], i.tunnelDestination!.ip, { local: [], peer: peerCidrs }, settings, notes);
}

function reportIkePolicies(s: Shared): void {
  for (const p of s.catalog.ikePolicies.slice(1)) {
    s.cx.f.report(p.block.head, 'additional IKE policy', `the spec has one IKE proposal per peer; policy ${s.catalog.ikePolicies[0]!.priority} (tried first) is imported, this one is not`);
  }
}

function reportUnusedKeys(s: Shared): void {
  for (const k of s.keys.keys) {
    if (!s.usedKeys.has(k)) s.cx.f.report(k.line, 'unused pre-shared key', `key for ${k.peer} belongs to no imported peer (dynamic peers, or a peer defined elsewhere); not imported`);
  }
  for (const b of s.keys.emptyKeyrings) s.cx.f.report(b.head, 'keyring without keys', 'holds no pre-shared key; nothing to import');
}

export function mapVpn(cx: FileContext, routes: readonly RouteLine[]): Set<ConfigBlock> {
  const catalog = readIpsecCatalog(cx.config.blocks);
  const keys = readKeys(cx.config.blocks, cx.f);
  const maps = readCryptoMaps(cx.config.blocks, cx.ifaces);
  const first = catalog.ikePolicies.find((p) => p.version === 'ikev1') ?? catalog.ikePolicies[0];
  const s: Shared = { cx, catalog, keys, ike: first?.policy, usedKeys: new Set() };
  for (const blocks of [catalog.blocks, keys.blocks, maps.blocks]) cx.f.claimAll(blocks);
  const consumedRoutes = new Set<ConfigBlock>();
  for (const e of maps.entries) {
    const p = fromCryptoMap(s, e, maps.appliedTo);
    if (p) cx.f.addVpnPeer(p);
  }
  for (const l of maps.otherLines) cx.f.report(l, 'crypto map setting', `'${redactSecrets(tokens(l).slice(3).join(' '))}' is not in the spec`);
  const routesVia = new Map<string, StaticRoute[]>();
  for (const r of routes) {
    if ('broken' in r || r.iface === undefined) continue;
    const key = r.iface.toLowerCase();
    const list = routesVia.get(key);
    if (list) list.push(r);
    else routesVia.set(key, [r]);
  }
  for (const i of cx.ifaces.filter((x) => x.kind === 'tunnel' && x.tunnelDestination && x.tunnelProfile)) {
    const into = routesVia.get(i.name.toLowerCase()) ?? [];
    for (const r of into) consumedRoutes.add(r.block);
    cx.f.addVpnPeer(fromTunnel(s, i, into));
  }
  mapTunnelGroups(s);
  reportIkePolicies(s);
  reportUnusedKeys(s);
  return consumedRoutes;
}

/** ASA tunnel-groups: l2l groups named by a peer address become peers when no crypto map names them. */
function mapTunnelGroups(s: Shared): void {
  const peers = new Set(s.cx.f.vpnPeers.map((p) => p.peer));
  for (const g of s.keys.tunnelGroups.values()) {
    if (g.type === 'ipsec-l2l' && !isL2lPeerName(g)) {
      s.cx.f.claimAll(g.blocks);
      s.cx.f.report(g.typeLine ?? g.blocks[0]!.head, 'site-to-site tunnel-group by name', `tunnel-group ${g.name} is not named by a peer address, so its peer is unknown; add the peer by hand`);
    } else if (isL2lPeerName(g)) {
      s.cx.f.claimAll(g.blocks);
      if (peers.has(g.name)) continue;
      const notes = ['no crypto map names this peer: the protected networks are unknown'];
      s.cx.f.addVpnPeer(peerFact(s, g.typeLine ?? g.blocks[0]!.head, `tunnel-group ${g.name}`, [g.name], g.name, { local: [], peer: [] }, { transformSets: [], notes: [] }, notes));
    }
  }
}
