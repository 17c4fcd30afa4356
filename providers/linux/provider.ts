/**
 * `createLinuxProvider`: a zone realized in the Linux kernel, inside network namespaces
 * the provider creates (topology.ts). Networks are bridges joined over a fabric, each
 * tenant has a router namespace with nftables for NAT and the firewall, VMs are
 * namespaces with a root directory of their own (vm-root.ts, entered by `exec` through
 * vm-enter.ts) — a stopped VM is one whose processes were ended and whose links are
 * down, its namespace, addresses, root and disks kept (`power`: read from its first
 * NIC's link) — disks sparse image files per storage tier, site-to-site VPN a strongSwan
 * instance in the router. `read` inspects the kernel, so what is deleted by hand shows
 * as drift; every create is idempotent, so recovery and repair are re-creates.
 *
 * Its own record (registry.ts) keeps the small indices kernel names derive from and
 * what it realized, for `list`/`inventory`. Work on one router is serialized.
 */
import { textOf as str, numberOf as num, recordOf as rec } from '../../specs/model/attribute-values.js';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, ftruncateSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ATTRIBUTES } from '../../specs/model/attributes.js';
import { formatIpv4, parseCidr } from '../../specs/model/net/ipv4.js';
import { RESOURCE_TYPES, type AttrValue, type Attributes, type ResourceTypeName } from '../../specs/model/resource.js';
import type { ZoneDoc } from '../../specs/schema.js';
import { GiB } from '../../specs/units.js';
import { type Desired, type Observed, type Provider, ProviderError, type Recorded, type ResourceType, type Scope } from '../contract.js';
import { runAttached } from './exec.js';
import type { CharonInstance } from './ipsec-charon.js';
import { DH_GROUPS, type DhGroup, type Encryption, type Hash, type IpsecPolicy } from './ipsec-config.js';
import { addresses, ensureAddress, kernelHas8021q, linkIsUp, namespaceExists, removeAddress } from './kernel.js';
import { IF, zoneNames, type Segment } from './names.js';
import { CHAIN, removeRules, rulesByComment, setRules, type RuleSpec } from './nft.js';
import { Locks, Registry, type RegistryObject } from './registry.js';
import {
  ensureFabric, ensureRouter, ensureSegment, ensureVm, missingSegment, removeRouter, removeSegment, removeVm, stopVm, teardownFabric, type ZoneContext,
} from './topology.js';
import { enterEnvironment, enterVmArgv } from './vm-enter.js';
import { ensureVmRoot, hasVmRoot, removeVmRoot, vmRootDir } from './vm-root.js';

type ZoneSpec = ZoneDoc['spec'];
type LinuxConfig = Extract<ZoneSpec['provider'], { type: 'linux' }>;

export interface LinuxProviderOptions {
  readonly zoneName: string;
  readonly zone: ZoneSpec;
  /** The provider's own directory (registry, strongSwan, default image directories). */
  readonly dir: string;
  /** Relative `storage` directories are resolved against this (the project directory). */
  readonly baseDir: string;
}

/** Types the linux provider realizes: the engine's contract minus remote-access VPN (see providers/capabilities.ts). */
export const LINUX_RESOURCE_TYPES: { readonly [T in ResourceTypeName]?: ResourceType } = Object.fromEntries(
  RESOURCE_TYPES.filter((t) => t !== 'vpn-user').map((type) => [type, { schema: ATTRIBUTES[type].schema, forceNew: ATTRIBUTES[type].forceNew, computed: [] }]),
);


export function createLinuxProvider(options: LinuxProviderOptions): Provider {
  const { zoneName, zone } = options;
  const config = zone.provider as LinuxConfig;
  if (config.type !== 'linux') throw new Error(`zone ${zoneName} asks for provider ${String((config as { type: string }).type)}, not linux`);
  const names = zoneNames(zoneName, config.prefix);
  const registry = new Registry(join(options.dir, 'registry.json'));
  const locks = new Locks();
  const pools = zone.publicIpPools.map((p) => ({ name: p.name, gateway: p.gateway, prefix: parseCidr(p.cidr)!.prefix }));
  const tierDir = (tier: string): string => resolve(options.baseDir, config.storage?.[tier] ?? join(options.dir, 'images', tier));
  const tierCapacity = (tier: string): number | undefined => zone.storageTiers.find((t) => t.name === tier)?.capacity;

  let context: Promise<ZoneContext> | undefined;
  /** Transport decided once (auto: 802.1Q when the kernel has it). */
  const ctx = (): Promise<ZoneContext> => (context ??= (async () => {
    const has8021q = config.transport === 'vxlan' ? false : await kernelHas8021q(`${names.base}-probe`);
    const transport = config.transport === 'vlan' || (config.transport !== 'vxlan' && has8021q) ? 'vlan' : 'vxlan';
    return { names, hosts: config.hosts ?? 2, transport, pools };
  })());

  /** strongSwan is loaded only by zones that use VPN. */
  const ipsec = (): Promise<typeof import('./ipsec.js')> => import('./ipsec.js');
  const charon = (routerIndex: number): CharonInstance => ({ netns: names.router(routerIndex), dir: join(options.dir, 'charon', `r${routerIndex}`) });

  function observed(o: RegistryObject, attributes: Attributes = o.attributes): Observed {
    return { providerId: o.providerId, address: o.address, type: o.type, tenant: o.tenant, attributes };
  }

  function record(d: Pick<Desired, 'address' | 'type' | 'tenant'>, providerId: string, attributes: Attributes): Observed {
    registry.put({ providerId, address: d.address, type: d.type, tenant: d.tenant, attributes });
    registry.save();
    return { providerId, address: d.address, type: d.type, tenant: d.tenant, attributes };
  }

  /** The tenant's router, made (with the zone's fabric) on first use. */
  async function routerOf(tenant: string): Promise<{ index: number; ns: string; c: ZoneContext }> {
    const c = await ctx();
    const index = registry.claimRouter(tenant);
    registry.save();
    await locks.with('zone', () => ensureFabric(c));
    const ns = await ensureRouter(c, index);
    return { index, ns, c };
  }

  /** After a delete: a router with nothing left goes, and the zone's fabric when no router is left. */
  async function collect(tenant: string): Promise<void> {
    const c = await ctx();
    const index = registry.routerIndex(tenant);
    if (index !== undefined && registry.tenantObjects(tenant).length === 0) {
      if (existsSync(charon(index).dir)) await (await ipsec()).stopCharon(charon(index));
      await removeRouter(c, index);
      registry.releaseRouter(tenant);
      registry.save();
    }
    if (registry.isEmpty()) await locks.with('zone', () => teardownFabric(c));
  }

  const segmentOf = (attributes: Attributes): Segment => {
    const s = rec(attributes['segment']);
    return { type: s['type'] === 'vxlan' ? 'vxlan' : 'vlan', id: num(s['id']) };
  };
  const prefixOf = (cidr: string): number => parseCidr(cidr)?.prefix ?? 24;

  // ------------------------------------------------------------------ NAT and firewall rules

  function rulesFor(type: ResourceTypeName, a: Attributes): RuleSpec[] {
    const ext = `oifname "${IF.external}"`;
    switch (type) {
      case 'network':
        return typeof a['sourceNatIp'] === 'string' ? [{ chain: CHAIN.post, rule: `${ext} ip saddr ${str(a['cidr'])} snat ip to ${str(a['sourceNatIp'])}` }] : [];
      case 'static-nat':
        return [
          { chain: CHAIN.pre, rule: `ip daddr ${str(a['address'])} dnat ip to ${str(a['vmIp'])}` },
          { chain: CHAIN.post, rule: `${ext} ip saddr ${str(a['vmIp'])} snat ip to ${str(a['address'])}`, position: 'insert' },
        ];
      case 'port-forward': {
        const proto = str(a['protocol']);
        return [
          { chain: CHAIN.pre, rule: `ip daddr ${str(a['address'])} ${proto} dport ${num(a['publicPort'])} dnat ip to ${str(a['vmIp'])}:${num(a['privatePort'])}` },
          { chain: CHAIN.fwdExt, rule: `ct original ip daddr ${str(a['address'])} ip daddr ${str(a['vmIp'])} ${proto} dport ${num(a['privatePort'])} accept` },
        ];
      }
      case 'firewall-rule': {
        const proto = str(a['protocol']);
        const ports = Array.isArray(a['ports']) ? a['ports'].filter((p): p is number => typeof p === 'number') : [];
        const from = Array.isArray(a['from']) ? a['from'].map(String).filter((c) => c !== '0.0.0.0/0') : [];
        const source = from.length > 0 ? ` ip saddr { ${from.join(', ')} }` : '';
        const match = proto === 'icmp' ? 'meta l4proto icmp' : ports.length > 0 ? `${proto} dport { ${ports.join(', ')} }` : `meta l4proto ${proto}`;
        return [{ chain: CHAIN.fwdExt, rule: `ct original ip daddr ${str(a['address'])}${source} ${match} accept` }];
      }
      case 'vpn-connection': {
        const remote = Array.isArray(a['peerCidrs']) ? a['peerCidrs'].map(String) : [];
        return [
          { chain: CHAIN.inExt, rule: `ip saddr ${str(a['peer'])} udp dport { 500, 4500 } accept` },
          { chain: CHAIN.inExt, rule: `ip saddr ${str(a['peer'])} meta l4proto esp accept` },
          // Only the tunnel (ipsec0) may carry the remote networks: never the Internet leg, in clear.
          ...(remote.length > 0 ? [{ chain: CHAIN.outExt, rule: `ip daddr { ${remote.join(', ')} } drop` }] : []),
        ];
      }
      default:
        return [];
    }
  }

  /** The engine's IPsec attributes as strongSwan's policy (the schema admits only what it offers). */
  function policy(p: Attributes): IpsecPolicy {
    const group = typeof p['group'] === 'number' && String(p['group']) in DH_GROUPS ? (p['group'] as DhGroup) : null;
    return { encryption: str(p['encryption']) as Encryption, hash: str(p['hash']) as Hash, group, lifetimeSeconds: num(p['lifetimeSeconds']) };
  }

  // ------------------------------------------------------------------ disks

  function usedBytes(dir: string): number {
    if (!existsSync(dir)) return 0;
    return readdirSync(dir).filter((f) => f.endsWith('.img')).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
  }

  /** A sparse image of `sizeGiB` at `path` in `tier`, refused beyond the tier's capacity. */
  function ensureImage(tier: string, file: string, sizeGiB: number): string {
    const dir = tierDir(tier);
    mkdirSync(dir, { recursive: true });
    const path = join(dir, file);
    const current = existsSync(path) ? statSync(path).size : 0;
    const wanted = sizeGiB * GiB;
    if (wanted < current) throw new ProviderError('invalid', `${path}: a disk cannot shrink (${current / GiB}GiB to ${sizeGiB}GiB)`);
    const capacity = tierCapacity(tier);
    if (capacity === undefined) throw new ProviderError('invalid', `storage tier ${tier} is not in zone ${zoneName}`);
    if (usedBytes(dir) - current + wanted > capacity) {
      throw new ProviderError('capacity', `storage tier ${tier} has ${((capacity - usedBytes(dir) + current) / GiB).toFixed(0)}GiB free, ${sizeGiB}GiB asked`);
    }
    const fd = openSync(path, existsSync(path) ? 'r+' : 'w');
    try {
      ftruncateSync(fd, wanted);
    } finally {
      closeSync(fd);
    }
    return path;
  }

  const imageName = (vmIndex: number, disk: string): string => `${names.vm(vmIndex)}-${disk}.img`;

  // ------------------------------------------------------------------ per type

  async function realize(d: Desired, prior?: Recorded): Promise<Observed> {
    const a = d.attributes;
    switch (d.type) {
      case 'network': {
        const { index, ns, c } = await routerOf(d.tenant);
        return locks.with(ns, async () => {
          const segment = segmentOf(a);
          if (prior && str(prior.attributes['gateway']) !== str(a['gateway'])) {
            await removeAddress(ns, IF.bridge(segment), `${str(prior.attributes['gateway'])}/${prefixOf(str(prior.attributes['cidr']))}`);
          }
          await ensureSegment(c, index, segment, `${str(a['gateway'])}/${prefixOf(str(a['cidr']))}`);
          await setRules(ns, d.address, rulesFor('network', a));
          return record(d, `${ns}/${IF.bridge(segment)}`, a);
        });
      }
      case 'public-ip': {
        const { ns } = await routerOf(d.tenant);
        return locks.with(ns, async () => {
          const pool = pools.find((p) => p.name === str(a['pool'])) ?? pools[0];
          if (prior && str(prior.attributes['address']) !== str(a['address'])) await removeAddress(ns, IF.external, `${str(prior.attributes['address'])}/${pool?.prefix ?? 24}`);
          await ensureAddress(ns, IF.external, `${str(a['address'])}/${pool?.prefix ?? 24}`);
          return record(d, `${ns}/${IF.external}/${str(a['address'])}`, a);
        });
      }
      case 'static-nat':
      case 'port-forward':
      case 'firewall-rule': {
        const { ns } = await routerOf(d.tenant);
        return locks.with(ns, async () => {
          await setRules(ns, d.address, rulesFor(d.type, a));
          return record(d, `${ns}/nft/${d.address}`, a);
        });
      }
      case 'vpn-connection': {
        const { index, ns } = await routerOf(d.tenant);
        return locks.with(ns, async () => {
          const psk = d.secrets['preSharedKey'];
          if (psk === undefined) throw new ProviderError('invalid', `${d.address}: no pre-shared key was handed over`);
          const ike = rec(a['ike']);
          const esp = rec(a['esp']);
          await setRules(ns, d.address, rulesFor('vpn-connection', a));
          const instance = charon(index);
          const { ensureCharon, loadTunnel } = await ipsec();
          await ensureCharon(instance);
          await loadTunnel(instance, {
            name: str(a['name']),
            localAddress: str(a['localAddress']),
            peer: str(a['peer']),
            localCidrs: (a['localCidrs'] as AttrValue[]).map(String),
            peerCidrs: (a['peerCidrs'] as AttrValue[]).map(String),
            ike: { ...policy(ike), group: policy(ike).group ?? 14 },
            esp: policy(esp),
            psk,
            dpd: a['dpd'] === true,
          });
          return record(d, `${ns}/ipsec/${str(a['name'])}`, a);
        });
      }
      case 'vm': {
        const c = await ctx();
        await routerOf(d.tenant); // the networks' bridges live on the hosts the fabric makes
        const index = registry.claimVm(d.address);
        registry.save();
        const host = (index - 1) % c.hosts;
        const nics = (a['nics'] as AttrValue[]).map((n) => {
          const net = registry.get(str(rec(n)['network']));
          if (!net) throw new ProviderError('not-found', `${d.address}: network ${str(rec(n)['network'])} is not realized in zone ${zoneName}`, { retryable: false });
          return { segment: segmentOf(net.attributes), address: str(rec(n)['ip']), prefix: prefixOf(str(net.attributes['cidr'])), gateway: str(net.attributes['gateway']) };
        });
        const root = rec(a['rootDisk']);
        if (prior && JSON.stringify(prior.attributes['rootDisk']) !== JSON.stringify(a['rootDisk']) && str(rec(prior.attributes['rootDisk'])['tier']) !== str(root['tier'])) {
          moveImage(str(rec(prior.attributes['rootDisk'])['tier']), str(root['tier']), imageName(index, 'root'));
        }
        ensureImage(str(root['tier']), imageName(index, 'root'), num(root['sizeGiB']));
        const running = a['power'] !== 'stopped';
        const ns = await ensureVm(c, index, host, nics, running);
        if (!running) await stopVm(c, index);
        ensureVmRoot(vmRootDir(options.dir, index), str(a['name']), ns);
        return record(d, ns, a);
      }
      case 'disk': {
        const vm = registry.vmIndex(str(a['vm']));
        if (vm === undefined) throw new ProviderError('not-found', `${d.address}: VM ${str(a['vm'])} is not realized in zone ${zoneName}`, { retryable: false });
        const file = imageName(vm, str(a['name']));
        if (prior && str(prior.attributes['tier']) !== str(a['tier'])) moveImage(str(prior.attributes['tier']), str(a['tier']), file);
        const path = ensureImage(str(a['tier']), file, num(a['sizeGiB']));
        return record(d, path, a);
      }
      case 'vpn-user':
        throw new ProviderError('invalid', `${d.address}: the linux provider has no remote-access VPN`, { retryable: false });
    }
  }

  function moveImage(fromTier: string, toTier: string, file: string): void {
    const from = join(tierDir(fromTier), file);
    if (!existsSync(from)) return;
    const size = statSync(from).size;
    const capacity = tierCapacity(toTier) ?? 0;
    if (usedBytes(tierDir(toTier)) + size > capacity) throw new ProviderError('capacity', `storage tier ${toTier} has no room for ${size / GiB}GiB`);
    mkdirSync(tierDir(toTier), { recursive: true });
    renameSync(from, join(tierDir(toTier), file));
  }

  /** What the kernel shows of a recorded resource; undefined when it is gone (or partly gone: a re-create repairs it). */
  async function inspect(r: Recorded): Promise<Observed | undefined> {
    const o = registry.get(r.address);
    const base = o ?? { providerId: r.providerId, address: r.address, type: r.type, tenant: r.tenant, attributes: r.attributes };
    const a = base.attributes;
    const c = await ctx();
    const index = registry.routerIndex(r.tenant);
    const routerNs = index === undefined ? undefined : names.router(index);
    const routerUp = routerNs !== undefined && (await namespaceExists(routerNs));
    const rulesPresent = async (): Promise<boolean> => {
      const want = rulesFor(r.type, a).length;
      const have = (await rulesByComment(routerNs!)).get(r.address)?.length ?? 0;
      return have === want;
    };
    switch (r.type) {
      case 'network': {
        if (!routerUp) return undefined;
        const segment = segmentOf(a);
        if ((await missingSegment(c, index!, segment)).length > 0) return undefined;
        const gw = (await addresses(routerNs!, IF.bridge(segment))).find((x) => x.address === str(a['gateway']));
        if (!gw || !(await rulesPresent())) return undefined;
        const cidr = parseCidr(`${gw.address}/${gw.prefix}`)!;
        return observed(base, { ...a, cidr: `${formatIpv4(cidr.first)}/${cidr.prefix}` });
      }
      case 'public-ip': {
        if (!routerUp) return undefined;
        const present = (await addresses(routerNs!, IF.external)).some((x) => x.address === str(a['address']));
        return present ? observed(base) : undefined;
      }
      case 'static-nat':
      case 'port-forward':
      case 'firewall-rule':
        return routerUp && (await rulesPresent()) ? observed(base) : undefined;
      case 'vpn-connection': {
        if (!routerUp || !(await rulesPresent())) return undefined;
        const state = await (await ipsec()).tunnelState(charon(index!), str(a['name']));
        return state.loaded ? observed(base) : undefined;
      }
      case 'vm': {
        const vm = registry.vmIndex(r.address);
        if (vm === undefined || !(await namespaceExists(names.vm(vm)))) return undefined;
        const held = await addresses(names.vm(vm));
        const nics = (a['nics'] as AttrValue[]).map((n, i) => ({ network: str(rec(n)['network']), ip: held.find((h) => h.ifname === IF.vmNic(i))?.address ?? '' }));
        if (nics.some((n) => n.ip === '')) return undefined;
        const root = join(tierDir(str(rec(a['rootDisk'])['tier'])), imageName(vm, 'root'));
        if (!existsSync(root) || !hasVmRoot(vmRootDir(options.dir, vm))) return undefined;
        // Running is the first NIC's link up (it carries the default route); stopVm takes every link down.
        const power = (await linkIsUp(names.vm(vm), IF.vmNic(0))) ? 'running' : 'stopped';
        return observed(base, { ...a, nics, rootDisk: { ...rec(a['rootDisk']), sizeGiB: Math.round(statSync(root).size / GiB) }, power });
      }
      case 'disk': {
        const vm = registry.vmIndex(str(a['vm']));
        const path = vm === undefined ? undefined : join(tierDir(str(a['tier'])), imageName(vm, str(a['name'])));
        return path && existsSync(path) ? observed(base, { ...a, sizeGiB: Math.round(statSync(path).size / GiB) }) : undefined;
      }
      case 'vpn-user':
        return undefined;
    }
  }

  async function remove(prior: Recorded): Promise<void> {
    const a = prior.attributes;
    const c = await ctx();
    const index = registry.routerIndex(prior.tenant);
    const ns = index === undefined ? undefined : names.router(index);
    const routerUp = ns !== undefined && (await namespaceExists(ns));
    switch (prior.type) {
      case 'network':
        if (routerUp) await locks.with(ns!, async () => {
          await removeSegment(c, index!, segmentOf(a));
          await removeRules(ns!, prior.address);
        });
        break;
      case 'public-ip':
        if (routerUp) {
          const pool = pools.find((p) => p.name === str(a['pool'])) ?? pools[0];
          await locks.with(ns!, () => removeAddress(ns!, IF.external, `${str(a['address'])}/${pool?.prefix ?? 24}`));
        }
        break;
      case 'static-nat':
      case 'port-forward':
      case 'firewall-rule':
        if (routerUp) await locks.with(ns!, () => removeRules(ns!, prior.address));
        break;
      case 'vpn-connection':
        if (routerUp) await locks.with(ns!, async () => {
          await (await ipsec()).unloadTunnel(charon(index!), str(a['name']));
          await removeRules(ns!, prior.address);
        });
        break;
      case 'vm': {
        const vm = registry.vmIndex(prior.address);
        if (vm !== undefined) {
          await removeVm(c, vm);
          rmSync(join(tierDir(str(rec(a['rootDisk'])['tier'])), imageName(vm, 'root')), { force: true });
          removeVmRoot(vmRootDir(options.dir, vm));
          registry.releaseVm(prior.address);
        }
        break;
      }
      case 'disk': {
        const vm = registry.vmIndex(str(a['vm']));
        if (vm !== undefined) rmSync(join(tierDir(str(a['tier'])), imageName(vm, str(a['name']))), { force: true });
        break;
      }
      case 'vpn-user':
        break;
    }
    registry.remove(prior.address);
    registry.save();
    await collect(prior.tenant);
  }

  return {
    name: 'linux',
    resourceTypes: LINUX_RESOURCE_TYPES,
    read: (r) => inspect(r),
    create: (d) => realize(d),
    update: (prior, d) => realize(d, prior),
    delete: (prior) => remove(prior),
    /** What the kernel really has, for refresh and adoption: registry objects that `read` still finds. */
    async *list(type: ResourceTypeName, scope: Scope) {
      for (const o of registry.objects()) {
        if (o.type !== type || (scope.tenant !== undefined && o.tenant !== scope.tenant)) continue;
        const seen = await inspect({ ...o, zone: zoneName });
        if (seen) yield seen;
      }
    },
    async inventory() {
      const out: Observed[] = [];
      for (const o of registry.objects()) {
        const seen = await inspect({ ...o, zone: zoneName });
        if (seen) out.push(seen);
      }
      return out;
    },
    async describe() {
      const c = await ctx();
      return [
        `provider linux: namespaces ${names.namespacePrefix}* (uplink ${names.uplink}, fabric ${names.fabric}, ${c.hosts} hosts)`,
        `segment transport: ${c.transport === 'vlan' ? '802.1Q sub-interfaces on the fabric trunk' : `VXLAN over the fabric${config.transport === 'vxlan' ? ' (as configured)' : ' (this kernel has no 8021q)'}`}`,
      ];
    },
    /**
     * Runs argv inside the VM, attached to this terminal; resolves to its exit code. The
     * command is in the VM's own network, mount, PID, UTS and IPC namespaces, with the
     * VM's root as `/` (vm-root.ts, vm-enter.ts): it reads the VM's files, never the host's.
     * A VM made before VMs had a root gets one here.
     */
    async exec(address: string, argv: readonly string[]) {
      const vm = registry.vmIndex(address);
      if (vm === undefined || !(await namespaceExists(names.vm(vm)))) throw new ProviderError('not-found', `${address} is not a VM realized in zone ${zoneName}`, { retryable: false });
      if (!(await linkIsUp(names.vm(vm), IF.vmNic(0)))) throw new ProviderError('invalid', `${address} is stopped: start it (power: running) to run commands in it`, { retryable: false });
      const root = vmRootDir(options.dir, vm);
      ensureVmRoot(root, str(registry.get(address)?.attributes['name'] ?? ''), names.vm(vm));
      return runAttached(enterVmArgv(names.vm(vm), root, argv), enterEnvironment(process.env));
    },
  };
}
