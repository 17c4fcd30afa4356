/**
 * From imported facts to a Tenant spec draft: the decisions an importer makes. Parsers
 * only say what their files contain; here those facts are merged (one tenant from a
 * Cisco config and a VMware export), named, linked (VM NICs to networks, NAT to VMs)
 * and fitted to the zone (VLANs and public IPs kept only where the zone can give them,
 * templates, clusters and storage tiers that exist). Every decision that changes or
 * guesses something is reported with the line it came from, and so is every fact that
 * does not fit the spec language. Pure: facts and the zone in, a draft out.
 */
import { basename } from 'node:path';
import { contains, formatCidr, formatIpv4, hostRange, overlaps, parseCidr, parseIpv4, type Ipv4Block } from '../../specs/model/net/ipv4.js';
import { inRanges, parseRanges } from '../../specs/model/net/ranges.js';
import type { ZoneDoc } from '../../specs/schema.js';
import { formatSize, GiB, MiB } from '../../specs/units.js';
import { coveringBlock, DEFAULT_ESP, DEFAULT_IKE, describeRanges, freeBlock, ipsec, parseIpv4Range, pickHypervisor, pickTemplate } from './draft-fit.js';
import type { ImportedNetwork, ImportedPublicIp, ImportResult, SourceLine } from './model.js';
import { envName, NameBook, vmLabel } from './naming.js';

export interface DraftOptions {
  readonly tenant: string;
  readonly zone: ZoneDoc;
  readonly partner?: string;
  /** Storage tier for imported disks (default: the zone's first tier). */
  readonly tier?: string;
}

/** One line of the import report: something not in the spec, or a decision a person should check. */
export interface ReportEntry {
  /** `unmapped`: not in the spec at all. `review`: in the spec, but changed or guessed. */
  readonly kind: 'unmapped' | 'review';
  readonly file: string;
  readonly line: number;
  readonly construct: string;
  readonly reason: string;
}

/** A spec item with where it came from and the remarks written beside it. */
export interface Annotated<T> {
  readonly value: T;
  readonly source?: SourceLine;
  readonly notes: readonly string[];
}

export interface NetworkOut {
  name: string;
  cidr: string;
  gateway?: string;
  segment: { vlan: number | 'auto' };
  sourceNat?: string;
}
export interface PortForwardOut { protocol: 'tcp' | 'udp'; port: number; privatePort?: number; vm: string }
export interface PublicIpOut { name: string; address?: string; staticNat?: { vm: string }; portForwards?: PortForwardOut[] }
export interface FirewallOut { publicIp: string; protocol: 'tcp' | 'udp' | 'icmp'; ports?: number[]; from?: string[] }
export interface IpsecOut { encryption: string; hash: string; dhGroup?: number; pfsGroup?: number; lifetime: string }
export interface VpnOut {
  name: string;
  peer: string;
  peerCidrs: string[];
  localNetworks: string[];
  ike: IpsecOut;
  esp: IpsecOut;
  preSharedKey: { env: string };
}
export interface VmOut {
  name: string;
  hypervisor: 'kvm' | 'xenserver' | 'vmware';
  cpu: number;
  memory: string;
  template: string;
  nics: { network: string; ip?: string }[];
  rootDisk: { size: string; tier: string };
  disks?: { name: string; size: string; tier: string }[];
}

/** A generated secret reference and what goes into the `*.secrets.env` file for it. */
export interface SecretOut {
  readonly env: string;
  /** The value read from the source; undefined when the source had it masked. */
  readonly value?: string;
  readonly source: SourceLine;
  readonly what: string;
}

export interface TenantDraft {
  readonly tenant: string;
  readonly zone: string;
  readonly partner?: string;
  readonly networks: Annotated<NetworkOut>[];
  readonly publicIps: Annotated<PublicIpOut>[];
  readonly firewall: Annotated<FirewallOut>[];
  readonly siteToSite: Annotated<VpnOut>[];
  readonly vms: Annotated<VmOut>[];
  readonly secrets: SecretOut[];
  readonly report: ReportEntry[];
}

/** Several importers' results as one (a Cisco config for the networks, RVTools for the VMs). */
export function mergeResults(results: readonly ImportResult[]): ImportResult {
  return {
    formats: new Map(results.flatMap((r) => [...r.formats])),
    networks: results.flatMap((r) => r.networks),
    publicIps: results.flatMap((r) => r.publicIps),
    firewall: results.flatMap((r) => r.firewall),
    vpnPeers: results.flatMap((r) => r.vpnPeers),
    vms: results.flatMap((r) => r.vms),
    unmapped: results.flatMap((r) => r.unmapped),
  };
}

/** `core-sw1.cfg:118`, the comment beside an imported item. */
export const sourceLabel = (s: SourceLine): string => `${basename(s.file)}:${s.line}`;

/** A network being drafted: the imported fact(s) plus what the draft learns about it. */
interface WorkNetwork {
  readonly facts: ImportedNetwork[];
  cidr?: Ipv4Block;
  cidrNote?: string;
  name: string;
  /** IPs of NICs placed on it, to infer a CIDR when the source had none. */
  readonly nicIps: number[];
  /** NICs placed on it, with or without an address: the CIDR must have room for them. */
  nics: number;
  /** Made up for NICs with addresses but no named network. */
  readonly unnamed?: boolean;
  readonly placeholderNote?: string;
  sourceNat?: string;
  readonly notes: string[];
}

export function draftTenant(result: ImportResult, options: DraftOptions): TenantDraft {
  const zone = options.zone.spec;
  const report: ReportEntry[] = result.unmapped.map((u) => ({ kind: 'unmapped', file: u.source.file, line: u.source.line, construct: u.construct, reason: u.reason }));
  const review = (source: SourceLine, construct: string, reason: string): void => {
    report.push({ kind: 'review', file: source.file, line: source.line, construct, reason });
  };
  const unmapped = (source: SourceLine, construct: string, reason: string): void => {
    report.push({ kind: 'unmapped', file: source.file, line: source.line, construct, reason });
  };

  // ---- networks: one per distinct network, however many sources name it
  const work: WorkNetwork[] = [];
  const byRef = new Map<string, WorkNetwork>();
  const refKey = (s: string): string => s.trim().toLowerCase();
  const remember = (w: WorkNetwork, refs: readonly string[]): void => {
    for (const r of refs) if (r.trim() !== '' && !byRef.has(refKey(r))) byRef.set(refKey(r), w);
  };
  for (const n of result.networks) {
    const cidr = n.cidr === undefined ? undefined : parseCidr(n.cidr);
    const same = cidr && work.find((w) => w.cidr && w.cidr.first === cidr.first && w.cidr.prefix === cidr.prefix && (w.facts[0]!.vlan ?? n.vlan) === (n.vlan ?? w.facts[0]!.vlan));
    if (same) {
      same.facts.push(n);
      remember(same, [n.key, ...(n.aliases ?? []), ...n.nameHints]);
      continue;
    }
    const w: WorkNetwork = { facts: [n], name: '', nicIps: [], nics: 0, notes: [], ...(cidr ? { cidr } : {}) };
    work.push(w);
    remember(w, [n.key, ...(n.aliases ?? []), ...n.nameHints]);
  }

  // ---- VMs' NICs find their networks: by name, then VLAN, then address
  const byVlan = (vlan: number): WorkNetwork | undefined => work.find((w) => w.facts.some((f) => f.vlan === vlan));
  const byAddress = (ip: number): WorkNetwork | undefined => work.find((w) => w.cidr !== undefined && contains(w.cidr, ip));
  // NICs with an address but no named network: one network per /16 they fall in,
  // its CIDR the smallest block covering them (decided below, with the others).
  const inferred = new Map<string, WorkNetwork>();
  const placedNics = result.vms.map((vm) =>
    vm.nics.map((nic) => {
      const ip = nic.ip === undefined ? undefined : parseIpv4(nic.ip);
      let w = nic.network !== undefined ? byRef.get(refKey(nic.network)) : undefined;
      w ??= nic.vlan !== undefined ? byVlan(nic.vlan) : undefined;
      w ??= ip !== undefined ? byAddress(ip) : undefined;
      if (!w && nic.network !== undefined && nic.network.trim() !== '') {
        // A portgroup or bridge no other source describes: a network of its own, CIDR from its NICs.
        w = { facts: [{ key: nic.network, nameHints: [nic.network], source: vm.source, ...(nic.vlan !== undefined ? { vlan: nic.vlan } : {}) }], name: '', nicIps: [], nics: 0, notes: [] };
        work.push(w);
        remember(w, [nic.network]);
      }
      if (!w && ip !== undefined) {
        const key = formatCidr(parseCidr(`${formatIpv4(ip)}/16`)!);
        w = inferred.get(key);
        if (!w) {
          w = { facts: [{ key: `inferred:${key}`, nameHints: [], source: vm.source }], name: '', nicIps: [], nics: 0, notes: [], unnamed: true };
          inferred.set(key, w);
          work.push(w);
        }
      }
      if (w) {
        w.nics++;
        if (ip !== undefined) w.nicIps.push(ip);
      }
      return { nic, ip, network: w };
    }),
  );
  // NICs the sources place nowhere (no network, no address), and VMs without NICs: one shared placeholder network.
  const unplaced = placedNics.reduce((n, nics) => n + (nics.length === 0 ? 1 : nics.filter((p) => !p.network).length), 0);
  if (unplaced > 0) {
    const first = result.vms.find((_, i) => placedNics[i]!.length === 0 || placedNics[i]!.some((p) => !p.network))!;
    const unassigned: WorkNetwork = { facts: [{ key: 'unassigned', nameHints: ['unassigned'], source: first.source }], name: '', nicIps: [], nics: unplaced, notes: [], placeholderNote: 'for VMs whose network the source does not say' };
    work.push(unassigned);
    result.vms.forEach((_, i) => {
      const nics = placedNics[i]!;
      placedNics[i] = nics.length === 0 ? [{ nic: {}, ip: undefined, network: unassigned }] : nics.map((p) => ({ ...p, network: p.network ?? unassigned }));
    });
  }

  // ---- CIDRs the sources did not give: inferred from the NICs on the network, else a placeholder
  const known = (): Ipv4Block[] => work.flatMap((w) => (w.cidr ? [w.cidr] : []));
  for (const w of work) {
    if (w.cidr) continue;
    const taken = known();
    const ips = w.nicIps.filter((ip) => !taken.some((b) => contains(b, ip)));
    const block = ips.length > 0 ? coveringBlock(ips, w.nics) : undefined;
    if (block && !taken.some((b) => overlaps(b, block))) {
      w.cidr = block;
      w.cidrNote = w.unnamed
        ? `network not named in the source: ${formatCidr(block)} inferred from the addresses of its VMs; check it`
        : `CIDR not in the source: ${formatCidr(block)} inferred from the addresses of its VMs; check it`;
      if (w.unnamed) w.facts[0] = { ...w.facts[0]!, nameHints: [`net-${formatIpv4(block.first).replace(/\./g, '-')}`] };
    } else {
      const placeholder = freeBlock(taken, result, w.nics);
      w.cidr = placeholder;
      w.cidrNote = `${w.placeholderNote ?? 'CIDR not in the source'}: placeholder ${formatCidr(placeholder)}; set the real one`;
      if (w.unnamed) w.facts[0] = { ...w.facts[0]!, nameHints: ['unassigned'] };
    }
  }

  // ---- names and VLANs
  const names = new NameBook();
  for (const w of work) w.name = names.claim(w.facts.flatMap((f) => f.nameHints), 'net');
  const vlanPool = parseRanges(zone.segments.vlans);
  const usedVlans = new Set<number>();
  const networkOut = new Map<WorkNetwork, NetworkOut>();
  for (const w of work) {
    const fact = w.facts[0]!;
    const vlan = w.facts.find((f) => f.vlan !== undefined)?.vlan;
    const gateway = w.facts.find((f) => f.gateway !== undefined)?.gateway;
    const gw = gateway === undefined ? undefined : parseIpv4(gateway);
    // The spec's default gateway is the first host address: written only when it differs.
    const ownGateway = gw !== undefined && contains(hostRange(w.cidr!), gw) && gw !== hostRange(w.cidr!).first;
    const out: NetworkOut = { name: w.name, cidr: formatCidr(w.cidr!), ...(ownGateway ? { gateway: formatIpv4(gw) } : {}), segment: { vlan: 'auto' } };
    if (vlan !== undefined) {
      if (!inRanges(vlanPool, vlan)) {
        w.notes.push(`was VLAN ${vlan}`);
        review(fact.source, `VLAN ${vlan} of network ${w.name}`, `VLAN ${vlan} is outside the VLAN pool of zone ${options.zone.metadata.name} (${describeRanges(vlanPool)}): the spec says vlan: auto; extend the zone's pool to keep it`);
      } else if (usedVlans.has(vlan)) {
        w.notes.push(`was VLAN ${vlan}, already used by another network`);
        review(fact.source, `VLAN ${vlan} of network ${w.name}`, `VLAN ${vlan} is used by two imported networks; this one gets vlan: auto`);
      } else {
        out.segment = { vlan };
        usedVlans.add(vlan);
      }
    }
    if (w.cidrNote) {
      w.notes.push(w.cidrNote);
      review(fact.source, `network ${w.name}`, w.cidrNote);
    }
    if (fact.description) w.notes.push(fact.description);
    for (const extra of w.facts.slice(1)) w.notes.push(`also ${sourceLabel(extra.source)}`);
    networkOut.set(w, out);
  }

  // ---- VMs
  const hypervisors = new Set(zone.clusters.map((c) => c.hypervisor));
  const tier = options.tier ?? zone.storageTiers[0]?.name ?? 'standard';
  const vmNames = new NameBook();
  const vmByIp = new Map<number, string>();
  const usedIps = new Set<string>();
  const vms: Annotated<VmOut>[] = [];
  // Guesses about VMs are the same few for hundreds of VMs of one export: the report
  // has one entry per guess listing the VMs, and each VM's comment says what was guessed.
  const vmGuesses = new Map<string, { source: SourceLine; names: string[] }>();
  const guess = (source: SourceLine, name: string, notes: string[], note: string, reason: string): void => {
    notes.push(note);
    const g = vmGuesses.get(reason);
    if (g) g.names.push(name);
    else vmGuesses.set(reason, { source, names: [name] });
  };
  result.vms.forEach((vm, i) => {
    const notes: string[] = [];
    const name = vmNames.claim([vm.name], 'vm', vmLabel);
    if (name !== vm.name) notes.push(`"${vm.name}" in the source`);
    const hypervisor = pickHypervisor(vm, hypervisors);
    if (hypervisor !== vm.hypervisor) guess(vm.source, name, notes, `${vm.hypervisor} in the source`, `zone ${options.zone.metadata.name} has no ${vm.hypervisor} cluster: the spec says ${hypervisor} (the VM is converted when migrated)`);
    if (vm.guestOs) notes.push(vm.guestOs);
    const template = pickTemplate(vm.guestOs, hypervisor, zone.templates);
    if (template.guessed) guess(vm.source, name, notes, 'template guessed', `no template of zone ${options.zone.metadata.name} matches guest OS "${vm.guestOs ?? 'unknown'}": ${template.name} written; the VM's disks are migrated, the template only names the OS`);
    if (vm.poweredOn === false) guess(vm.source, name, notes, 'powered off in the source', 'powered off in the source: in the spec, and will run once adopted; remove it if it is retired');
    const cpu = vm.cpu !== undefined && vm.cpu >= 1 ? Math.min(vm.cpu, 256) : 1;
    if (vm.cpu === undefined) guess(vm.source, name, notes, 'vCPUs not in the source', 'vCPU count not in the source: 1 written');
    const memoryMiB = vm.memoryBytes !== undefined && vm.memoryBytes > 0 ? Math.ceil(vm.memoryBytes / MiB) : 1024;
    if (vm.memoryBytes === undefined) guess(vm.source, name, notes, 'memory not in the source', 'memory not in the source: 1GiB written');
    const nics = placedNics[i]!.map(({ nic, ip, network }) => {
      const w = network!;
      const out: { network: string; ip?: string } = { network: w.name };
      if (ip !== undefined) {
        const net = networkOut.get(w)!;
        const gw = net.gateway !== undefined ? parseIpv4(net.gateway) : hostRange(w.cidr!).first;
        const key = `${w.name}:${ip}`;
        if (!contains(hostRange(w.cidr!), ip) || ip === gw) {
          review(vm.source, `NIC ${nic.ip} of VM ${name}`, `${nic.ip} is not a free host address of network ${w.name} (${net.cidr}): ip: auto written`);
        } else if (usedIps.has(key)) {
          review(vm.source, `NIC ${nic.ip} of VM ${name}`, `${nic.ip} is already used by another imported VM: ip: auto written`);
        } else {
          usedIps.add(key);
          out.ip = formatIpv4(ip);
        }
      }
      return out;
    });
    const first = nics[0]?.ip;
    if (first !== undefined) vmByIp.set(parseIpv4(first)!, name);
    const [boot, ...data] = vm.disks;
    const rootGiB = boot?.sizeBytes !== undefined ? Math.max(1, Math.ceil(boot.sizeBytes / GiB)) : 20;
    if (boot?.sizeBytes === undefined) guess(boot?.source ?? vm.source, name, notes, 'boot disk size not in the source', 'boot disk size not in the source: 20GiB written; set the real size');
    const diskNames = new NameBook();
    const disks = data.map((d) => {
      if (d.sizeBytes === undefined) guess(d.source, name, notes, `size of ${d.label} not in the source`, 'size of a data disk not in the source: 20GiB written; set the real size');
      return { name: diskNames.claim([d.label], 'disk'), size: `${d.sizeBytes !== undefined ? Math.max(1, Math.ceil(d.sizeBytes / GiB)) : 20}GiB`, tier };
    });
    const value: VmOut = {
      name, hypervisor, cpu, memory: formatSize(memoryMiB * MiB), template: template.name, nics,
      rootDisk: { size: `${rootGiB}GiB`, tier }, ...(disks.length > 0 ? { disks } : {}),
    };
    vms.push({ value, source: vm.source, notes });
  });

  for (const [reason, g] of vmGuesses) {
    const shown = g.names.length > 6 ? `${g.names.slice(0, 5).join(', ')} and ${g.names.length - 5} more` : g.names.join(', ');
    review(g.source, g.names.length === 1 ? `VM ${shown}` : `${g.names.length} VMs (${shown})`, reason);
  }

  // ---- public IPs: one per address (or per outside interface when its address is not static)
  const poolRanges = zone.publicIpPools.map((p) => ({ name: p.name, gateway: parseIpv4(p.gateway), range: parseIpv4Range(p.range) }));
  const inPool = (ip: number): boolean => poolRanges.some((p) => p.range !== undefined && contains(p.range, ip) && ip !== p.gateway);
  const ipNames = new NameBook();
  const publicByKey = new Map<string, { out: PublicIpOut; facts: ImportedPublicIp[]; notes: string[]; unresolved: Map<string, string[]> }>();
  const publicByOriginal = new Map<string, string>();
  const publicIps: Annotated<PublicIpOut>[] = [];
  for (const p of result.publicIps) {
    const key = p.address ?? `iface:${p.nameHints[0] ?? ''}`;
    let entry = publicByKey.get(key);
    if (!entry) {
      const hints = p.address === undefined ? p.nameHints : [...p.nameHints, `ip-${p.address.replace(/\./g, '-')}`];
      const out: PublicIpOut = { name: ipNames.claim(hints, 'public') };
      const notes: string[] = [];
      if (p.address !== undefined) {
        const ip = parseIpv4(p.address);
        if (ip !== undefined && inPool(ip)) out.address = p.address;
        else {
          notes.push(`was ${p.address}`);
          review(p.source, `public IP ${p.address}`, `${p.address} is not in a public IP pool of zone ${options.zone.metadata.name}: address auto written (the address changes on migration; update DNS and the peers that use it)`);
        }
        publicByOriginal.set(p.address, out.name);
      } else {
        notes.push('address of a dynamic outside interface in the source');
      }
      entry = { out, facts: [], notes, unresolved: new Map() };
      publicByKey.set(key, entry);
      publicIps.push({ value: out, source: p.source, notes });
    }
    entry.facts.push(p);
    const { out } = entry;
    if (p.staticNatTo !== undefined) {
      const vm = vmByIp.get(parseIpv4(p.staticNatTo) ?? -1);
      if (vm !== undefined && out.staticNat === undefined && (out.portForwards ?? []).length === 0) out.staticNat = { vm };
      else {
        entry.notes.push(`static NAT to ${p.staticNatTo} in the source`);
        unmapped(p.source, `static NAT ${p.address ?? '(interface)'} → ${p.staticNatTo}`, vm === undefined
          ? `no imported VM has ${p.staticNatTo} as its first address; import the VM too (e.g. --rvtools/--libvirt) or add staticNat by hand`
          : `public IP ${out.name} already forwards elsewhere; a public IP has either one static NAT or port forwards`);
      }
    }
    for (const f of p.portForwards ?? []) {
      const vm = vmByIp.get(parseIpv4(f.privateIp) ?? -1);
      const what = `port forward ${f.protocol}/${f.publicPort} → ${f.privateIp}:${f.privatePort}`;
      if (vm === undefined) {
        const waiting = entry.unresolved.get(f.privateIp) ?? [];
        waiting.push(`${f.protocol}/${f.publicPort}`);
        entry.unresolved.set(f.privateIp, waiting);
        unmapped(f.source, what, `no imported VM has ${f.privateIp} as its first address; import the VM too or add the forward by hand`);
      } else if (out.staticNat !== undefined) {
        unmapped(f.source, what, `public IP ${out.name} has a static NAT; a public IP has either one static NAT or port forwards`);
      } else if ((out.portForwards ?? []).some((x) => x.protocol === f.protocol && x.port === f.publicPort)) {
        unmapped(f.source, what, `${f.protocol}/${f.publicPort} of public IP ${out.name} is already forwarded`);
      } else {
        (out.portForwards ??= []).push({ protocol: f.protocol, port: f.publicPort, ...(f.privatePort !== f.publicPort ? { privatePort: f.privatePort } : {}), vm });
      }
    }
    for (const key of p.sourceNatFor ?? []) {
      const w = byRef.get(refKey(key));
      if (!w) {
        unmapped(p.source, `source NAT for ${key}`, `network ${key} is not among the imported networks`);
        continue;
      }
      if (w.sourceNat === undefined) w.sourceNat = out.name;
      else if (w.sourceNat !== out.name) review(p.source, `source NAT for ${w.name}`, `network ${w.name} is NATed to two addresses in the source; the spec keeps ${w.sourceNat}`);
    }
  }
  // Forwards with no VM to go to, one remark per private address (a PIX may forward fifty ports to one host).
  for (const { notes, unresolved } of publicByKey.values()) {
    for (const [ip, ports] of unresolved) {
      const shown = ports.length > 6 ? `${ports.slice(0, 5).join(', ')} and ${ports.length - 5} more` : ports.join(', ');
      notes.push(`port forward${ports.length === 1 ? '' : 's'} ${shown} → ${ip} in the source (no VM imported with that address)`);
    }
  }
  // Networks NATed out in the source but with no address imported for it share one.
  const natInside = work.filter((w) => w.sourceNat === undefined && w.facts.some((f) => f.natInside));
  if (natInside.length > 0) {
    const existing = work.find((w) => w.sourceNat !== undefined)?.sourceNat;
    const name = existing ?? ipNames.claim(['nat'], 'nat');
    if (existing === undefined) publicIps.push({ value: { name }, notes: ['source NAT for networks NATed out in the source'] });
    for (const w of natInside) {
      w.sourceNat = name;
      review(w.facts[0]!.source, `source NAT for ${w.name}`, `NATed out in the source; the spec NATs it to public IP ${name}`);
    }
  }

  // ---- site-to-site VPN
  const vpnNames = new NameBook();
  const secrets: SecretOut[] = [];
  const siteToSite: Annotated<VpnOut>[] = [];
  for (const peer of result.vpnPeers) {
    const what = `VPN peer ${peer.peer}`;
    const remote = peer.peerCidrs.filter((c) => parseCidr(c) !== undefined).map((c) => formatCidr(parseCidr(c)!));
    // A remote network that is also one of the tenant's own cannot be routed to the peer.
    const peerCidrs = remote.filter((c) => {
      const local = work.find((w) => overlaps(w.cidr!, parseCidr(c)!));
      if (local) review(peer.source, what, `remote network ${c} overlaps the tenant's network ${local.name} (${formatCidr(local.cidr!)}): left out of peerCidrs`);
      return local === undefined;
    });
    // A key read from the source is kept even when the peer cannot be: it goes to the
    // secrets file, for the peer added by hand.
    const keepKey = (reason: string): void => {
      if (peer.preSharedKey?.kind !== 'value') {
        unmapped(peer.source, what, reason);
        return;
      }
      const env = envName(options.tenant, vpnNames.claim(peer.nameHints, `peer-${peer.peer.replace(/\./g, '-')}`), 'psk');
      secrets.push({ env, value: peer.preSharedKey.value, source: peer.preSharedKey.source, what: `pre-shared key of peer ${peer.peer}, which is not in the spec yet (see the report)` });
      unmapped(peer.source, what, `${reason}; its pre-shared key is kept in the secrets file as ${env}`);
    };
    if (peerCidrs.length === 0) {
      keepKey(remote.length === 0
        ? 'the source does not say which remote networks the tunnel carries (no crypto ACL or routes into the tunnel): add the peer by hand with its peerCidrs'
        : 'every remote network of the tunnel overlaps a network of the tenant: add the peer by hand once the addressing is sorted out');
      continue;
    }
    const locals = work.filter((w) => peer.localCidrs.some((c) => {
      const b = parseCidr(c);
      return b !== undefined && overlaps(b, w.cidr!);
    }));
    const notes: string[] = [];
    if (locals.length === 0) {
      const fallback = work.filter((w) => w.sourceNat !== undefined);
      const chosen = fallback.length > 0 ? fallback : work.slice(0, 1);
      if (chosen.length === 0) {
        keepKey('no imported network to carry the tunnel: import the networks too (the Cisco config of the site)');
        continue;
      }
      for (const x of chosen) locals.push(x);
      review(peer.source, what, `the local networks of the tunnel (${peer.localCidrs.join(', ') || 'not in the source'}) match no imported network: ${chosen.map((w) => w.name).join(', ')} written`);
    }
    if (!locals.some((w) => w.sourceNat !== undefined)) {
      const nat = publicIps.find((p) => work.some((w) => w.sourceNat === p.value.name))?.value.name ?? ipNames.claim(['vpn'], 'vpn');
      if (!publicIps.some((p) => p.value.name === nat)) publicIps.push({ value: { name: nat }, notes: ['tunnel endpoint'] });
      locals[0]!.sourceNat = nat;
      review(peer.source, what, `a tunnel terminates on the source-NAT address of a local network: network ${locals[0]!.name} now egresses through public IP ${nat}`);
    }
    const name = vpnNames.claim(peer.nameHints, `peer-${peer.peer.replace(/\./g, '-')}`);
    const env = envName(options.tenant, name, 'psk');
    if (!peer.preSharedKey) {
      secrets.push({ env, source: peer.source, what: `pre-shared key of VPN ${name} (peer ${peer.peer})` });
      review(peer.source, what, `no pre-shared key in the source (certificates?): fill in ${env}`);
    } else if (peer.preSharedKey.kind === 'masked') {
      secrets.push({ env, source: peer.preSharedKey.source, what: `pre-shared key of VPN ${name} (peer ${peer.peer}), masked in the source` });
      review(peer.preSharedKey.source, `pre-shared key of ${what}`, `masked in the source: fill in ${env} in the secrets file`);
    } else {
      secrets.push({ env, value: peer.preSharedKey.value, source: peer.preSharedKey.source, what: `pre-shared key of VPN ${name} (peer ${peer.peer})` });
    }
    const ike = ipsec(peer.ike, DEFAULT_IKE, 'IKE', (r) => review(peer.source, what, r));
    const esp = ipsec(peer.esp, DEFAULT_ESP, 'ESP', (r) => review(peer.source, what, r));
    siteToSite.push({
      value: {
        name, peer: peer.peer, peerCidrs, localNetworks: [...new Set(locals.map((w) => w.name))],
        ike: { encryption: ike.encryption, hash: ike.hash, dhGroup: ike.group ?? DEFAULT_IKE.group, lifetime: ike.lifetime },
        esp: { encryption: esp.encryption, hash: esp.hash, ...(esp.group !== undefined ? { pfsGroup: esp.group } : {}), lifetime: esp.lifetime },
        preSharedKey: { env },
      },
      source: peer.source,
      notes,
    });
  }

  // ---- firewall: inbound rules to the imported public addresses
  const firewall: Annotated<FirewallOut>[] = [];
  for (const rule of result.firewall) {
    const ip = publicByOriginal.get(rule.publicAddress);
    if (ip === undefined) {
      unmapped(rule.source, `firewall rule to ${rule.publicAddress}`, `${rule.publicAddress} is not one of the imported public IPs`);
      continue;
    }
    const from = rule.from.map((c) => (c === 'any' ? '0.0.0.0/0' : c)).filter((c) => parseCidr(c) !== undefined).map((c) => formatCidr(parseCidr(c)!));
    firewall.push({
      value: { publicIp: ip, protocol: rule.protocol, ...(rule.ports && rule.ports.length > 0 ? { ports: [...rule.ports] } : {}), ...(from.length === 1 && from[0] === '0.0.0.0/0' ? {} : { from }) },
      source: rule.source,
      notes: [],
    });
  }

  const networks: Annotated<NetworkOut>[] = work.map((w) => {
    const out = networkOut.get(w)!;
    if (w.sourceNat !== undefined) out.sourceNat = w.sourceNat;
    return { value: out, source: w.facts[0]!.source, notes: w.notes };
  });

  return {
    tenant: options.tenant,
    zone: options.zone.metadata.name,
    ...(options.partner !== undefined ? { partner: options.partner } : {}),
    networks, publicIps, firewall, siteToSite, vms, secrets,
    report: report.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line)),
  };
}
