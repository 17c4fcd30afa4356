/**
 * Portgroups and their VLANs, from the standard-switch tab (vSwitch/vPort: one row per
 * portgroup per host) and the distributed-switch tab (dvSwitch/dvPort: one row per
 * portgroup). Each portgroup is one network keyed by its name, which is what vInfo and
 * vNetwork call it. RVTools says nothing about subnets, so there is no CIDR.
 */
import type { ImportedNetwork, ImportedVm, Unmapped } from './model.js';
import type { Columns } from './rvtools-columns.js';
import type { CsvTable } from './rvtools-csv.js';

export function readPortgroups(table: CsvTable, columns: Columns, tabName: string): { networks: ImportedNetwork[]; unmapped: Unmapped[] } {
  const networks: ImportedNetwork[] = [];
  const unmapped: Unmapped[] = [];
  for (const row of table.rows) {
    const name = columns.get(row, 'portgroup');
    if (name === '') {
      unmapped.push({ source: row.source, construct: `${tabName} row without a portgroup`, reason: 'nothing to name the network by: check the export' });
      continue;
    }
    const vlanCell = columns.get(row, 'vlan');
    const vlan = accessVlan(vlanCell);
    if (vlan === undefined && !/^0?$/.test(vlanCell)) {
      unmapped.push({
        source: row.source,
        construct: `VLAN ${vlanCell} of portgroup ${name}`,
        reason: /^4095$|-|,/.test(vlanCell)
          ? 'a trunk portgroup (several VLANs, tagged inside the guest): the spec has one VLAN per network; the network is imported without one'
          : 'not a VLAN id: the network is imported without one',
      });
    }
    const switchName = columns.get(row, 'switch');
    networks.push({
      key: name,
      nameHints: [name],
      ...(vlan !== undefined && { vlan }),
      ...(switchName !== '' && { description: `portgroup on ${switchName}` }),
      source: row.source,
    });
  }
  return { networks, unmapped };
}

/** One VLAN id, 1–4094; 0 (untagged), 4095 (all VLANs) and ranges are not an access VLAN. */
function accessVlan(cell: string): number | undefined {
  if (!/^\d+$/.test(cell)) return undefined;
  const id = Number(cell);
  return id >= 1 && id <= 4094 ? id : undefined;
}

/**
 * One network per portgroup name: the standard-switch tab repeats a portgroup on
 * every host. Repeats that agree merge silently; a repeat with another VLAN is a
 * different network under the same name, reported so a person can pick.
 */
export function mergePortgroups(networks: readonly ImportedNetwork[]): { networks: ImportedNetwork[]; unmapped: Unmapped[] } {
  const byKey = new Map<string, ImportedNetwork>();
  const unmapped: Unmapped[] = [];
  for (const network of networks) {
    const first = byKey.get(network.key);
    if (first === undefined) byKey.set(network.key, network);
    else if (first.vlan !== network.vlan) {
      unmapped.push({
        source: network.source,
        construct: `portgroup ${network.key} on VLAN ${network.vlan ?? 'none'}`,
        reason: `the same portgroup name has VLAN ${first.vlan ?? 'none'} at ${first.source.file}:${first.source.line}, which is kept: rename one portgroup if they are different networks`,
      });
    }
  }
  return { networks: [...byKey.values()], unmapped };
}

/**
 * Portgroups the VMs' NICs name but no switch tab describes (often only vInfo is
 * exported): each is still a network the VMs share, known by its name, its VLAN
 * unknown. Sourced at the first VM that uses it.
 */
export function portgroupsOfNics(vms: readonly ImportedVm[], described: readonly ImportedNetwork[]): ImportedNetwork[] {
  const seen = new Set(described.map((n) => n.key));
  const found: ImportedNetwork[] = [];
  for (const vm of vms) {
    for (const { network } of vm.nics) {
      if (network === undefined || seen.has(network)) continue;
      seen.add(network);
      found.push({ key: network, nameHints: [network], description: 'portgroup seen on VM NICs; VLAN unknown (no vSwitch/dvSwitch row for it)', source: vm.source });
    }
  }
  return found;
}
