/**
 * The console in the system Chromium: the Fleet page at 1,000 tenants (the applied bench
 * workload) and the Tenant page of a 50-VM tenant with its topology. For each, from a
 * fresh browser context (nothing cached, as a first visit): the server's time on the
 * page (Server-Timing), first contentful paint, and the bytes transferred for the page
 * and everything it loads. Medians of five visits.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startServer, type RunningServer } from '../../engine/serve/server.js';
import { CHROMIUM, launchBrowser, NO_BROWSER } from '../console/browser.js';
import { generateWorkload, tenantYaml } from './generate.js';

type Row = (measure: string, value: string, target?: string, met?: boolean) => void;

const TARGETS = { serverMs: 300, fcpMs: 1000, bytes: 200 * 1024 };
const VISITS = 5;

interface Visit {
  readonly serverMs: number;
  readonly fcpMs: number;
  readonly bytes: number;
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function start(dir: string, specsDir: string): Promise<RunningServer> {
  return startServer({
    statePath: join(dir, '.netfirst', 'state.db'), specsDir, rateLimitPerMinute: 1_000_000, bodyLimit: 8 * 1024 * 1024,
    requestTimeoutMs: 60_000, host: '127.0.0.1', port: 0, watch: false, log: () => undefined,
  });
}

/** One first visit of `path`, signed in through the sign-in form in a fresh context. */
async function visit(browser: Browser, server: RunningServer, secret: string, path: string): Promise<Visit> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Access token').fill(secret);
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.getByRole('button', { name: 'Sign in' }).click()]);
    // The sign-in page cached the assets in this context: the measured visit is made from a
    // new one that holds only the session cookie, so it pays for everything.
    const fresh = await browser.newContext({ storageState: await context.storageState() });
    try {
      const p = await fresh.newPage();
      const response = await p.goto(`${server.url}${path}`, { waitUntil: 'load' });
      if (!response || response.status() !== 200) throw new Error(`GET ${path}: ${response?.status()}`);
      const timing = /dur=([\d.]+)/.exec(response.headers()['server-timing'] ?? '');
      const { fcp, bytes } = await p.evaluate(async () => {
        for (let i = 0; i < 50 && performance.getEntriesByName('first-contentful-paint').length === 0; i++) await new Promise((r) => setTimeout(r, 20));
        const nav = performance.getEntriesByType('navigation') as PerformanceResourceTiming[];
        const res = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
        return {
          fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
          bytes: [...nav, ...res].reduce((sum, e) => sum + e.transferSize, 0),
        };
      });
      return { serverMs: timing ? Number(timing[1]) : NaN, fcpMs: fcp, bytes };
    } finally {
      await fresh.close();
    }
  } finally {
    await context.close();
  }
}

async function measure(browser: Browser, server: RunningServer, label: string, path: string, row: Row): Promise<void> {
  const { secret } = server.ctx.store.createToken({ role: 'operator', description: 'bench', expiresAt: new Date(Date.now() + 3_600_000) });
  // The first visit after start pays for what the server then keeps (a tenant's drawing is
  // cached per state serial): shown on its own, the targets are for the visits after it.
  const first = await visit(browser, server, secret, path);
  row(`console: ${label}, server time of the first visit after start`, `${first.serverMs.toFixed(1)} ms`);
  const visits: Visit[] = [];
  for (let i = 0; i < VISITS; i++) visits.push(await visit(browser, server, secret, path));
  const serverMs = median(visits.map((v) => v.serverMs));
  const fcpMs = median(visits.map((v) => v.fcpMs));
  const bytes = median(visits.map((v) => v.bytes));
  row(`console: ${label}, server time`, `${serverMs.toFixed(1)} ms`, `≤ ${TARGETS.serverMs} ms`, serverMs <= TARGETS.serverMs);
  row(`console: ${label}, first contentful paint`, `${Math.round(fcpMs)} ms`, `≤ ${TARGETS.fcpMs / 1000} s`, fcpMs <= TARGETS.fcpMs);
  row(`console: ${label}, transferred`, `${(bytes / 1024).toFixed(1)} KB`, `≤ ${TARGETS.bytes / 1024} KB`, bytes <= TARGETS.bytes);
}

/**
 * `dir` holds the applied 1,000-tenant workload; `scratch` is a directory of this
 * bench's own for the 50-VM tenant.
 */
export async function benchConsole(dir: string, scratch: string, row: Row): Promise<void> {
  if (NO_BROWSER) {
    row('console: pages in Chromium', `skipped: ${NO_BROWSER}`, 'Chromium at ' + CHROMIUM, false);
    return;
  }
  const browser = await launchBrowser();
  try {
    const fleet = await start(dir, dir);
    try {
      await measure(browser, fleet, 'fleet page at 1,000 tenants', '/', row);
    } finally {
      await fleet.stop();
    }
    // One tenant of 50 VMs, applied on sim.
    const big = generateWorkload(scratch, 0);
    mkdirSync(join(scratch, 'tenants'), { recursive: true });
    writeFileSync(join(scratch, 'tenants', 'tenant-0000.yaml'), tenantYaml(0, 'bench-1', 50));
    await applyAll(scratch);
    const tenant = await start(scratch, big.dir);
    try {
      await measure(browser, tenant, 'tenant page of 50 VMs with its topology', '/tenants/tenant-0000', row);
    } finally {
      await tenant.stop();
    }
  } finally {
    await browser.close();
  }
}

/** Plans and applies every spec of `dir` on sim, as `netfirst apply --auto-approve` would. */
async function applyAll(dir: string): Promise<void> {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, [join(import.meta.dirname, '..', '..', 'bin', 'netfirst.js'), 'apply', dir, '--auto-approve', '--state', join(dir, '.netfirst', 'state.db')], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`apply of the 50-VM tenant failed: ${r.stderr}`);
}
