/**
 * Bearer-token authentication. A token is opaque; the state keeps only its hash
 * (state/tokens.ts). No token, an unknown one, an expired one and a revoked one are all
 * 401 with the same words but for what the caller can act on (renew, ask for one), so a
 * guess learns nothing about which tokens exist.
 */
import type { ServeContext } from './context.js';
import { callerOf, type Caller } from './caller.js';
import { HttpProblem } from './problem.js';

const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="netfirst"' };

export function authenticate(ctx: Pick<ServeContext, 'store' | 'now'>, header: string | undefined): Caller {
  const match = header === undefined ? null : /^Bearer\s+(\S{1,512})\s*$/i.exec(header);
  if (!match) throw new HttpProblem('unauthenticated', header === undefined ? 'no Authorization header: send Authorization: Bearer <token>' : 'the Authorization header is not "Bearer <token>"', {}, CHALLENGE);
  const token = ctx.store.findToken(match[1]!);
  const now = ctx.now();
  if (token === undefined) throw new HttpProblem('unauthenticated', 'the token is not valid', {}, CHALLENGE);
  if (token.revokedAt !== undefined) throw new HttpProblem('unauthenticated', 'the token was revoked: ask the operator for a new one', {}, CHALLENGE);
  if (Date.parse(token.expiresAt) <= now.getTime()) throw new HttpProblem('unauthenticated', `the token expired at ${token.expiresAt}: ask the operator for a new one`, {}, CHALLENGE);
  ctx.store.touchToken(token.id, now);
  return callerOf(token);
}
