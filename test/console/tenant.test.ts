/**
 * The tenant page in a real Chromium against a real `netfirst serve` on sim: the
 * operator sees acme-dental drawn (its network and VMs in the SVG), its resources and
 * its spec with linkable line numbers; a partner asking for another partner's tenant
 * gets exactly the page a missing tenant gives; a change made straight in the sim's
 * world shows, after "Check now", as drift in three columns, and "Correct reality"
 * makes a plan; markup written into a spec (a comment, a label, a colocation hand-off)
 * is shown as text everywhere, never run.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { labs, type Lab, type Server, type Token } from '../serve/harness.js';
import { browserForSuite, expectAccessible, NO_BROWSER, screenshot, signedIn } from './browser.js';

const HOSTILE_COMMENT = '<img src=x onerror="window.__pwned=1">';
const HOSTILE_LABEL = '<script>window.__pwned=2</script>';
const HOSTILE_HANDOFF = '<img src=y onerror=window.__pwned=3>';

/** Whatever markup the specs carried ran nowhere and became no element. */
async function expectInert(page: Page): Promise<void> {
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(await page.locator('main img, main script').count()).toBe(0);
}

describe.skipIf(NO_BROWSER)('the tenant page', () => {
  const newLab = labs();
  const browser = browserForSuite();
  let lab: Lab;
  let server: Server;
  let operator: Token;
  let westside: Token;
  let lexcore: Token;
  let viewer: Token;
  let acme: Token;

  beforeAll(async () => {
    lab = newLab({
      edit: (read) => ({
        'acme-dental.yaml': read('acme-dental.yaml')
          .replace('labels: { billing-id: "C-10412" }', `labels: { billing-id: "C-10412", note: ${JSON.stringify(HOSTILE_LABEL)} }`)
          .replace('# practice management (charts, scheduling)', `# ${HOSTILE_COMMENT}`),
        'baker-law.yaml': read('baker-law.yaml').replace('rack B07, switch sw-b07-1 port Gi1/0/24', HOSTILE_HANDOFF),
      }),
    });
    const applied = await lab.cli('apply', 'specs', '--auto-approve');
    expect(applied.code, applied.stderr).toBe(0);
    operator = await lab.token('operator');
    westside = await lab.token('partner', { partner: 'westside-it' });
    lexcore = await lab.token('partner', { partner: 'lexcore' });
    viewer = await lab.token('viewer');
    acme = await lab.token('tenant', { tenant: 'acme-dental' });
    server = await lab.serve();
  }, 180_000);

  it("shows the operator acme-dental's topology, resources and spec with line numbers", async () => {
    const page = await signedIn(browser(), server.url, operator);
    const response = await page.goto(`${server.url}/tenants/acme-dental`);
    expect(response?.status()).toBe(200);
    // Sent compressed: a 50-VM tenant's page is ~150 KB of HTML.
    expect(['br', 'gzip']).toContain(response?.headers()['content-encoding']);
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('acme-dental');

    const svg = page.locator('#overview .topology svg');
    await expect(svg.getAttribute('role')).resolves.toBe('img');
    expect(await svg.getAttribute('aria-label')).toContain('acme-dental');
    const drawn = await svg.locator('text').allTextContents();
    for (const name of ['office', 'pms-1', 'imaging-1', 'backup-1', 'dr-lee', 'hq']) expect(drawn, name).toContain(name);
    expect(drawn.join('\n')).toMatch(/VLAN \d+/);
    // The text alternative names the same things.
    expect(await page.locator('#overview details.topology-text').textContent()).toContain('pms-1');

    const rows = page.locator('#resources tbody tr');
    expect(await rows.count()).toBeGreaterThan(8);
    const pms = page.locator('#resources tbody tr', { has: page.locator('th', { hasText: /^acme-dental\/vm\/pms-1$/ }) });
    await expect(pms.locator('td').nth(0).innerText()).resolves.toBe('vm');
    expect(await pms.locator('td').nth(2).innerText()).toContain('4 vCPU · 8192 MiB · kvm');
    expect(await pms.locator('td').nth(2).innerText()).toContain('IP 10.20.0.10');

    const lines = page.locator('#spec ol.lines li');
    expect(await lines.count()).toBe(lab.readSpec('acme-dental.yaml').trimEnd().split('\n').length);
    await expect(page.locator('#spec li#L8').innerText()).resolves.toBe('  name: acme-dental');
    await page.goto(`${server.url}/tenants/acme-dental#L8`);
    expect(await page.evaluate(() => document.querySelector(':target')?.id)).toBe('L8');

    // The operator may change it: the header links to the edit forms.
    await expect(page.getByRole('link', { name: /Change this tenant/ }).getAttribute('href')).resolves.toBe('/tenants/acme-dental/edit');
    await expectAccessible(page);
    await screenshot(page, 'tenant-operator');
    await page.context().close();
  });

  it("gives a partner asking for another partner's tenant the page a missing tenant gives", async () => {
    const page = await signedIn(browser(), server.url, lexcore);
    const foreign = await page.goto(`${server.url}/tenants/acme-dental`);
    const foreignText = await page.locator('main').innerText();
    const missing = await page.goto(`${server.url}/tenants/acme-dentax`);
    const missingText = await page.locator('main').innerText();
    expect(foreign?.status()).toBe(404);
    expect(missing?.status()).toBe(404);
    expect(foreignText.replace('acme-dental', 'NAME')).toBe(missingText.replace('acme-dentax', 'NAME'));
    expect(foreignText).toContain('Not found');
    // Nor can it act on it: its POSTs are not found either, and nothing is read.
    const posted = await page.request.post(`${server.url}/tenants/acme-dental/refresh`, { form: { _csrf: await page.locator('meta[name="csrf-token"]').getAttribute('content') ?? '' } });
    expect(posted.status()).toBe(404);
    await expectAccessible(page);
    await screenshot(page, 'tenant-not-found');

    // Its own tenant it sees.
    const own = await page.goto(`${server.url}/tenants/baker-law`);
    expect(own?.status()).toBe(200);
    await page.context().close();
  });

  it('shows markup written into specs as text and runs none of it', async () => {
    const page = await signedIn(browser(), server.url, operator);
    await page.goto(`${server.url}/tenants/acme-dental`);
    expect(await page.locator('#spec ol.lines').innerText()).toContain(HOSTILE_COMMENT);
    expect(await page.locator('#spec ol.lines').innerText()).toContain(JSON.stringify(HOSTILE_LABEL));
    await expectInert(page);
    await page.goto(`${server.url}/tenants/baker-law`);
    // The hand-off is drawn in the SVG and listed in the resources table, as text.
    expect(await page.locator('#overview .topology svg').innerHTML()).toContain(HOSTILE_HANDOFF.replaceAll('<', '&lt;').replaceAll('>', '&gt;'));
    expect(await page.locator('#overview .topology svg text').allTextContents()).toContain(HOSTILE_HANDOFF);
    expect(await page.locator('#resources').innerText()).toContain(HOSTILE_HANDOFF);
    await expectInert(page);
    await screenshot(page, 'tenant-hostile-handoff');
    // A name in the URL is text on the not-found page too.
    const hostileName = '<img src=z onerror=window.__pwned=4>';
    const missing = await page.goto(`${server.url}/tenants/${encodeURIComponent(hostileName)}`);
    expect(missing?.status()).toBe(404);
    expect(await page.locator('main').innerText()).toContain(hostileName);
    await expectInert(page);
    await page.context().close();
  });

  it("gives a tenant's own token its tenant and nothing else", async () => {
    const page = await signedIn(browser(), server.url, acme);
    expect((await page.goto(`${server.url}/tenants/acme-dental`))?.status()).toBe(200);
    expect(await page.getByRole('link', { name: /Change this tenant/ }).count()).toBe(1);
    expect((await page.goto(`${server.url}/tenants/baker-law`))?.status()).toBe(404);
    await page.context().close();
  });

  it('refuses a console POST without the CSRF token', async () => {
    const page = await signedIn(browser(), server.url, operator);
    await page.goto(`${server.url}/tenants/acme-dental`);
    const r = await page.request.post(`${server.url}/tenants/acme-dental/refresh`, { form: {} });
    expect(r.status()).toBe(403);
    await page.context().close();
  });

  it('shows a viewer the tenant without the controls that change it', async () => {
    const page = await signedIn(browser(), server.url, viewer);
    await page.goto(`${server.url}/tenants/acme-dental`);
    expect(await page.getByRole('link', { name: /Change this tenant/ }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Check now' }).count()).toBe(1);
    await expectAccessible(page);
    await page.context().close();
  });

  it('shows a change made outside netfirst as drift in three columns after "Check now", and "Correct reality" plans it back', async () => {
    // An operator with the sim zone's own console doubles pms-1's memory.
    const world = new Database(join(lab.dir, 'sim-iswest-1.db'));
    world.prepare("UPDATE objects SET attributes = json_set(attributes, '$.memoryMiB', 16384) WHERE address = 'acme-dental/vm/pms-1'").run();
    world.close();

    const page = await signedIn(browser(), server.url, westside);
    await page.goto(`${server.url}/tenants/acme-dental`);
    expect(await page.locator('#drift table').count()).toBe(0);
    await Promise.all([page.waitForURL(/\/tenants\/acme-dental#drift$/), page.getByRole('button', { name: 'Check now' }).click()]);
    const row = page.locator('#drift tbody tr[data-address="acme-dental/vm/pms-1"][data-attribute="memoryMiB"]');
    await expect(row.count()).resolves.toBe(1);
    await expect(row.locator('td.drift-spec').innerText()).resolves.toBe('8192');
    await expect(row.locator('td.drift-recorded').innerText()).resolves.toBe('8192');
    await expect(row.locator('td.drift-observed').innerText()).resolves.toBe('16384');
    expect(await page.locator('#drift thead').textContent()).toMatch(/Spec \(desired\)[\s\S]*Recorded \(state\)[\s\S]*Observed \(reality\)/);
    // Memory maps back to one spec field: it may be adopted.
    expect(await row.getByRole('button', { name: /Adopt observed into the spec/ }).count()).toBe(1);
    await expectAccessible(page);
    await screenshot(page, 'tenant-drift');

    // Nothing was written by the check: the state still records 8192.
    const shown = await server.api('GET', '/api/v1/tenants/acme-dental', { token: operator });
    expect(shown.json.recorded.find((r: { address: string }) => r.address === 'acme-dental/vm/pms-1').attributes.memoryMiB).toBe(8192);

    await Promise.all([page.waitForURL(/\/plans\/plan-[0-9a-f-]+$/), page.getByRole('button', { name: 'Correct reality' }).click()]);
    const id = new URL(page.url()).pathname.split('/').at(-1)!;
    const plan = await server.api('GET', `/api/v1/plans/${id}`, { token: westside });
    expect(plan.status, plan.text).toBe(200);
    expect(plan.json.tenants).toEqual(['acme-dental']);
    expect(plan.json.summary).toMatchObject({ add: 0, change: 1, replace: 0, destroy: 0 });
    expect(plan.json.renderings.text).toMatch(/memoryMiB\s*=\s*16384 -> 8192/);
    const audit = await server.api('GET', '/api/v1/audit?limit=50', { token: operator });
    expect(audit.text).toContain('console.drift-check');

    // The waiting plan's changes are marked on the topology.
    await page.goto(`${server.url}/tenants/acme-dental`);
    expect(await page.locator('#overview .notice a').innerText()).toBe(id);
    expect(await page.locator('#overview .topology svg text').allTextContents()).toContain('~ pms-1');
    await screenshot(page, 'tenant-pending-plan');

    // Or the spec takes reality's value: an edit of the YAML, shown as a plan.
    const adopt = page.locator('#drift tbody tr[data-address="acme-dental/vm/pms-1"][data-attribute="memoryMiB"]').getByRole('button', { name: /Adopt observed into the spec/ });
    await Promise.all([page.waitForURL(/\/plans\/plan-[0-9a-f-]+$/), adopt.click()]);
    const adopted = new URL(page.url()).pathname.split('/').at(-1)!;
    expect(adopted).not.toBe(id);
    expect(lab.readSpec('acme-dental.yaml')).toMatch(/- name: pms-1[^\n]*\n(?:.*\n)*?\s+memory: 16GiB\n/);
    const edit = await server.api('GET', `/api/v1/plans/${adopted}`, { token: westside });
    expect(edit.json.renderings.text).toMatch(/memoryMiB\s*=\s*8192 -> 16384/);
    await page.context().close();
  });

  it('refuses to adopt what the last check did not see, whatever the form says', async () => {
    const page = await signedIn(browser(), server.url, westside);
    await page.goto(`${server.url}/tenants/acme-dental`);
    const csrf = await page.locator('meta[name="csrf-token"]').getAttribute('content') ?? '';
    const before = lab.readSpec('acme-dental.yaml');
    const r = await page.request.post(`${server.url}/tenants/acme-dental/adopt`, { form: { _csrf: csrf, address: 'acme-dental/vm/backup-1', attribute: 'cpu' }, maxRedirects: 0 });
    expect(r.status()).toBe(409);
    expect(await r.text()).toContain('check again');
    expect(lab.readSpec('acme-dental.yaml')).toBe(before);
    await page.context().close();
  });
});
