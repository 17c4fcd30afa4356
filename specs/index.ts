/**
 * The spec language: zod schemas of Zone, Tenant and Partners documents, YAML loading
 * with source positions and a content-hash cache, diagnostics, the JSON Schema for
 * editors, and the "did you mean" used for names.
 */
export { loadSpecs, type LoadOptions } from './load.js';
export type { Loaded, SpecSet } from './model.js';
export { formatDiagnostic, formatPath, hasErrors, type Diagnostic, type Severity } from './diagnostic.js';
export { specJsonSchema } from './jsonschema.js';
export { didYouMean } from './suggest.js';
export { SPEC_CACHE_VERSION } from './cache.js';
export * from './schema.js';
export { formatSize, parseDuration, parseSize } from './units.js';
