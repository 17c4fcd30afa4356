/**
 * What every route shares: the server's options, its warm spec source, its own state
 * connection (tokens, audit, API plans and runs, and reads), the runs in flight, and
 * the audit trail every mutating request writes to.
 */
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AuditEntry, StateStore } from '../../state/index.js';
import type { Caller } from './caller.js';
import type { ReconcileLoop } from './reconcile-loop.js';
import type { RunManager } from './runs.js';
import type { SettledTenants } from './settled.js';
import type { SpecSource } from './workspace.js';

export interface ServeOptions {
  /** The state database (SQLite path). */
  readonly statePath: string;
  /** The spec source: a directory or a git working copy. */
  readonly specsDir: string;
  /** Per-partner secret stores: DIR/<partner>/… is all a partner's uploaded specs may read. */
  readonly secretsDir?: string;
  /** Requests per token (or per address, without one) per minute. */
  readonly rateLimitPerMinute: number;
  /** Largest request body, bytes (an uploaded spec bundle is the largest). */
  readonly bodyLimit: number;
  /** Longest time to receive a request. */
  readonly requestTimeoutMs: number;
  /** POST /api/v1/specs/sync first pulls the spec working copy from its upstream (fast-forward only). */
  readonly gitPull?: boolean;
  /**
   * Console edits of a git working copy are committed to a new branch PREFIX/<tenant>-<id>
   * for review (`--review-branch PREFIX`), the working copy untouched; absent: to the
   * checked-out branch.
   */
  readonly reviewBranchPrefix?: string;
  /** Run the reconcile loop inside the server, a round every this many ms (`--reconcile 5m`); absent: no loop. */
  readonly reconcileMs?: number;
  /** A console session ends after this long without a request (default 1 h). */
  readonly sessionIdleMs?: number;
  /** A console session ends this long after sign-in, however busy (default 12 h). */
  readonly sessionMaxMs?: number;
}

export interface ServeContext {
  readonly options: ServeOptions;
  readonly store: StateStore;
  readonly source: SpecSource;
  readonly runs: RunManager;
  /** Which tenants are settled, so one tenant's plan expands only what it must. */
  readonly settled: SettledTenants;
  /** The in-server reconcile loop, when `reconcileMs` asks for one. */
  readonly reconcileLoop?: Pick<ReconcileLoop, 'status'>;
  /** Set once SIGTERM arrives: no new plans or runs are taken. */
  readonly draining: () => boolean;
  readonly now: () => Date;
  /** Writes one audit record for what the caller did. */
  audit(caller: Caller, entry: Omit<AuditEntry, 'actor' | 'role'>): void;
}

export type ZodApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;
