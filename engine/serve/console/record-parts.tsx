/**
 * Pieces the Plans and Runs pages share: a long id shortened, keyset paging links,
 * a plan's four counts, who made a plan or run, and spec diagnostics as a notice.
 */
import type { VNode } from 'preact';
import type { ApiPlanRecord } from '../../../state/index.js';
import type { ApiDiagnostic } from '../problem.js';
import { Notice, type Viewer } from './page.js';

/** A long id as people read it: "plan-1a2b3c4d…", the whole id in its title. */
export function ShortId({ id }: { id: string }): VNode {
  const short = id.length > 13 ? `${id.slice(0, 13)}…` : id;
  return <code title={id}>{short}</code>;
}

/** Keyset pages (newest first): back to the newest, and on to older ones; no page numbers to shift under new items. */
export function KeysetPager({ first, next, cursor, noun }: { first: string; next?: string | undefined; cursor?: string | undefined; noun: string }): VNode | null {
  if (!cursor && !next) return null;
  return (
    <nav class="pager" aria-label="Pages">
      {cursor ? <a href={first}>← Newest {noun}</a> : <span class="muted" aria-hidden="true">← Newest {noun}</span>}
      {next ? <a href={next} rel="next">Older {noun} →</a> : <span class="muted" aria-hidden="true">Older {noun} →</span>}
    </nav>
  );
}

/** The four counts of a plan: "+1 ~2 ±0 −1", each with its words for screen readers and on hover. */
export function PlanCounts({ summary }: { summary: ApiPlanRecord['summary'] }): VNode {
  const parts = [
    { n: summary.add, sign: '+', cls: 'change-add', words: 'to add' },
    { n: summary.change, sign: '~', cls: 'change-update', words: 'to change' },
    { n: summary.replace, sign: '±', cls: 'change-replace', words: 'to replace' },
    { n: summary.destroy, sign: '−', cls: 'change-delete', words: 'to destroy' },
  ];
  return (
    <span class="plan-counts">
      {parts.map((p) => <span class={p.cls} title={`${p.n} ${p.words}`}><span aria-hidden="true">{p.sign}{p.n}</span><span class="sr-only">{p.n} {p.words}</span> </span>)}
    </span>
  );
}

/** Who made a plan or run: its token (the viewer's own called so), and for whose partner. */
export function MadeBy({ viewer, tokenId, partner }: { viewer: Viewer; tokenId: string; partner?: string | undefined }): VNode {
  return (
    <>
      <code>{tokenId}</code>{tokenId === viewer.caller.tokenId ? ' (you)' : ''}
      {partner !== undefined ? <span class="muted"> for {partner}</span> : <span class="muted"> (operator)</span>}
    </>
  );
}

/** Spec errors or warnings, each with its file, line and field, as the CLI names them. */
export function Diagnostics({ diagnostics }: { diagnostics: readonly ApiDiagnostic[] }): VNode {
  const errors = diagnostics.some((d) => d.severity === 'error');
  return (
    <Notice kind={errors ? 'error' : 'warning'}>
      <p><strong>{errors ? 'The specs have errors:' : 'Warnings:'}</strong></p>
      <ul class="diagnostics">
        {diagnostics.map((d) => (
          <li>
            <strong>{d.severity}</strong>{d.file !== undefined ? <> in <code>{d.file}{d.line !== undefined ? `:${d.line}` : ''}</code></> : null}
            {d.path !== undefined ? <> at <code>{d.path}</code></> : null}: {d.summary}{d.detail !== undefined ? <span class="muted"> — {d.detail}</span> : null}
          </li>
        ))}
      </ul>
    </Notice>
  );
}
