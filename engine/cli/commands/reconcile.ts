/**
 * `netfirst reconcile DIR`: the continuous reconciliation loop (engine/reconcile) wired
 * to the world — specs on disk, the state store, one provider per zone, the state lock
 * — printing one line (or one JSON line) per tenant per round. SIGTERM or SIGINT stops
 * it cleanly: the round in flight finishes (an apply started is never abandoned), is
 * recorded, the lock is released, and the command exits 0.
 */
import { existsSync } from 'node:fs';
import type { SyncStatus } from '../../../state/index.js';
import { DEFAULT_RETRY } from '../../apply/retry.js';
import { declaredIn, reconcileLoop, recordToJson, renderRoundLine, runRound, tryStateLock, type RoundEnv, type RoundResult } from '../../reconcile/index.js';
import { CliError } from '../errors.js';
import { lockCommandLine } from '../../run/lock.js';
import { durationOf, operationTimeoutOf, parallelismOf } from '../../run/run-options.js';
import { colorsFor, print, printErr } from '../output.js';
import { planningSecrets, secretResolver, secretScope } from '../../run/secrets.js';
import { loadWorkspaceSpecs, openWorkspaceState, providerPool, zonesOf, type GlobalOptions } from '../../run/workspace.js';
import { partnerTenants, partnerView } from '../../partners/index.js';
import { partnerName, refuseUnlessOwned, runPartner, type PartnerOptions } from '../../run/partner.js';

export interface ReconcileOptions extends GlobalOptions, PartnerOptions {
  /** Pause between rounds (`30s`, `5m`). */
  readonly interval?: string;
  readonly once?: boolean;
  /** Correct drift. */
  readonly selfHeal?: boolean;
  /** Apply what the spec asks for. */
  readonly sync?: boolean;
  readonly prune?: boolean;
  readonly tenant?: string[];
  readonly json?: boolean;
  readonly color?: boolean;
  readonly parallelism?: string;
  readonly operationTimeout?: string;
  readonly detailedExitcode?: boolean;
}

const DEFAULT_INTERVAL = '5m';

export async function reconcileCommand(paths: string[], options: ReconcileOptions): Promise<number> {
  const intervalMs = durationOf('--interval', options.interval ?? DEFAULT_INTERVAL);
  const timeoutMs = operationTimeoutOf(options.operationTimeout);
  const parallelism = parallelismOf(options.parallelism);
  if (options.prune && !options.sync) throw new CliError('--prune destroys tenants whose spec is gone, which only --sync applies: give --sync too');
  const list = paths.length > 0 ? paths : ['.'];
  for (const p of list) if (!existsSync(p)) throw new CliError(`${p}: no such file or directory`);
  // Creates the state on a fresh machine, so the lock and the status table exist.
  const statePath = (() => {
    const s = openWorkspaceState(options);
    const path = s.path;
    s.close();
    return path;
  })();

  const env: RoundEnv = {
    now: () => new Date(),
    loadSpecs: () => {
      const specs = loadWorkspaceSpecs(list, options);
      const partner = runPartner(specs, options);
      return partner ? partnerView(specs, partner) : specs;
    },
    declaredIn,
    openState: () => openWorkspaceState(options),
    providers: (specs) => providerPool(zonesOf(specs), options),
    secrets: ({ state, specs, recorded, tenants }) => {
      const partner = partnerName(options);
      const planning = planningSecrets({ state, specs, partner, recorded, tenants });
      return { digestSecret: planning.digestSecret, recorded: planning.recorded, resolveSecret: secretResolver(secretScope(specs, partner)) };
    },
    tryLock: () => tryStateLock(statePath, lockCommandLine()),
    parallelism,
    retry: { ...DEFAULT_RETRY, timeoutMs },
  };
  const policy = { selfHeal: options.selfHeal ?? false, sync: options.sync ?? false };
  // A partner's loop looks at, and corrects, only the tenants it owns.
  const partnerSpecs = partnerName(options) === undefined ? undefined : loadWorkspaceSpecs(list, options);
  const partner = partnerSpecs && runPartner(partnerSpecs, options);
  if (partner) for (const t of options.tenant ?? []) refuseUnlessOwned(partner, t);
  const tenants = options.tenant && options.tenant.length > 0
    ? new Set(options.tenant)
    : partner && partnerSpecs ? partnerTenants(partner, partnerSpecs, (() => {
      const s = openWorkspaceState(options);
      try {
        return [...new Set(s.listResources().map((r) => r.tenant))];
      } finally {
        s.close();
      }
    })()) : undefined;
  const colors = colorsFor(process.stdout, options.color === false);

  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stop.signal.aborted) {
      printErr(`${signal} again: still finishing the operations in flight (they are never abandoned half-way)…`);
      return;
    }
    printErr(`${signal} received: finishing the round in flight, starting nothing new…`);
    stop.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  let last: RoundResult | undefined;
  let failedRound = false;
  try {
    const rounds = await reconcileLoop({
      intervalMs,
      once: options.once ?? false,
      signal: stop.signal,
      async round(n) {
        try {
          last = await runRound(env, { policy, prune: options.prune ?? false, signal: stop.signal, ...(tenants ? { tenants } : {}) });
          failedRound = false;
        } catch (error) {
          // A round that fails as a whole (the state cannot be opened) is reported; the loop goes on.
          failedRound = true;
          if (options.once) throw error;
          printErr(`round ${n} failed: ${error instanceof Error ? error.message : String(error)}; retrying in ${options.interval ?? DEFAULT_INTERVAL}`);
          return;
        }
        report(n, last, options, colors);
      },
    });
    if (stop.signal.aborted) printErr(`Stopped after ${rounds} round${rounds === 1 ? '' : 's'}; the last results are in the state (netfirst status).`);
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
  if (stop.signal.aborted || !options.once || !options.detailedExitcode) return failedRound && options.once ? 1 : 0;
  return exitCodeOf(last?.records.map((r) => r.status) ?? []);
}

function report(n: number, result: RoundResult, options: ReconcileOptions, colors: ReturnType<typeof colorsFor>): void {
  for (const p of result.problems) printErr(`warning: ${p} (no tenant could be blamed: orphaned tenants are not judged, --prune is off this round)`);
  if (options.json) {
    for (const r of result.records) print(JSON.stringify({ round: n, ...recordToJson(r) }));
    return;
  }
  const width = Math.max(0, ...result.records.map((r) => r.tenant.length));
  for (const r of result.records) print(renderRoundLine(r, colors, width));
  if (result.records.length === 0) print(`${result.startedAt.replace(/\.\d+Z$/, 'Z')} no tenants in the specs or the state`);
}

/** `--detailed-exitcode` with `--once`: 0 all Synced, 2 something to do, 1 any Error. */
function exitCodeOf(statuses: readonly SyncStatus[]): number {
  if (statuses.includes('Error')) return 1;
  return statuses.every((s) => s === 'Synced') ? 0 : 2;
}
