/**
 * Who may reach a console page. Every path outside the API, the API docs and the
 * assets is the console's; all but the sign-in page need a live session whose token is
 * still valid (checked on every request, so a revoked token signs its sessions out at
 * once). A page asked for without one redirects to the sign-in page and back. Every
 * POST must carry the session's CSRF token (form field `_csrf` or header
 * `X-CSRF-Token`) and, when the browser sends an Origin, come from this server's own.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { callerOf } from '../caller.js';
import { tokenRefusal } from '../auth.js';
import type { ServeContext } from '../context.js';
import { HttpProblem } from '../problem.js';
import type { Viewer } from './page.js';
import { csrfMatches, SESSION_COOKIE, type SessionStore } from './session.js';

/** Paths the console does not own. */
const NOT_CONSOLE = /^\/(?:api\/|docs(?:\/|$)|assets\/|healthz$|readyz$|openapi\.json$)/;
const PUBLIC = new Set(['/login']);

export const isConsolePath = (url: string): boolean => !NOT_CONSOLE.test(url.split('?')[0] ?? url);

export interface ConsoleContext extends ServeContext {
  readonly sessions: SessionStore;
}

/** Where sign-in may send the user back to: a path of this server only (never `//host` or a URL). */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || next.length > 512) return '/';
  return isConsolePath(next) && !next.startsWith('/login') && !next.startsWith('/logout') ? next : '/';
}

function viewerFor(cx: ConsoleContext, request: FastifyRequest): Viewer | undefined {
  const now = cx.now();
  const session = cx.sessions.find(request.cookies[SESSION_COOKIE], now.getTime());
  if (session === undefined) return undefined;
  const token = cx.store.getToken(session.tokenId);
  if (tokenRefusal(token, now) !== undefined || token === undefined) {
    cx.sessions.end(session);
    return undefined;
  }
  cx.store.touchToken(token.id, now);
  return { caller: callerOf(token), session, label: token.description ?? `token ${token.id}` };
}

/** onRequest: sets request.viewer, or sends the visitor to sign in. */
export async function guardPage(cx: ConsoleContext, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const path = request.url.split('?')[0] ?? '/';
  if (!isConsolePath(path)) return;
  const viewer = viewerFor(cx, request);
  if (viewer) request.viewer = viewer;
  if (viewer || PUBLIC.has(path)) return;
  const hadCookie = request.cookies[SESSION_COOKIE] !== undefined;
  const target = `/login?next=${encodeURIComponent(request.method === 'GET' ? request.url : '/')}${hadCookie ? '&ended=1' : ''}`;
  if (request.headers['hx-request'] === 'true') {
    // htmx follows HX-Redirect with a full page load.
    await reply.code(401).header('HX-Redirect', target).send();
    return;
  }
  await reply.code(303).header('Location', target).send();
}

/** preHandler: a console POST must carry the session's CSRF token and come from this origin. */
export async function guardForm(request: FastifyRequest): Promise<void> {
  if (request.method !== 'POST' || !isConsolePath(request.url) || PUBLIC.has(request.url.split('?')[0] ?? '')) return;
  const viewer = request.viewer;
  if (viewer === undefined) return;
  checkOrigin(request);
  const body = request.body as Record<string, unknown> | undefined;
  const presented = request.headers['x-csrf-token'] ?? body?.['_csrf'];
  if (!csrfMatches(viewer.session, presented)) {
    throw new HttpProblem('forbidden', 'the form was not sent from this console (its security token is missing or old): reload the page and try again');
  }
}

/** A browser names the page's origin on every POST; one that is not ours is a cross-site request. */
export function checkOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  const host = request.headers.host;
  let ok = false;
  try {
    ok = host !== undefined && new URL(origin).host === host;
  } catch {
    ok = false;
  }
  if (!ok) throw new HttpProblem('forbidden', 'the form was sent from another site');
}
