/**
 * The graph module: a Dag of named nodes (graphlib underneath), cycle reports, the
 * critical path, and a walk with bounded parallelism that skips dependents of failures.
 */
export { Dag } from './dag.js';
export { walkDag, type NodeOutcome, type WalkOptions } from './walk.js';
