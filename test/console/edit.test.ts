/**
 * The edit forms (pages/edit.tsx) in the system Chromium against a real `netfirst serve`
 * on sim whose spec source is a git working copy: a small client's partner adds a VM
 * through the form, lands on the plan, approves it, and the run applies it — the edit a
 * commit in the repository naming the token; a form with a bad name shows the problem
 * next to the field with what was typed kept, and writes nothing; stop, grow a disk, open
 * a port and add a VPN user each end on their plan; a form made from an old version of
 * the spec is shown again on the current one; another partner gets the not-found page;
 * a viewer may not change anything; a POST without the CSRF token is refused; axe-core
 * and a screenshot of the page.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { labs, type Lab, type Server, type Token } from '../serve/harness.js';
import { browserForSuite, expectAccessible, NO_BROWSER, screenshot, signedIn } from './browser.js';

const planIdOf = (page: Page): string => new URL(page.url()).pathname.replace(/^\/plans\//, '');

describe.skipIf(NO_BROWSER)('console: edit forms', () => {
  const newLab = labs();
  const browser = browserForSuite();
  let lab: Lab;
  let server: Server;
  let westside: Token;
  let lexcore: Token;
  let viewer: Token;
  const git = (...args: string[]): string => execFileSync('git', args, {
    cwd: lab.specs, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
  });

  beforeAll(async () => {
    lab = newLab();
    const applied = await lab.cli('apply', 'specs', '--auto-approve');
    expect(applied.code, applied.stderr).toBe(0);
    git('init', '--quiet', '--initial-branch=main');
    git('add', '.');
    git('-c', 'user.name=Operator', '-c', 'user.email=op@example.net', 'commit', '--quiet', '-m', 'specs');
    [westside, lexcore, viewer] = await Promise.all([lab.token('partner', { partner: 'westside-it' }), lab.token('partner', { partner: 'lexcore' }), lab.token('viewer')]);
    // The partners' secret directories (secrets/<partner> in partners.yaml) are the server's secret store.
    server = await lab.serve(['--secrets-dir', 'specs/secrets', '--no-watch']);
  }, 120_000);

  it('adds a VM through the form, lands on its plan, and applies it on approval: a commit names the token', async () => {
    const page = await signedIn(browser(), server.url, westside);
    await page.goto(`${server.url}/tenants/acme-dental/edit`);
    expect(await page.locator('h1').innerText()).toBe('Change acme-dental');
    await expectAccessible(page);
    await screenshot(page, 'edit');
    const form = page.locator('#add-vm');
    await form.getByLabel('Name', { exact: true }).fill('web-2');
    await form.getByLabel('Hypervisor').selectOption('kvm');
    await form.getByLabel('Template').selectOption('debian-12');
    await form.getByLabel('CPUs').fill('2');
    await form.getByLabel('Memory').fill('4GiB');
    await form.getByLabel('Network').selectOption('office');
    await form.getByLabel('Root disk size').fill('20GiB');
    await form.getByLabel('Root disk tier').selectOption('standard');
    await Promise.all([page.waitForURL(/\/plans\/plan-/), form.getByRole('button', { name: 'Add the VM and show the plan' }).click()]);
    expect(await page.locator('tbody[data-address="acme-dental/vm/web-2"]').innerText()).toContain('add');
    expect(lab.readSpec('acme-dental.yaml')).toContain('    - name: web-2\n      hypervisor: kvm\n');
    expect(git('log', '-1', '--format=%s%n%an').trim()).toBe(`acme-dental: add VM web-2\nnetfirst console (partner token ${westside.id})`);
    await Promise.all([page.waitForURL(/\/runs\/run-/), page.getByRole('button', { name: 'Approve and apply' }).click()]);
    await expect.poll(() => page.locator('#run-result-status').innerText().catch(() => ''), { timeout: 60_000 }).toBe('succeeded');
    const state = await lab.cli('state', 'list');
    expect(state.stdout).toContain('acme-dental/vm/web-2');
  });

  it('shows a problem next to its field, keeps what was typed, and writes nothing', async () => {
    const before = lab.readSpec('acme-dental.yaml');
    const head = git('rev-parse', 'HEAD');
    const page = await signedIn(browser(), server.url, westside);
    await page.goto(`${server.url}/tenants/acme-dental/edit`);
    const form = page.locator('#add-vm');
    await form.getByLabel('Name', { exact: true }).fill('Web_3');
    await form.getByLabel('Template').selectOption('debian-12');
    await form.getByLabel('Network').selectOption('office');
    await form.getByRole('button', { name: 'Add the VM and show the plan' }).click();
    await page.waitForLoadState();
    const name = page.locator('#add-vm-name');
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    expect(await name.inputValue()).toBe('Web_3');
    expect(await page.locator('#add-vm-name-error').innerText()).toContain('must be a DNS label');
    await expectAccessible(page);
    await screenshot(page, 'edit-error');
    // The form's other problems too: a CPU count that is no number.
    await page.locator('#set-vm').getByLabel('VM').selectOption('pms-1');
    await page.locator('#set-vm').getByLabel('CPUs').fill('lots');
    await page.locator('#set-vm').getByRole('button', { name: 'Change the VM and show the plan' }).click();
    await page.waitForLoadState();
    expect(await page.locator('#set-vm-cpu-error').innerText()).toBe('must be a whole number');
    expect(lab.readSpec('acme-dental.yaml')).toBe(before);
    expect(git('rev-parse', 'HEAD')).toBe(head);
  });

  it('stops a VM, grows a disk, opens a port and adds a VPN user, each ending on its plan', async () => {
    const page = await signedIn(browser(), server.url, westside);
    const edit = `${server.url}/tenants/acme-dental/edit`;

    await page.goto(edit);
    page.once('dialog', (d) => void d.accept());
    await Promise.all([page.waitForURL(/\/plans\/plan-/), page.locator('#power').getByRole('button', { name: 'Stop backup-1' }).click()]);
    expect(lab.readSpec('acme-dental.yaml')).toContain('power: stopped');

    await page.goto(edit);
    await page.locator('#disk').getByLabel('Disk').selectOption('pms-1/data');
    await page.locator('#disk').getByLabel('New size').fill('300GiB');
    await Promise.all([page.waitForURL(/\/plans\/plan-/), page.locator('#disk').getByRole('button', { name: 'Grow the disk and show the plan' }).click()]);
    expect(await page.locator('tbody[data-address="acme-dental/vm/pms-1/disk/data"]').innerText()).toContain('sizeGiB');

    await page.goto(edit);
    const port = page.locator('#port-forward');
    await port.getByLabel('Public IP', { exact: true }).selectOption('office-nat');
    await port.getByLabel('Public ports').fill('8443');
    await port.getByLabel('VM ports (optional)').fill('443');
    await port.getByLabel('VM', { exact: true }).selectOption('pms-1');
    await Promise.all([page.waitForURL(/\/plans\/plan-/), port.getByRole('button', { name: 'Open the port and show the plan' }).click()]);
    expect(lab.readSpec('acme-dental.yaml')).toContain('{ protocol: tcp, port: 8443, privatePort: 443, vm: pms-1 }');

    await page.goto(edit);
    const vpn = page.locator('#vpn-user');
    await vpn.getByLabel('User name').fill('nurse-kim');
    await vpn.getByLabel('Password', { exact: true }).fill('correct-horse-battery-9');
    await vpn.getByLabel('Password again').fill('correct-horse-battery-9');
    await Promise.all([page.waitForURL(/\/plans\/plan-/), vpn.getByRole('button', { name: 'Add the user and show the plan' }).click()]);
    expect(planIdOf(page)).toMatch(/^plan-/);
    expect(await page.content()).not.toContain('correct-horse-battery-9');
    expect(lab.readSpec('acme-dental.yaml')).toContain('{ name: nurse-kim, password: { file: secrets/westside-it/acme-dental-nurse-kim-password } }');
    const stored = join(lab.specs, 'secrets', 'westside-it', 'acme-dental-nurse-kim-password');
    expect(existsSync(stored) && readFileSync(stored, 'utf8')).toBe('correct-horse-battery-9\n');
    expect(git('log', '-p', '-5')).not.toContain('correct-horse-battery-9');
  });

  it('a form made from an old version of the spec is shown again on the current one', async () => {
    const page = await signedIn(browser(), server.url, westside);
    await page.goto(`${server.url}/tenants/acme-dental/edit`);
    // Someone else changes the file meanwhile.
    const other = await signedIn(browser(), server.url, westside);
    await other.goto(`${server.url}/tenants/acme-dental/edit`);
    await other.locator('#set-vm').getByLabel('VM').selectOption('imaging-1');
    await other.locator('#set-vm').getByLabel('CPUs').fill('6');
    await Promise.all([other.waitForURL(/\/plans\/plan-/), other.locator('#set-vm').getByRole('button', { name: 'Change the VM and show the plan' }).click()]);
    await page.locator('#set-vm').getByLabel('VM').selectOption('imaging-1');
    await page.locator('#set-vm').getByLabel('CPUs').fill('8');
    await page.locator('#set-vm').getByRole('button', { name: 'Change the VM and show the plan' }).click();
    await page.waitForLoadState();
    expect(await page.locator('.notice-warning').innerText()).toContain('changed since this form was shown');
    expect(await page.locator('#set-vm-cpu').inputValue()).toBe('8');
    expect(lab.readSpec('acme-dental.yaml')).toMatch(/name: imaging-1[\s\S]*?cpu: 6/);
  });

  it("another partner gets the not-found page, the same as for a missing tenant; a viewer may change nothing; a POST needs the CSRF token", async () => {
    const foreign = await signedIn(browser(), server.url, lexcore);
    const answer = await foreign.goto(`${server.url}/tenants/acme-dental/edit`);
    expect(answer?.status()).toBe(404);
    const foreignText = await foreign.locator('main').innerText();
    const missing = await foreign.goto(`${server.url}/tenants/acme-nowhere/edit`);
    expect(missing?.status()).toBe(404);
    expect((await foreign.locator('main').innerText()).replace('acme-nowhere', 'acme-dental')).toBe(foreignText);
    const posted = await foreign.evaluate(async () => {
      const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';
      const r = await fetch('/tenants/acme-dental/edit/set-vm', { method: 'POST', body: new URLSearchParams({ _csrf: csrf, base: 'a'.repeat(64), vm: 'pms-1', cpu: '64' }), redirect: 'manual' });
      return r.status;
    });
    expect(posted).toBe(404);

    const reader = await signedIn(browser(), server.url, viewer);
    expect((await reader.goto(`${server.url}/tenants/acme-dental/edit`))?.status()).toBe(403);

    const page = await signedIn(browser(), server.url, westside);
    await page.goto(`${server.url}/tenants/acme-dental/edit`);
    const base = await page.locator('#set-vm input[name="base"]').inputValue();
    const status = await page.evaluate(async (base) => {
      const r = await fetch('/tenants/acme-dental/edit/set-vm', { method: 'POST', body: new URLSearchParams({ base, vm: 'pms-1', cpu: '64' }), redirect: 'manual' });
      return r.status;
    }, base);
    expect(status).toBe(403);
    expect(lab.readSpec('acme-dental.yaml')).not.toContain('cpu: 64');
  });
});
