/**
 * The console's page frame and the pieces every page shares: the layout (skip link,
 * navigation by role, who is signed in, sign out), a CSRF-carrying form, tables with
 * sortable headers, a pager, status badges, and how a page is sent. Everything is
 * rendered on the server with preact's renderToString, which escapes every text and
 * attribute: a tenant's name or a partner's comment can never become markup.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren, FormHTMLAttributes, VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';
import type { Caller } from '../caller.js';
import { assetUrl } from './assets.js';
import { compressFor } from './encoding.js';
import type { Session } from './session.js';

/** Who is looking at a page: set on every console request past the sign-in. */
export interface Viewer {
  readonly caller: Caller;
  readonly session: Session;
  /** The token's description, or its id, for the header. */
  readonly label: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set for console pages once the session cookie is checked. */
    viewer?: Viewer;
  }
}

/** The signed-in viewer of a console request (the guard has made sure there is one). */
export function viewerOf(request: FastifyRequest): Viewer {
  if (request.viewer === undefined) throw new Error('a console page was reached without a session: the guard did not run');
  return request.viewer;
}

export type NavKey = 'fleet' | 'plans' | 'runs' | 'zones' | 'usage' | 'audit' | 'tokens';

/** Zones are the operator's documents: shown to an operator and an unscoped viewer, as the API does. */
const seesZones = (c: Caller): boolean => c.role === 'operator' || (c.role === 'viewer' && c.partner === undefined && c.tenant === undefined);

const NAV: readonly { key: NavKey; href: string; label: string; operatorOnly?: boolean; shownTo?: (c: Caller) => boolean }[] = [
  { key: 'fleet', href: '/', label: 'Tenants' },
  { key: 'plans', href: '/plans', label: 'Plans' },
  { key: 'runs', href: '/runs', label: 'Runs' },
  { key: 'zones', href: '/zones', label: 'Zones', shownTo: seesZones },
  { key: 'usage', href: '/usage', label: 'Usage' },
  { key: 'audit', href: '/audit', label: 'Audit log', operatorOnly: true },
  { key: 'tokens', href: '/tokens', label: 'Tokens', operatorOnly: true },
];

function scopeLabel(caller: Caller): string {
  if (caller.tenant !== undefined) return `${caller.role} · tenant ${caller.tenant}`;
  if (caller.partner !== undefined) return `${caller.role} · partner ${caller.partner}`;
  return caller.role;
}

interface LayoutProps {
  readonly title: string;
  readonly viewer?: Viewer;
  readonly nav?: NavKey;
  /** Breadcrumbs before the title: label and link. */
  readonly crumbs?: readonly { label: string; href: string }[];
  readonly children?: ComponentChildren;
}

export function Layout({ title, viewer, nav, crumbs, children }: LayoutProps): VNode {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        {/* htmx may never evaluate strings from the page, nor inject its own styles. */}
        <meta name="htmx-config" content='{"allowEval":false,"includeIndicatorStyles":false,"historyCacheSize":0}' />
        {viewer ? <meta name="csrf-token" content={viewer.session.csrf} /> : null}
        <title>{`${title} · netfirst`}</title>
        <link rel="stylesheet" href={assetUrl('console.css')} />
        <script src={assetUrl('htmx.min.js')} defer></script>
        <script src={assetUrl('console.js')} defer></script>
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
          <a class="brand" href="/">netfirst</a>
          {viewer ? (
            <nav aria-label="Main">
              <ul>
                {NAV.filter((n) => (!n.operatorOnly || viewer.caller.role === 'operator') && (n.shownTo?.(viewer.caller) ?? true)).map((n) => (
                  <li><a href={n.href} aria-current={n.key === nav ? 'page' : undefined}>{n.label}</a></li>
                ))}
              </ul>
            </nav>
          ) : null}
          {viewer ? (
            <div class="who">
              <span class="badge" title={`token ${viewer.caller.tokenId}`}>{viewer.label} · {scopeLabel(viewer.caller)}</span>
              <CsrfForm viewer={viewer} action="/logout" class="inline">
                <button type="submit" class="link">Sign out</button>
              </CsrfForm>
            </div>
          ) : null}
        </header>
        <main id="main" tabIndex={-1}>
          {crumbs && crumbs.length > 0 ? (
            <nav aria-label="Breadcrumb" class="crumbs">
              <ol>{crumbs.map((c) => <li><a href={c.href}>{c.label}</a></li>)}</ol>
            </nav>
          ) : null}
          {children}
        </main>
      </body>
    </html>
  );
}

type FormProps = Omit<FormHTMLAttributes<HTMLFormElement>, 'method' | 'action'> & {
  readonly viewer: Viewer;
  readonly action: string;
  readonly children?: ComponentChildren;
};

/** A POST form carrying the session's CSRF token; every state-changing console form is one. */
export function CsrfForm({ viewer, action, children, ...rest }: FormProps): VNode {
  return (
    <form method="post" action={action} {...rest}>
      <input type="hidden" name="_csrf" value={viewer.session.csrf} />
      {children}
    </form>
  );
}

/** A reconcile verdict or a plan/run status as a badge: the word is always there, colour only adds to it. */
export function StatusBadge({ status, title }: { status: string; title?: string }): VNode {
  return <span class={`status status-${status.toLowerCase().replace(/[^a-z]/g, '')}`} title={title}>{status}</span>;
}

export interface SortSpec {
  readonly key: string;
  readonly dir: 'asc' | 'desc';
}

/** A column header that sorts by its key: a link, so it works without scripts too. */
export function SortHeader({ label, column, sort, href }: { label: string; column: string; sort: SortSpec; href: (s: SortSpec) => string }): VNode {
  const active = sort.key === column;
  const next: SortSpec = { key: column, dir: active && sort.dir === 'asc' ? 'desc' : 'asc' };
  return (
    <th scope="col" aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined}>
      <a href={href(next)}>{label}{active ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}</a>
    </th>
  );
}

/** Page n of a list: previous/next links and where we are. */
export function Pager({ page, pages, total, href, noun }: { page: number; pages: number; total: number; href: (page: number) => string; noun: string }): VNode {
  return (
    <nav class="pager" aria-label="Pages">
      {page > 1 ? <a href={href(page - 1)} rel="prev">← Previous</a> : <span aria-hidden="true" class="muted">← Previous</span>}
      <span>Page {page} of {Math.max(1, pages)} · {total} {noun}</span>
      {page < pages ? <a href={href(page + 1)} rel="next">Next →</a> : <span aria-hidden="true" class="muted">Next →</span>}
    </nav>
  );
}

/** A message box: what happened, or what went wrong and what to do. */
export function Notice({ kind, children }: { kind: 'info' | 'error' | 'ok' | 'warning'; children?: ComponentChildren }): VNode {
  return <div class={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>{children}</div>;
}

/** Sends a whole page (or, for an htmx request, the fragment it asked for). Pages hold scoped data: never cached. */
export function sendHtml(reply: FastifyReply, node: VNode, status = 200): FastifyReply {
  return sendText(reply, `<!doctype html>${renderToString(node)}`, status);
}

export function sendFragment(reply: FastifyReply, node: VNode, status = 200): FastifyReply {
  return sendText(reply, renderToString(node), status);
}

/**
 * A page compressed when the browser takes it (a tenant's topology and resource table
 * run to hundreds of KB of text, a tenth of that compressed). Small answers go as they are.
 */
function sendText(reply: FastifyReply, html: string, status: number): FastifyReply {
  reply.header('Cache-Control', 'no-store').header('Vary', 'Accept-Encoding').code(status).type('text/html; charset=utf-8');
  const { encoding, body } = compressFor(Buffer.from(html, 'utf8'), reply.request.headers['accept-encoding']);
  if (encoding !== undefined) reply.header('Content-Encoding', encoding);
  return reply.send(body);
}


/** Whether the request came from htmx (it then takes a fragment). */
export const isHtmx = (request: FastifyRequest): boolean => request.headers['hx-request'] === 'true';

/** The not-found page: the same words whether the thing is missing or outside the viewer's scope. */
export function NotFoundPage({ viewer, what }: { viewer?: Viewer; what: string }): VNode {
  return (
    <Layout title="Not found" viewer={viewer}>
      <h1>Not found</h1>
      <p>{what} was not found.</p>
      <p><a href="/">Back to the tenants</a></p>
    </Layout>
  );
}

export function ErrorPage({ viewer, status, title, message }: { viewer?: Viewer; status: number; title: string; message: string }): VNode {
  return (
    <Layout title={title} viewer={viewer}>
      <h1>{title}</h1>
      <Notice kind="error"><p>{message}</p></Notice>
      <p class="muted">HTTP {status}</p>
      <p><a href="/">Back to the tenants</a></p>
    </Layout>
  );
}

/** A relative time people read ("3 min ago"), with the instant as a title. */
export function Ago({ at, now }: { at: string | undefined; now: Date }): VNode {
  if (at === undefined) return <span class="muted">never</span>;
  const ms = now.getTime() - Date.parse(at);
  const s = Math.round(ms / 1000);
  const words = s < 60 ? `${Math.max(0, s)} s ago` : s < 3600 ? `${Math.round(s / 60)} min ago` : s < 86_400 ? `${Math.round(s / 3600)} h ago` : `${Math.round(s / 86_400)} d ago`;
  return <time dateTime={at} title={at}>{words}</time>;
}
