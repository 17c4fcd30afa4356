/**
 * Runs, shared by every face (the CLI, the HTTP API): lock → refresh → plan → recover →
 * execute, and the run's edge to the world (workspace, partner scope, secrets, saved
 * plans). Nothing here prints or asks; refusals are UserErrors, results are data.
 */
export { UserError } from './errors.js';
export { computePlan, loadCheckedSpecs, runTenants, type CheckedSpecs, type ComputedPlan, type PlanRunOptions } from './plan-run.js';
export {
  executeRun, prepareApply, recoverInterrupted, rewriteLegacyDigests, summarizeDone,
  type ApplyRunOptions, type ExecuteRunInput, type ExecuteRunOptions, type ExecutedRun, type PreparedApply, type RecoveryReport,
} from './apply-run.js';
export { holdingRunLocks, takeRunLocks, type RunLocks } from './run-locks.js';
export { lockCommandLine, parseLockTimeout, withStateLock } from './lock.js';
export { openWorkspaceState, statePath, type GlobalOptions } from './workspace.js';
export { partnerName, runPartner, type PartnerOptions } from './partner.js';
