/**
 * specs/model: the words every layer shares — resources and their addresses and
 * attributes (resource.ts, attributes.ts, attribute-values.ts, attribute-defaults.ts),
 * how references follow a move (follow-addresses.ts), IPv4 math and integer ranges
 * (net/), and the end of an exhaustive switch (never.ts). It imports nothing else of the
 * project; engine, state, providers and the rest of specs import it.
 */
export * from './resource.js';
export * from './attributes.js';
export * from './attribute-values.js';
export * from './attribute-defaults.js';
export * from './follow-addresses.js';
export * from './net/index.js';
export { assertNever } from './never.js';
