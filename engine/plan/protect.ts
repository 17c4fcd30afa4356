/**
 * Protection: a plan that would delete or replace a protected resource is refused,
 * with a diagnostic at the spec line that protects it (or the state record).
 */
import type { Diagnostic } from '../../specs/diagnostic.js';
import type { Change } from './change.js';

/** `specNow`: protection as the specs say it now, by address (destroy); otherwise state's. */
export function checkProtection(changes: readonly Change[], specNow?: ReadonlyMap<string, boolean>): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const c of changes) {
    if (c.action !== 'delete' && c.action !== 'replace') continue;
    const isProtected = (specNow?.get(c.address) ?? c.before.protect) || (c.action === 'replace' && c.after.protect);
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
