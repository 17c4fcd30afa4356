/**
 * Joining what the files of one import say about each other, once all are read: a
 * later definition of a domain or network replaces an earlier one (as `virsh define`
 * would), a disk takes its size from the volume it uses, and a NIC on a portgroup
 * with a VLAN joins that portgroup's network.
 */
import type { ImportedDisk, ImportedNetwork, ImportedNic, ImportedVm, SourceLine, Unmapped } from './model.js';
import type { DiskFact, NicFact } from './libvirt-devices.js';
import type { DomainFact } from './libvirt-domain.js';
import type { NetworkFact } from './libvirt-network.js';
import { unusedVolume, type VolumeFact } from './libvirt-storage.js';

export interface Facts {
  readonly domains: readonly DomainFact[];
  readonly networks: readonly NetworkFact[];
  readonly volumes: readonly VolumeFact[];
  readonly unmapped: readonly Unmapped[];
}

export function resolveFacts(facts: Facts): { vms: ImportedVm[]; networks: ImportedNetwork[]; unmapped: Unmapped[] } {
  const domains = latestByName(facts.domains, (d) => d.vm.source, 'domain');
  const networks = latestByName(facts.networks, (n) => n.source, 'network');
  const networksByName = new Map(networks.kept.map((n) => [n.name, n]));
  const volumes = indexVolumes(facts.volumes);
  const vms = domains.kept.map(
    (d): ImportedVm => ({
      ...d.vm,
      disks: bootFirst(d.disks).map((disk) => sizedDisk(disk, volumes)),
      nics: d.nics.map((nic) => joinedNic(nic, networksByName)),
    }),
  );
  const unknownPortgroups = domains.kept.flatMap((d) =>
    d.nics.filter((nic) => nic.portgroup !== undefined && !networksByName.has(nic.nic.network ?? '')).map((nic) => unknownPortgroup(d.name, nic)),
  );
  return {
    vms,
    networks: networks.kept.flatMap((n) => n.networks),
    unmapped: [
      ...facts.unmapped,
      ...domains.superseded,
      ...networks.superseded,
      ...domains.kept.flatMap((d) => d.unmapped),
      ...networks.kept.flatMap((n) => n.unmapped),
      ...unknownPortgroups,
      ...facts.volumes.filter((v) => !volumes.used.has(v)).map(unusedVolume),
    ],
  };
}

/** The last definition of each name wins; each earlier one is reported with the line that replaced it. */
function latestByName<T extends { readonly name: string }>(items: readonly T[], sourceOf: (item: T) => SourceLine, kind: string): { kept: T[]; superseded: Unmapped[] } {
  const last = new Map(items.map((item) => [item.name, item]));
  const superseded = items
    .filter((item) => last.get(item.name) !== item)
    .map((item): Unmapped => {
      const winner = sourceOf(last.get(item.name) ?? item);
      const where = winner.file === sourceOf(item).file ? `line ${winner.line}` : `${winner.file} line ${winner.line}`;
      return { source: sourceOf(item), construct: `${kind} ${item.name}`, reason: `superseded by ${where}: a later definition of the same ${kind} replaces this one` };
    });
  return { kept: items.filter((item) => last.get(item.name) === item), superseded };
}

/** Disks with a `<boot order>` first, lowest first; the others keep their place in the XML. */
function bootFirst(disks: readonly DiskFact[]): DiskFact[] {
  const ordered = disks.filter((d) => d.bootOrder !== undefined).sort((a, b) => (a.bootOrder ?? 0) - (b.bootOrder ?? 0));
  return [...ordered, ...disks.filter((d) => d.bootOrder === undefined)];
}

interface VolumeIndex {
  readonly byPath: ReadonlyMap<string, VolumeFact>;
  readonly byPoolName: ReadonlyMap<string, VolumeFact>;
  /** Filled while disks are sized: volumes not in it are reported. */
  readonly used: Set<VolumeFact>;
}

function indexVolumes(volumes: readonly VolumeFact[]): VolumeIndex {
  return {
    byPath: new Map(volumes.filter((v) => v.path !== undefined).map((v) => [v.path ?? '', v])),
    byPoolName: new Map(volumes.filter((v) => v.pool !== undefined).map((v) => [`${v.pool}/${v.name}`, v])),
    used: new Set(),
  };
}

function sizedDisk(fact: DiskFact, volumes: VolumeIndex): ImportedDisk {
  const byPath = fact.path === undefined ? undefined : volumes.byPath.get(fact.path);
  const volume = byPath ?? (fact.volume === undefined ? undefined : volumes.byPoolName.get(`${fact.volume.pool}/${fact.volume.name}`));
  if (volume === undefined) return fact.disk;
  volumes.used.add(volume);
  return volume.capacityBytes === undefined ? fact.disk : { ...fact.disk, sizeBytes: volume.capacityBytes };
}

/** A NIC on a portgroup (or on a network whose default portgroup) has a VLAN joins `NET/PORTGROUP`. */
function joinedNic(fact: NicFact, networks: ReadonlyMap<string, NetworkFact>): ImportedNic {
  const name = fact.nic.network;
  const network = fact.joins !== 'network' || name === undefined ? undefined : networks.get(name);
  const portgroup = fact.portgroup ?? network?.defaultPortgroup;
  const key = portgroup === undefined ? undefined : network?.portgroupKeys.get(portgroup);
  return key === undefined ? fact.nic : { ...fact.nic, network: key };
}

/** Without the network's XML, whether the portgroup carries a VLAN is unknown: the NIC joins the network itself. */
function unknownPortgroup(vm: string, nic: NicFact): Unmapped {
  const network = nic.nic.network ?? '';
  return {
    source: nic.source,
    construct: `portgroup ${nic.portgroup ?? ''} of network ${network} on ${vm}`,
    reason: `network ${network} is not in this import, so the portgroup's VLAN is unknown: the NIC joins ${network}; import the network XML with the domain to place it on the portgroup`,
  };
}
