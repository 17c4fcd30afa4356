/**
 * RVTools importer: CSV exports of RVTools tabs in, facts out. The files of one export
 * are given together (vInfo, vNetwork, vDisk, the switch tabs, …) and merged by VM
 * name. Pure: the caller reads the files. A file that is not an RVTools tab at all
 * throws UnsupportedFormat; anything inside a tab that cannot be expressed is reported
 * in `unmapped` with its line.
 */
import { emptyResult, UnsupportedFormat, type ImportedNetwork, type ImportedVm, type ImportResult, type Unmapped } from './model.js';
import { resolveColumns, type Columns } from './rvtools-columns.js';
import { readCsvTable, type CsvTable } from './rvtools-csv.js';
import { mergeVms } from './rvtools-merge.js';
import { mergePortgroups, portgroupsOfNics, readPortgroups } from './rvtools-portgroups.js';
import { detectTab, type Tab } from './rvtools-tabs.js';
import { readVdisk, type DiskRow } from './rvtools-vdisk.js';
import { readVinfo } from './rvtools-vinfo.js';
import { readVnetwork, type NicRow } from './rvtools-vnetwork.js';
import { assertNever } from '../../specs/model/never.js';

interface TabFile {
  readonly tab: Tab;
  readonly table: CsvTable;
  readonly columns: Columns;
}

export function importRvtools(files: readonly { path: string; text: string }[]): ImportResult {
  const tabs = files.map((f) => readTabFile(f.path, f.text));
  const vms: ImportedVm[] = [];
  const templates = new Set<string>();
  const nics: NicRow[] = [];
  const disks: DiskRow[] = [];
  const portgroups: ImportedNetwork[] = [];
  const unmapped: Unmapped[] = tabs.flatMap((t) => t.table.problems);
  for (const { tab, table, columns } of tabs) {
    switch (tab.kind) {
      case 'vinfo': {
        const read = readVinfo(table, columns);
        for (const x of read.vms) vms.push(x);
        read.templates.forEach((t) => templates.add(t));
        for (const x of read.unmapped) unmapped.push(x);
        break;
      }
      case 'vnetwork': {
        const read = readVnetwork(table, columns);
        for (const x of read.rows) nics.push(x);
        for (const x of read.unmapped) unmapped.push(x);
        break;
      }
      case 'vdisk': {
        const read = readVdisk(table, columns);
        for (const x of read.rows) disks.push(x);
        for (const x of read.unmapped) unmapped.push(x);
        break;
      }
      case 'vswitch':
      case 'dvswitch': {
        const read = readPortgroups(table, columns, tab.name);
        for (const x of read.networks) portgroups.push(x);
        for (const x of read.unmapped) unmapped.push(x);
        break;
      }
      case 'inventory':
        unmapped.push({ source: table.header.source, construct: `${tab.name} tab: ${table.rows.length} ${tab.noun}`, reason: tab.reason });
        break;
      default:
        assertNever(tab);
    }
  }
  const merged = mergeVms({ vinfoGiven: tabs.some((t) => t.tab.kind === 'vinfo'), vms, templates, nics, disks });
  const networks = mergePortgroups(portgroups);
  return {
    ...emptyResult(),
    formats: new Map(tabs.map((t) => [t.table.file, t.tab.format])),
    networks: [...networks.networks, ...portgroupsOfNics(merged.vms, networks.networks)],
    vms: merged.vms,
    unmapped: [...unmapped, ...networks.unmapped, ...merged.unmapped],
  };
}

function readTabFile(file: string, text: string): TabFile {
  const wrongKind = notCsv(text);
  if (wrongKind !== undefined) throw new UnsupportedFormat(file, wrongKind);
  const table = readCsvTable(file, text);
  if (table === undefined) throw new UnsupportedFormat(file, 'empty file: no RVTools header row');
  const columns = resolveColumns(table.header.cells);
  const tab = detectTab(columns, table.header.cells);
  if (tab === undefined) {
    throw new UnsupportedFormat(
      file,
      `line ${table.header.source.line} (${table.header.source.text}) is not the header of an RVTools tab; an RVTools CSV starts with its column names, e.g. VM,Powerstate,Template,…`,
    );
  }
  return { tab, table, columns };
}

/** Why `text` is certainly not a CSV export, or undefined when it may be one. */
function notCsv(text: string): string | undefined {
  if (text.startsWith('PK\u0003\u0004')) return 'an .xlsx workbook (a zip archive), not CSV: save each RVTools tab as CSV, or use RVTools "Export all to csv"';
  if (text.includes('\u0000')) return 'binary data, not an RVTools CSV export';
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (start === '') return 'empty file: no RVTools header row';
  if (start.startsWith('{') || start.startsWith('[')) return 'JSON, not an RVTools CSV export';
  if (start.startsWith('<')) return 'XML or HTML, not an RVTools CSV export';
  return undefined;
}

