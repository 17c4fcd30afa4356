/**
 * GitOps: what `plan --changed-since REV` plans — the changed files git reports, mapped
 * to the tenants they touch (changed.ts, pure), asked of git with argument arrays (git.ts).
 */
export { tenantsForChanges, summarizeSpecText, type ChangedFile, type SelectedTenant, type TenantFacts } from './changed.js';
export { GitError } from './git.js';
export { selectChangedTenants, type ChangedSelection } from './select.js';
