/**
 * The Zones and Usage pages in the system Chromium against a real `netfirst serve` on
 * sim that applied iswest (acme-dental of westside-it, baker-law of lexcore,
 * cole-accounting of ledgerline; cole-accounting then destroyed, so its whole life is in
 * the history and its usage no longer moves with the clock). What an operator reads,
 * what a partner may not, the downloads byte for byte the API's, axe-core on each page.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { labs, type Lab, type Server, type Token } from '../serve/harness.js';
import { browserForSuite, expectAccessible, NO_BROWSER, screenshot, signedIn } from './browser.js';

const DAY = 86_400_000;
const dateOf = (t: number): string => new Date(t).toISOString().slice(0, 10);
/** From yesterday to the day after tomorrow: around everything the lab did, whatever the hour. */
const around = (): { from: string; to: string } => {
  const today = Math.floor(Date.now() / DAY) * DAY;
  return { from: dateOf(today - DAY), to: dateOf(today + 2 * DAY) };
};

describe.skipIf(NO_BROWSER)('console: zones and usage', () => {
  const newLab = labs();
  const browser = browserForSuite();
  let lab: Lab;
  let server: Server;
  const tokens = {} as Record<'operator' | 'westside' | 'acme', Token>;

  // In beforeAll: the lab (and its server) then lives for the whole describe.
  beforeAll(async () => {
    lab = newLab();
    const applied = await lab.cli('apply', 'specs', '--auto-approve');
    expect(applied.code, applied.stderr).toBe(0);
    const destroyed = await lab.cli('destroy', 'specs', '--tenant', 'cole-accounting', '--auto-approve');
    expect(destroyed.code, destroyed.stderr).toBe(0);
    tokens.operator = await lab.token('operator');
    tokens.westside = await lab.token('partner', { partner: 'westside-it' });
    tokens.acme = await lab.token('tenant', { tenant: 'acme-dental' });
    server = await lab.serve();
  }, 120_000);

  const open = async (who: keyof typeof tokens, path: string): Promise<Page> => {
    const page = await signedIn(browser(), server.url, tokens[who]);
    await page.goto(`${server.url}${path}`);
    return page;
  };

  describe('/zones', () => {
    it("shows the operator each zone's clusters, tiers and pools as bars with their figures", async () => {
      const page = await open('operator', '/zones');
      await expect.poll(() => page.getByRole('heading', { level: 1 }).innerText()).toBe('Zones and capacity');
      expect(await page.getByRole('heading', { level: 2 }).allInnerTexts()).toEqual([expect.stringContaining('iswest-1')]);
      for (const name of ['kvm-a', 'xen-a', 'vmw-a', 'performance', 'standard', 'capacity', 'VLAN IDs', 'VXLAN VNIs', 'pool-a', 'pool-b']) {
        expect(await page.getByRole('heading', { level: 4, name: new RegExp(`^${name}`) }).count(), name).toBe(1);
      }
      // kvm-a: 6 hosts × 32 cores × 2 = 384 vCPUs can be sold; the bars say what the API says.
      const api = await server.api('GET', '/api/v1/zones/iswest-1', { token: tokens.operator });
      const kvm = api.json.clusters.find((c: { name: string }) => c.name === 'kvm-a');
      expect(kvm.cpu.capacity).toBe(384);
      const bars = await page.getByRole('img').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
      expect(bars.filter((b) => b?.startsWith(`CPU: ${kvm.cpu.used} of 384 vCPUs (`))).toHaveLength(1);
      for (const pool of api.json.publicIpPools as { used: number; size: number }[]) {
        expect(bars.filter((b) => b?.startsWith(`Addresses: ${pool.used} of ${pool.size} addresses (`)).length).toBeGreaterThan(0);
      }
      await expectAccessible(page);
      await screenshot(page, 'zones');
      await page.context().close();
    });

    it.each([
      { reason: "a partner: zones are the operator's documents", who: 'westside' as const },
      { reason: 'a tenant neither', who: 'acme' as const },
    ])('$reason', async ({ who }) => {
      const page = await open(who, '/zones');
      await expect.poll(() => page.getByRole('heading', { level: 1 }).innerText()).toBe('Not allowed');
      expect(await page.getByRole('alert').innerText()).toContain("zone inventory and capacity are the operator's");
      expect(await page.content()).not.toContain('iswest-1');
      await expectAccessible(page);
      await page.context().close();
    });
  });

  describe('/usage', () => {
    it('charts every tenant for the operator, a line per tenant, with the figures as a table', async () => {
      const { from, to } = around();
      const page = await open('operator', `/usage?from=${from}&to=${to}&granularity=day`);
      await expect.poll(() => page.getByRole('heading', { level: 1 }).innerText()).toBe('Usage');
      const charts = await page.getByRole('heading', { level: 2 }).allInnerTexts();
      expect(charts).toEqual(expect.arrayContaining(['vm-hours', 'storage-gib-hours', 'public-ip-hours', 'network-hours']));
      const vm = page.locator('section.usage-chart', { has: page.getByRole('heading', { name: 'vm-hours', exact: true }) });
      expect(await vm.locator('.chart-legend li').allInnerTexts()).toEqual(expect.arrayContaining(['acme-dental', 'baker-law', 'cole-accounting']));
      expect(await vm.getByRole('img').getAttribute('aria-label')).toMatch(/^vm-hours in hours, .*: 3 series; highest /);
      await vm.getByText('vm-hours: the figures as a table').click();
      expect(await vm.locator('table tbody tr').count()).toBeGreaterThanOrEqual(1);
      expect(await vm.locator('table thead th').allInnerTexts()).toEqual(['Period start', expect.any(String), expect.any(String), expect.any(String)]);
      await expectAccessible(page);
      await screenshot(page, 'usage');
      // Hourly, the time axis reads in hours.
      await page.getByLabel('Per', { exact: true }).selectOption('hour');
      await Promise.all([page.waitForURL(/granularity=hour/), page.getByRole('button', { name: 'Show' }).click()]);
      expect(await page.locator('svg.chart-plot text').allTextContents()).toEqual(expect.arrayContaining(['00:00', '12:00']));
      await expectAccessible(page);
      await screenshot(page, 'usage-hourly');
      await page.context().close();
    });

    it("shows a partner its own tenants only, and another partner's tenant is not found", async () => {
      const { from, to } = around();
      const page = await open('westside', `/usage?from=${from}&to=${to}`);
      expect(await page.getByLabel('Tenant').locator('option').allInnerTexts()).toEqual(['acme-dental']);
      const legends = await page.locator('.chart-legend li').allInnerTexts();
      expect(legends.length).toBeGreaterThan(0);
      expect(new Set(legends)).toEqual(new Set(['acme-dental']));
      expect(await page.content()).not.toMatch(/baker-law|cole-accounting/);
      await expectAccessible(page);
      await screenshot(page, 'usage-partner');
      const foreign = await page.goto(`${server.url}/usage?from=${from}&to=${to}&tenant=cole-accounting`);
      const missing = await page.context().request.get(`${server.url}/usage?from=${from}&to=${to}&tenant=no-such-tenant`);
      expect(foreign?.status()).toBe(404);
      expect(missing.status()).toBe(404);
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Not found');
      expect((await foreign!.text()).replace('cole-accounting', 'X')).toBe((await missing.text()).replace('no-such-tenant', 'X'));
      await page.context().close();
    });

    it('downloads CSV, JSON and XML byte for byte what GET /api/v1/usage gives the same token', async () => {
      const { from, to } = around();
      const page = await open('operator', `/usage?from=${from}&to=${to}&granularity=day&tenant=cole-accounting`);
      for (const format of ['CSV', 'JSON', 'XML']) {
        const href = await page.getByRole('link', { name: format, exact: true }).getAttribute('href');
        expect(href).toMatch(/^\/usage\/export\?/);
        const download = await page.context().request.get(`${server.url}${href}`);
        expect(download.status()).toBe(200);
        expect(download.headers()['content-disposition']).toMatch(/^attachment; filename="usage-.*-day\.(csv|json|xml)"$/);
        const api = await server.api('GET', href!.replace(/^\/usage\/export/, '/api/v1/usage'), { token: tokens.operator });
        expect(api.status).toBe(200);
        expect(await download.text()).toBe(api.text);
        expect(api.text).toContain('cole-accounting');
      }
      // A partner's download holds only its tenants, as its API export does.
      const partner = await signedIn(browser(), server.url, tokens.westside);
      const q = new URLSearchParams({ from: `${from}T00:00:00Z`, to: `${to}T00:00:00Z`, granularity: 'day', format: 'csv' });
      const own = await partner.context().request.get(`${server.url}/usage/export?${q}`);
      // acme-dental is still running, so its quantities grow between two requests: the rows must be the same.
      const rowsOf = (csv: string): string[] => csv.trim().split('\n').map((line) => line.split(',').filter((_, i) => i !== 12).join(','));
      const ownText = await own.text();
      expect(rowsOf(ownText)).toEqual(rowsOf((await server.api('GET', `/api/v1/usage?${q}`, { token: tokens.westside })).text));
      expect(ownText).toContain('acme-dental');
      expect(ownText).not.toMatch(/baker-law|cole-accounting/);
      expect((await partner.context().request.get(`${server.url}/usage/export?${q}&tenant=baker-law`)).status()).toBe(404);
      await partner.context().close();
      await page.context().close();
    });

    it('names the field of a range that is not valid, next to it', async () => {
      const page = await open('acme', '/usage?from=2025-03-05&to=2025-03-01&granularity=day');
      const from = page.getByLabel('From (UTC)');
      await expect.poll(() => page.locator('.field-error').allInnerTexts()).toEqual([expect.stringContaining('from (2025-03-05T00:00:00Z) must be before to')]);
      expect((await from.getAttribute('aria-invalid')) ?? (await page.getByLabel('To (UTC)').getAttribute('aria-invalid'))).toBe('true');
      expect(await page.getByRole('link', { name: 'CSV', exact: true }).count()).toBe(0);
      await expectAccessible(page);
      await screenshot(page, 'usage-invalid');
      const month = await page.goto(`${server.url}/usage?from=2025-03-05&to=2025-04-01&granularity=month`);
      expect(month?.status()).toBe(400);
      expect(await page.locator('#from-error').innerText()).toContain('not at the start of a month');
      expect(await page.getByLabel('Tenant').locator('option').allInnerTexts()).toEqual(['acme-dental']);
      const twice = await page.goto(`${server.url}/usage?tenant=acme-dental&tenant=acme-dental`);
      expect(twice?.status()).toBe(400);
      expect(await page.locator('#tenant-error').innerText()).toContain('give it once');
      await page.context().close();
    });
  });
});

