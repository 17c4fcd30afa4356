/**
 * Bearer-token authentication. A token is opaque; the state keeps only its hash
 * (state/tokens.ts). No token, an unknown one, an expired one and a revoked one are all
 * 401 with the same words but for what the caller can act on (renew, ask for one), so a
 * guess learns nothing about which tokens exist. The console's sessions judge their
 * token with the same rule on every request (tokenRefusal).
 */
import type { TokenRecord } from '../../state/index.js';
import type { ServeContext } from './context.js';
import { callerOf, type Caller } from './caller.js';
import { HttpProblem } from './problem.js';

const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="netfirst"' };

/** Why a token found in the state may not act now, or undefined when it may. */
export function tokenRefusal(token: TokenRecord | undefined, now: Date): string | undefined {
  if (token === undefined) return 'the token is not valid';
  if (token.revokedAt !== undefined) return 'the token was revoked: ask the operator for a new one';
  if (Date.parse(token.expiresAt) <= now.getTime()) return `the token expired at ${token.expiresAt}: ask the operator for a new one`;
  return undefined;
}

export function authenticate(ctx: Pick<ServeContext, 'store' | 'now'>, header: string | undefined): Caller {
  const match = header === undefined ? null : /^Bearer\s+(\S{1,512})\s*$/i.exec(header);
  if (!match) throw new HttpProblem('unauthenticated', header === undefined ? 'no Authorization header: send Authorization: Bearer <token>' : 'the Authorization header is not "Bearer <token>"', {}, CHALLENGE);
  const token = ctx.store.findToken(match[1]!);
  const now = ctx.now();
  const refusal = tokenRefusal(token, now);
  if (refusal !== undefined || token === undefined) throw new HttpProblem('unauthenticated', refusal ?? 'the token is not valid', {}, CHALLENGE);
  ctx.store.touchToken(token.id, now);
  return callerOf(token);
}
