/**
 * The Audit log and Tokens pages in the system Chromium against a real `netfirst serve`
 * on iswest (partners westside-it, lexcore, ledgerline): an operator makes a partner
 * token through the form and sees its secret once; its holder signs in with it; the
 * operator revokes it and the holder's next page is the sign-in. Both pages are the
 * operator's: a partner gets the refusal page, and the server refuses its form posts
 * whatever the navigation hides. The audit log shows what happened and checks its chain.
 */
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { labs, type Lab, type Server, type Token } from '../serve/harness.js';
import { browserForSuite, expectAccessible, NO_BROWSER, screenshot, signedIn } from './browser.js';

/** A POST from inside the page, as its own script could send one (cookies included, same origin). */
async function postFrom(page: Page, path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return page.evaluate(async ({ path, form, headers }) => {
    const res = await fetch(path, { method: 'POST', body: new URLSearchParams(form), headers, redirect: 'manual' });
    return { status: res.status, text: await res.text() };
  }, { path, form, headers });
}

const csrfOf = (page: Page): Promise<string> => page.locator('meta[name="csrf-token"]').getAttribute('content').then((v) => v ?? '');

describe.skipIf(NO_BROWSER)('console: audit log and tokens', () => {
  const newLab = labs();
  const browser = browserForSuite();
  let lab: Lab;
  let server: Server;
  const tokens = {} as Record<'operator' | 'westside', Token>;

  beforeAll(async () => {
    lab = newLab();
    tokens.operator = await lab.token('operator');
    tokens.westside = await lab.token('partner', { partner: 'westside-it' });
    server = await lab.serve();
  }, 120_000);

  it('an operator makes a partner token, sees it once, its holder signs in, and revoking it signs the holder out', async () => {
    const operator = await signedIn(browser(), server.url, tokens.operator);
    await operator.goto(`${server.url}/tokens`);
    await expect.poll(() => operator.getByRole('heading', { level: 1 }).innerText()).toBe('Tokens');
    // The two tokens the CLI made are listed, the operator's own marked.
    expect(await operator.locator(`#token-${tokens.operator.id}`).innerText()).toContain('you');
    expect(await operator.locator(`#token-${tokens.westside.id}`).innerText()).toContain('westside-it');
    // The scope fields follow the role: an operator token has none.
    await operator.getByLabel('Role').selectOption('operator');
    expect(await operator.getByLabel('Partner').isVisible()).toBe(false);
    await operator.getByLabel('Role').selectOption('partner');
    expect(await operator.getByLabel('Partner').isVisible()).toBe(true);
    expect(await operator.getByLabel('Tenant').isVisible()).toBe(false);
    await expectAccessible(operator);
    await screenshot(operator, 'tokens');

    await operator.getByLabel('Partner').selectOption('westside-it');
    await operator.getByLabel('Description').fill('Westside IT <automation> & co');
    await operator.getByLabel('Expires in').fill('30d');
    const [created] = await Promise.all([
      operator.waitForResponse((r) => r.url().includes('/tokens/created/')),
      operator.getByRole('button', { name: 'Make token' }).click(),
    ]);
    expect(created.headers()['cache-control']).toBe('no-store');
    const secret = await operator.getByLabel('Token', { exact: true }).inputValue();
    expect(secret).toMatch(/^nft_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const id = secret.split('_')[1]!;
    expect(operator.url()).toBe(`${server.url}/tokens/created/${id}`);
    // The random part may itself hold '_': everything after the id is the secret.
    expect(operator.url()).not.toContain(secret.slice(`nft_${id}_`.length));
    expect(await operator.locator('dl.kv').innerText()).toContain('partner westside-it');
    expect(await operator.locator('dl.kv').innerText()).toContain('Westside IT <automation> & co');
    // The copy button (console.js) copies it, or selects it where the clipboard is refused.
    await operator.getByRole('button', { name: 'Copy token' }).click();
    await expect.poll(() => operator.locator('.copy-status').innerText()).toMatch(/^(Copied\.|Selected: press Ctrl\+C)/);
    await expectAccessible(operator);
    await screenshot(operator, 'token-created');

    // Once: a reload shows the token's facts but not its secret, and makes no second token.
    await operator.reload();
    expect(await operator.locator('#secret-gone').innerText()).toContain('shown once');
    expect(await operator.content()).not.toContain(secret);
    await operator.goto(`${server.url}/tokens`);
    expect(await operator.locator('table.tokens tbody tr').count()).toBe(3);
    expect(server.stdout() + server.stderr()).not.toContain(secret);

    // Its holder signs in with it, and sees its partner's tenants only.
    const partner = await signedIn(browser(), server.url, secret);
    expect(new URL(partner.url()).pathname).toBe('/');
    expect(await partner.locator('.who').innerText()).toContain('partner westside-it');

    // The operator revokes it (confirming): the holder's next page is the sign-in.
    operator.once('dialog', (dialog) => void dialog.accept());
    await Promise.all([
      operator.waitForURL((u) => u.searchParams.get('revoked') === id),
      operator.locator(`#token-${id}`).getByRole('button', { name: /Revoke/ }).click(),
    ]);
    expect(await operator.getByRole('status').first().innerText()).toContain(`Token ${id} is revoked`);
    expect(await operator.locator(`#token-${id}`).innerText()).toContain('revoked');
    await partner.reload();
    expect(new URL(partner.url()).pathname).toBe('/login');
    expect(await partner.getByRole('status').innerText()).toContain('Your session has ended');

    // The audit log holds all of it: the sign-ins, the token made (never its secret) and revoked.
    await operator.goto(`${server.url}/audit`);
    await expect.poll(() => operator.getByRole('heading', { level: 1 }).innerText()).toBe('Audit log');
    const log = await operator.locator('table.audit').innerText();
    for (const action of ['console.sign-in', 'token.create', 'token.revoke']) expect(log).toContain(action);
    expect(log).toContain('partner token for partner westside-it, expires');
    expect(await operator.content()).not.toContain(secret.split('_')[2]!);
    // Newest first: the revocation is the top row.
    expect(await operator.locator('table.audit tbody tr').first().innerText()).toContain('token.revoke');
    await expectAccessible(operator);
    await screenshot(operator, 'audit');

    // Filtered to one action, as a link in the table makes it.
    await operator.goto(`${server.url}/audit?action=console.sign-in`);
    const actions = await operator.locator('table.audit tbody tr td:nth-child(4)').allInnerTexts();
    expect(actions.length).toBeGreaterThanOrEqual(2);
    expect(new Set(actions)).toEqual(new Set(['console.sign-in']));
    await operator.getByLabel('Actor').fill(tokens.operator.id);
    await operator.getByRole('button', { name: 'Filter' }).click();
    await operator.waitForURL((u) => u.searchParams.get('actor') === tokens.operator.id);
    const actors = await operator.locator('table.audit tbody tr td:nth-child(3) code').allInnerTexts();
    expect(new Set(actors)).toEqual(new Set([tokens.operator.id]));

    await partner.context().close();
    await operator.context().close();
  });

  it('refuses a form that is not valid, naming the field, and makes no token', async () => {
    const operator = await signedIn(browser(), server.url, tokens.operator);
    await operator.goto(`${server.url}/tokens`);
    const before = await operator.locator('table.tokens tbody tr').count();
    // A partner token without its partner, with an expiry that is no duration.
    await operator.getByLabel('Role').selectOption('partner');
    await operator.getByLabel('Expires in').fill('soon');
    await operator.getByRole('button', { name: 'Make token' }).click();
    await expect.poll(() => operator.locator('#token-partner-error').innerText()).toContain('a partner token needs Partner');
    expect(await operator.locator('#token-expires-error').innerText()).toContain('Expires in must be a duration');
    expect(await operator.getByLabel('Expires in').getAttribute('aria-invalid')).toBe('true');
    expect(await operator.locator('table.tokens tbody tr').count()).toBe(before);
    await expectAccessible(operator);
    await screenshot(operator, 'tokens-invalid');

    // A partner that is not in the Partners document (sent as a forged form would).
    const refused = await postFrom(operator, '/tokens', { _csrf: await csrfOf(operator), role: 'partner', partner: 'nobody-it', expires: '1d' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('unknown partner nobody-it');
    await operator.context().close();
  });

  it('refuses a form post without the CSRF token', async () => {
    const operator = await signedIn(browser(), server.url, tokens.operator);
    await operator.goto(`${server.url}/tokens`);
    const forged = await postFrom(operator, '/tokens', { role: 'operator', expires: '1d' });
    expect(forged.status).toBe(403);
    expect(forged.text).toContain('security token is missing');
    const revoke = await postFrom(operator, `/tokens/${tokens.westside.id}/revoke`, {});
    expect(revoke.status).toBe(403);
    await operator.reload();
    expect(await operator.locator(`#token-${tokens.westside.id}`).innerText()).toContain('active');
    await operator.context().close();
  });

  it("a partner gets the refusal page for both, and the server refuses its posts whatever the navigation shows", async () => {
    const partner = await signedIn(browser(), server.url, tokens.westside);
    expect(await partner.getByRole('navigation', { name: 'Main' }).innerText()).not.toContain('Tokens');
    for (const path of ['/tokens', '/audit', `/tokens/created/${tokens.operator.id}`]) {
      const res = await partner.goto(`${server.url}${path}`);
      expect(res?.status(), path).toBe(403);
      expect(await partner.getByRole('heading', { level: 1 }).innerText()).toBe('Not allowed');
      expect(await partner.getByRole('alert').innerText()).toContain('role is partner');
    }
    await expectAccessible(partner);
    await screenshot(partner, 'tokens-partner-refused');
    // A valid session and CSRF token: the role is checked on the server.
    const csrf = await csrfOf(partner);
    const made = await postFrom(partner, '/tokens', { _csrf: csrf, role: 'operator', expires: '1d' });
    expect(made.status).toBe(403);
    const revoked = await postFrom(partner, `/tokens/${tokens.operator.id}/revoke`, { _csrf: csrf });
    expect(revoked.status).toBe(403);
    const list = await server.api('GET', '/api/v1/audit?action=token.create', { token: tokens.operator });
    expect(list.json.items.filter((r: { role: string }) => r.role === 'partner')).toEqual([]);
    await partner.context().close();
  });

  it('an operator revoking the token it signed in with is signed out', async () => {
    const spare = await lab.token('operator');
    const page = await signedIn(browser(), server.url, spare);
    await page.goto(`${server.url}/tokens`);
    page.once('dialog', (dialog) => {
      expect(dialog.message()).toContain('you will be signed out');
      void dialog.accept();
    });
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/login'),
      page.locator(`#token-${spare.id}`).getByRole('button', { name: /Revoke/ }).click(),
    ]);
    await page.goto(`${server.url}/tokens`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect((await server.api('GET', '/api/v1/tenants', { token: spare })).status).toBe(401);
    await page.context().close();
  });

  it('verifies the hash chain, and says so when a record was changed behind its back', async () => {
    const operator = await signedIn(browser(), server.url, tokens.operator);
    await operator.goto(`${server.url}/audit`);
    await operator.getByRole('button', { name: 'Verify chain' }).click();
    await expect.poll(() => operator.locator('#audit-verdict').innerText()).toContain('The audit log is intact');
    const verdict = await server.api('GET', '/api/v1/audit/verify', { token: tokens.operator });
    expect(await operator.locator('#audit-verdict').innerText()).toContain(`${verdict.json.count} records`);
    await expectAccessible(operator);
    await screenshot(operator, 'audit-verified');

    // Someone with the state file and sqlite3 rewrites what record 2 says.
    const db = new Database(lab.statePath);
    db.exec('DROP TRIGGER IF EXISTS audit_log_no_update');
    db.prepare("UPDATE audit_log SET detail = 'nothing to see' WHERE seq = 2").run();
    db.close();
    await operator.reload();
    await expect.poll(() => operator.locator('#audit-verdict').innerText()).toContain('The audit log was tampered with: record 2 was changed');
    expect(await operator.getByRole('alert').count()).toBeGreaterThan(0);
    await operator.context().close();
  });

  it('pages the log backwards and forwards without losing or repeating a record', async () => {
    const operator = await signedIn(browser(), server.url, tokens.operator);
    const all = await server.api('GET', '/api/v1/audit?limit=1000', { token: tokens.operator });
    const seqs: number[] = all.json.items.map((r: { seq: number }) => r.seq).reverse();
    expect(seqs.length).toBeGreaterThan(6);
    const rowsOf = async (): Promise<number[]> => (await operator.locator('table.audit tbody th').allInnerTexts()).map(Number);
    await operator.goto(`${server.url}/audit?limit=3`);
    const seen: number[] = [];
    for (;;) {
      const rows = await rowsOf();
      seen.push(...rows);
      const older = operator.getByRole('link', { name: 'Older →' });
      if ((await older.count()) === 0) break;
      await older.click();
      await operator.waitForLoadState();
    }
    expect(seen).toEqual(seqs);
    // And forwards again from the oldest page: the three records just above it.
    const ascending = [...seqs].reverse();
    const above = ascending.indexOf(Math.max(...(await rowsOf())));
    await operator.getByRole('link', { name: '← Newer' }).click();
    await operator.waitForLoadState();
    expect(await rowsOf()).toEqual(ascending.slice(above + 1, above + 4).reverse());
    await operator.context().close();
  });
});
