/**
 * The zone's shape in namespaces: an uplink (the Internet edge: a bridge holding the
 * public pools' gateways), a fabric (the switch hosts and routers hang off), N host
 * namespaces, one router namespace per tenant and one namespace per VM. Segments are a
 * bridge on the router and on every host, joined over the fabric by VXLAN (VNI from the
 * segment) or by 802.1Q sub-interfaces where the kernel has 8021q.
 */
import { ip, run } from './exec.js';
import {
  ensureAddress, ensureLink, ensureNamespace, linkDown, linkUp, links, namespacePids, removeLink, removeNamespace, sysctl,
} from './kernel.js';
import { hostUnderlayIp, IF, routerUnderlayIp, UNDERLAY_PREFIX, vniOf, type Segment, type ZoneNames } from './names.js';
import { ensureBaseRuleset } from './nft.js';

export interface ZoneContext {
  readonly names: ZoneNames;
  readonly hosts: number;
  readonly transport: 'vlan' | 'vxlan';
  /** Public pools: the uplink holds each gateway; routers default-route via the first. */
  readonly pools: readonly { readonly name: string; readonly gateway: string; readonly prefix: number }[];
}

/** Uplink, fabric and hosts, made if missing. */
export async function ensureFabric(ctx: ZoneContext): Promise<void> {
  const { names } = ctx;
  await ensureNamespace(names.uplink);
  await ensureLink(names.uplink, IF.uplinkBridge, () => ip(['link', 'add', IF.uplinkBridge, 'type', 'bridge'], names.uplink));
  await linkUp(names.uplink, IF.uplinkBridge);
  for (const p of ctx.pools) await ensureAddress(names.uplink, IF.uplinkBridge, `${p.gateway}/${p.prefix}`);
  // The edge routes between the public ranges (a tenant on pool A reaches a peer on pool
  // B); it has no route to any private range, so nothing private crosses it.
  await sysctl(names.uplink, 'net.ipv4.ip_forward', '1');
  await ensureNamespace(names.fabric);
  await ensureLink(names.fabric, IF.fabricBridge, () => ip(['link', 'add', IF.fabricBridge, 'type', 'bridge'], names.fabric));
  await linkUp(names.fabric, IF.fabricBridge);
  for (let n = 0; n < ctx.hosts; n++) {
    const host = names.host(n);
    await ensureNamespace(host);
    await ensureLink(host, IF.underlay, () => ip(['link', 'add', IF.fabricHostPort(n), 'type', 'veth', 'peer', 'name', IF.underlay, 'netns', host], names.fabric));
    await ip(['link', 'set', 'dev', IF.fabricHostPort(n), 'master', IF.fabricBridge, 'up'], names.fabric);
    await ensureAddress(host, IF.underlay, `${hostUnderlayIp(n)}/${UNDERLAY_PREFIX}`);
    await linkUp(host, IF.underlay);
  }
}

export async function teardownFabric(ctx: ZoneContext): Promise<void> {
  for (let n = 0; n < ctx.hosts; n++) await removeNamespace(ctx.names.host(n));
  await removeNamespace(ctx.names.fabric);
  await removeNamespace(ctx.names.uplink);
}

/** The tenant's router: legs on the fabric and the uplink, forwarding on, the base ruleset. */
export async function ensureRouter(ctx: ZoneContext, index: number): Promise<string> {
  const { names } = ctx;
  const ns = names.router(index);
  await ensureNamespace(ns);
  await ensureLink(ns, IF.underlay, () => ip(['link', 'add', IF.fabricRouterPort(index), 'type', 'veth', 'peer', 'name', IF.underlay, 'netns', ns], names.fabric));
  await ip(['link', 'set', 'dev', IF.fabricRouterPort(index), 'master', IF.fabricBridge, 'up'], names.fabric);
  await ensureAddress(ns, IF.underlay, `${routerUnderlayIp(index)}/${UNDERLAY_PREFIX}`);
  await linkUp(ns, IF.underlay);
  await ensureLink(ns, IF.external, () => ip(['link', 'add', IF.uplinkRouterPort(index), 'type', 'veth', 'peer', 'name', IF.external, 'netns', ns], names.uplink));
  await ip(['link', 'set', 'dev', IF.uplinkRouterPort(index), 'master', IF.uplinkBridge, 'up'], names.uplink);
  await linkUp(ns, IF.external);
  const first = ctx.pools[0];
  if (first) await ip(['route', 'replace', 'default', 'via', first.gateway, 'dev', IF.external, 'onlink'], ns);
  await sysctl(ns, 'net.ipv4.ip_forward', '1');
  await ensureBaseRuleset(ns);
  return ns;
}

/** Deleting the namespace takes its veths (and their peers) and its nft table with it. */
export async function removeRouter(ctx: ZoneContext, index: number): Promise<void> {
  await removeNamespace(ctx.names.router(index));
}

/** Where a segment's bridge lives: a namespace and its underlay address. */
interface Member {
  readonly ns: string;
  readonly underlayIp: string;
}

const members = (ctx: ZoneContext, routerIndex: number): Member[] => [
  { ns: ctx.names.router(routerIndex), underlayIp: routerUnderlayIp(routerIndex) },
  ...Array.from({ length: ctx.hosts }, (_, n) => ({ ns: ctx.names.host(n), underlayIp: hostUnderlayIp(n) })),
];

/** The segment's bridge on the router (with the gateway address) and on every host, joined over the fabric. */
export async function ensureSegment(ctx: ZoneContext, routerIndex: number, segment: Segment, gatewayCidr: string): Promise<void> {
  const all = members(ctx, routerIndex);
  for (const m of all) {
    const bridge = IF.bridge(segment);
    await ensureLink(m.ns, bridge, () => ip(['link', 'add', bridge, 'type', 'bridge'], m.ns));
    if (ctx.transport === 'vxlan') {
      const dev = IF.vxlan(segment);
      await ensureLink(m.ns, dev, () => ip(['link', 'add', dev, 'type', 'vxlan', 'id', String(vniOf(segment)), 'local', m.underlayIp, 'dstport', '4789', 'dev', IF.underlay], m.ns));
      // Head-end replication: broadcast and unknown frames go to every other member.
      const fdb = await run('bridge', ['-j', 'fdb', 'show', 'dev', dev], { netns: m.ns });
      const known = new Set((JSON.parse(fdb.trim() || '[]') as { mac: string; dst?: string }[]).filter((e) => e.mac === '00:00:00:00:00:00').map((e) => e.dst));
      for (const other of all) {
        if (other.ns !== m.ns && !known.has(other.underlayIp)) await run('bridge', ['fdb', 'append', '00:00:00:00:00:00', 'dev', dev, 'dst', other.underlayIp], { netns: m.ns });
      }
      await ip(['link', 'set', 'dev', dev, 'master', bridge, 'up'], m.ns);
    } else {
      const dev = IF.vlan(segment);
      await ensureLink(m.ns, dev, () => ip(['link', 'add', 'link', IF.underlay, 'name', dev, 'type', 'vlan', 'id', String(segment.id)], m.ns));
      await ip(['link', 'set', 'dev', dev, 'master', bridge, 'up'], m.ns);
    }
    await linkUp(m.ns, bridge);
    // VM ports that lost their bridge (deleted by hand) find it again by their alias.
    for (const l of await links(m.ns)) {
      if (l.ifalias === bridge && l.master !== bridge) await ip(['link', 'set', 'dev', l.ifname, 'master', bridge, 'up'], m.ns);
    }
  }
  await ensureAddress(ctx.names.router(routerIndex), IF.bridge(segment), gatewayCidr);
}

export async function removeSegment(ctx: ZoneContext, routerIndex: number, segment: Segment): Promise<void> {
  for (const m of members(ctx, routerIndex)) {
    await removeLink(m.ns, ctx.transport === 'vxlan' ? IF.vxlan(segment) : IF.vlan(segment));
    await removeLink(m.ns, IF.bridge(segment));
  }
}

/** Which members lack the segment's bridge (drift), empty when all have it. */
export async function missingSegment(ctx: ZoneContext, routerIndex: number, segment: Segment): Promise<string[]> {
  const out: string[] = [];
  for (const m of members(ctx, routerIndex)) {
    const names = new Set((await links(m.ns).catch(() => [])).map((l) => l.ifname));
    if (!names.has(IF.bridge(segment))) out.push(`${m.ns}/${IF.bridge(segment)}`);
  }
  return out;
}

export interface VmNic {
  readonly segment: Segment;
  readonly address: string;
  readonly prefix: number;
  readonly gateway: string;
}

/**
 * The VM namespace on host `host`: one veth per NIC into the segment's bridge, the default
 * route via the first NIC's gateway. A VM that is not `running` gets its NICs and
 * addresses but no link up and no route: what `stopVm` leaves, so making a stopped VM
 * again never starts it.
 */
export async function ensureVm(ctx: ZoneContext, index: number, host: number, nics: readonly VmNic[], running = true): Promise<string> {
  const ns = ctx.names.vm(index);
  const hostNs = ctx.names.host(host);
  await ensureNamespace(ns);
  for (const [i, nic] of nics.entries()) {
    const port = IF.hostVmPort(index, i);
    const bridge = IF.bridge(nic.segment);
    await ensureLink(ns, IF.vmNic(i), () => ip(['link', 'add', port, 'type', 'veth', 'peer', 'name', IF.vmNic(i), 'netns', ns], hostNs));
    await ip(['link', 'set', 'dev', port, 'alias', bridge], hostNs);
    await ip(['link', 'set', 'dev', port, 'master', bridge, 'up'], hostNs);
    // VXLAN takes 50 bytes of the fabric's 1500.
    await ip(['link', 'set', 'dev', IF.vmNic(i), 'mtu', '1450'], ns);
    await ensureAddress(ns, IF.vmNic(i), `${nic.address}/${nic.prefix}`);
    if (running) await linkUp(ns, IF.vmNic(i));
  }
  if (!running) return ns;
  const first = nics[0];
  if (first) await ip(['route', 'replace', 'default', 'via', first.gateway, 'dev', IF.vmNic(0)], ns);
  return ns;
}

/** How long processes of a stopping VM get to end after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 2_000;

/**
 * Stops VM `index`: its processes end (SIGTERM, then SIGKILL after a grace period) and
 * every link in its namespace goes down, so it answers nothing. The namespace, its NICs,
 * addresses, root directory and disk images stay: a start is `ensureVm(…, running)`.
 * Idempotent.
 */
export async function stopVm(ctx: ZoneContext, index: number): Promise<void> {
  const ns = ctx.names.vm(index);
  const signal = (pids: readonly number[], sig: NodeJS.Signals): void => {
    for (const pid of pids) {
      try {
        process.kill(pid, sig);
      } catch {
        // Gone already.
      }
    }
  };
  signal(await namespacePids(ns), 'SIGTERM');
  for (const end = Date.now() + STOP_GRACE_MS; Date.now() < end; ) {
    if ((await namespacePids(ns)).length === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  signal(await namespacePids(ns), 'SIGKILL');
  for (const link of await links(ns)) await linkDown(ns, link.ifname);
}

export async function removeVm(ctx: ZoneContext, index: number): Promise<void> {
  await removeNamespace(ctx.names.vm(index));
}
