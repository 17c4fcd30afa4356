/**
 * Names and references inside one tenant: duplicate names in a list, references to
 * names that do not exist (with "did you mean", or which tenant or zone does own the
 * name: names are per tenant, zone resources per zone), templates and clusters that do
 * not suit the VM's hypervisor, plaintext secrets, and ports on ICMP rules.
 */
import type { Diagnostic } from '../../specs/diagnostic.js';
import { formatPath } from '../../specs/diagnostic.js';
import type { Loaded, SpecSet } from '../../specs/model.js';
import type { TenantDoc, ZoneDoc } from '../../specs/schema.js';
import { didYouMean } from '../../specs/suggest.js';
import { finding, suggestion, type Path } from './verify-context.js';

type TenantKind = 'network' | 'public IP' | 'VM';
type ZoneKind = 'storage tier' | 'template' | 'cluster' | 'public IP pool';

const PLAINTEXT = 'plaintext secret: use { env: NAME } or { file: path }; the value is not shown';

/**
 * Which tenants and zones own each name, built once per verify run and only when an
 * unknown reference needs explaining.
 */
export class NameOwners {
  private tenantNames: Map<string, string[]> | undefined;
  private zoneNames: Map<string, string[]> | undefined;

  constructor(private readonly specs: SpecSet) {}

  tenantsWith(kind: TenantKind, name: string): readonly string[] {
    if (!this.tenantNames) {
      this.tenantNames = new Map();
      for (const [tenant, { value }] of this.specs.tenants) {
        const add = (k: TenantKind, n: string): void => push(this.tenantNames!, `${k}:${n}`, tenant);
        for (const n of value.spec.networks) add('network', n.name);
        for (const p of value.spec.publicIps) add('public IP', p.name);
        for (const v of value.spec.vms) add('VM', v.name);
      }
    }
    return [...new Set(this.tenantNames.get(`${kind}:${name}`) ?? [])];
  }

  zonesWith(kind: ZoneKind, name: string): readonly string[] {
    if (!this.zoneNames) {
      this.zoneNames = new Map();
      for (const [zone, { value }] of this.specs.zones) {
        for (const n of zoneNamesOf(value, 'storage tier')) push(this.zoneNames, `storage tier:${n}`, zone);
        for (const n of zoneNamesOf(value, 'template')) push(this.zoneNames, `template:${n}`, zone);
        for (const n of zoneNamesOf(value, 'cluster')) push(this.zoneNames, `cluster:${n}`, zone);
        for (const n of zoneNamesOf(value, 'public IP pool')) push(this.zoneNames, `public IP pool:${n}`, zone);
      }
    }
    return this.zoneNames.get(`${kind}:${name}`) ?? [];
  }
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function zoneNamesOf(zone: ZoneDoc, kind: ZoneKind): string[] {
  const spec = zone.spec;
  switch (kind) {
    case 'storage tier':
      return spec.storageTiers.map((t) => t.name);
    case 'template':
      return spec.templates.map((t) => t.name);
    case 'cluster':
      return spec.clusters.map((c) => c.name);
    case 'public IP pool':
      return spec.publicIpPools.map((p) => p.name);
  }
}

export function verifyReferences(loaded: Loaded<TenantDoc>, specs: SpecSet, owners: NameOwners, visible: (tenant: string) => boolean = () => true): Diagnostic[] {
  const out: Diagnostic[] = [];
  const tenant = loaded.value.metadata.name;
  const spec = loaded.value.spec;
  const at = (path: Path, summary: string, address?: string): void => {
    out.push(finding(loaded, path, summary, address !== undefined ? { address } : {}));
  };

  // Zone
  const zone = specs.zones.get(spec.zone)?.value;
  if (!zone) at(['spec', 'zone'], `unknown zone "${spec.zone}"${suggestion(didYouMean(spec.zone, specs.zones.keys()))}`);

  // Duplicate names
  const duplicates = (items: readonly { name?: string | undefined }[], listPath: Path, kind: string): void => {
    const first = new Map<string, number>();
    items.forEach((item, i) => {
      if (item.name === undefined) return;
      const before = first.get(item.name);
      if (before === undefined) first.set(item.name, i);
      else at([...listPath, i, 'name'], `duplicate ${kind} name "${item.name}" (already used at ${formatPath([...listPath, before])})`);
    });
  };
  duplicates(spec.networks, ['spec', 'networks'], 'network');
  duplicates(spec.publicIps, ['spec', 'publicIps'], 'public IP');
  duplicates(spec.firewall, ['spec', 'firewall'], 'firewall rule');
  duplicates(spec.vpn?.siteToSite ?? [], ['spec', 'vpn', 'siteToSite'], 'VPN');
  duplicates(spec.vpn?.remoteAccess?.users ?? [], ['spec', 'vpn', 'remoteAccess', 'users'], 'VPN user');
  duplicates(spec.vms, ['spec', 'vms'], 'VM');
  spec.vms.forEach((vm, i) => duplicates(vm.disks, ['spec', 'vms', i, 'disks'], `disk (of vm ${vm.name})`));
  // References to the tenant's own names
  const names = {
    network: new Set(spec.networks.map((n) => n.name)),
    'public IP': new Set(spec.publicIps.map((p) => p.name)),
    VM: new Set(spec.vms.map((v) => v.name)),
  } satisfies Record<TenantKind, Set<string>>;
  const refer = (kind: TenantKind, name: string, path: Path): void => {
    if (names[kind].has(name)) return;
    // An exact owner elsewhere explains more than a near miss here.
    const elsewhere = owners.tenantsWith(kind, name).filter((t) => t !== tenant && visible(t));
    const why = elsewhere.length > 0 ? ` (${kind} "${name}" belongs to tenant ${elsewhere.join(', ')}; names are per tenant)` : suggestion(didYouMean(name, names[kind]));
    at(path, `unknown ${kind} "${name}"${why}`);
  };
  spec.networks.forEach((n, i) => {
    if (n.sourceNat !== undefined) refer('public IP', n.sourceNat, ['spec', 'networks', i, 'sourceNat']);
  });
  spec.publicIps.forEach((p, i) => {
    if (p.staticNat) refer('VM', p.staticNat.vm, ['spec', 'publicIps', i, 'staticNat', 'vm']);
    (p.portForwards ?? []).forEach((f, j) => refer('VM', f.vm, ['spec', 'publicIps', i, 'portForwards', j, 'vm']));
  });
  spec.firewall.forEach((r, i) => refer('public IP', r.publicIp, ['spec', 'firewall', i, 'publicIp']));
  (spec.vpn?.siteToSite ?? []).forEach((v, i) => v.localNetworks.forEach((n, j) => refer('network', n, ['spec', 'vpn', 'siteToSite', i, 'localNetworks', j])));
  spec.vms.forEach((vm, i) => vm.nics.forEach((nic, j) => refer('network', nic.network, ['spec', 'vms', i, 'nics', j, 'network'])));

  // References to the zone's names
  if (zone) {
    const zoneNames = {
      'storage tier': zoneNamesOf(zone, 'storage tier'),
      template: zoneNamesOf(zone, 'template'),
      cluster: zoneNamesOf(zone, 'cluster'),
      'public IP pool': zoneNamesOf(zone, 'public IP pool'),
    } satisfies Record<ZoneKind, string[]>;
    const referZone = (kind: ZoneKind, name: string, path: Path): boolean => {
      if (zoneNames[kind].includes(name)) return true;
      const elsewhere = owners.zonesWith(kind, name);
      const why =
        elsewhere.length > 0
          ? ` (${kind} "${name}" is in zone ${elsewhere.join(', ')}, not in zone ${spec.zone} where tenant ${tenant} lives)`
          : suggestion(didYouMean(name, zoneNames[kind]));
      at(path, `unknown ${kind} "${name}" in zone ${spec.zone}${why}`);
      return false;
    };
    spec.publicIps.forEach((p, i) => {
      if (p.pool !== undefined) referZone('public IP pool', p.pool, ['spec', 'publicIps', i, 'pool']);
    });
    spec.vms.forEach((vm, i) => {
      const path = ['spec', 'vms', i];
      referZone('storage tier', vm.rootDisk.tier, [...path, 'rootDisk', 'tier']);
      vm.disks.forEach((d, j) => referZone('storage tier', d.tier, [...path, 'disks', j, 'tier']));
      if (referZone('template', vm.template, [...path, 'template'])) {
        const offered = zone.spec.templates.find((t) => t.name === vm.template)!.hypervisors;
        if (!offered.includes(vm.hypervisor)) at([...path, 'template'], `template ${vm.template} is not offered for ${vm.hypervisor} (only ${offered.join(', ')})`);
      }
      if (vm.cluster !== undefined && referZone('cluster', vm.cluster, [...path, 'cluster'])) {
        const cluster = zone.spec.clusters.find((c) => c.name === vm.cluster)!;
        if (cluster.hypervisor !== vm.hypervisor) at([...path, 'cluster'], `cluster ${cluster.name} runs ${cluster.hypervisor}, not ${vm.hypervisor}`);
      }
    });
  }

  // Secrets and rule shapes
  (spec.vpn?.siteToSite ?? []).forEach((v, i) => {
    if (typeof v.preSharedKey === 'string') at(['spec', 'vpn', 'siteToSite', i, 'preSharedKey'], PLAINTEXT);
  });
  (spec.vpn?.remoteAccess?.users ?? []).forEach((u, i) => {
    if (typeof u.password === 'string') at(['spec', 'vpn', 'remoteAccess', 'users', i, 'password'], PLAINTEXT);
  });
  spec.firewall.forEach((r, i) => {
    if (r.protocol === 'icmp' && r.ports !== undefined) at(['spec', 'firewall', i, 'ports'], 'ports are not allowed on an icmp rule (icmp has no ports)');
  });
  return out;
}
