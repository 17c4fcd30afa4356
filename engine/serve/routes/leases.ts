/**
 * /api/v1/leases: the state's locks — who holds what (the whole state, or a tenant or
 * zone), since when, whether the holder still looks alive — and breaking one, as
 * `netfirst force-unlock ID` does. Leases name commands and tenants of every partner, so
 * they are the operator's and an unscoped viewer's to read, and only the operator's to break.
 */
import { hostname } from 'node:os';
import { z } from 'zod';
import { describeHolder, forceUnlock, isProcessRunning, listLocks, type LockInfo } from '../../../state/index.js';
import type { ServeContext, ZodApp } from '../context.js';
import { requireOperator, seesAll } from '../caller.js';
import { HttpProblem, ProblemSchema } from '../problem.js';
import { callerOf } from './request.js';

const errors = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 429: ProblemSchema };

/** A holder silent this long is stale (acquireLock's default). */
const STALE_AFTER_MS = 30_000;

export const LeaseSchema = z.object({
  id: z.string().describe('what DELETE /api/v1/leases/{id} (or netfirst force-unlock ID) names'),
  scopes: z.array(z.string()).describe('state (everything), or tenant:NAME / zone:NAME'),
  holder: z.object({
    owner: z.string().describe('user@host'),
    pid: z.number().int(),
    host: z.string(),
    command: z.string().describe('the command line after `netfirst`, e.g. apply examples/iswest'),
  }),
  acquiredAt: z.string().describe('ISO 8601 UTC'),
  heartbeatAt: z.string().describe('the last heartbeat (every 5s while held)'),
  ageMs: z.number().int().describe('held for this long'),
  heartbeatAgeMs: z.number().int().describe('since the last heartbeat'),
  alive: z.boolean().describe(`false when the heartbeat stopped ${STALE_AFTER_MS / 1000}s ago or more, or when the holder ran on this host and its process is gone`),
}).meta({ id: 'Lease' });

type Lease = z.infer<typeof LeaseSchema>;

function leaseOf(lock: LockInfo, now: Date): Lease {
  const heartbeatAgeMs = Math.max(0, now.getTime() - Date.parse(lock.heartbeatAt));
  const gone = lock.host === hostname() && !isProcessRunning(lock.pid);
  return {
    id: lock.id,
    scopes: lock.scope.split(' ').filter((s) => s.length > 0),
    holder: { owner: lock.owner, pid: lock.pid, host: lock.host, command: lock.command },
    acquiredAt: lock.acquiredAt,
    heartbeatAt: lock.heartbeatAt,
    ageMs: Math.max(0, now.getTime() - Date.parse(lock.acquiredAt)),
    heartbeatAgeMs,
    alive: heartbeatAgeMs < STALE_AFTER_MS && !gone,
  };
}

export function leaseRoutes(app: ZodApp, ctx: ServeContext): void {
  app.get('/api/v1/leases', {
    schema: {
      summary: 'List leases (state locks)',
      description: 'Every lock held on the state, one per holder with all its scopes, oldest first.',
      tags: ['leases'],
      response: { 200: z.object({ items: z.array(LeaseSchema) }).meta({ id: 'LeaseList' }), ...errors },
    },
  }, async (request) => {
    const caller = callerOf(request);
    if (!seesAll(caller)) throw new HttpProblem('forbidden', "leases are the operator's: they name every partner's runs");
    const now = ctx.now();
    return { items: listLocks(ctx.store).map((l) => leaseOf(l, now)) };
  });

  app.delete('/api/v1/leases/:id', {
    schema: {
      summary: 'Break a lease (force-unlock)',
      description: "Deletes the lock, whoever holds it, as `netfirst force-unlock ID`: for a holder that died. A live holder loses its lock at its next heartbeat and must not go on relying on it. Operator only; audited.",
      tags: ['leases'],
      params: z.object({ id: z.string().min(1).max(64).describe('the lease id') }),
      response: { 200: LeaseSchema, ...errors },
    },
  }, async (request) => {
    const caller = callerOf(request);
    requireOperator(caller, 'breaking a lease');
    const { id } = request.params;
    const now = ctx.now();
    const broken = forceUnlock(ctx.store, id);
    if (!broken) {
      ctx.audit(caller, { action: 'lease.force-unlock', target: id, result: 'not-found' });
      throw new HttpProblem('not-found', `lease ${id} was not found`);
    }
    ctx.audit(caller, { action: 'lease.force-unlock', target: broken.id, result: 'ok', detail: `broke the lock on ${broken.scope} held by ${describeHolder(broken)}` });
    return leaseOf(broken, now);
  });
}
