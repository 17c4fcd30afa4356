/**
 * `Idempotency-Key` on POST /plans and POST /runs: the first answer to a key is kept
 * (per token), and a retry with the same key and the same body gets it again without
 * doing anything twice; the same key with another body is a 422. Only answers that
 * did something (2xx) are kept: a refused request may be retried as it is.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import type { Caller } from './caller.js';
import type { ServeContext } from './context.js';
import { HttpProblem } from './problem.js';

/** Requests with the same key already in progress: a concurrent retry waits for the first. */
const inFlight = new Map<string, Promise<unknown>>();

export async function idempotent<T>(
  ctx: Pick<ServeContext, 'store' | 'now'>,
  caller: Caller,
  key: string | undefined,
  route: string,
  body: unknown,
  reply: FastifyReply,
  act: () => Promise<{ status: number; body: T }>,
): Promise<T> {
  if (key === undefined) {
    const done = await act();
    reply.code(done.status);
    return done.body;
  }
  const scoped = `${route} ${key}`;
  const requestHash = createHash('sha256').update(JSON.stringify(body ?? null)).digest('hex');
  const slot = `${caller.tokenId}\0${scoped}`;
  while (inFlight.has(slot)) await inFlight.get(slot)!.catch(() => undefined);
  const kept = ctx.store.findIdempotent(caller.tokenId, scoped);
  if (kept) {
    if (kept.requestHash !== requestHash) throw new HttpProblem('idempotency-mismatch', `Idempotency-Key ${key} was used before with another request body: use a new key for a new request`);
    reply.code(kept.status).header('Idempotent-Replayed', 'true');
    return JSON.parse(kept.body) as T;
  }
  const running = act();
  inFlight.set(slot, running);
  try {
    const done = await running;
    if (done.status >= 200 && done.status < 300) ctx.store.saveIdempotent(caller.tokenId, scoped, { requestHash, status: done.status, body: JSON.stringify(done.body) }, ctx.now());
    reply.code(done.status);
    return done.body;
  } finally {
    inFlight.delete(slot);
  }
}
