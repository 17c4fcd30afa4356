/**
 * Signing in and out. A token (from `netfirst token create`, or an operator's Tokens
 * page) is exchanged for a session cookie; the token itself is never stored in the
 * browser. The sign-in form carries a one-time value also set as a cookie, so another
 * site cannot sign a browser in under its own token (login CSRF).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { callerOf } from '../../caller.js';
import { tokenRefusal } from '../../auth.js';
import { checkOrigin, safeNext, type ConsoleContext } from '../guard.js';
import { Layout, Notice, sendHtml, viewerOf } from '../page.js';
import { SESSION_COOKIE } from '../session.js';
import type { ZodApp } from '../../context.js';

const LOGIN_COOKIE = 'netfirst_login';

const LoginForm = z.object({
  token: z.string().max(600).optional(),
  next: z.string().max(600).optional(),
  _login: z.string().max(100).optional(),
});

function LoginPage({ next, nonce, error, notice }: { next: string; nonce: string; error?: string; notice?: string }) {
  return (
    <Layout title="Sign in">
      <div class="signin">
        <h1>Sign in to netfirst</h1>
        {notice ? <Notice kind="info"><p>{notice}</p></Notice> : null}
        {error ? <Notice kind="error"><p id="token-error">{error}</p></Notice> : null}
        <form method="post" action="/login" class="stack">
          <input type="hidden" name="_login" value={nonce} />
          <input type="hidden" name="next" value={next} />
          <label for="token">Access token</label>
          <input id="token" name="token" type="password" autocomplete="current-password" required spellcheck={false}
            aria-describedby={error ? 'token-error token-help' : 'token-help'} aria-invalid={error ? 'true' : undefined} autofocus />
          <p id="token-help" class="hint">The token your operator gave you (it starts with <code>nft_</code>). Operators make one with <code>netfirst token create</code>.</p>
          <button type="submit" class="primary">Sign in</button>
        </form>
      </div>
    </Layout>
  );
}

function showLogin(reply: FastifyReply, request: FastifyRequest, next: string, status: number, words: { error?: string; notice?: string }) {
  const nonce = randomBytes(18).toString('base64url');
  reply.setCookie(LOGIN_COOKIE, nonce, { path: '/login', httpOnly: true, sameSite: 'strict', secure: request.protocol === 'https', maxAge: 3600 });
  return sendHtml(reply, <LoginPage next={next} nonce={nonce} {...words} />, status);
}

const same = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && a.length === b.length && a.length > 0 && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export function loginPages(app: ZodApp, cx: ConsoleContext): void {
  app.get('/login', { schema: { hide: true } }, async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const next = safeNext(query['next']);
    if (request.viewer) return reply.code(303).header('Location', next).send();
    const notice = query['out'] === '1' ? 'You have signed out.' : query['ended'] === '1' ? 'Your session has ended: sign in again.' : undefined;
    return showLogin(reply, request, next, 200, notice ? { notice } : {});
  });

  app.post('/login', { schema: { hide: true } }, async (request, reply) => {
    const parsed = LoginForm.safeParse(request.body ?? {});
    const form = parsed.success ? parsed.data : {};
    const next = safeNext(form.next);
    checkOrigin(request);
    if (!same(form._login, request.cookies[LOGIN_COOKIE])) {
      return showLogin(reply, request, next, 403, { error: 'The sign-in form had expired: enter the token again.' });
    }
    const secret = (form.token ?? '').trim();
    const token = secret === '' ? undefined : cx.store.findToken(secret);
    const refusal = secret === '' ? 'Enter a token.' : tokenRefusal(token, cx.now());
    if (refusal !== undefined || token === undefined) {
      return showLogin(reply, request, next, 401, { error: refusal === 'the token is not valid' ? 'That token is not valid.' : `Not signed in: ${refusal ?? 'the token is not valid'}.` });
    }
    const { cookie } = cx.sessions.create(token.id, cx.now().getTime());
    reply.clearCookie(LOGIN_COOKIE, { path: '/login' });
    reply.setCookie(SESSION_COOKIE, cookie, { path: '/', httpOnly: true, sameSite: 'strict', secure: request.protocol === 'https' });
    cx.audit(callerOf(token), { action: 'console.sign-in', result: 'ok' });
    return reply.code(303).header('Location', next).send();
  });

  app.post('/logout', { schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerOf(request);
    cx.sessions.end(viewer.session);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    cx.audit(viewer.caller, { action: 'console.sign-out', result: 'ok' });
    return reply.code(303).header('Location', '/login?out=1').send();
  });
}
