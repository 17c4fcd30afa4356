/**
 * /tokens: the operator's API tokens — every one, revoked and expired ones too — made
 * and revoked here as with `netfirst token create` and `token revoke`, judged by the same
 * rules (engine/serve/token-request.ts). A new token's secret is shown exactly once: the
 * form posts, the server keeps the secret in memory for this session only, redirects,
 * and the page after the redirect takes it out as it shows it — so it is never in a URL,
 * a reload cannot show it again, and a reload cannot make a second token. The state keeps
 * only its hash. Revoking a token ends its console sessions at once; revoking the one
 * the operator is signed in with signs the operator out.
 */
import type { VNode } from 'preact';
import { z } from 'zod';
import { TOKEN_ROLES, type TokenRecord, type TokenRole } from '../../../../state/index.js';
import { requireOperator } from '../../caller.js';
import type { ZodApp } from '../../context.js';
import { notFound } from '../../problem.js';
import { tenantsFor } from '../../routes/tenants.js';
import { tokenCreatedDetail, tokenRequestOf, type TokenField, type TokenFieldProblem } from '../../token-request.js';
import type { ConsoleContext } from '../guard.js';
import { Ago, CsrfForm, Layout, Notice, sendHtml, StatusBadge, viewerOf, type Viewer } from '../page.js';
import { SESSION_COOKIE } from '../session.js';

/** How long a new secret waits for the page that shows it. */
const REVEAL_MS = 10 * 60_000;
const DEFAULT_EXPIRY = '90d';

const LABELS: Readonly<Record<TokenField, string>> = { role: 'Role', partner: 'Partner', tenant: 'Tenant', expires: 'Expires in', description: 'Description' };

/** Which scope fields a role takes; the page hides the others (console.js) and the server refuses them. */
const SCOPE_FIELDS: Readonly<Record<'partner' | 'tenant', readonly TokenRole[]>> = { partner: ['partner', 'viewer'], tenant: ['tenant', 'viewer'] };

const ROLE_WORDS: Readonly<Record<TokenRole, string>> = {
  operator: 'operator — everything, every tenant',
  partner: 'partner — plans and applies its own tenants',
  tenant: 'tenant — sees and changes one tenant',
  viewer: 'viewer — reads only',
};

const TokenForm = z.object({
  role: z.string().max(20, 'not a role').default(''),
  partner: z.string().max(63, 'at most 63 characters').default(''),
  tenant: z.string().max(63, 'at most 63 characters').default(''),
  description: z.string().max(1000, 'at most 200 characters').default(''),
  expires: z.string().max(20, 'a duration such as 90d').default(''),
});

type FormValues = z.infer<typeof TokenForm>;
type FieldErrors = Partial<Record<TokenField, string>>;

const BLANK: FormValues = { role: 'partner', partner: '', tenant: '', description: '', expires: DEFAULT_EXPIRY };

type TokenStatus = 'active' | 'expired' | 'revoked';

const statusOf = (t: TokenRecord, now: Date): TokenStatus =>
  t.revokedAt !== undefined ? 'revoked' : Date.parse(t.expiresAt) <= now.getTime() ? 'expired' : 'active';

/** A token's secret between the POST that made it and the one page that shows it, for that session alone. */
class Reveals {
  readonly #held = new Map<string, { secret: string; until: number }>();

  hold(sessionKey: string, tokenId: string, secret: string, now: number): void {
    this.#sweep(now);
    this.#held.set(`${sessionKey}/${tokenId}`, { secret, until: now + REVEAL_MS });
  }

  /** The secret, once: it is forgotten as it is taken. */
  take(sessionKey: string, tokenId: string, now: number): string | undefined {
    this.#sweep(now);
    const key = `${sessionKey}/${tokenId}`;
    const held = this.#held.get(key);
    this.#held.delete(key);
    return held?.secret;
  }

  #sweep(now: number): void {
    for (const [key, held] of this.#held) if (held.until <= now) this.#held.delete(key);
  }
}

function Scope({ token }: { token: TokenRecord }): VNode {
  if (token.partner === undefined && token.tenant === undefined) return <span class="muted">everything</span>;
  return <>{token.partner !== undefined ? <>partner <strong>{token.partner}</strong></> : null}{token.partner !== undefined && token.tenant !== undefined ? ', ' : null}{token.tenant !== undefined ? <>tenant <strong>{token.tenant}</strong></> : null}</>;
}

const dateOf = (at: string): string => `${at.slice(0, 10)} ${at.slice(11, 16)}`;

function TokenTable({ viewer, tokens, now }: { viewer: Viewer; tokens: readonly TokenRecord[]; now: Date }): VNode {
  if (tokens.length === 0) return <p class="empty">No tokens yet.</p>;
  return (
    <table class="data tokens">
      <caption class="sr-only">API tokens, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Token</th>
          <th scope="col">Role</th>
          <th scope="col">Scope</th>
          <th scope="col">Description</th>
          <th scope="col">Created</th>
          <th scope="col">Expires</th>
          <th scope="col">Last used</th>
          <th scope="col">Status</th>
          <th scope="col"><span class="sr-only">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        {tokens.map((t) => {
          const status = statusOf(t, now);
          const mine = t.id === viewer.caller.tokenId;
          return (
            <tr id={`token-${t.id}`}>
              <th scope="row"><code>{t.id}</code>{mine ? <span class="tag">you</span> : null}</th>
              <td>{t.role}</td>
              <td><Scope token={t} /></td>
              <td>{t.description ?? <span class="muted">—</span>}</td>
              <td><time dateTime={t.createdAt} title={t.createdAt}>{dateOf(t.createdAt)}</time></td>
              <td><time dateTime={t.expiresAt} title={t.expiresAt}>{dateOf(t.expiresAt)}</time></td>
              <td><Ago at={t.lastUsedAt} now={now} /></td>
              <td><StatusBadge status={status} title={status === 'revoked' ? `revoked ${t.revokedAt}` : undefined} /></td>
              <td>
                {status === 'revoked' ? null : (
                  <CsrfForm viewer={viewer} action={`/tokens/${encodeURIComponent(t.id)}/revoke`} class="inline">
                    <button type="submit" class="danger"
                      data-confirm={mine ? `Revoke token ${t.id}? It is the one you are signed in with: you will be signed out.` : `Revoke token ${t.id}? It is refused from then on, and its console sessions end at once.`}>
                      Revoke<span class="sr-only"> token {t.id}</span>
                    </button>
                  </CsrfForm>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** A form field with its label, hint and, when refused, the reason next to it. */
function Field({ id, label, hint, error, roles, children }: { id: TokenField; label: string; hint: string; error: string | undefined; roles?: readonly TokenRole[]; children: VNode }): VNode {
  return (
    <div class="field" data-roles={roles?.join(' ')}>
      <label for={`token-${id}`}>{label}</label>
      {children}
      <p id={`token-${id}-hint`} class="hint">{hint}</p>
      {error !== undefined ? <p id={`token-${id}-error`} class="field-error">{error}</p> : null}
    </div>
  );
}

function CreateForm({ viewer, values, errors, partners, tenants }: { viewer: Viewer; values: FormValues; errors: FieldErrors; partners: readonly string[]; tenants: readonly string[] }): VNode {
  const described = (id: TokenField): string => (errors[id] !== undefined ? `token-${id}-hint token-${id}-error` : `token-${id}-hint`);
  const invalid = (id: TokenField): 'true' | undefined => (errors[id] !== undefined ? 'true' : undefined);
  return (
    <section class="card token-create" aria-labelledby="create-heading">
      <h2 id="create-heading">Make a token</h2>
      {Object.keys(errors).length > 0 ? <Notice kind="error"><p>The token was not made: see the fields marked below.</p></Notice> : null}
      <CsrfForm viewer={viewer} action="/tokens" class="stack token-form">
        <Field id="role" label={LABELS.role} hint="What the token may do." error={errors.role}>
          <select id="token-role" name="role" data-role-fields="" aria-describedby={described('role')} aria-invalid={invalid('role')}>
            {TOKEN_ROLES.map((r) => <option value={r} selected={r === values.role}>{ROLE_WORDS[r]}</option>)}
          </select>
        </Field>
        <Field id="partner" label={LABELS.partner} roles={SCOPE_FIELDS.partner} error={errors.partner}
          hint="A partner token acts as this entry of the Partners document; a viewer token may be narrowed to it.">
          <select id="token-partner" name="partner" aria-describedby={described('partner')} aria-invalid={invalid('partner')}>
            <option value="">— none —</option>
            {partners.map((p) => <option value={p} selected={p === values.partner}>{p}</option>)}
            {values.partner !== '' && !partners.includes(values.partner) ? <option value={values.partner} selected>{values.partner}</option> : null}
          </select>
        </Field>
        <Field id="tenant" label={LABELS.tenant} roles={SCOPE_FIELDS.tenant} error={errors.tenant}
          hint="A tenant token sees and changes this one tenant; a viewer token may be narrowed to it.">
          <input id="token-tenant" name="tenant" type="text" value={values.tenant} list="token-tenants" autocomplete="off" spellcheck={false}
            aria-describedby={described('tenant')} aria-invalid={invalid('tenant')} />
        </Field>
        <datalist id="token-tenants">{tenants.map((t) => <option value={t} />)}</datalist>
        <Field id="description" label={LABELS.description} error={errors.description} hint="Who holds it and why, e.g. “Westside IT automation”. Shown in the audit log.">
          <input id="token-description" name="description" type="text" value={values.description} maxLength={200} autocomplete="off"
            aria-describedby={described('description')} aria-invalid={invalid('description')} />
        </Field>
        <Field id="expires" label={LABELS.expires} error={errors.expires} hint="A duration: 90d, 12h, 30m (at most 3 years).">
          <input id="token-expires" name="expires" type="text" value={values.expires} required autocomplete="off" spellcheck={false} size={8}
            aria-describedby={described('expires')} aria-invalid={invalid('expires')} />
        </Field>
        <div class="actions"><button type="submit" class="primary">Make token</button></div>
      </CsrfForm>
    </section>
  );
}

function TokensPage({ cx, viewer, values = BLANK, errors = {}, notice }: { cx: ConsoleContext; viewer: Viewer; values?: FormValues; errors?: FieldErrors; notice?: VNode }): VNode {
  const now = cx.now();
  const tokens = cx.store.listTokens().reverse();
  const active = tokens.filter((t) => statusOf(t, now) === 'active').length;
  const partners = cx.source.specs().partners.flatMap((d) => d.value.spec.partners.map((p) => p.name));
  const tenants = tenantsFor(cx, viewer.caller).map((t) => t.name);
  return (
    <Layout title="Tokens" viewer={viewer} nav="tokens">
      <div class="heading">
        <h1>Tokens</h1>
        <p class="summary">{tokens.length} {tokens.length === 1 ? 'token' : 'tokens'}, {active} active. A token signs in to this console and to the API.</p>
      </div>
      {notice ?? null}
      <TokenTable viewer={viewer} tokens={tokens} now={now} />
      <CreateForm viewer={viewer} values={values} errors={errors} partners={[...new Set(partners)].sort()} tenants={tenants} />
    </Layout>
  );
}

function CreatedPage({ viewer, token, secret }: { viewer: Viewer; token: TokenRecord; secret: string | undefined }): VNode {
  return (
    <Layout title={`Token ${token.id}`} viewer={viewer} nav="tokens" crumbs={[{ label: 'Tokens', href: '/tokens' }]}>
      <h1>Token {token.id}</h1>
      <dl class="kv">
        <dt>Role</dt><dd>{token.role}</dd>
        <dt>Scope</dt><dd><Scope token={token} /></dd>
        <dt>Description</dt><dd>{token.description ?? <span class="muted">—</span>}</dd>
        <dt>Expires</dt><dd><time dateTime={token.expiresAt}>{dateOf(token.expiresAt)} UTC</time></dd>
      </dl>
      {secret !== undefined ? (
        <section class="card token-secret" aria-labelledby="secret-heading">
          <h2 id="secret-heading">The new token</h2>
          <Notice kind="warning"><p>Copy it now: it is shown only this once, and the server keeps only its hash. Give it to its holder as a secret (a password manager, not e-mail or chat).</p></Notice>
          <div class="field">
            <label for="new-token">Token</label>
            <input id="new-token" type="text" readonly value={secret} class="mono" size={70} autocomplete="off" spellcheck={false} aria-describedby="new-token-hint" />
            <p id="new-token-hint" class="hint">Select it and copy (Ctrl+C or ⌘C), or use the button.</p>
          </div>
          <div class="actions">
            <button type="button" data-copy="new-token">Copy token</button>
            <span class="copy-status" role="status" aria-live="polite"></span>
          </div>
        </section>
      ) : (
        <Notice kind="info"><p id="secret-gone">This token's secret was shown once, when it was made, and is not kept. If it was not copied then, revoke the token and make another.</p></Notice>
      )}
      <p><a href="/tokens">Back to the tokens</a></p>
    </Layout>
  );
}

export function tokensPages(app: ZodApp, cx: ConsoleContext): void {
  const reveals = new Reveals();

  app.get('/tokens', { schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerOf(request);
    requireOperator(viewer.caller, 'managing tokens');
    const query = request.query as Record<string, unknown>;
    const revoked = typeof query['revoked'] === 'string' ? query['revoked'].slice(0, 24) : undefined;
    const already = typeof query['already'] === 'string' ? query['already'].slice(0, 24) : undefined;
    const notice = revoked !== undefined ? <Notice kind="ok"><p>Token <code>{revoked}</code> is revoked: it is refused from now on, and its console sessions have ended.</p></Notice>
      : already !== undefined ? <Notice kind="info"><p>Token <code>{already}</code> was already revoked.</p></Notice>
      : undefined;
    return sendHtml(reply, <TokensPage cx={cx} viewer={viewer} {...(notice ? { notice } : {})} />);
  });

  app.post('/tokens', { schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerOf(request);
    requireOperator(viewer.caller, 'managing tokens');
    const parsed = TokenForm.safeParse(request.body ?? {});
    if (!parsed.success) {
      const errors: FieldErrors = {};
      for (const issue of parsed.error.issues) {
        const field = issue.path[0];
        if (typeof field === 'string' && field in LABELS) errors[field as TokenField] ??= `${LABELS[field as TokenField]}: ${issue.message}`;
      }
      return sendHtml(reply, <TokensPage cx={cx} viewer={viewer} values={BLANK} errors={errors} />, 422);
    }
    const values = parsed.data;
    const asked = tokenRequestOf(values, { label: (field) => LABELS[field], now: cx.now(), partners: cx.source.specs() });
    if (!asked.ok) {
      return sendHtml(reply, <TokensPage cx={cx} viewer={viewer} values={values} errors={errorsByField(asked.problems)} />, 422);
    }
    const { secret, record } = cx.store.createToken(asked.token);
    cx.audit(viewer.caller, { action: 'token.create', target: record.id, result: 'ok', detail: tokenCreatedDetail(record) });
    reveals.hold(viewer.session.key, record.id, secret, cx.now().getTime());
    return reply.code(303).header('Location', `/tokens/created/${record.id}`).send();
  });

  app.get('/tokens/created/:id', { schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerOf(request);
    requireOperator(viewer.caller, 'managing tokens');
    const id = (request.params as { id: string }).id;
    const token = cx.store.getToken(id);
    if (token === undefined) throw notFound(`token ${id}`);
    const secret = reveals.take(viewer.session.key, id, cx.now().getTime());
    return sendHtml(reply, <CreatedPage viewer={viewer} token={token} secret={secret} />);
  });

  app.post('/tokens/:id/revoke', { schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerOf(request);
    requireOperator(viewer.caller, 'managing tokens');
    const id = (request.params as { id: string }).id;
    if (cx.store.getToken(id) === undefined) throw notFound(`token ${id}`);
    const now = cx.now();
    if (!cx.store.revokeToken(id, now)) return reply.code(303).header('Location', `/tokens?already=${encodeURIComponent(id)}`).send();
    // The guard would refuse them on their next request anyway; ending them now frees them at once.
    cx.sessions.endToken(id);
    cx.audit(viewer.caller, { action: 'token.revoke', target: id, result: 'ok' });
    if (id === viewer.caller.tokenId) {
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(303).header('Location', '/login?ended=1').send();
    }
    return reply.code(303).header('Location', `/tokens?revoked=${encodeURIComponent(id)}#token-${encodeURIComponent(id)}`).send();
  });
}

function errorsByField(problems: readonly TokenFieldProblem[]): FieldErrors {
  const errors: FieldErrors = {};
  for (const p of problems) errors[p.field] = errors[p.field] === undefined ? p.message : `${errors[p.field]} ${p.message}`;
  return errors;
}
