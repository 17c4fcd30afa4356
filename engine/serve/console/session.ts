/**
 * Console sessions: signing in with a token gives a session cookie (HttpOnly,
 * SameSite=Strict, Secure when the request came over TLS) whose value is 256 random
 * bits; the server keeps only its sha256, the token's id and a CSRF secret. A session
 * ends when its user signs out, after `idleMs` without a request, `maxMs` after sign-in,
 * or as soon as its token is revoked or expires (judged on every request). Sessions
 * live in the server's memory: a restarted server asks everyone to sign in again.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'netfirst_session';

export interface Session {
  readonly key: string;
  readonly tokenId: string;
  /** Sent in every form (`_csrf`) and htmx request (`X-CSRF-Token`); compared in constant time. */
  readonly csrf: string;
  readonly createdAt: number;
  lastSeen: number;
}

export interface SessionLimits {
  readonly idleMs: number;
  readonly maxMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { idleMs: 60 * 60_000, maxMs: 12 * 60 * 60_000 };

const keyOf = (cookie: string): string => createHash('sha256').update(cookie, 'utf8').digest('hex');

export class SessionStore {
  readonly #sessions = new Map<string, Session>();

  constructor(readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS) {}

  /** A new session for a token; the cookie value is returned once and not kept. */
  create(tokenId: string, now: number): { cookie: string; session: Session } {
    this.#sweep(now);
    const cookie = randomBytes(32).toString('base64url');
    const session: Session = { key: keyOf(cookie), tokenId, csrf: randomBytes(24).toString('base64url'), createdAt: now, lastSeen: now };
    this.#sessions.set(session.key, session);
    return { cookie, session };
  }

  /** The live session of a cookie value (and it counts as seen), or undefined. */
  find(cookie: string | undefined, now: number): Session | undefined {
    if (cookie === undefined || cookie.length === 0 || cookie.length > 128) return undefined;
    const key = keyOf(cookie);
    const session = this.#sessions.get(key);
    if (session === undefined) return undefined;
    if (now - session.lastSeen > this.limits.idleMs || now - session.createdAt > this.limits.maxMs) {
      this.#sessions.delete(key);
      return undefined;
    }
    session.lastSeen = now;
    return session;
  }

  end(session: Session): void {
    this.#sessions.delete(session.key);
  }

  /** Ends every session of a token (it was revoked). */
  endToken(tokenId: string): void {
    for (const [key, s] of this.#sessions) if (s.tokenId === tokenId) this.#sessions.delete(key);
  }

  #sweep(now: number): void {
    for (const [key, s] of this.#sessions) {
      if (now - s.lastSeen > this.limits.idleMs || now - s.createdAt > this.limits.maxMs) this.#sessions.delete(key);
    }
  }
}

/** Whether a presented CSRF token is the session's. */
export function csrfMatches(session: Session, presented: unknown): boolean {
  if (typeof presented !== 'string' || presented.length !== session.csrf.length) return false;
  return timingSafeEqual(Buffer.from(presented), Buffer.from(session.csrf));
}
