/**
 * The Plans and Runs pages in the system Chromium against a real `netfirst serve` on
 * sim: an operator plans an edit of acme-dental's spec (a disk removed, memory raised,
 * two VMs added), reviews the change table and the data-loss warning, approves, and
 * watches the run live to "succeeded" — reloading mid-run, which must show everything so
 * far and carry on. The sim zone answers each call slowly here (SLOW), so the run lasts
 * long enough to reload in the middle of it. Around it: scope (another partner gets the
 * not-found page for the plan and the run, the same page as for a missing one), a viewer
 * who may not approve (no button; a forged POST is 403), a POST without the CSRF token,
 * a plan gone stale and planned again, and axe-core and a screenshot of every page.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { labs, type Lab, type Server, type Token } from '../serve/harness.js';
import { browserForSuite, expectAccessible, NO_BROWSER, screenshot, signedIn } from './browser.js';

/**
 * Each sim call takes this long. The run below is two steps deep (a VM, then its disk),
 * so it lasts twice this: long enough to reload the page between the first step's end
 * and the last one's.
 */
const SLOW = '3s';

/** acme-dental with pms-1's data disk removed, imaging-1 at 32 GiB, and two new VMs. */
function editedAcme(text: string): string {
  const noDisk = text.replace('      disks: [ { name: data, size: 250GiB, tier: performance } ]\n', '');
  const bigger = noDisk.replace('memory: 16GiB', 'memory: 32GiB');
  const vm = (name: string) => `    - name: ${name}
      hypervisor: kvm
      cpu: 2
      memory: 4GiB
      template: debian-12
      nics: [ { network: office } ]
      rootDisk: { size: 20GiB, tier: standard }
      disks: [ { name: scratch, size: 50GiB, tier: standard } ]
`;
  const out = `${bigger.replace(/\n*$/, '\n')}${vm('web-1')}${vm('web-2')}`;
  if (noDisk === text || bigger === noDisk) throw new Error('examples/iswest/acme-dental.yaml no longer has what this test edits');
  return out;
}

const planIdOf = (page: Page): string => new URL(page.url()).pathname.replace(/^\/plans\//, '');
const runIdOf = (page: Page): string => new URL(page.url()).pathname.replace(/^\/runs\//, '');

/** A POST from inside the page (as a script on it could), with the form fields given. */
async function postFromPage(page: Page, path: string, fields: Record<string, string>): Promise<number> {
  return page.evaluate(async ({ path, fields }) => {
    const r = await fetch(path, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' });
    return r.status;
  }, { path, fields });
}

const csrfOf = (page: Page): Promise<string> => page.locator('meta[name="csrf-token"]').getAttribute('content').then((v) => v ?? '');

const stepStatuses = (page: Page): Promise<string[]> => page.locator('#run-steps tbody .step-status').allInnerTexts();

describe.skipIf(NO_BROWSER)('console: plans and runs', () => {
  const newLab = labs();
  const browser = browserForSuite();
  let lab: Lab;
  let server: Server;
  let op: Token;
  let lexcore: Token;
  let westside: Token;
  let viewer: Token;
  /** The plan and the run of the first test, for the scope tests after it. */
  let planId = '';
  let runId = '';

  const sync = async (): Promise<void> => {
    const r = await server.api('POST', '/api/v1/specs/sync', { token: op });
    expect(r.status, r.text).toBe(200);
  };

  beforeAll(async () => {
    lab = newLab();
    const applied = await lab.cli('apply', 'specs', '--auto-approve');
    expect(applied.code, applied.stderr).toBe(0);
    // Slowed after the first apply: only the console's runs take long.
    const zone = lab.readSpec('zone.yaml');
    const slow = zone.replace('provider: { type: sim, latency: 5ms }', `provider: { type: sim, latency: ${SLOW} }`);
    if (slow === zone) throw new Error('zone.yaml of examples/iswest no longer sets the sim latency where this test expects it');
    lab.writeSpec('zone.yaml', slow);
    [op, lexcore, westside, viewer] = await Promise.all([
      lab.token('operator'), lab.token('partner', { partner: 'lexcore' }), lab.token('partner', { partner: 'westside-it' }), lab.token('viewer'),
    ]);
    server = await lab.serve();
  }, 120_000);

  it('plans an edit, shows its changes and the data it loses, approves, and follows the run to the end across a reload', async () => {
    lab.writeSpec('acme-dental.yaml', editedAcme(lab.readSpec('acme-dental.yaml')));
    await sync();
    const page = await signedIn(browser(), server.url, op);
    await page.goto(`${server.url}/plans`);
    await expectAccessible(page);
    await page.getByLabel('acme-dental', { exact: true }).check();
    await Promise.all([page.waitForURL(/\/plans\/plan-/), page.getByRole('button', { name: 'Plan', exact: true }).click()]);
    planId = planIdOf(page);

    // The change table: old → new per attribute.
    const imaging = page.locator('tbody[data-address="acme-dental/vm/imaging-1"]');
    await expect.poll(() => imaging.innerText()).toContain('memoryMiB');
    const memoryRow = imaging.locator('tr', { hasText: 'memoryMiB' });
    expect(await memoryRow.locator('td.before').innerText()).toBe('16384 MiB (16 GiB)');
    expect(await memoryRow.locator('td.after').innerText()).toBe('32768 MiB (32 GiB)');
    expect(await page.locator('tbody[data-address="acme-dental/vm/web-1"]').innerText()).toContain('add');
    expect(await page.locator('tbody[data-address="acme-dental/vm/pms-1/disk/data"]').innerText()).toContain('destroy');
    // The plan text, coloured by what each line does.
    expect(await page.locator('pre.plan span.del').count()).toBeGreaterThan(0);
    expect(await page.locator('pre.plan span.add').count()).toBeGreaterThan(0);
    expect(await page.locator('pre.plan span.chg').count()).toBeGreaterThan(0);
    // The data-loss warning names the disk and its size, above the approve button.
    const warning = page.locator('.decide .notice-warning');
    expect(await warning.innerText()).toMatch(/disk acme-dental\/vm\/pms-1\/disk\/data \(250 GiB, performance\) will be deleted/);
    const approve = page.getByRole('button', { name: 'Approve and apply' });
    const warningFirst = await page.evaluate(() => {
      const w = document.querySelector('.decide .notice-warning');
      const b = [...document.querySelectorAll('.decide button')].find((x) => x.textContent === 'Approve and apply');
      return w !== null && b !== undefined && (w.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
    });
    expect(warningFirst).toBe(true);
    await expectAccessible(page);
    await screenshot(page, 'plan-review');

    // Approving asks first (the disk goes), then starts the run and shows it.
    page.once('dialog', (d) => void d.accept());
    await Promise.all([page.waitForURL(/\/runs\/run-/), approve.click()]);
    runId = runIdOf(page);
    const total = Number(await page.locator('#run-total').innerText());
    expect(total).toBeGreaterThanOrEqual(5);
    expect(await page.locator('#run-steps tbody tr').count()).toBe(total);
    expect(await page.getByRole('button', { name: 'Cancel run' }).count()).toBe(1);

    // Live: steps finish while the page stays as it is.
    await expect.poll(async () => Number(await page.locator('#run-done').innerText()), { timeout: 60_000 }).toBeGreaterThan(0);
    const doneBefore = Number(await page.locator('#run-done').innerText());
    expect(await page.locator('#run').getAttribute('data-live')).toBe('true');

    // A reload mid-run renders everything so far from the server, then carries on live.
    await page.reload();
    const doneAfter = Number(await page.locator('#run-done').innerText());
    expect(doneAfter).toBeGreaterThanOrEqual(doneBefore);
    expect(doneAfter).toBeLessThan(total);
    expect(await page.locator('#run').getAttribute('data-live')).toBe('true');
    expect((await stepStatuses(page)).filter((s) => s === 'done').length).toBe(doneAfter);
    expect(await page.locator('#run-log').innerText()).toContain('acme-dental/');
    await screenshot(page, 'run-live');
    await expectAccessible(page);

    await expect.poll(() => page.locator('#run-result-status').innerText().catch(() => ''), { timeout: 90_000 }).toBe('succeeded');
    expect(await page.locator('#run-status').innerText()).toBe('succeeded');
    const bar = await page.locator('#run-progress').evaluate((p: HTMLProgressElement) => ({ value: p.value, max: p.max }));
    expect(bar).toEqual({ value: total, max: total });
    expect(await stepStatuses(page)).toEqual(Array(total).fill('done'));
    expect(await page.getByRole('button', { name: 'Cancel run' }).count()).toBe(0);
    // What the live page shows is what a reload shows.
    const live = { steps: await stepStatuses(page), log: await page.locator('#run-log').innerText() };
    await page.reload();
    expect({ steps: await stepStatuses(page), log: await page.locator('#run-log').innerText() }).toEqual(live);
    await expectAccessible(page);
    await screenshot(page, 'run-finished');

    // The API agrees.
    const run = await server.api('GET', `/api/v1/runs/${runId}`, { token: op });
    expect(run.json).toMatchObject({ status: 'succeeded', planId });

    // The lists.
    await page.goto(`${server.url}/runs`);
    expect(await page.locator('#runs tbody tr', { hasText: runId.slice(0, 13) }).innerText()).toContain('succeeded');
    await expectAccessible(page);
    await screenshot(page, 'runs-list');
    await page.goto(`${server.url}/plans?tenant=acme-dental`);
    expect(await page.locator('#plans tbody tr', { hasText: planId.slice(0, 13) }).innerText()).toContain('applied');
    await page.getByLabel('Status').selectOption('discarded');
    await Promise.all([page.waitForURL(/status=discarded/), page.getByRole('button', { name: 'Filter' }).click()]);
    expect(await page.locator('#plans').count()).toBe(0);
    await page.goto(`${server.url}/plans`);
    await expectAccessible(page);
    await screenshot(page, 'plans-list');
    await page.context().close();
  }, 180_000);

  it('resumes the console event stream after Last-Event-ID, with the API stream\'s ids', async () => {
    expect(runId).not.toBe('');
    const page = await signedIn(browser(), server.url, op);
    const all = await server.api('GET', `/api/v1/runs/${runId}/events?limit=1000`, { token: op, headers: { accept: 'application/json' } });
    const seqs = (all.json.items as { seq: number }[]).map((e) => e.seq);
    expect(seqs.length).toBeGreaterThan(4);
    const r = await page.request.get(`${server.url}/runs/${runId}/events`, { headers: { accept: 'text/event-stream', 'last-event-id': '3' } });
    expect(r.status()).toBe(200);
    expect(r.headers()['content-type']).toMatch(/^text\/event-stream/);
    const ids = [...(await r.text()).matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids).toEqual(seqs.filter((s) => s > 3));
    await page.context().close();
  });

  it('shows another partner the not-found page for the plan and the run, as for ones that do not exist', async () => {
    expect(planId).not.toBe('');
    const page = await signedIn(browser(), server.url, lexcore);
    const words = async (path: string): Promise<{ status: number | undefined; text: string }> => {
      const r = await page.goto(`${server.url}${path}`);
      return { status: r?.status(), text: await page.locator('main').innerText() };
    };
    const missingPlan = await words('/plans/plan-00000000-0000-0000-0000-000000000000');
    const foreignPlan = await words(`/plans/${planId}`);
    expect(foreignPlan).toEqual(missingPlan);
    expect(foreignPlan.status).toBe(404);
    expect(foreignPlan.text).not.toContain('acme-dental');
    await expectAccessible(page);
    await screenshot(page, 'plan-not-found');
    const missingRun = await words('/runs/run-00000000-0000-0000-0000-000000000000');
    const foreignRun = await words(`/runs/${runId}`);
    expect(foreignRun).toEqual(missingRun);
    expect(foreignRun.status).toBe(404);
    const stream = await page.request.get(`${server.url}/runs/${runId}/events`, { headers: { accept: 'text/event-stream' } });
    expect(stream.status()).toBe(404);
    expect(await stream.text()).not.toContain('acme-dental');
    // Nor in the lists, nor by a forged decision.
    await page.goto(`${server.url}/plans`);
    expect(await page.locator('main').innerText()).not.toContain('acme-dental');
    await page.goto(`${server.url}/runs`);
    expect(await page.locator('main').innerText()).not.toContain('acme-dental');
    expect(await postFromPage(page, `/plans/${planId}/discard`, { _csrf: await csrfOf(page) })).toBe(404);
    await page.context().close();
  }, 60_000);

  it("lets a viewer read a plan but not decide on it, refuses a POST without the CSRF token, and plans a stale plan again", async () => {
    lab.writeSpec('baker-law.yaml', lab.readSpec('baker-law.yaml').replace('memory: 4GiB', 'memory: 6GiB'));
    await sync();
    const made = await server.api('POST', '/api/v1/plans', { token: op, body: { tenants: ['baker-law'] } });
    expect(made.status, made.text).toBe(201);
    const id = made.json.id as string;

    // The owning partner sees the operator's plan, but only the operator decides on it.
    const partner = await signedIn(browser(), server.url, lexcore);
    expect((await partner.goto(`${server.url}/plans/${id}`))?.status()).toBe(200);
    expect(await partner.getByRole('button', { name: /Approve/ }).count()).toBe(0);
    expect(await partner.locator('.decide').innerText()).toContain('Only the operator may approve or discard this plan');
    expect(await postFromPage(partner, `/plans/${id}/approve`, { _csrf: await csrfOf(partner) })).toBe(403);
    await partner.context().close();

    const reader = await signedIn(browser(), server.url, viewer);
    await reader.goto(`${server.url}/plans/${id}`);
    expect(await reader.locator('tbody[data-address="baker-law/vm/web-1"]').innerText()).toContain('memoryMiB');
    expect(await reader.getByRole('button', { name: /Approve/ }).count()).toBe(0);
    expect(await reader.getByRole('button', { name: 'Discard' }).count()).toBe(0);
    expect(await reader.getByRole('button', { name: 'Plan', exact: true }).count()).toBe(0);
    await expectAccessible(reader);
    await screenshot(reader, 'plan-review-viewer');
    expect(await postFromPage(reader, `/plans/${id}/approve`, { _csrf: await csrfOf(reader) })).toBe(403);
    expect(await postFromPage(reader, '/plans', { _csrf: await csrfOf(reader), tenant: 'baker-law' })).toBe(403);
    await reader.context().close();

    const page = await signedIn(browser(), server.url, op);
    await page.goto(`${server.url}/plans/${id}`);
    expect(await page.getByRole('button', { name: 'Approve and apply' }).count()).toBe(1);
    expect(await postFromPage(page, `/plans/${id}/approve`, {})).toBe(403);
    expect(await postFromPage(page, `/plans/${id}/approve`, { _csrf: 'not-the-token' })).toBe(403);
    expect((await server.api('GET', `/api/v1/plans/${id}`, { token: op })).json.status).toBe('planned');

    // The spec moves on: the plan is stale, cannot be approved, and is planned again.
    lab.writeSpec('baker-law.yaml', lab.readSpec('baker-law.yaml').replace('memory: 6GiB', 'memory: 8GiB'));
    await sync();
    await page.reload();
    expect(await page.locator('#plan-status').innerText()).toBe('stale');
    expect(await page.locator('.decide').innerText()).toContain('Plan again');
    expect(await page.getByRole('button', { name: 'Approve and apply' }).count()).toBe(0);
    await expectAccessible(page);
    await screenshot(page, 'plan-stale');
    await Promise.all([page.waitForURL((u) => u.pathname.startsWith('/plans/plan-') && !u.pathname.endsWith(id)), page.getByRole('button', { name: 'Plan again' }).click()]);
    const web = page.locator('tbody[data-address="baker-law/vm/web-1"] tr', { hasText: 'memoryMiB' });
    expect(await web.locator('td.after').innerText()).toBe('8192 MiB (8 GiB)');
    expect(await page.locator('#plan-status').innerText()).toBe('planned');
    // Discarded from the console: the plan says so, and nothing is left to decide.
    await Promise.all([page.waitForURL(/discarded=1/), page.getByRole('button', { name: 'Discard' }).click()]);
    expect(await page.locator('#plan-status').innerText()).toBe('discarded');
    expect(await page.getByRole('button', { name: /Approve/ }).count()).toBe(0);
    await page.context().close();
  }, 120_000);

  it('cancels a running run from its page: what is in flight finishes, nothing new starts', async () => {
    const spec = lab.readSpec('cole-accounting.yaml');
    lab.writeSpec('cole-accounting.yaml', `${spec.replace(/\n*$/, '\n')}    - name: temp-1
      hypervisor: kvm
      cpu: 1
      memory: 2GiB
      template: debian-12
      nics: [ { network: office } ]
      rootDisk: { size: 20GiB, tier: standard }
      disks: [ { name: scratch, size: 10GiB, tier: standard } ]
`);
    await sync();
    const made = await server.api('POST', '/api/v1/plans', { token: op, body: { tenants: ['cole-accounting'] } });
    expect(made.status, made.text).toBe(201);
    const page = await signedIn(browser(), server.url, op);
    await page.goto(`${server.url}/plans/${made.json.id}`);
    // Nothing is lost: approving does not ask.
    expect(await page.locator('.decide .notice-warning').count()).toBe(0);
    await Promise.all([page.waitForURL(/\/runs\/run-/), page.getByRole('button', { name: 'Approve and apply' }).click()]);
    const id = runIdOf(page);
    page.once('dialog', (d) => void d.accept());
    await Promise.all([page.waitForURL(`${server.url}/runs/${id}`), page.getByRole('button', { name: 'Cancel run' }).click()]);
    await expect.poll(() => page.locator('#run-result-status').innerText().catch(() => ''), { timeout: 60_000 }).toBe('cancelled');
    expect(await page.locator('#run-steps tr[data-step="cole-accounting/vm/temp-1/disk/scratch"] .step-status').innerText()).toBe('pending');
    expect(await page.getByRole('button', { name: 'Cancel run' }).count()).toBe(0);
    expect((await server.api('GET', `/api/v1/runs/${id}`, { token: op })).json.status).toBe('cancelled');
    await expectAccessible(page);
    await screenshot(page, 'run-cancelled');
    await page.context().close();
  }, 90_000);

  it('shows spec errors next to the plan form, and refuses a tenant outside the scope as not found', async () => {
    const page = await signedIn(browser(), server.url, westside);
    await page.goto(`${server.url}/plans`);
    // The partner's form offers its own tenant only.
    expect(await page.locator('form[action="/plans"] input[name="tenant"]').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value))).toEqual(['acme-dental']);
    expect(await postFromPage(page, '/plans', { _csrf: await csrfOf(page), tenant: 'baker-law' })).toBe(400);
    const html = await page.evaluate(async (csrf) => (await fetch('/plans', { method: 'POST', body: new URLSearchParams({ _csrf: csrf, tenant: 'baker-law' }) })).text(), await csrfOf(page));
    expect(html).toContain('tenant baker-law was not found');
    expect(html).not.toMatch(/lexcore|baker-law\/vm/);

    lab.writeSpec('acme-dental.yaml', lab.readSpec('acme-dental.yaml').replace('cidr: 10.20.0.0/24', 'cidr: 10.20.0.0/33'));
    await sync();
    await page.getByLabel('acme-dental', { exact: true }).check();
    await page.getByRole('button', { name: 'Plan', exact: true }).click();
    await expect.poll(() => page.locator('.notice-error').first().innerText()).toMatch(/error/);
    expect(await page.locator('.notice-error').allInnerTexts().then((t) => t.join('\n'))).toContain('acme-dental.yaml');
    await expectAccessible(page);
    await screenshot(page, 'plan-form-errors');
    await page.context().close();
  }, 60_000);
});
