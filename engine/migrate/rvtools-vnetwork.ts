/**
 * The vNetwork tab: one row per virtual NIC, with its portgroup, MAC and the guest's
 * addresses as VMware Tools saw them. A blank Network column is kept as a NIC without
 * a network (draft.ts places it by its IP); rows are merged into VMs by name later.
 */
import type { ImportedNic, SourceLine, Unmapped } from './model.js';
import type { Columns } from './rvtools-columns.js';
import type { CsvTable } from './rvtools-csv.js';
import { addresses, isTrue, poweredOn, trailingNumber } from './rvtools-values.js';

export interface NicRow {
  readonly vm: string;
  readonly template: boolean;
  readonly poweredOn: boolean | undefined;
  /** N of `Network adapter N`: the adapter order within the VM. */
  readonly order: number;
  readonly nic: ImportedNic;
  readonly source: SourceLine;
}

export function readVnetwork(table: CsvTable, columns: Columns): { rows: NicRow[]; unmapped: Unmapped[] } {
  const rows: NicRow[] = [];
  const unmapped: Unmapped[] = [];
  for (const row of table.rows) {
    const vm = columns.get(row, 'vm');
    if (vm === '') {
      unmapped.push({ source: row.source, construct: 'vNetwork row without a VM name', reason: 'the NIC cannot be given to any VM: check the export' });
      continue;
    }
    const label = columns.get(row, 'nicLabel') || 'Network adapter';
    const found = addresses(`${columns.get(row, 'ipv4')} ${columns.get(row, 'ipv6')}`);
    const [ip, ...extra] = found.ipv4;
    if (extra.length > 0) {
      unmapped.push({
        source: row.source,
        construct: `additional addresses ${extra.join(', ')} on ${vm} ${label}`,
        reason: 'a NIC has one address in the spec (the first one is kept): add the others inside the guest',
      });
    }
    if (found.other.length > 0) {
      unmapped.push({ source: row.source, construct: `addresses ${found.other.join(', ')} on ${vm} ${label}`, reason: 'not IPv4: the spec addresses VMs over IPv4 only' });
    }
    const network = columns.get(row, 'network');
    const mac = columns.get(row, 'mac');
    rows.push({
      vm,
      template: isTrue(columns.get(row, 'template')),
      poweredOn: poweredOn(columns.get(row, 'powerstate')),
      order: trailingNumber(label),
      nic: { ...(network !== '' && { network }), ...(ip !== undefined && { ip }), ...(mac !== '' && { mac }) },
      source: row.source,
    });
  }
  return { rows, unmapped };
}
