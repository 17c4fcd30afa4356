/**
 * `netfirst serve`: opens the state and the spec source, marks runs that a killed
 * server left running as interrupted (their journal is resolved by reading the
 * providers before anything new is applied), serves the API, and on SIGTERM or SIGINT
 * drains — no new plans or runs, running ones stop at their next checkpoint, their
 * locks released — then closes and resolves.
 */
import { randomUUID } from 'node:crypto';
import type { FSWatcher } from 'chokidar';
import { openState, type StateStore } from '../../state/index.js';
import { recoverInterrupted } from '../run/apply-run.js';
import { computePlan } from '../run/plan-run.js';
import { withStateLock, lockCommandLine } from '../run/lock.js';
import { zonesOf } from '../run/workspace.js';
import { buildApp } from './app.js';
import type { ServeContext, ServeOptions, ZodApp } from './context.js';
import { createReconcileLoop } from './reconcile-loop.js';
import { RunManager } from './runs.js';
import { SettledTenants } from './settled.js';
import { openSpecSource, type SpecSource } from './workspace.js';

export interface StartOptions extends ServeOptions {
  readonly host: string;
  readonly port: number;
  /** Watch the spec directory and sync on every change. */
  readonly watch: boolean;
  /** Say what happens (listening, recovered, draining), one line each. */
  readonly log: (line: string) => void;
}

export interface RunningServer {
  readonly url: string;
  readonly app: ZodApp;
  readonly ctx: ServeContext;
  /** Drains and closes; resolves when everything is released. */
  stop(): Promise<void>;
}

export async function startServer(options: StartOptions): Promise<RunningServer> {
  const store = openState(options.statePath);
  let source: SpecSource;
  const settled = new SettledTenants(() => store.serial());
  try {
    source = openSpecSource(options.specsDir, (r) => {
      settled.specsChanged(r.touched);
      if (settled.unknown) scheduleWarm();
    });
  } catch (error) {
    store.close();
    throw error;
  }
  const now = (): Date => new Date();
  const instance = randomUUID();
  const runs = new RunManager(store, now, instance);
  let draining = false;
  const reconcileLoop = options.reconcileMs === undefined ? undefined
    : createReconcileLoop({ statePath: options.statePath, source, intervalMs: options.reconcileMs, now, log: options.log });
  const ctx: ServeContext = {
    options,
    store,
    source,
    runs,
    settled,
    ...(reconcileLoop ? { reconcileLoop } : {}),
    draining: () => draining,
    now,
    audit(caller, entry) {
      store.appendAudit({ ...entry, actor: caller.tokenId, role: caller.role }, now());
    },
  };

  for (const run of store.interruptOrphanedRuns(instance, now())) {
    store.appendRunEvent(run.id, 'run.finished', { status: 'interrupted', summary: 'the server stopped while this run was going on; the next apply resolves what was in flight', text: 'Interrupted: the server stopped mid-run.' }, now());
    store.setPlanStatus(run.planId, ['applying'], 'failed');
    options.log(`run ${run.id} was cut short by a server that stopped: marked interrupted`);
  }
  await recoverLeftovers(ctx, options.log);

  const app = await buildApp(ctx);
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}`;

  // A full plan in the background learns which tenants are settled (one tenant's plan is then fast).
  let warmTimer: NodeJS.Timeout | undefined;
  let warming = false;
  function scheduleWarm(delayMs = 1000): void {
    if (warmTimer !== undefined || draining) return;
    warmTimer = setTimeout(() => {
      warmTimer = undefined;
      if (warming || draining || !settled.unknown) return;
      warming = true;
      learnSettled(ctx).catch((error: unknown) => options.log(`learning settled tenants failed: ${error instanceof Error ? error.message : String(error)}`)).finally(() => (warming = false));
    }, delayMs);
    warmTimer.unref();
  }
  scheduleWarm(0);

  let watcher: FSWatcher | undefined;
  if (options.watch) watcher = await watchSpecs(source, options.log);
  reconcileLoop?.start();

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      draining = true;
      clearTimeout(warmTimer);
      // The loop's round in flight finishes (and is recorded) while the runs drain.
      const loopEnded = reconcileLoop?.stop();
      await watcher?.close();
      // Runs first: their streams end with run.finished before the connections close.
      await runs.drain();
      await loopEnded;
      await app.close();
      store.close();
    })();
    return stopping;
  };
  return { url, app, ctx, stop };
}

/**
 * What an interrupted run left in flight is resolved by reading the providers, under
 * the state lock, before the server takes new work (as `apply` does first).
 */
async function recoverLeftovers(ctx: ServeContext, log: (line: string) => void): Promise<void> {
  if (ctx.store.pendingOperations().length === 0) return;
  const specs = ctx.source.specs();
  const options = { state: ctx.options.statePath, partner: '' };
  await withStateLock({ path: ctx.options.statePath }, lockCommandLine(), 0, async () => {
    const computed = await computePlan([ctx.source.root], options, false, specs);
    try {
      const report = await recoverInterrupted(computed.state, computed.plan, zonesOf(specs), options);
      log(`resolved ${report.length} operation${report.length === 1 ? '' : 's'} of an interrupted run by reading the provider`);
      for (const r of report) log(`  ${r.address} (${r.action}): ${r.outcome}`);
    } finally {
      computed.state.close();
    }
  });
}

/** One full plan of every tenant (the operator's view, read only): what it finds settled is remembered. */
async function learnSettled(ctx: ServeContext): Promise<void> {
  const specs = ctx.source.specs();
  if (specs.tenants.size === 0) return;
  const computed = await computePlan([ctx.source.root], { state: ctx.options.statePath, partner: '', out: 'learn', openState: () => ({ ...ctx.store, close: () => undefined }) }, false, specs);
  ctx.settled.learn(computed.plan, 'all', specs);
}

async function watchSpecs(source: SpecSource, log: (line: string) => void): Promise<FSWatcher> {
  const { watch } = await import('chokidar');
  const watcher = watch(source.root, {
    ignoreInitial: true,
    ignored: (path: string) => /(^|\/)\.(git|netfirst)(\/|$)/.test(path),
    awaitWriteFinish: { stabilityThreshold: 50, pollInterval: 10 },
  });
  let timer: NodeJS.Timeout | undefined;
  watcher.on('all', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      try {
        const r = source.sync();
        if (r.changedFiles.length > 0) log(`specs: ${r.changedFiles.length} file${r.changedFiles.length === 1 ? '' : 's'} changed${r.commit ? ` (at ${r.commit.slice(0, 12)})` : ''}`);
      } catch (error) {
        log(`specs: reading them again failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }, 100);
  });
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return watcher;
}

export type { StateStore };
