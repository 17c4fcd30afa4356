/**
 * Protection: a plan that would delete or replace a protected resource is refused,
 * with a diagnostic at the spec line that protects it (or the state record).
 */
import type { Diagnostic } from '../../specs/diagnostic.js';
import type { Change } from './change.js';

export function checkProtection(changes: readonly Change[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const c of changes) {
    if (c.action !== 'delete' && c.action !== 'replace') continue;
    const isProtected = c.before.protect || (c.action === 'replace' && c.after.protect);
    if (!isProtected) continue;
    const source = c.action === 'replace' ? c.after.source : undefined;
    const what = c.action === 'delete' ? 'delete' : `replace (${c.reason ?? 'forced'})`;
    out.push({
      severity: 'error',
      summary: `${c.address} is protected: the plan would ${what} it`,
      detail: 'Remove `protect: true` first if this is really intended.',
      address: c.address,
      ...(source ? { file: source.file, doc: source.doc, path: source.path } : {}),
    });
  }
  return out;
}
