/**
 * Bounds on what the loader accepts, so that a hostile or broken spec file costs
 * bounded time and memory and ends in a diagnostic, never a hang or a crash. Each is
 * far above what a real spec needs (README, "Spec language", lists them).
 */

/** Largest spec file read: a tenant of a thousand VMs is about 200 KiB. */
export const MAX_SPEC_FILE_BYTES = 4 * 2 ** 20;

/** Deepest nesting of maps and lists in a document (real specs nest about 7 levels). */
export const MAX_NESTING_DEPTH = 64;

/**
 * Most values that YAML aliases may add to a document when expanded: a few aliases
 * of a shared block are fine, a "billion laughs" document is refused at the alias
 * that crosses the bound. (The loader never calls yaml's `toJS`, whose own bound,
 * `maxAliasCount`, allows any number of aliases of a block without aliases and costs
 * a walk of the document per alias.)
 */
export const MAX_ALIAS_EXPANSION = 100_000;

/** Most YAML documents in one file (a tenant is one; 4 MiB holds about 800 real ones). */
export const MAX_DOCUMENTS_PER_FILE = 10_000;

/** Most diagnostics reported for one file; the rest are counted in one last line. */
export const MAX_DIAGNOSTICS_PER_FILE = 100;

/** `12.3 MiB`, for the size limit's diagnostic. */
export function formatMiB(bytes: number): string {
  const mib = bytes / 2 ** 20;
  return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`;
}
