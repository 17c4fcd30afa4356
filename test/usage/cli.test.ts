/**
 * `netfirst usage export` through the real binary on examples/iswest and the sim
 * provider: apply, destroy (so every usage line is closed and exports are repeatable),
 * then export as a billing job would.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usageExportCommand, type UsageExportOptions } from '../../engine/cli/commands/usage.js';
import { sandbox, type Sandbox } from '../cli/harness.js';

const DAY_MS = 86_400_000;
const day = (t: number): string => new Date(Math.floor(t / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
// From the start of yesterday to the end of tomorrow: covers the apply whenever the test runs.
const FROM = day(Date.now() - DAY_MS);
const TO = day(Date.now() + 2 * DAY_MS);

type Row = Record<string, string>;

describe('usage export on the iswest example', () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = sandbox();
    // Unprotected before the first apply: destroy refuses protected resources.
    sb.edit('iswest/baker-law.yaml', '      protect: true\n', '');
    sb.edit('iswest/baker-law.yaml', ', protect: true }', ' }');
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
    expect(sb.run('destroy', 'iswest', '--auto-approve').code).toBe(0);
  });
  afterAll(() => sb.remove());

  let csv: Row[] = [];
  it('exports hourly CSV to stdout: every tenant with its partner, every billed kind of resource', () => {
    const r = sb.run('usage', 'export', 'iswest', '--from', FROM, '--to', TO, '--format', 'csv');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('usage is known up to now');
    csv = parseCsv(r.stdout, { columns: true }) as Row[];
    expect(Object.fromEntries(csv.map((row) => [row.tenant, row.partner]))).toEqual({
      'acme-dental': 'westside-it', 'baker-law': 'lexcore', 'cole-accounting': 'ledgerline',
    });
    expect(new Set(csv.map((row) => `${row.usageType} ${row.cloudstackUsageType}`))).toEqual(new Set([
      'network-hours 30', 'public-ip-hours 3', 'port-forward-hours 12', 'vm-hours 1', 'vm-allocated-hours 2', 'vcpu-hours ', 'memory-gib-hours ',
      'storage-gib-hours 6', 'vpn-peer-hours ', 'vpn-user-hours 14',
    ]));
    for (const row of csv) expect(Number(row.quantity)).toBeGreaterThan(0);
  });

  it('writes JSON and XML files (format from --out) with the same records as the CSV', () => {
    expect(sb.run('usage', 'export', 'iswest', '--from', FROM, '--to', TO, '--out', 'usage.json').code).toBe(0);
    expect(sb.run('usage', 'export', 'iswest', '--from', FROM, '--to', TO, '--format', 'xml', '--out', 'usage.xml').code).toBe(0);
    const json = (JSON.parse(sb.read('usage.json')) as Record<string, unknown>[])
      .map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? '' : String(v)])));
    const xml = new XMLParser({ parseTagValue: false, isArray: (n) => n === 'record' }).parse(sb.read('usage.xml')) as { usage: { record: Row[] } };
    expect(json).toEqual(csv);
    expect(xml.usage.record).toEqual(csv);
    expect(readdirSync(sb.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a bad range with one clear message, exit 1 and no stack trace', () => {
    const r = sb.run('usage', 'export', 'iswest', '--from', TO, '--to', FROM, '--format', 'csv');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('must be before --to');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  // The same command in-process (no process start each): filters, empty periods, refusals.
  const exportTo = async (file: string, options: Partial<UsageExportOptions>): Promise<string> => {
    await usageExportCommand([join(sb.dir, 'iswest')], { state: join(sb.dir, '.netfirst', 'state.db'), from: FROM, to: TO, out: join(sb.dir, file), ...options });
    return sb.read(file);
  };

  it("--partner keeps only that partner's tenants", async () => {
    const rows = parseCsv(await exportTo('lexcore.csv', { granularity: 'day', partner: 'lexcore' }), { columns: true }) as Row[];
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((row) => row.tenant))).toEqual(new Set(['baker-law']));
  });

  it('--tenant keeps only the named tenants, one or several', async () => {
    const one = parseCsv(await exportTo('one.csv', { tenant: ['acme-dental'] }), { columns: true }) as Row[];
    expect(new Set(one.map((row) => row.tenant))).toEqual(new Set(['acme-dental']));
    const two = parseCsv(await exportTo('two.csv', { tenant: ['acme-dental', 'cole-accounting'] }), { columns: true }) as Row[];
    expect(new Set(two.map((row) => row.tenant))).toEqual(new Set(['acme-dental', 'cole-accounting']));
    expect(one).toEqual(two.filter((row) => row.tenant === 'acme-dental'));
  });

  it('an empty period is a valid file with no records', async () => {
    expect(await exportTo('empty.json', { from: '2020-01-01', to: '2020-01-02' })).toBe('[]\n');
  });

  it.each([
    { reason: 'a time that is not on a period boundary', options: { from: `${FROM}T10:30Z` }, want: 'is not at the start of an hour' },
    { reason: 'a partner nobody names', options: { partner: 'nobody', format: 'csv' }, want: 'partner nobody is named by no loaded spec' },
    { reason: 'both --tenant and --partner', options: { partner: 'lexcore', tenant: ['baker-law'], format: 'csv' }, want: 'cannot be combined' },
    { reason: 'no format and an --out without a known extension', options: { out: join('/tmp', 'usage.txt') }, want: '--format is required' },
    { reason: 'an --out in a directory that does not exist', options: { out: join('/nonexistent', 'usage.csv') }, want: 'does not exist' },
  ])('refuses $reason', async ({ options, want }) => {
    await expect(usageExportCommand([join(sb.dir, 'iswest')], { state: join(sb.dir, '.netfirst', 'state.db'), from: FROM, to: TO, ...options }))
      .rejects.toThrow(want);
  });
});
