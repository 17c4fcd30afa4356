/**
 * The vDisk tab: one row per virtual disk with its capacity and place on its
 * controller. Rows are merged into VMs by name in rvtools-merge.ts, which orders them.
 */
import type { ImportedDisk, SourceLine, Unmapped } from './model.js';
import type { Columns } from './rvtools-columns.js';
import type { CsvTable } from './rvtools-csv.js';
import { isTrue, mibToBytes, poweredOn, trailingNumber } from './rvtools-values.js';

export interface DiskRow {
  readonly vm: string;
  readonly template: boolean;
  readonly poweredOn: boolean | undefined;
  readonly guestOs: string | undefined;
  /** N of `Hard disk N`: VMware numbers disks in the order they were added. */
  readonly number: number;
  readonly controller: string;
  readonly unit: number;
  readonly disk: ImportedDisk;
  readonly source: SourceLine;
}

export function readVdisk(table: CsvTable, columns: Columns): { rows: DiskRow[]; unmapped: Unmapped[] } {
  const rows: DiskRow[] = [];
  const unmapped: Unmapped[] = [];
  for (const row of table.rows) {
    const vm = columns.get(row, 'vm');
    if (vm === '') {
      unmapped.push({ source: row.source, construct: 'vDisk row without a VM name', reason: 'the disk cannot be given to any VM: check the export' });
      continue;
    }
    const label = columns.get(row, 'disk') || 'Hard disk';
    const capacity = columns.get(row, 'capacityMib');
    const sizeBytes = mibToBytes(capacity);
    if (sizeBytes === undefined) {
      unmapped.push({ source: row.source, construct: `size of ${vm} ${label}`, reason: `capacity '${capacity}' is not a size in MiB: the disk is imported without a size; fill it in by hand` });
    }
    if (isTrue(columns.get(row, 'raw'))) {
      unmapped.push({ source: row.source, construct: `raw device mapping ${vm} ${label}`, reason: 'the disk is a SAN LUN passed through to the VM: copy its data to a regular disk before migrating' });
    }
    const unit = Number(columns.get(row, 'unit'));
    const guestOs = columns.get(row, 'osTools') || columns.get(row, 'osConfig');
    rows.push({
      vm,
      template: isTrue(columns.get(row, 'template')),
      poweredOn: poweredOn(columns.get(row, 'powerstate')),
      guestOs: guestOs === '' ? undefined : guestOs,
      number: trailingNumber(label),
      controller: columns.get(row, 'controller'),
      unit: Number.isFinite(unit) && columns.get(row, 'unit') !== '' ? unit : Number.POSITIVE_INFINITY,
      disk: { label, ...(sizeBytes !== undefined && { sizeBytes }), source: row.source },
      source: row.source,
    });
  }
  return { rows, unmapped };
}

/**
 * A VM's disks with the boot disk first: `Hard disk 1` (the lowest number), which is
 * where the installer put the OS; the rest in controller and unit order.
 */
export function orderDisks(rows: readonly DiskRow[]): ImportedDisk[] {
  const byPlace = [...rows].sort((a, b) => a.controller.localeCompare(b.controller) || a.unit - b.unit || a.number - b.number);
  const boot = rows.reduce<DiskRow | undefined>((best, r) => (best === undefined || r.number < best.number ? r : best), undefined);
  return boot === undefined ? [] : [boot.disk, ...byPlace.filter((r) => r !== boot).map((r) => r.disk)];
}
