/**
 * The usage export bench: a state holding 1,000 tenants' event history (networks,
 * public IPs, VMs created, resized and deleted mid-month, disks moving tier, VPN
 * peers and users) is exported hour by hour for a 31-day month through the real
 * `usage export` command, in a child process so its peak RSS is the export's alone.
 * A 3-day export of the same state is run too: a peak RSS that does not grow with the
 * length of the export is what streaming means.
 *
 * Called from `npm run bench` (test/bench/run.ts); alone:
 *   npx tsx test/bench/usage.ts [--tenants 1000] [--days 31] [--formats csv,json,xml]
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { Attributes, ResourceTypeName } from '../../specs/model/resource.js';
import { FORMATS, RECORD_FIELDS, type UsageFormat } from '../../engine/usage/index.js';
import { prepareEvents, type NewEvent } from '../../state/events.js';
import { openState } from '../../state/index.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MONTH_START = Date.parse('2025-03-01T00:00:00Z');
const HYPERVISORS = ['kvm', 'xenserver', 'vmware'] as const;
const PARTNERS = 10;

type Row = (measure: string, value: string, target?: string, met?: boolean) => void;

export interface UsageBenchOptions {
  readonly tenants?: number;
  readonly days?: number;
  readonly formats?: readonly UsageFormat[];
}

const tenantName = (i: number): string => `tenant-${String(i).padStart(4, '0')}`;

/** One tenant's history around the month: what a small business tenant does in a month. */
function* tenantEvents(i: number, days: number): Generator<NewEvent> {
  const tenant = tenantName(i);
  const before = MONTH_START - 10 * DAY;
  const dayOf = (d: number, ms = 0): number => MONTH_START + (d % days) * DAY + ms;
  const ev = (at: number, action: NewEvent['action'], type: ResourceTypeName, name: string, attributes: Attributes | null): NewEvent => ({
    at: new Date(at).toISOString(), runId: 'bench', address: `${tenant}/${name}`, tenant, zone: 'bench-1', type, action,
    providerId: `${tenant}/${name}#1`, attributes,
  });
  const hypervisor = HYPERVISORS[i % 3]!;
  const vm = (name: string, cpu: number, memoryMiB: number, rootGiB: number, rootTier: string): Attributes => ({
    name, hypervisor, cluster: `${hypervisor}-a`, cpu, memoryMiB, template: 'ubuntu-24.04',
    nics: [{ network: `${tenant}/network/office`, ip: '10.0.0.10' }], rootDisk: { sizeGiB: rootGiB, tier: rootTier },
  });
  const disk = (vmName: string, sizeGiB: number, tier: string): Attributes => ({ name: 'data', vm: `${tenant}/vm/${vmName}`, sizeGiB, tier });

  yield ev(before, 'create', 'network', 'network/office', { name: 'office', cidr: '10.0.0.0/24', gateway: '10.0.0.1', segment: { type: 'vlan', id: 100 + (i % 3000) }, sourceNatIp: null, colocationHandoff: null });
  yield ev(before, 'create', 'public-ip', 'public-ip/nat', { name: 'nat', address: `198.18.${i >> 8}.${i & 255}`, pool: 'bench' });
  yield ev(before, 'create', 'vpn-connection', 'vpn/hq', { name: 'hq', peer: '192.0.2.1' });
  yield ev(before, 'create', 'vpn-user', 'vpn-user/admin', { name: 'admin', password: 'sha256:x' });
  yield ev(before, 'create', 'vm', 'vm/app-0', vm('app-0', 2, 4096, 40, 'performance'));
  yield ev(before, 'create', 'disk', 'vm/app-0/disk/data', disk('app-0', 200, 'standard'));
  if (i % 2 === 0) yield ev(dayOf(14), 'update', 'disk', 'vm/app-0/disk/data', disk('app-0', 200, 'capacity'));
  // A web IP held five days, from and to odd minutes.
  const ipFrom = dayOf(3 + (i % 20), 9 * HOUR + 17 * 60_000 + 23_456);
  yield ev(ipFrom, 'create', 'public-ip', 'public-ip/web', { name: 'web', address: `198.19.${i >> 8}.${i & 255}`, pool: 'bench' });
  yield ev(ipFrom + 5 * DAY + 8 * HOUR + 44 * 60_000, 'delete', 'public-ip', 'public-ip/web', null);
  // A temporary VPN user from mid-month on.
  yield ev(dayOf(2 + (i % 25), 10 * HOUR), 'create', 'vpn-user', 'vpn-user/temp', { name: 'temp', password: 'sha256:y' });
  // A second VM created mid-month, resized two days later, deleted near the end for some.
  const vmFrom = dayOf(1 + (i % 20), 13 * HOUR + 37 * 60_000 + 12_345);
  yield ev(vmFrom, 'create', 'vm', 'vm/app-1', vm('app-1', 4, 8192, 60, 'standard'));
  yield ev(vmFrom + 2 * DAY + 19 * HOUR, 'update', 'vm', 'vm/app-1', vm('app-1', 4, 16384, 60, 'standard'));
  if (i % 4 === 0) yield ev(dayOf(days - 2, 16 * HOUR), 'delete', 'vm', 'vm/app-1', null);
}

/** A state database holding `tenants` tenants' events, written in one transaction. */
export function buildUsageState(path: string, tenants: number, days: number): number {
  openState(path).close(); // creates and migrates
  const db = new Database(path);
  try {
    const events = prepareEvents(db);
    let count = 0;
    db.transaction(() => {
      for (let i = 0; i < tenants; i++) {
        for (const e of tenantEvents(i, days)) {
          events.append(e);
          count++;
        }
      }
    })();
    return count;
  } finally {
    db.close();
  }
}

/** A Partners file giving the tenants to ten partners by prefix, so every record names one. */
function writePartners(dir: string, tenants: number): void {
  const lines = ['apiVersion: netfirst/v1', 'kind: Partners', 'metadata: { name: partners }', 'spec:', '  partners:'];
  const perPartner = Math.ceil(tenants / PARTNERS);
  for (let p = 0; p < PARTNERS; p++) {
    const names = Array.from({ length: perPartner }, (_, k) => p * perPartner + k).filter((i) => i < tenants).map(tenantName);
    lines.push(`    - { name: partner-${p}, tenants: [ ${names.join(', ')} ] }`);
  }
  writeFileSync(join(dir, 'partners.yaml'), `${lines.join('\n')}\n`);
}

interface ChildResult {
  readonly ms: number;
  readonly maxRssMb: number;
}

/** Runs one export in a child process (this file with --child) and reads its time and peak RSS. */
function exportInChild(args: { state: string; specs: string; out: string; from: string; to: string; format: UsageFormat }): ChildResult {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', JSON.stringify(args)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`usage export child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as ChildResult;
}

async function child(argsJson: string): Promise<void> {
  const args = JSON.parse(argsJson) as { state: string; specs: string; out: string; from: string; to: string; format: UsageFormat };
  const { usageExportCommand } = await import('../../engine/cli/commands/usage.js');
  const t0 = performance.now();
  await usageExportCommand([args.specs], { state: args.state, from: args.from, to: args.to, format: args.format, out: args.out, granularity: 'hour' });
  const ms = performance.now() - t0;
  process.stdout.write(`${JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
}

/**
 * Records in an export file, from its line count: a CSV row each after the header, a
 * line each between JSON's brackets, 16 lines each inside XML's prolog and root.
 */
async function countRecords(file: string, format: UsageFormat): Promise<number> {
  let lines = 0;
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const text = chunk as string;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
  }
  return format === 'csv' ? lines - 1 : format === 'json' ? Math.max(0, lines - 2) : (lines - 3) / (RECORD_FIELDS.length + 2);
}

export async function benchUsage(options: UsageBenchOptions, row: Row): Promise<void> {
  const tenants = options.tenants ?? 1000;
  const days = options.days ?? 31;
  const formats = options.formats ?? ['csv'];
  const root = mkdtempSync(join(tmpdir(), 'netfirst-usage-bench-'));
  try {
    const specs = join(root, 'specs');
    mkdirSync(specs);
    writePartners(specs, tenants);
    const state = join(root, 'state.db');
    const t0 = performance.now();
    const events = buildUsageState(state, tenants, days);
    row(`usage: state with ${tenants} tenants' history`, `${events} events in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
    const from = new Date(MONTH_START).toISOString();
    const to = new Date(MONTH_START + days * DAY).toISOString();
    const short = new Date(MONTH_START + Math.min(3, days) * DAY).toISOString();

    const small = exportInChild({ state, specs, out: join(root, 'short.csv'), from, to: short, format: 'csv' });
    for (const format of formats) {
      const out = join(root, `usage.${format}`);
      const run = exportInChild({ state, specs, out, from, to, format });
      const records = await countRecords(out, format);
      const mb = statSync(out).size / 1e6;
      const rate = records / (run.ms / 1000);
      row(`usage export ${format}, ${tenants} tenants × ${days} days hourly`, `${records.toLocaleString('en-US')} records, ${Math.round(mb)} MB in ${(run.ms / 1000).toFixed(2)} s = ${Math.round(rate).toLocaleString('en-US')} records/s`);
      row(`usage export ${format} peak RSS (${Math.min(3, days)}-day export: ${Math.round(small.maxRssMb)} MB)`, `${Math.round(run.maxRssMb)} MB`, '≤ 256 MB, flat in the length', run.maxRssMb <= 256 && run.maxRssMb <= small.maxRssMb * 1.25);
      rmSync(out, { force: true });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const invokedDirectly = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (invokedDirectly) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    await child(argv[1]!);
  } else {
    const arg = (name: string): string | undefined => {
      const i = argv.indexOf(`--${name}`);
      return i >= 0 ? argv[i + 1] : undefined;
    };
    const formats = (arg('formats') ?? 'csv').split(',').filter((f): f is UsageFormat => (FORMATS as readonly string[]).includes(f));
    const rows: string[] = [];
    await benchUsage({ tenants: Number(arg('tenants') ?? 1000), days: Number(arg('days') ?? 31), formats }, (measure, value, target = '', met) => {
      rows.push(`| ${measure} | ${value} | ${target} | ${met === undefined ? '' : met ? 'yes' : 'NO'} |`);
      console.error(`  ${measure}: ${value}`);
    });
    console.log('| measure | value | target | met |\n|---|---|---|---|');
    for (const r of rows) console.log(r);
  }
}
