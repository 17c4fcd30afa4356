/**
 * The "done when", as a new user would do it in the browser: sign in, find a
 * tenant, see its network drawn, add a VM through a form, approve the plan, watch it
 * applied, and find the new VM on the tenant's picture. Then the operator's pages of the
 * same zone. With NETFIRST_DOCS_SCREENSHOTS=1 it also writes the README's screenshots
 * (docs/console/).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { labs, type Lab, type Server } from '../serve/harness.js';
import { browserForSuite, docScreenshot, expectAccessible, NO_BROWSER, signedIn } from './browser.js';

describe.skipIf(NO_BROWSER)('console: a new user adds a VM and watches it applied', () => {
  const newLab = labs();
  const browser = browserForSuite();
  let lab: Lab;
  let server: Server;

  beforeAll(async () => {
    lab = newLab();
    const applied = await lab.cli('apply', 'specs', '--auto-approve');
    expect(applied.code, applied.stderr).toBe(0);
    server = await lab.serve();
  });

  it('finds acme-dental, adds a VM through the form, approves, and sees it drawn', async () => {
    const partner = await lab.token('partner', { partner: 'westside-it' });
    const page = await signedIn(browser(), server.url, partner);
    await docScreenshot(page, 'fleet');

    // Find the tenant: search, then follow its name.
    await page.getByLabel('Search').fill('acme');
    await page.getByRole('link', { name: 'acme-dental' }).click();
    await page.waitForURL((u) => u.pathname === '/tenants/acme-dental');
    const picture = page.locator('.topology svg');
    await expect.poll(() => picture.count()).toBe(1);
    expect(await picture.textContent()).toContain('pms-1');
    expect(await picture.textContent()).not.toContain('web-2');
    await expectAccessible(page);
    await docScreenshot(page, 'tenant');

    // The form: add a VM.
    await page.getByRole('link', { name: /Change this tenant/ }).click();
    await page.waitForURL((u) => u.pathname === '/tenants/acme-dental/edit');
    const form = page.locator('form').filter({ has: page.getByRole('button', { name: /Add (the|a) VM/i }) });
    await form.getByLabel('Name', { exact: true }).fill('web-2');
    await form.getByLabel('Template').selectOption({ index: 1 });
    await form.getByLabel('Network').selectOption('office');
    await form.getByLabel('Memory').fill('2GiB');
    await expectAccessible(page);
    await docScreenshot(page, 'edit');
    await form.getByRole('button', { name: /Add (the|a) VM/i }).click();

    // The plan it made: one VM to add; approve it.
    await page.waitForURL((u) => u.pathname.startsWith('/plans/'));
    expect(await page.locator('pre.plan').textContent()).toContain('acme-dental/vm/web-2');
    await expectAccessible(page);
    await docScreenshot(page, 'plan');
    await page.getByRole('button', { name: /^Approve/ }).click();

    // The run: live progress until it succeeds.
    await page.waitForURL((u) => u.pathname.startsWith('/runs/'));
    await expect.poll(() => page.locator('#run-status').textContent(), { timeout: 60_000 }).toBe('succeeded');
    const bar = page.locator('#run-progress');
    expect(await bar.getAttribute('value')).toBe(await bar.getAttribute('max'));
    await expectAccessible(page);
    await docScreenshot(page, 'run');

    // The new VM is on the picture, and in the spec file the form edited (comments kept).
    await page.goto(`${server.url}/tenants/acme-dental`);
    expect(await page.locator('.topology svg').textContent()).toContain('web-2');
    const spec = lab.readSpec('acme-dental.yaml');
    expect(spec).toContain('name: web-2');
    expect(spec).toContain('# practice management (charts, scheduling)');
    await page.context().close();
  });

  it("shows the operator's pages of the same zone", async () => {
    const page = await signedIn(browser(), server.url, await lab.token('operator', {}));
    for (const [path, name] of [['/zones', 'zones'], ['/usage', 'usage'], ['/tokens', 'tokens'], ['/audit', 'audit']] as const) {
      await page.goto(`${server.url}${path}`);
      await expectAccessible(page);
      await docScreenshot(page, name);
    }
    await page.context().close();
  });
});
