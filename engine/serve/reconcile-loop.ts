/**
 * The reconcile loop inside the server (`netfirst serve --reconcile 5m`): the rounds of
 * `netfirst reconcile` (engine/reconcile), one after another with the interval between
 * them, so two never overlap. Each round re-derives everything from the server's warm
 * specs, reads what really exists and records each tenant's verdict in state; it only
 * observes — no self-heal or sync from the server. The server's drain stops it: the
 * round in flight finishes and is recorded, no new one starts.
 */
import { DEFAULT_RETRY } from '../apply/retry.js';
import { declaredIn, reconcileLoop, runRound, tryStateLock, type RoundEnv, type RoundResult } from '../reconcile/index.js';
import { openState } from '../../state/index.js';
import { lockCommandLine } from '../run/lock.js';
import { planningSecrets, secretResolver, secretScope } from '../run/secrets.js';
import { providerPool, zonesOf } from '../run/workspace.js';
import type { SpecSource } from './workspace.js';

/** What GET /api/v1/reconcile says of the loop. */
export interface ReconcileLoopStatus {
  /** Until the server drains. */
  readonly running: boolean;
  readonly intervalMs: number;
  /** Rounds finished (or failed as a whole) so far. */
  readonly rounds: number;
  /** When the last finished round started (its verdicts' checkedAt). */
  readonly lastRoundAt?: string;
  /** Why the last round failed as a whole (the state could not be opened); cleared by a round that works. */
  readonly lastError?: string;
}

export interface ReconcileLoop {
  /** The first round starts at once (once the server listens), the next `intervalMs` after it ends. */
  start(): void;
  status(): ReconcileLoopStatus;
  /** Ends the pause at once, or lets the round in flight finish; resolves when the loop has ended. */
  stop(): Promise<void>;
}

export interface ReconcileLoopOptions {
  readonly statePath: string;
  readonly source: Pick<SpecSource, 'specs'>;
  readonly intervalMs: number;
  readonly now: () => Date;
  readonly log: (line: string) => void;
}

/** Observe only: what the server records, it never corrects by itself. */
const OBSERVE = { policy: { selfHeal: false, sync: false }, prune: false } as const;

export function createReconcileLoop(options: ReconcileLoopOptions): ReconcileLoop {
  const { statePath, intervalMs, log } = options;
  const env: RoundEnv = {
    now: options.now,
    loadSpecs: () => options.source.specs(),
    declaredIn,
    // A connection of its own each round (runRound closes it): the server's is shared by requests.
    openState: () => openState(statePath),
    providers: (specs) => providerPool(zonesOf(specs), { state: statePath }),
    // The operator's view of secrets, as `netfirst reconcile` without --partner.
    secrets: ({ state, specs, recorded, tenants }) => {
      const planning = planningSecrets({ state, specs, recorded, tenants });
      return { digestSecret: planning.digestSecret, recorded: planning.recorded, resolveSecret: secretResolver(secretScope(specs)) };
    },
    tryLock: () => tryStateLock(statePath, `${lockCommandLine()} (reconcile round)`),
    parallelism: 10,
    retry: DEFAULT_RETRY,
  };

  const abort = new AbortController();
  let rounds = 0;
  let lastRoundAt: string | undefined;
  let lastError: string | undefined;
  let ended: Promise<void> | undefined;
  const run = (): Promise<void> => reconcileLoop({
    intervalMs,
    once: false,
    signal: abort.signal,
    async round() {
      try {
        const result = await runRound(env, { ...OBSERVE, signal: abort.signal });
        lastRoundAt = result.startedAt;
        lastError = undefined;
        log(`reconcile: ${describeRound(result)}`);
      } catch (error) {
        // A round that fails as a whole is reported; the next one tries again.
        lastError = error instanceof Error ? error.message : String(error);
        log(`reconcile: the round failed: ${lastError}`);
      } finally {
        rounds++;
      }
    },
  }).then(() => undefined, (error: unknown) => log(`reconcile: the loop stopped: ${error instanceof Error ? error.message : String(error)}`));

  return {
    start() {
      if (!abort.signal.aborted) ended ??= run();
    },
    status: () => ({
      running: ended !== undefined && !abort.signal.aborted,
      intervalMs,
      rounds,
      ...(lastRoundAt !== undefined ? { lastRoundAt } : {}),
      ...(lastError !== undefined ? { lastError } : {}),
    }),
    async stop() {
      abort.abort();
      await ended;
    },
  };
}

/** `3 tenants: 2 Synced, 1 Drifted` */
function describeRound(result: RoundResult): string {
  const counts = new Map<string, number>();
  for (const r of result.records) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const n = result.records.length;
  return `${n} tenant${n === 1 ? '' : 's'}${n > 0 ? `: ${[...counts].map(([status, k]) => `${k} ${status}`).join(', ')}` : ''}`;
}
