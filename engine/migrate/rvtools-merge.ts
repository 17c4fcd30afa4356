/**
 * Merging the per-tab rows of one RVTools export into VMs, by VM name (the only key
 * every tab shares). vInfo decides which VMs exist; vNetwork rows replace its NICs
 * and vDisk rows its single storage disk, because they are per device and richer.
 * Without any vInfo, the VMs are built from what the device rows say.
 */
import type { ImportedNic, ImportedVm, SourceLine, Unmapped } from './model.js';
import { orderDisks, type DiskRow } from './rvtools-vdisk.js';
import type { NicRow } from './rvtools-vnetwork.js';

export interface MergeInput {
  /** Whether any vInfo file was given: then it is the list of VMs, and rows of other VMs are reported. */
  readonly vinfoGiven: boolean;
  readonly vms: readonly ImportedVm[];
  readonly templates: ReadonlySet<string>;
  readonly nics: readonly NicRow[];
  readonly disks: readonly DiskRow[];
}

export function mergeVms(input: MergeInput): { vms: ImportedVm[]; unmapped: Unmapped[] } {
  const nicsByVm = groupBy(input.nics);
  const disksByVm = groupBy(input.disks);
  const unmapped: Unmapped[] = [];
  const vms: ImportedVm[] = input.vms.map((vm) => {
    const nicRows = nicsByVm.get(vm.name) ?? [];
    const diskRows = disksByVm.get(vm.name) ?? [];
    return {
      ...vm,
      ...(nicRows.length > 0 && { nics: overlayNics(vm.nics, nicRows) }),
      ...(diskRows.length > 0 && { disks: orderDisks(diskRows) }),
    };
  });
  const known = new Set(input.vms.map((vm) => vm.name));
  for (const name of new Set([...nicsByVm.keys(), ...disksByVm.keys()])) {
    if (known.has(name)) continue;
    const nicRows = nicsByVm.get(name) ?? [];
    const diskRows = disksByVm.get(name) ?? [];
    const rows = [...nicRows.map((r) => ({ ...r, tab: 'vNetwork' })), ...diskRows.map((r) => ({ ...r, tab: 'vDisk' }))];
    const template = input.templates.has(name) || rows.some((r) => r.template);
    if (template || input.vinfoGiven) {
      const reason = template
        ? `${name} is a template, not a VM: its devices are not imported`
        : `${name} is not in the vInfo tab given: import the vInfo tab of the same export, or this tab without vInfo`;
      for (const r of rows) unmapped.push({ source: r.source, construct: `${r.tab} row for ${name}`, reason });
    } else {
      vms.push(vmFromDeviceRows(name, nicRows, diskRows));
    }
  }
  return { vms, unmapped };
}

/**
 * vNetwork NICs in adapter order. A blank portgroup takes vInfo's `Network #k` of the
 * same position (RVTools fills those in adapter order); the primary IP goes to the
 * first NIC without an address unless some NIC already has it.
 */
function overlayNics(vinfoNics: readonly ImportedNic[], rows: readonly NicRow[]): ImportedNic[] {
  const ordered = [...rows].sort((a, b) => a.order - b.order || a.source.line - b.source.line);
  const nics = ordered.map((row, k): ImportedNic => {
    const fallback = vinfoNics[k]?.network;
    return row.nic.network === undefined && fallback !== undefined ? { ...row.nic, network: fallback } : row.nic;
  });
  const primary = vinfoNics[0]?.ip;
  const free = nics.findIndex((n) => n.ip === undefined);
  if (primary === undefined || free < 0 || nics.some((n) => n.ip === primary)) return nics;
  return nics.map((n, i) => (i === free ? { ...n, ip: primary } : n));
}

function vmFromDeviceRows(name: string, nicRows: readonly NicRow[], diskRows: readonly DiskRow[]): ImportedVm {
  const first = [...nicRows, ...diskRows].map((r) => r.source).reduce(earliest);
  const power = [...nicRows, ...diskRows].map((r) => r.poweredOn).find((p) => p !== undefined);
  const guestOs = diskRows.map((r) => r.guestOs).find((os) => os !== undefined);
  return {
    name,
    hypervisor: 'vmware',
    disks: orderDisks(diskRows),
    nics: overlayNics([], nicRows),
    ...(power !== undefined && { poweredOn: power }),
    ...(guestOs !== undefined && { guestOs }),
    source: first,
  };
}

/** The first source by file order of appearance, then line: where the VM is first mentioned. */
function earliest(a: SourceLine, b: SourceLine): SourceLine {
  return a.file === b.file && b.line < a.line ? b : a;
}

function groupBy<T extends { readonly vm: string }>(rows: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const group = groups.get(row.vm);
    if (group) group.push(row);
    else groups.set(row.vm, [row]);
  }
  return groups;
}
