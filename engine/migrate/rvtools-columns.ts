/**
 * RVTools column names and how they vary between versions: 3.x says `Provisioned MB`,
 * 4.x `Provisioned MiB` (both mean MiB); some exports say `IP Address` where others
 * say `IPv4 Address`. Every reader asks for a column by its meaning, never by a header
 * string, so a new spelling is one entry here.
 */
import type { CsvRow } from './rvtools-csv.js';

const ALIASES = {
  vm: ['VM'],
  powerstate: ['Powerstate', 'Power state', 'Power State'],
  template: ['Template'],
  cpus: ['CPUs', 'Num CPU', '# CPUs'],
  memoryMib: ['Memory', 'Memory MiB', 'Memory MB'],
  disks: ['Disks'],
  totalDiskMib: ['Total disk capacity MiB', 'Total disk capacity MB'],
  provisionedMib: ['Provisioned MiB', 'Provisioned MB'],
  primaryIp: ['Primary IP Address', 'Primary IP'],
  osTools: ['OS according to the VMware Tools'],
  osConfig: ['OS according to the configuration file', 'OS'],
  firmware: ['Firmware'],
  nicLabel: ['NIC label', 'Network adapter'],
  adapter: ['Adapter'],
  network: ['Network'],
  mac: ['Mac Address', 'MAC Address'],
  ipv4: ['IPv4 Address', 'IP Address'],
  ipv6: ['IPv6 Address'],
  disk: ['Disk'],
  capacityMib: ['Capacity MiB', 'Capacity MB'],
  unit: ['Unit #'],
  controller: ['Controller'],
  raw: ['Raw'],
  host: ['Host'],
  switch: ['Switch'],
  portgroup: ['Port Group', 'Portgroup', 'Port'],
  vlan: ['VLAN'],
  sdkServer: ['VI SDK Server', 'VI SDK UUID', 'VI SDK Server type'],
} as const;

export type ColumnName = keyof typeof ALIASES;

/** Where each known column sits in one file's header. */
export interface Columns {
  has(name: ColumnName): boolean;
  /** The trimmed cell, '' when the column is absent or the row is short. */
  get(row: CsvRow, name: ColumnName): string;
  /** `Network #1` … `Network #8`, in order, for the columns present. */
  numbered(prefix: string): readonly number[];
}

export function resolveColumns(headerCells: readonly string[]): Columns {
  const byName = new Map<string, number>();
  headerCells.forEach((cell, i) => {
    const key = cell.toLowerCase();
    if (key && !byName.has(key)) byName.set(key, i);
  });
  const index = (name: ColumnName): number | undefined =>
    ALIASES[name].map((alias) => byName.get(alias.toLowerCase())).find((i) => i !== undefined);
  return {
    has: (name) => index(name) !== undefined,
    get: (row, name) => {
      const i = index(name);
      return i === undefined ? '' : (row.cells[i] ?? '');
    },
    numbered: (prefix) =>
      [...byName.entries()]
        .map(([key, i]) => ({ n: numberAfter(key, prefix.toLowerCase()), i }))
        .filter((c): c is { n: number; i: number } => c.n !== undefined)
        .sort((a, b) => a.n - b.n)
        .map((c) => c.i),
  };
}

function numberAfter(key: string, prefix: string): number | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const rest = key.slice(prefix.length).trim();
  return /^\d+$/.test(rest) ? Number(rest) : undefined;
}

/** The cell at a raw column index (from `numbered`). */
export function cellAt(row: CsvRow, index: number): string {
  return row.cells[index] ?? '';
}
