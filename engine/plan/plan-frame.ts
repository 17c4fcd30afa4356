/**
 * What a plan says whatever it plans: the hash of the spec files it read, and the warning
 * for a tenant state records and no spec describes. Apart from the planner, so a plan the
 * memo answers (engine/run/memo-run.ts) says them without loading it.
 */
import { createHash } from 'node:crypto';
import type { Diagnostic } from '../../specs/diagnostic.js';
import type { SpecSet } from '../../specs/model.js';

/** The warning every plan gives for a tenant that state records and no spec describes. */
export const orphanedWarning = (tenant: string): Diagnostic => ({
  severity: 'warning',
  summary: `tenant ${tenant} is orphaned: it is in state but no spec describes it`,
  detail: 'Its resources are left as they are. Run with --prune to destroy them.',
});

export function hashSpecs(specs: SpecSet): string {
  const h = createHash('sha256');
  for (const f of [...specs.files].sort((a, b) => (a.file < b.file ? -1 : 1))) h.update(`${f.file}\0${f.sha256}\n`);
  return `sha256:${h.digest('hex')}`;
}
