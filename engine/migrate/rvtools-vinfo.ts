/**
 * The vInfo tab: one row per VM or template. A VM read here is complete on its own
 * (NICs from `Network #1…#8` with the primary IP on the first, one disk for its
 * storage); vNetwork and vDisk rows, when given, refine it in rvtools-merge.ts.
 */
import type { ImportedDisk, ImportedNic, ImportedVm, Unmapped } from './model.js';
import { cellAt, type Columns } from './rvtools-columns.js';
import type { CsvRow, CsvTable } from './rvtools-csv.js';
import { addresses, isTrue, mibToBytes, poweredOn, positiveInteger } from './rvtools-values.js';

export interface VinfoResult {
  readonly vms: readonly ImportedVm[];
  /** Template names: their vNetwork and vDisk rows are not VMs either. */
  readonly templates: ReadonlySet<string>;
  readonly unmapped: readonly Unmapped[];
}

export function readVinfo(table: CsvTable, columns: Columns): VinfoResult {
  const vms: ImportedVm[] = [];
  const templates = new Set<string>();
  const unmapped: Unmapped[] = [];
  const firstLine = new Map<string, number>();
  const networkColumns = columns.numbered('Network #');
  for (const row of table.rows) {
    const name = columns.get(row, 'vm');
    if (name === '') {
      unmapped.push({ source: row.source, construct: 'vInfo row without a VM name', reason: 'nothing to name or merge the row by: check the export' });
      continue;
    }
    if (isTrue(columns.get(row, 'template'))) {
      templates.add(name);
      unmapped.push({
        source: row.source,
        construct: `template ${name}`,
        reason: 'a template is not a VM: convert it to an image on the target and create VMs from that',
      });
      continue;
    }
    const first = firstLine.get(name);
    if (first !== undefined) {
      unmapped.push({
        source: row.source,
        construct: `vInfo row for ${name}`,
        reason: `a second VM named ${name} (the first is on line ${first}): VMs are merged by name, so rename one or import them separately`,
      });
      continue;
    }
    firstLine.set(name, row.source.line);
    const read = readVm(name, row, columns, networkColumns);
    vms.push(read.vm);
    for (const x of read.unmapped) unmapped.push(x);
  }
  return { vms, templates, unmapped };
}

function readVm(name: string, row: CsvRow, columns: Columns, networkColumns: readonly number[]): { vm: ImportedVm; unmapped: Unmapped[] } {
  const unmapped: Unmapped[] = [];
  const cpu = positiveInteger(columns.get(row, 'cpus'));
  const memoryBytes = mibToBytes(columns.get(row, 'memoryMib'));
  const missing = [cpu === undefined && 'CPUs', memoryBytes === undefined && 'Memory'].filter((m): m is string => m !== false);
  if (missing.length > 0) {
    unmapped.push({
      source: row.source,
      construct: `partly filled vInfo row for ${name}`,
      reason: `${missing.join(' and ')} empty or unreadable: the VM is imported without ${missing.length > 1 ? 'them' : 'it'}; fill in the size by hand`,
    });
  }
  const primary = addresses(columns.get(row, 'primaryIp'));
  if (primary.other.length > 0) {
    unmapped.push({
      source: row.source,
      construct: `primary address ${primary.other.join(', ')} of ${name}`,
      reason: 'not an IPv4 address: the spec addresses VMs over IPv4 only',
    });
  }
  if (columns.get(row, 'firmware').toLowerCase() === 'efi') unmapped.push(uefiNote(name, row));
  const disk = storageDisk(row, columns);
  // The Tools report what actually runs; the configuration file says what was chosen at creation.
  const guestOs = columns.get(row, 'osTools') || columns.get(row, 'osConfig');
  const power = poweredOn(columns.get(row, 'powerstate'));
  const vm: ImportedVm = {
    name,
    hypervisor: 'vmware',
    ...(cpu !== undefined && { cpu }),
    ...(memoryBytes !== undefined && { memoryBytes }),
    disks: disk ? [disk] : [],
    nics: vinfoNics(row, networkColumns, primary.ipv4[0]),
    ...(power !== undefined && { poweredOn: power }),
    ...(guestOs !== '' && { guestOs }),
    source: row.source,
  };
  return { vm, unmapped };
}

/** The spec has no firmware setting, yet a UEFI guest does not boot under BIOS. */
export function uefiNote(name: string, row: CsvRow): Unmapped {
  return { source: row.source, construct: `UEFI firmware of ${name}`, reason: 'the guest boots with UEFI and the spec has no firmware setting: make sure the target boots it with UEFI' };
}

/** `Network #1…#8` are the VM's adapters in order; the primary IP belongs to one of them, taken as the first. */
function vinfoNics(row: CsvRow, networkColumns: readonly number[], primaryIp: string | undefined): ImportedNic[] {
  const nics: ImportedNic[] = networkColumns.map((i) => cellAt(row, i)).filter((n) => n !== '').map((network) => ({ network }));
  if (primaryIp === undefined) return nics;
  const [first, ...rest] = nics;
  return [{ ...first, ip: primaryIp }, ...rest];
}

/**
 * vInfo knows only the VM's total storage, so it becomes one disk: `Total disk
 * capacity` is the sum of the virtual disks; `Provisioned` (all older exports have)
 * adds swap and snapshots, so it is the fallback. `Disks` = 0 means no disk at all.
 */
function storageDisk(row: CsvRow, columns: Columns): ImportedDisk | undefined {
  const count = columns.get(row, 'disks');
  if (count === '0') return undefined;
  const sizeBytes = mibToBytes(columns.get(row, 'totalDiskMib')) ?? mibToBytes(columns.get(row, 'provisionedMib'));
  if (sizeBytes === undefined) return undefined;
  const label = count === '1' || count === '' ? 'Hard disk 1' : `Hard disks 1-${count} (total)`;
  return { label, sizeBytes, source: row.source };
}
