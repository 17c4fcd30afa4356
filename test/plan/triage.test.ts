/**
 * triageErrors as a table: which errors skip a tenant (the operator's apply goes on with
 * the others), which are only reported, and which stop the whole run.
 */
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../specs/diagnostic.js';
import { triageErrors, type FileHolding } from '../../engine/plan/triage.js';

const files: Record<string, FileHolding> = {
  'baker.yaml': { tenants: ['baker-law'], operator: false, known: true },
  'two.yaml': { tenants: ['t-a', 't-b'], operator: false, known: true },
  'zone.yaml': { tenants: [], operator: true, known: true },
  'dup.yaml': { tenants: [], operator: false, known: true },
  'garbage.yaml': { tenants: [], operator: false, known: false },
};
const error = (more: Partial<Diagnostic>): Diagnostic => ({ severity: 'error', summary: 'x', ...more });
const triage = (d: Diagnostic, prune = false) => {
  const t = triageErrors([d], (f) => files[f], { prune });
  return { skipped: [...t.skipped.keys()], fileOnly: t.fileOnly.length, zoneWide: t.zoneWide.length };
};

describe('triageErrors', () => {
  it.each([
    { reason: 'an error at a resource skips its tenant', given: error({ address: 'acme/vm/a', file: 'zone.yaml' }), want: { skipped: ['acme'], fileOnly: 0, zoneWide: 0 } },
    { reason: 'an error in a tenant file skips its tenant', given: error({ file: 'baker.yaml' }), want: { skipped: ['baker-law'], fileOnly: 0, zoneWide: 0 } },
    { reason: 'an error in a file of two tenants skips both', given: error({ file: 'two.yaml' }), want: { skipped: ['t-a', 't-b'], fileOnly: 0, zoneWide: 0 } },
    { reason: 'an error in the zone file stops everything', given: error({ file: 'zone.yaml' }), want: { skipped: [], fileOnly: 0, zoneWide: 1 } },
    { reason: 'an error naming no file stops everything', given: error({}), want: { skipped: [], fileOnly: 0, zoneWide: 1 } },
    { reason: 'a duplicate in a file holding no tenant of its own is only reported', given: error({ file: 'dup.yaml' }), want: { skipped: [], fileOnly: 1, zoneWide: 0 } },
    { reason: 'a file that does not parse is only reported without --prune', given: error({ file: 'garbage.yaml' }), want: { skipped: [], fileOnly: 1, zoneWide: 0 } },
    { reason: 'with --prune it stops everything (its tenant would be destroyed as gone)', given: error({ file: 'garbage.yaml' }), prune: true, want: { skipped: [], fileOnly: 0, zoneWide: 1 } },
    { reason: 'a warning is no error', given: { severity: 'warning' as const, summary: 'w' }, want: { skipped: [], fileOnly: 0, zoneWide: 0 } },
  ])('$reason', ({ given, prune, want }) => {
    expect(triage(given, prune ?? false)).toEqual(want);
  });
});
