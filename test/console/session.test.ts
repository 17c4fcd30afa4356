/**
 * Signing in to the console, its session cookie and CSRF defences, and the Fleet page,
 * in the system Chromium against a real `netfirst serve` on sim. The iswest example has
 * three tenants, one per partner: acme-dental (westside-it), baker-law (lexcore) and
 * cole-accounting (ledgerline).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { labs, type Lab, type Server, type Token } from '../serve/harness.js';
import { browserForSuite, expectAccessible, NO_BROWSER, screenshot, signedIn } from './browser.js';

const rowsOf = async (page: import('playwright-core').Page): Promise<string[]> =>
  page.locator('#fleet-results tbody th a').allInnerTexts();

describe.skipIf(NO_BROWSER)('console: sign in, session, fleet', () => {
  const newLab = labs();
  const browser = browserForSuite();
  let lab: Lab;
  let server: Server;
  /** Tokens minted once (each `token create` is a CLI start): role → token. */
  let tokens: Record<string, Token>;

  beforeAll(async () => {
    lab = newLab();
    const applied = await lab.cli('apply', 'specs', '--auto-approve');
    expect(applied.code, applied.stderr).toBe(0);
    const [s, operator, westside, bakerLaw, viewer] = await Promise.all([lab.serve(), lab.token('operator'), lab.token('partner', { partner: 'westside-it' }),
      lab.token('tenant', { tenant: 'baker-law' }), lab.token('viewer')]);
    server = s;
    tokens = { operator, 'partner:westside-it': westside, 'tenant:baker-law': bakerLaw, viewer };
  });

  it.each([
    { reason: 'an operator sees every tenant and the operator pages', role: 'operator' as const, key: 'operator', want: ['acme-dental', 'baker-law', 'cole-accounting'], operatorNav: true },
    { reason: "a partner sees its own partner's tenants only", role: 'partner' as const, key: 'partner:westside-it', want: ['acme-dental'], operatorNav: false },
    { reason: 'a tenant token sees its one tenant', role: 'tenant' as const, key: 'tenant:baker-law', want: ['baker-law'], operatorNav: false },
    { reason: 'a viewer reads everything', role: 'viewer' as const, key: 'viewer', want: ['acme-dental', 'baker-law', 'cole-accounting'], operatorNav: false },
  ])('$reason', async ({ role, key, want, operatorNav }) => {
    const token = tokens[key]!;
    const page = await signedIn(browser(), server.url, token);
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await rowsOf(page)).toEqual(want);
    expect(await page.getByRole('link', { name: 'Tokens' }).count()).toBe(operatorNav ? 1 : 0);
    await expect.poll(() => page.locator('.who .badge').innerText()).toContain(role);
    await expectAccessible(page);
    await screenshot(page, `fleet-${role}`);
    await page.context().close();
  });

  it('reads Synced for applied tenants, and OutOfSync once a spec asks for more', async () => {
    const page = await signedIn(browser(), server.url, tokens['viewer']!);
    const statuses = async (): Promise<string[]> => {
      await page.reload();
      return page.locator('#fleet-results tbody td .status').allInnerTexts();
    };
    await expect.poll(statuses, { timeout: 20_000 }).toEqual(['Synced', 'Synced', 'Synced']);
    lab.writeSpec('cole-accounting.yaml', lab.readSpec('cole-accounting.yaml').replace(/memory: (\d+)GiB/, (_m, n: string) => `memory: ${Number(n) * 2}GiB`));
    await expect.poll(statuses, { timeout: 20_000 }).toEqual(['Synced', 'Synced', 'OutOfSync']);
    await page.context().close();
  });

  it('asks for a token first, and comes back to the page asked for', async () => {
    const token = tokens['operator']!;
    const context = await browser().newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/?zone=iswest-1`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await expectAccessible(page);
    await screenshot(page, 'login');
    await page.getByLabel('Access token').fill('nft_000000000000_not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).toContain('not valid');
    await page.getByLabel('Access token').fill(token.secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/' && u.search === '?zone=iswest-1');
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'netfirst_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: false, path: '/' });
    // The token itself is never kept by the browser.
    expect(JSON.stringify(cookies)).not.toContain(token.secret);
    await context.close();
  });

  it('never sends the browser elsewhere after sign-in', async () => {
    const token = tokens['operator']!;
    const context = await browser().newContext();
    const page = await context.newPage();
    for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', '/api/v1/tenants']) {
      await page.goto(`${server.url}/login?next=${encodeURIComponent(next)}`);
      await page.getByLabel('Access token').fill(token.secret);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((u) => !u.pathname.startsWith('/login'));
      expect(page.url()).toBe(`${server.url}/`);
      await context.clearCookies();
    }
    await context.close();
  });

  it('signs out: the cookie no longer opens a page', async () => {
    const page = await signedIn(browser(), server.url, tokens['viewer']!);
    const cookie = (await page.context().cookies()).find((c) => c.name === 'netfirst_session')!;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((u) => u.pathname === '/login');
    await expect.poll(() => page.getByRole('status').innerText()).toContain('signed out');
    // The old cookie, replayed, is worth nothing.
    const replay = await fetch(`${server.url}/`, { headers: { cookie: `netfirst_session=${cookie.value}` }, redirect: 'manual' });
    expect(replay.status).toBe(303);
    expect(replay.headers.get('location')).toMatch(/^\/login/);
    await page.context().close();
  });

  it('refuses a form without the CSRF token, or sent from another site', async () => {
    const page = await signedIn(browser(), server.url, tokens['operator']!);
    const cookie = (await page.context().cookies()).find((c) => c.name === 'netfirst_session')!;
    const csrf = await page.locator('meta[name="csrf-token"]').getAttribute('content');
    const post = (body: string, headers: Record<string, string> = {}) => fetch(`${server.url}/logout`, {
      method: 'POST', redirect: 'manual', body,
      headers: { cookie: `netfirst_session=${cookie.value}`, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });
    const missing = await post('');
    expect(missing.status).toBe(403);
    expect(await missing.text()).toContain('security token');
    expect((await post('_csrf=forged-value-of-the-same-len')).status).toBe(403);
    expect((await post(`_csrf=${csrf}`, { origin: 'https://evil.example' })).status).toBe(403);
    // Still signed in: none of those did anything.
    await page.reload();
    expect(new URL(page.url()).pathname).toBe('/');
    expect((await post(`_csrf=${csrf}`, { origin: server.url })).status).toBe(303);
    await page.context().close();
  });

  it('ends the sessions of a revoked token at their next request', async () => {
    const token = await lab.token('partner', { partner: 'lexcore' });
    const page = await signedIn(browser(), server.url, token);
    expect(await rowsOf(page)).toEqual(['baker-law']);
    const revoked = await lab.cli('token', 'revoke', token.id);
    expect(revoked.code, revoked.stderr).toBe(0);
    await page.reload();
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.context().close();
  });

  it("a partner's filter cannot reach past its scope", async () => {
    const page = await signedIn(browser(), server.url, tokens['partner:westside-it']!);
    await page.goto(`${server.url}/?partner=lexcore`);
    expect(await rowsOf(page)).toEqual([]);
    await page.goto(`${server.url}/?q=baker`);
    expect(await rowsOf(page)).toEqual([]);
    expect(await page.content()).not.toContain('baker-law');
    await page.context().close();
  });

  it('searches as one types, sorts by a column and keeps the choice in the address', async () => {
    const page = await signedIn(browser(), server.url, tokens['operator']!);
    await page.getByLabel('Search').fill('law');
    await expect.poll(() => rowsOf(page)).toEqual(['baker-law']);
    await expect.poll(() => new URL(page.url()).search).toBe('?q=law');
    await page.getByLabel('Search').fill('');
    await expect.poll(() => rowsOf(page)).toEqual(['acme-dental', 'baker-law', 'cole-accounting']);
    await page.getByRole('columnheader', { name: /^Tenant/ }).getByRole('link').click();
    await expect.poll(() => rowsOf(page)).toEqual(['cole-accounting', 'baker-law', 'acme-dental']);
    expect(await page.locator('th[aria-sort="descending"]').textContent()).toContain('Tenant');
    // Keyboard only: the skip link leads to the content.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.context().close();
  });

  it('shows a page, not problem+json, for a console path that does not exist', async () => {
    const page = await signedIn(browser(), server.url, tokens['viewer']!);
    const response = await page.goto(`${server.url}/no/such/page`);
    expect(response?.status()).toBe(404);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Not found');
    await page.context().close();
  });
});

describe.skipIf(NO_BROWSER)('console: session expiry', () => {
  const newLab = labs();
  const browser = browserForSuite();

  it('ends a session that was idle longer than --session-idle', async () => {
    const lab = newLab();
    const server = await lab.serve(['--session-idle', '2s']);
    const page = await signedIn(browser(), server.url, await lab.token('viewer'));
    expect(new URL(page.url()).pathname).toBe('/');
    await new Promise((r) => setTimeout(r, 2_500));
    await page.reload();
    expect(new URL(page.url()).pathname).toBe('/login');
    await expect.poll(() => page.getByRole('status').innerText()).toContain('session has ended');
    await page.context().close();
  });
});
