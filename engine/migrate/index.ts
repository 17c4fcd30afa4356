/**
 * The import pipeline without I/O: files of one or more kinds → each importer's facts
 * → one merged result → a drafted tenant → its YAML and secrets file. The CLI reads the
 * files and writes what this returns; tests call it with corpus files.
 *
 * Work is bounded by the input (limits.ts): no importer recurses per line or element,
 * spreads a list built from input into a call's arguments (`push(...xs)` overflows the
 * stack at some hundred thousand items), or compares every fact with every other.
 */
import type { ZoneDoc } from '../../specs/schema.js';
import { importCisco } from './cisco.js';
import { draftTenant, mergeResults, type DraftOptions, type TenantDraft } from './draft.js';
import { secretsEnv, tenantYaml } from './emit.js';
import { importLibvirt } from './libvirt.js';
import { checkImportLimits } from './limits.js';
import type { ImportResult } from './model.js';
import { importRvtools } from './rvtools.js';

export type ImportKind = 'cisco' | 'rvtools' | 'libvirt';
export const IMPORT_KINDS: readonly ImportKind[] = ['cisco', 'rvtools', 'libvirt'];

export interface SourceFileText {
  readonly path: string;
  readonly text: string;
}

export const IMPORTERS: { readonly [K in ImportKind]: (files: readonly SourceFileText[]) => ImportResult } = {
  cisco: importCisco,
  rvtools: importRvtools,
  libvirt: importLibvirt,
};

export interface ImportOutput {
  readonly result: ImportResult;
  readonly draft: TenantDraft;
  readonly yaml: string;
  /** The `*.secrets.env` text, when the spec references secrets. */
  readonly secrets?: string;
}

/**
 * Runs the importers over their files (throwing `UnsupportedFormat` for a file of the
 * wrong kind, `ImportTooLarge` past IMPORT_LIMITS) and drafts one tenant from
 * everything they found.
 */
export function importTenant(
  groups: readonly { readonly kind: ImportKind; readonly files: readonly SourceFileText[] }[],
  options: Omit<DraftOptions, 'zone'> & { readonly zone: ZoneDoc; readonly command: string },
): ImportOutput {
  const results = groups.filter((g) => g.files.length > 0).map((g) => {
    const r = IMPORTERS[g.kind](g.files);
    checkImportLimits(r);
    return r;
  });
  const result = mergeResults(results);
  checkImportLimits(result);
  const draft = draftTenant(result, options);
  const yaml = tenantYaml(draft, groups.flatMap((g) => g.files.map((f) => f.path)), options.command);
  return { result, draft, yaml, ...(draft.secrets.length > 0 ? { secrets: secretsEnv(draft) } : {}) };
}
