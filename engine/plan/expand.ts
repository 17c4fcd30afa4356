/**
 * expand: one Tenant document → the resources it describes, as drafts. A draft is a
 * desired resource whose allocatable values are still `'auto'` (VLAN/VNI, gateway, NIC
 * and public addresses, cluster) and whose derived values (addresses of public IPs and
 * VMs used elsewhere) are `links` that `allocate` resolves. Drafts are fresh objects
 * that allocate completes in place, so 50k resources are built once, not copied per
 * stage. Pure: secrets are digested through the injected `digestSecret`, and unknown
 * references are left for `verify`.
 */
import { posix } from 'node:path';
import type { Diagnostic } from '../../specs/diagnostic.js';
import type { Loaded } from '../../specs/model.js';
import type { SecretSpec, TenantDoc } from '../../specs/schema.js';
import { GiB, MiB } from '../../specs/units.js';
import { ATTRIBUTES } from '../../specs/model/attributes.js';
import type { AttrValue, DesiredResource, ResourceTypeName, SecretRef, SourceRef } from '../../specs/model/resource.js';

/** Placeholder for a value `allocate` fills in. */
export const AUTO = 'auto';

/** A desired resource being completed: `allocate` fills its attributes in place. */
export interface Draft extends Omit<DesiredResource, 'attributes'> {
  readonly attributes: Record<string, AttrValue>;
}

/**
 * `attribute` of `owner` gets the value at `path` of `source` (the resource at `from`),
 * once allocated. Links stay inside one tenant; `source` is undefined when `from`
 * names nothing (verify reports the reference).
 */
export interface Link {
  readonly owner: Draft;
  readonly attribute: string;
  readonly from: string;
  readonly source: Draft | undefined;
  readonly path: readonly (string | number)[];
}

type LinkSpec = Omit<Link, 'owner' | 'source'>;

/**
 * Reads a secret of `tenant` and digests it, or says why it may not or cannot be read.
 * The tenant decides whose secret policy applies (engine/partners/secret-policy.ts).
 */
export type DigestSecret = (ref: SecretRef, baseDir: string, tenant: string) => { digest: string } | { error: string };

export interface ExpandOptions {
  /** Digests sensitive values; when absent (tenants outside the selection) they stay empty. */
  readonly digestSecret?: DigestSecret;
}

type Path = readonly (string | number)[];
type Tenant = TenantDoc['spec'];

export const networkAddress = (tenant: string, name: string): string => `${tenant}/network/${name}`;
export const publicIpAddress = (tenant: string, name: string): string => `${tenant}/public-ip/${name}`;
export const vmAddress = (tenant: string, name: string): string => `${tenant}/vm/${name}`;

/** Bytes → whole MiB / GiB, rounding up so a VM or disk never gets less than asked. */
const toMiB = (bytes: number): number => Math.ceil(bytes / MiB);
const toGiB = (bytes: number): number => Math.ceil(bytes / GiB);
const toSeconds = (ms: number): number => Math.round(ms / 1000);

/** First item of each name; later duplicates are verify's to report, not resources. */
function firstByName<T extends { readonly name: string }>(items: readonly T[]): Map<string, { item: T; index: number }> {
  const byName = new Map<string, { item: T; index: number }>();
  items.forEach((item, index) => {
    if (!byName.has(item.name)) byName.set(item.name, { item, index });
  });
  return byName;
}

/** The name a firewall rule gets when it has none: `web-tcp-80-443`, `web-icmp`, `web-udp` (all ports). */
export function firewallRuleName(rule: { publicIp: string; protocol: string; ports?: readonly number[] | undefined }): string {
  const ports = rule.protocol === 'icmp' || !rule.ports || rule.ports.length === 0 ? '' : `-${rule.ports.join('-')}`;
  return `${rule.publicIp}-${rule.protocol}${ports}`;
}

/**
 * Names of the firewall rules in spec order. Given names win; a generated name that is
 * taken gets `-2`, `-3`, … in spec order, so the result depends only on the list.
 * A repeated given name yields undefined (the duplicate is an error, not a resource).
 */
export function firewallRuleNames(rules: Tenant['firewall']): (string | undefined)[] {
  const taken = new Set<string>();
  const names: (string | undefined)[] = rules.map((rule) => {
    if (rule.name === undefined) return undefined;
    if (taken.has(rule.name)) return undefined;
    taken.add(rule.name);
    return rule.name;
  });
  rules.forEach((rule, i) => {
    if (rule.name !== undefined) return;
    const base = firewallRuleName(rule);
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
    taken.add(name);
    names[i] = name;
  });
  return names;
}

/** Expands one tenant document into drafts (sorted by address), their links, and the diagnostics of resolving its secrets. */
export function expandTenant(loaded: Loaded<TenantDoc>, options: ExpandOptions = {}): { drafts: Draft[]; links: Link[]; diagnostics: Diagnostic[] } {
  const { file, doc } = loaded;
  const tenant = loaded.value.metadata.name;
  const spec = loaded.value.spec;
  const zone = spec.zone;
  const baseDir = posix.dirname(file.split('\\').join('/'));
  const drafts: Draft[] = [];
  const pending: { owner: Draft; link: LinkSpec }[] = [];
  const diagnostics: Diagnostic[] = [];
  const tenantProtect = spec.protect === true;

  const networks = firstByName(spec.networks);
  const publicIps = firstByName(spec.publicIps);
  const vms = firstByName(spec.vms);
  const netAddr = (name: string): string => networkAddress(tenant, name);
  const ipAddr = (name: string): string => publicIpAddress(tenant, name);
  const vmAddr = (name: string): string => vmAddress(tenant, name);

  const add = (
    type: ResourceTypeName,
    address: string,
    path: Path,
    attributes: Record<string, AttrValue>,
    more: { dependsOn?: string[]; boundTo?: string[]; protect?: boolean | undefined; previously?: string | undefined; links?: LinkSpec[]; secrets?: Draft['secrets'] } = {},
  ): void => {
    const source: SourceRef = { file, doc, path };
    const dependsOn = unique(more.dependsOn ?? NONE);
    // Built field by field (no spreads): this runs once per resource of every tenant.
    const draft: { -readonly [K in keyof Draft]: Draft[K] } = {
      address,
      type,
      tenant,
      zone,
      attributes,
      dependsOn,
      boundTo: more.boundTo === more.dependsOn ? dependsOn : unique(more.boundTo ?? NONE),
      protect: tenantProtect || more.protect === true,
      sensitive: ATTRIBUTES[type].sensitive,
      secrets: more.secrets ?? NO_SECRETS,
      source,
    };
    if (more.previously !== undefined) draft.previously = more.previously;
    drafts.push(draft);
    if (more.links) for (const link of more.links) pending.push({ owner: draft, link });
  };

  /** The digest of a secret, or '' (with a diagnostic when it cannot be read). Plaintext is verify's to report. */
  const digest = (secret: SecretSpec, path: Path, what: string, address: string): { value: string; ref?: SecretRef & { baseDir: string } } => {
    if (typeof secret === 'string') return { value: '' };
    const ref: SecretRef & { baseDir: string } = 'env' in secret ? { env: secret.env, baseDir } : { file: secret.file, baseDir };
    if (!options.digestSecret) return { value: '', ref };
    const result = options.digestSecret('env' in secret ? { env: secret.env } : { file: secret.file }, baseDir, tenant);
    if ('digest' in result) return { value: result.digest, ref };
    diagnostics.push({ severity: 'error', summary: `cannot read the ${what}: ${result.error}`, file, doc, path, address });
    return { value: '', ref };
  };

  for (const [name, { item, index }] of networks) {
    const netLinks: LinkSpec[] = [];
    const dependsOn: string[] = [];
    if (item.sourceNat !== undefined) {
      netLinks.push({ attribute: 'sourceNatIp', from: ipAddr(item.sourceNat), path: ['address'] });
      dependsOn.push(ipAddr(item.sourceNat));
    }
    const segment = 'vlan' in item.segment ? { type: 'vlan', id: item.segment.vlan } : { type: 'vxlan', id: item.segment.vxlan };
    add(
      'network',
      netAddr(name),
      ['spec', 'networks', index],
      {
        name,
        cidr: item.cidr,
        gateway: item.gateway ?? AUTO,
        segment,
        sourceNatIp: item.sourceNat !== undefined ? AUTO : null,
        colocationHandoff: item.colocation?.handoff ?? null,
      },
      { dependsOn, protect: item.protect, previously: item.previously && netAddr(item.previously), links: netLinks },
    );
  }

  for (const [name, { item, index }] of publicIps) {
    const path = ['spec', 'publicIps', index];
    add('public-ip', ipAddr(name), path, { name, address: item.address, pool: item.pool ?? AUTO }, { protect: item.protect, previously: item.previously && ipAddr(item.previously) });
    const ipLink: LinkSpec = { attribute: 'address', from: ipAddr(name), path: ['address'] };
    if (item.staticNat) {
      const vm = vmAddr(item.staticNat.vm);
      const pair = [ipAddr(name), vm];
      add(
        'static-nat',
        `${tenant}/static-nat/${name}`,
        [...path, 'staticNat'],
        { publicIp: ipAddr(name), address: AUTO, vm, vmIp: AUTO },
        {
          dependsOn: pair,
          boundTo: pair,
          protect: item.protect,
          previously: item.previously && `${tenant}/static-nat/${item.previously}`,
          links: [ipLink, { attribute: 'vmIp', from: vm, path: ['nics', 0, 'ip'] }],
        },
      );
    }
    const forwards = new Set<string>();
    (item.portForwards ?? []).forEach((forward, j) => {
      const key = `${forward.protocol}-${forward.port}`;
      if (forwards.has(key)) return;
      forwards.add(key);
      const vm = vmAddr(forward.vm);
      const pair = [ipAddr(name), vm];
      add(
        'port-forward',
        `${tenant}/port-forward/${name}-${key}`,
        [...path, 'portForwards', j],
        { publicIp: ipAddr(name), address: AUTO, protocol: forward.protocol, publicPort: forward.port, vm, vmIp: AUTO, privatePort: forward.privatePort ?? forward.port },
        {
          dependsOn: pair,
          boundTo: pair,
          protect: item.protect,
          previously: item.previously && `${tenant}/port-forward/${item.previously}-${key}`,
          links: [ipLink, { attribute: 'vmIp', from: vm, path: ['nics', 0, 'ip'] }],
        },
      );
    });
  }

  const ruleNames = firewallRuleNames(spec.firewall);
  spec.firewall.forEach((rule, index) => {
    const name = ruleNames[index];
    if (name === undefined) return;
    const ip = ipAddr(rule.publicIp);
    const on = [ip];
    // After the address's port forwards: a provider filtering behind the NAT (CloudStack's ACLs) needs their private ports.
    const forwardsOn = (publicIps.get(rule.publicIp)?.item.portForwards ?? [])
      .filter((f) => f.protocol === rule.protocol && (rule.ports ?? []).includes(f.port))
      .map((f) => `${tenant}/port-forward/${rule.publicIp}-${f.protocol}-${f.port}`);
    add(
      'firewall-rule',
      `${tenant}/firewall/${name}`,
      ['spec', 'firewall', index],
      { publicIp: ip, address: AUTO, protocol: rule.protocol, ports: rule.ports ?? [], from: rule.from },
      { dependsOn: [...on, ...new Set(forwardsOn)], boundTo: on, links: [{ attribute: 'address', from: ip, path: ['address'] }] },
    );
  });

  for (const [name, { item, index }] of firstByName(spec.vpn?.siteToSite ?? [])) {
    const path = ['spec', 'vpn', 'siteToSite', index];
    const address = `${tenant}/vpn/${name}`;
    const local = item.localNetworks.map(netAddr);
    const localCidrs = item.localNetworks.flatMap((n) => networks.get(n)?.item.cidr ?? []);
    // The tunnel terminates on the source-NAT address of the first local network that has one.
    const nat = item.localNetworks.map((n) => networks.get(n)?.item.sourceNat).find((n) => n !== undefined);
    if (nat === undefined && item.localNetworks.some((n) => networks.has(n))) {
      diagnostics.push({ severity: 'error', summary: `site-to-site VPN needs a local network with sourceNat (vpn ${name} has none to terminate on)`, file, doc, path: [...path, 'localNetworks'], address });
    }
    const psk = digest(item.preSharedKey, [...path, 'preSharedKey'], `pre-shared key of vpn ${name}`, address);
    add(
      'vpn-connection',
      address,
      path,
      {
        name,
        peer: item.peer,
        peerCidrs: item.peerCidrs,
        localNetworks: local,
        localCidrs,
        localAddress: nat !== undefined ? AUTO : '',
        ike: { encryption: item.ike.encryption, hash: item.ike.hash, group: item.ike.dhGroup, lifetimeSeconds: toSeconds(item.ike.lifetime) },
        esp: { encryption: item.esp.encryption, hash: item.esp.hash, group: item.esp.pfsGroup ?? null, lifetimeSeconds: toSeconds(item.esp.lifetime) },
        dpd: item.dpd ?? false,
        preSharedKey: psk.value,
      },
      {
        dependsOn: nat !== undefined ? [...local, ipAddr(nat)] : local,
        boundTo: local,
        protect: item.protect,
        previously: item.previously && `${tenant}/vpn/${item.previously}`,
        links: nat !== undefined ? [{ attribute: 'localAddress', from: ipAddr(nat), path: ['address'] }] : [],
        secrets: psk.ref ? { preSharedKey: psk.ref } : {},
      },
    );
  }

  for (const [name, { item, index }] of firstByName(spec.vpn?.remoteAccess?.users ?? [])) {
    const path = ['spec', 'vpn', 'remoteAccess', 'users', index];
    const address = `${tenant}/vpn-user/${name}`;
    const password = digest(item.password, [...path, 'password'], `password of vpn user ${name}`, address);
    // Remote access terminates on the tenant's source-NAT address: users come after the networks egressing through it.
    const natNetworks = [...networks].filter(([, n]) => n.item.sourceNat !== undefined).map(([n]) => netAddr(n));
    add('vpn-user', address, path, { name, password: password.value }, { dependsOn: natNetworks, secrets: password.ref ? { password: password.ref } : {} });
  }

  for (const [name, { item, index }] of vms) {
    const path = ['spec', 'vms', index];
    const address = vmAddr(name);
    const nets = item.nics.map((nic) => netAddr(nic.network));
    add(
      'vm',
      address,
      path,
      {
        name,
        hypervisor: item.hypervisor,
        cluster: item.cluster ?? AUTO,
        cpu: item.cpu,
        memoryMiB: toMiB(item.memory),
        template: item.template,
        nics: item.nics.map((nic) => ({ network: netAddr(nic.network), ip: nic.ip })),
        rootDisk: { sizeGiB: toGiB(item.rootDisk.size), tier: item.rootDisk.tier },
        power: item.power,
      },
      { dependsOn: nets, boundTo: nets, protect: item.protect, previously: item.previously && vmAddr(item.previously) },
    );
    const onVm = [address];
    for (const [diskName, disk] of firstByName(item.disks)) {
      const renamed = item.previously !== undefined || disk.item.previously !== undefined;
      add(
        'disk',
        `${address}/disk/${diskName}`,
        [...path, 'disks', disk.index],
        { name: diskName, vm: address, sizeGiB: toGiB(disk.item.size), tier: disk.item.tier },
        {
          dependsOn: onVm,
          boundTo: onVm,
          protect: item.protect === true || disk.item.protect === true,
          previously: renamed ? `${vmAddr(item.previously ?? name)}/disk/${disk.item.previously ?? diskName}` : undefined,
        },
      );
    }
  }

  const targets = new Map<string, Draft>();
  for (const d of drafts) if (d.type === 'public-ip' || d.type === 'vm') targets.set(d.address, d);
  const links = pending.map(({ owner, link }): Link => ({ owner, attribute: link.attribute, from: link.from, source: targets.get(link.from), path: link.path }));
  // Address order within the tenant; buildDesired orders tenants so that the
  // concatenation is in address order too.
  drafts.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  return { drafts, links, diagnostics };
}

const NONE: readonly string[] = Object.freeze([]);
const NO_SECRETS: Draft['secrets'] = Object.freeze({});

function unique(addresses: readonly string[]): readonly string[] {
  if (addresses.length < 2) return addresses;
  if (addresses.length === 2) return addresses[0] === addresses[1] ? [addresses[0]!] : addresses;
  return [...new Set(addresses)];
}
