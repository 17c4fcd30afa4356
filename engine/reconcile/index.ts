/**
 * Continuous reconciliation (`netfirst reconcile`, `netfirst status`): a level-based
 * loop whose rounds re-derive everything, judge each tenant Synced | OutOfSync |
 * Drifted | Error, heal what the policy allows and record the verdicts in state.
 */
export { attributeErrors, tenantOfAddress, type Attribution, type Declarations } from './attribute.js';
export { selectCorrections, type Corrections, type HealPolicy } from './corrections.js';
export { declaredIn } from './declared-in.js';
export { pauseUnlessAborted, reconcileLoop, type LoopOptions } from './loop.js';
export { NO_ACTION, nextRecord, type TenantAction } from './record.js';
export { recordToJson, renderRoundLine, renderStatusTable, STATUS_FORMAT, type UnreconciledTenant } from './render.js';
export { runRound, type RoundEnv, type RoundOptions, type RoundResult } from './round.js';
export { tryStateLock } from './state-lock.js';
export { statusDocument, type StatusDocument } from './status-document.js';
export { causeOf, describeChanges, describeDrift, judgeTenant, type ChangeCause, type TenantFindings, type TenantVerdict } from './verdict.js';
