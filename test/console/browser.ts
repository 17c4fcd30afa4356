/**
 * The real browser for console tests: the system Chromium (NETFIRST_CHROMIUM, default
 * /usr/bin/chromium) driven by playwright-core, started with the flags a closed network
 * needs (no background networking, no component updates, no sync) and a fresh profile.
 * Also: signing in as a token's holder would, axe-core over a page, and screenshots kept
 * as test artefacts (test-artifacts/console/, not committed).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { REPO, type Token } from '../serve/harness.js';

export const CHROMIUM = process.env['NETFIRST_CHROMIUM'] ?? '/usr/bin/chromium';
/** Why browser tests cannot run here, or undefined when they can. */
export const NO_BROWSER: string | undefined = existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set NETFIRST_CHROMIUM)`;
if (NO_BROWSER) process.stdout.write(`console browser tests skipped: ${NO_BROWSER}\n`);

export const ARTIFACTS = join(REPO, 'test-artifacts', 'console');

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-default-apps', '--disable-extensions', '--metrics-recording-only', '--mute-audio'],
  });
}

/** One browser for a describe block, closed after it. */
export function browserForSuite(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (!NO_BROWSER) browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('the browser did not start');
    return browser;
  };
}

/** A new page in its own context (its own cookies), signed in with the token. */
export async function signedIn(browser: Browser, url: string, token: Token | string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${url}/login`);
  await page.getByLabel('Access token').fill(typeof token === 'string' ? token : token.secret);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.getByRole('button', { name: 'Sign in' }).click()]);
  return page;
}

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { target: readonly string[] }[];
}

/** axe-core over the page as it is now; evaluate runs outside the page's CSP. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
}

/** The bar: no serious or critical violation. */
export async function expectAccessible(page: Page): Promise<void> {
  const serious = (await axeViolations(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

/** A full-page screenshot kept as a test artefact: test-artifacts/console/NAME.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * A screenshot for the README (docs/console/NAME.png), made only when
 * NETFIRST_DOCS_SCREENSHOTS=1 (they are committed; a test run does not rewrite them),
 * and kept as an artefact either way. The visible window, not the whole page: a picture
 * for people, small enough for the repository.
 */
export async function docScreenshot(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  if (process.env['NETFIRST_DOCS_SCREENSHOTS'] !== '1') return;
  const dir = join(REPO, 'docs', 'console');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`) });
}
