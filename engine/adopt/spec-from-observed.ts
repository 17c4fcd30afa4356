/**
 * Adoption, the pure half: what a provider reports for one tenant's objects, written
 * back as the Tenant spec that describes exactly them. Every value the engine would
 * otherwise allocate (VLANs, IPs, public addresses, clusters) is written as it is, so
 * the plan of the written spec against the adopted records is empty. Secrets cannot be
 * read back from a provider: the spec references an environment variable per secret,
 * named here, whose value the operator supplies.
 */
import { textOf as str, numberOf as num, listOf as list, recordOf as rec } from '../../specs/model/attribute-values.js';
import { Document, isMap, isSeq, type Node } from 'yaml';
import { envName } from '../migrate/naming.js';
import { API_VERSION } from '../../specs/schema.js';
import { formatSeconds, formatSize, GiB, MiB } from '../../specs/units.js';
import type { Observed } from '../../providers/contract.js';

export interface AdoptedSpec {
  readonly tenant: string;
  /** The Tenant document as plain data (validated later like any spec). */
  readonly document: Record<string, unknown>;
  /** Environment variables the spec references, with what each must hold. */
  readonly secrets: readonly { readonly env: string; readonly what: string }[];
  /** Objects the spec language cannot express (they stay unmanaged and show in the plan). */
  readonly problems: readonly string[];
}

/** `acme/network/office` → `office`. */
const lastName = (address: string): string => address.split('/').pop() ?? address;
const byName = <T extends { name: string }>(a: T, b: T): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The spec of one tenant's objects (all of one zone). */
export function specFromObserved(tenant: string, zone: string, objects: readonly Observed[]): AdoptedSpec {
  const of = (type: Observed['type']): Observed[] => objects.filter((o) => o.type === type).sort((a, b) => (a.address < b.address ? -1 : 1));
  const problems: string[] = [];
  const secrets: { env: string; what: string }[] = [];

  const publicIps = of('public-ip');
  const ipByAddress = new Map(publicIps.map((o) => [str(o.attributes['address']), str(o.attributes['name'])]));
  const networks = of('network').map((o) => {
    const a = o.attributes;
    const segment = rec(a['segment']);
    const out: Record<string, unknown> = {
      name: str(a['name']),
      cidr: str(a['cidr']),
      gateway: str(a['gateway']),
      segment: { [str(segment['type']) === 'vxlan' ? 'vxlan' : 'vlan']: num(segment['id']) },
    };
    const nat = a['sourceNatIp'];
    if (typeof nat === 'string') {
      const name = ipByAddress.get(nat);
      if (name !== undefined) out['sourceNat'] = name;
      else problems.push(`${o.address}: egresses through ${nat}, which is no public IP of the tenant`);
    }
    if (typeof a['colocationHandoff'] === 'string') out['colocation'] = { handoff: a['colocationHandoff'] };
    return out;
  });

  const staticNats = of('static-nat');
  const forwards = of('port-forward');
  const ips = publicIps.map((o) => {
    const a = o.attributes;
    const out: Record<string, unknown> = { name: str(a['name']), address: str(a['address']), pool: str(a['pool']) };
    const nat = staticNats.find((s) => s.attributes['publicIp'] === o.address);
    if (nat) out['staticNat'] = { vm: lastName(str(nat.attributes['vm'])) };
    const fw = forwards.filter((f) => f.attributes['publicIp'] === o.address);
    if (fw.length > 0) {
      out['portForwards'] = fw.map((f) => {
        const port = num(f.attributes['publicPort']);
        const privatePort = num(f.attributes['privatePort']);
        return { protocol: str(f.attributes['protocol']), port, ...(privatePort !== port ? { privatePort } : {}), vm: lastName(str(f.attributes['vm'])) };
      });
    }
    return out;
  });
  const ipAddresses = new Set(publicIps.map((o) => o.address));
  for (const o of [...staticNats, ...forwards]) {
    if (!ipAddresses.has(str(o.attributes['publicIp']))) problems.push(`${o.address}: its public IP ${str(o.attributes['publicIp'])} is not among the tenant's objects`);
  }

  const firewall = of('firewall-rule').map((o) => {
    const a = o.attributes;
    const ports = list(a['ports']).filter((p): p is number => typeof p === 'number');
    return { name: lastName(o.address), publicIp: lastName(str(a['publicIp'])), protocol: str(a['protocol']), ...(ports.length > 0 ? { ports } : {}), from: list(a['from']).map(String) };
  });

  const siteToSite = of('vpn-connection').map((o) => {
    const a = o.attributes;
    const ike = rec(a['ike']);
    const esp = rec(a['esp']);
    const name = str(a['name']);
    const env = envName(tenant, name, 'psk');
    secrets.push({ env, what: `pre-shared key of VPN ${name} (peer ${str(a['peer'])}) as configured now` });
    return {
      name,
      peer: str(a['peer']),
      peerCidrs: list(a['peerCidrs']).map(String),
      localNetworks: list(a['localNetworks']).map((n) => lastName(String(n))),
      ike: { encryption: str(ike['encryption']), hash: str(ike['hash']), dhGroup: num(ike['group']), lifetime: formatSeconds(num(ike['lifetimeSeconds'])) },
      esp: {
        encryption: str(esp['encryption']), hash: str(esp['hash']),
        ...(typeof esp['group'] === 'number' ? { pfsGroup: esp['group'] } : {}),
        lifetime: formatSeconds(num(esp['lifetimeSeconds'])),
      },
      preSharedKey: { env },
      dpd: a['dpd'] === true,
    };
  });
  const users = of('vpn-user').map((o) => {
    const name = str(o.attributes['name']);
    const env = envName(tenant, name, 'password');
    secrets.push({ env, what: `password of VPN user ${name} as configured now` });
    return { name, password: { env } };
  });

  const disks = of('disk');
  const vms = of('vm').map((o) => {
    const a = o.attributes;
    const memoryMiB = num(a['memoryMiB']);
    const root = rec(a['rootDisk']);
    const own = disks.filter((d) => d.attributes['vm'] === o.address).map((d) => ({ name: str(d.attributes['name']), size: formatSize(num(d.attributes['sizeGiB']) * GiB), tier: str(d.attributes['tier']) })).sort(byName);
    return {
      name: str(a['name']),
      hypervisor: str(a['hypervisor']),
      cluster: str(a['cluster']),
      cpu: num(a['cpu']),
      memory: formatSize(memoryMiB * MiB),
      template: str(a['template']),
      nics: list(a['nics']).map((n) => ({ network: lastName(str(rec(n)['network'])), ip: str(rec(n)['ip']) })),
      rootDisk: { size: formatSize(num(root['sizeGiB']) * GiB), tier: str(root['tier']) },
      ...(own.length > 0 ? { disks: own } : {}),
      // Running is the default: only a stopped VM says so.
      ...(a['power'] === 'stopped' ? { power: 'stopped' } : {}),
    };
  });
  const vmAddresses = new Set(of('vm').map((o) => o.address));
  for (const d of disks) if (!vmAddresses.has(str(d.attributes['vm']))) problems.push(`${d.address}: attached to ${str(d.attributes['vm'])}, which is not among the tenant's objects`);

  const spec: Record<string, unknown> = { zone };
  if (networks.length > 0) spec['networks'] = networks;
  if (ips.length > 0) spec['publicIps'] = ips;
  if (firewall.length > 0) spec['firewall'] = firewall;
  if (siteToSite.length > 0 || users.length > 0) {
    spec['vpn'] = { ...(siteToSite.length > 0 ? { siteToSite } : {}), ...(users.length > 0 ? { remoteAccess: { users } } : {}) };
  }
  if (vms.length > 0) spec['vms'] = vms;
  return { tenant, document: { apiVersion: API_VERSION, kind: 'Tenant', metadata: { name: tenant }, spec }, secrets, problems };
}

/** The adopted spec as YAML, small maps on one line, with a header saying where it came from. */
export function adoptedYaml(adopted: AdoptedSpec, zone: string, provider: string): string {
  const doc = new Document(adopted.document);
  doc.commentBefore = [
    ` Adopted by \`netfirst import provider ${zone}\`: what the ${provider} provider ran for tenant ${adopted.tenant}`,
    ` when netfirst had no record of it. Every allocated value is written as it is.`,
    ...(adopted.secrets.length > 0 ? [` Secrets cannot be read back from a provider; set: ${adopted.secrets.map((s) => s.env).join(', ')}.`] : []),
  ].join('\n');
  const flow = (path: readonly string[], keys: readonly string[], items: readonly string[] = []): void => {
    const seq = doc.getIn(path, true);
    if (!isSeq(seq)) return;
    for (const node of seq.items) {
      if (!isMap(node)) continue;
      for (const key of keys) {
        const child = node.get(key, true) as Node | undefined;
        if (isMap(child) || isSeq(child)) child.flow = true;
      }
      for (const key of items) {
        const child = node.get(key, true);
        if (isSeq(child)) for (const item of child.items) if (isMap(item)) item.flow = true;
      }
    }
  };
  flow(['spec', 'networks'], ['segment']);
  flow(['spec', 'publicIps'], ['staticNat'], ['portForwards']);
  flow(['spec', 'firewall'], ['ports', 'from']);
  flow(['spec', 'vpn', 'siteToSite'], ['peerCidrs', 'localNetworks', 'ike', 'esp', 'preSharedKey']);
  flow(['spec', 'vpn', 'remoteAccess', 'users'], ['password']);
  flow(['spec', 'vms'], ['rootDisk'], ['nics', 'disks']);
  return doc.toString({ lineWidth: 0 });
}
