/**
 * The sim provider: a simulated zone (pools, clusters, storage tiers, templates) whose
 * world lives in its own SQLite file, with async latency and deterministic failure
 * injection. The default provider, so netfirst works end to end on a fresh machine.
 */
export { createSimProvider, SIM_RESOURCE_TYPES, type SimProviderOptions } from './provider.js';
export { mulberry32 } from './failures.js';
export type { ZoneSpecOutput } from './zone-model.js';
