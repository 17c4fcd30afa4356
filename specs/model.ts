/**
 * The loaded spec model: every valid document of every file, keyed by name, with the
 * diagnostics of those that were not valid. Produced by `loadSpecs`, consumed by the
 * engine. `locate` turns a document path back into a line and column for diagnostics
 * raised after loading (verify), re-reading a file only when needed.
 */
import type { Diagnostic } from './diagnostic.js';
import type { PartnersDoc, TenantDoc, ZoneDoc } from './schema.js';

export interface Loaded<T> {
  readonly file: string;
  readonly doc: number;
  readonly value: T;
}

export interface SpecSet {
  readonly zones: ReadonlyMap<string, Loaded<ZoneDoc>>;
  readonly tenants: ReadonlyMap<string, Loaded<TenantDoc>>;
  readonly partners: readonly Loaded<PartnersDoc>[];
  /** Every file read, with the sha256 of its content (plans record a hash of these). */
  readonly files: readonly { readonly file: string; readonly sha256: string }[];
  readonly diagnostics: readonly Diagnostic[];
  /**
   * Line and column (1-based) of a path inside a document. A path the YAML does not
   * spell out (a defaulted field) gives its nearest ancestor that it does; an unknown
   * file or document gives undefined. Files served from the load cache are re-parsed
   * on the first call.
   */
  locate(file: string, doc: number, path: readonly (string | number)[]): { line: number; column: number } | undefined;
}
