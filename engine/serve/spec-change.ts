/**
 * A console edit made for a caller: the tenant's spec file read, edited (specs/edit),
 * judged as the CLI judges specs, written, committed, and planned. The console never
 * bypasses the declarative source: what it changes is the YAML in the spec source, and
 * what happens next is a plan to approve.
 *
 * Rules every edit obeys:
 * - scope: a tenant the caller may not see does not exist for it (404); viewers read only;
 * - the form was made from one version of the file (its sha256); an edit of an older one
 *   is refused as `moved`, and edits of one file are made one at a time (EditQueue);
 * - nothing is written while the new text has an error: the problems come back, each
 *   next to its form field where the diagnostic's path says which;
 * - the edited file still holds the same documents, and the tenant the same name, zone
 *   and partner: an edit changes one tenant's spec and never another file;
 * - a working copy's edit is written atomically and committed to the checked-out branch,
 *   naming the actor; with `reviewBranchPrefix` it is committed to a new branch instead,
 *   the working copy untouched, and planned as an uploaded bundle would be — that plan is
 *   not approved here: merging the branch is the approval.
 */
import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { isMap, parseAllDocuments } from 'yaml';
import { applyEdit, describeEdit, fieldFor, type EditMade, type FieldProblem, type SpecEdit } from '../../specs/edit/index.js';
import { hasErrors, type Diagnostic } from '../../specs/diagnostic.js';
import type { SpecSet } from '../../specs/model.js';
import { readSpecFile } from '../../specs/read-spec-file.js';
import { PARSE_OPTIONS } from '../../specs/source.js';
import { documentHeads } from '../gitops/partner-change.js';
import { GitError } from '../gitops/git.js';
import { commitFileToBranch, commitFileToNewBranch, workTreeOf, type CommitAuthor } from '../gitops/spec-commit.js';
import { findPartner, partnerView } from '../partners/index.js';
import { UserError } from '../run/errors.js';
import { computePlan } from '../run/plan-run.js';
import { bundlePathProblem, planBundle } from './bundle.js';
import { requireWriter, seesTenant, tenantNotFound, type Caller } from './caller.js';
import type { ServeContext } from './context.js';
import { EditQueue } from './edit-queue.js';
import { createPlan, hidePaths, runPartnerOf, type MadePlan } from './plan-service.js';
import { apiDiagnostics, HttpProblem, type ApiDiagnostic } from './problem.js';
import { passwordProblem, placePassword, writePassword } from './vpn-password.js';

/**
 * An edit as a form sends it. A VPN user comes with the password's value, never with a
 * reference: where secrets are read from is the server's to say, not the caller's.
 */
export type ConsoleEdit =
  | Exclude<SpecEdit, { readonly kind: 'add-vpn-user' }>
  | { readonly kind: 'add-vpn-user'; readonly name: string; readonly password: string };

export interface SpecChangeRequest {
  readonly tenant: string;
  /** sha256 of the file's content the form was made from (EditableSpec.sha256). */
  readonly baseSha256: string;
  readonly edit: ConsoleEdit;
}

export type SpecChangeResult =
  | {
    readonly outcome: 'planned';
    readonly planId: string;
    /** The spec file, from the spec root. */
    readonly file: string;
    /** The file's content hash after the edit (in the working copy, or on the review branch). */
    readonly sha256: string;
    readonly commit?: string;
    readonly branch?: string;
    /** False for a review branch's plan: merging the branch is the approval. */
    readonly approvable: boolean;
    readonly note?: string;
  }
  | {
    readonly outcome: 'invalid';
    /** Each problem with its form field ('' for the form as a whole). */
    readonly problems: readonly FieldProblem[];
    /** Every diagnostic of the new text, as the CLI prints them. */
    readonly diagnostics: readonly ApiDiagnostic[];
  }
  | { readonly outcome: 'moved'; readonly message: string; readonly sha256: string };

/** A tenant's spec as a form is made from it. */
export interface EditableSpec {
  /** From the spec root. */
  readonly file: string;
  readonly text: string;
  readonly sha256: string;
}

const queues = new WeakMap<ServeContext, EditQueue>();
const queueOf = (ctx: ServeContext): EditQueue => {
  let queue = queues.get(ctx);
  if (!queue) queues.set(ctx, (queue = new EditQueue()));
  return queue;
};

/** The spec file of a tenant the caller may see, read now (not as last synced): what a form is made from. */
export function editableSpec(ctx: ServeContext, caller: Caller, tenant: string): EditableSpec {
  const file = specFileOf(ctx, caller, tenant);
  const { text, sha256 } = readTenantFile(ctx, file);
  return { file: relative(ctx.source.root, file), text, sha256 };
}

export async function changeSpec(ctx: ServeContext, caller: Caller, request: SpecChangeRequest): Promise<SpecChangeResult> {
  requireWriter(caller);
  if (ctx.draining()) throw new HttpProblem('draining', 'the server is shutting down: no new edits');
  const file = specFileOf(ctx, caller, request.tenant);
  return queueOf(ctx).run(file, () => changeLocked(ctx, caller, request, file));
}

/**
 * An edit of the file as it is now: for one-click actions made from no form of the text
 * (adopting an observed value from the drift view). Still one at a time with the others.
 */
export async function changeSpecAsIs(ctx: ServeContext, caller: Caller, tenant: string, edit: ConsoleEdit): Promise<SpecChangeResult> {
  const { sha256 } = editableSpec(ctx, caller, tenant);
  return changeSpec(ctx, caller, { tenant, baseSha256: sha256, edit });
}

/** The tenant's spec file: in scope, and a regular file inside the spec root (never a link out of it). */
function specFileOf(ctx: ServeContext, caller: Caller, tenant: string): string {
  const specs = ctx.source.specs();
  if (!seesTenant(caller, tenant, specs)) throw tenantNotFound(tenant);
  const loaded = specs.tenants.get(tenant);
  if (!loaded) throw new HttpProblem('not-found', `tenant ${tenant} has no spec to edit`);
  let inside = false;
  try {
    const root = realpathSync(ctx.source.root);
    inside = lstatSync(loaded.file).isFile() && realpathSync(loaded.file).startsWith(`${root}/`);
  } catch {
    inside = false;
  }
  if (!inside) throw new HttpProblem('refused', `the spec of tenant ${tenant} is not a plain file inside the spec source: it is not edited here`);
  return loaded.file;
}

function readTenantFile(ctx: ServeContext, file: string): { text: string; sha256: string } {
  const read = readSpecFile(file);
  if (read.problem) throw new HttpProblem('conflict', `the spec file ${relative(ctx.source.root, file)} cannot be read: ${read.problem.summary}`);
  return { text: read.bytes.toString('utf8'), sha256: sha256Of(read.bytes) };
}

const sha256Of = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

async function changeLocked(ctx: ServeContext, caller: Caller, request: SpecChangeRequest, file: string): Promise<SpecChangeResult> {
  const { tenant } = request;
  const shown = relative(ctx.source.root, file);
  const { text, sha256 } = readTenantFile(ctx, file);
  if (sha256 !== request.baseSha256) {
    return { outcome: 'moved', sha256, message: `${shown} changed since this form was shown (someone else edited tenant ${tenant}): look at it again and redo the change` };
  }
  const reviewPrefix = ctx.options.reviewBranchPrefix;
  const top = workTreeOf(dirname(file));
  // Review branches asked for and no repository to make them in: the working copy is not written behind the operator's back.
  if (reviewPrefix !== undefined && top === undefined) throw new HttpProblem('conflict', 'this server sends console edits to review branches, but its spec source is not a git working copy: nothing was changed');
  const review = reviewPrefix !== undefined;

  // A VPN user's password: the spec gets a reference, the store the value (after the checks).
  let edit: SpecEdit;
  let password: { readonly path: string; readonly value: string } | undefined;
  if (request.edit.kind === 'add-vpn-user') {
    const bad = passwordProblem(request.edit.password);
    if (bad) return invalid([bad]);
    const placed = placePassword({ specs: ctx.source.specs(), secretsDir: ctx.options.secretsDir, tenant, tenantFile: file, user: request.edit.name, inPlace: !review });
    if ('field' in placed) return invalid([placed]);
    edit = { kind: 'add-vpn-user', user: { name: request.edit.name, password: placed.ref } };
    password = { path: placed.path, value: request.edit.password };
  } else edit = request.edit;

  const made = applyEdit(text, tenant, edit);
  if (made.problems) return invalid(made.problems);
  const changed = identityChange(text, made.text, tenant);
  if (changed) throw new HttpProblem('refused', `the edit would ${changed}: refused`);

  const undoPassword = password ? writePassword(password.path, password.value) : undefined;
  try {
    const result = review
      ? await reviewBranchEdit(ctx, caller, { tenant, file, top: top!, prefix: reviewPrefix, made, edit })
      : await workingCopyEdit(ctx, caller, { tenant, file, top, made, edit, before: text });
    if (result.outcome !== 'planned') undoPassword?.();
    return result;
  } catch (error) {
    undoPassword?.();
    throw error;
  }
}

const invalid = (problems: readonly FieldProblem[], diagnostics: readonly ApiDiagnostic[] = []): SpecChangeResult => ({ outcome: 'invalid', problems, diagnostics });

/**
 * What an edit changed that no edit may (the belt: typed edits cannot do it): the
 * documents of the file, or the tenant's name, zone or partner. Undefined when nothing.
 */
function identityChange(before: string, after: string, tenant: string): string | undefined {
  const heads = (text: string): string => JSON.stringify(documentHeads(text).map((h) => [h.kind, h.name]));
  if (heads(before) !== heads(after)) return 'change which documents the file holds';
  const identity = (text: string): string => {
    const docs = parseAllDocuments(text, PARSE_OPTIONS);
    const doc = (Array.isArray(docs) ? docs : [docs]).find((d) => d.get('kind') === 'Tenant' && d.getIn(['metadata', 'name']) === tenant);
    const metadata = doc?.get('metadata', true);
    return JSON.stringify([doc?.getIn(['spec', 'zone']), isMap(metadata) ? metadata.get('partner') : undefined]);
  };
  if (identity(before) !== identity(after)) return `move tenant ${tenant} to another zone or partner`;
  return undefined;
}

/** Diagnostics of the new text as form problems: errors only, each at the field its path names. */
function formProblems(diagnostics: readonly Diagnostic[], made: EditMade, inFile: (d: Diagnostic) => boolean): FieldProblem[] {
  return diagnostics
    .filter((d) => d.severity === 'error')
    .map((d) => ({ field: inFile(d) && d.doc === made.doc ? fieldFor(made, d.path) : '', message: d.summary }));
}

interface EditInput {
  readonly tenant: string;
  readonly file: string;
  readonly made: EditMade;
  readonly edit: SpecEdit;
}

/** The working copy's edit: judged with the other specs as they are, written, committed, planned. */
async function workingCopyEdit(ctx: ServeContext, caller: Caller, input: EditInput & { readonly top: string | undefined; readonly before: string }): Promise<SpecChangeResult> {
  const { tenant, file, made, edit } = input;
  const root = ctx.source.root;
  const preview = ctx.source.specsWith(file, made.text);
  // The file's own load errors first: a document that does not load is no tenant to plan.
  const own = preview.diagnostics.filter((d) => d.file === file);
  const judged = hasErrors(own) ? { diagnostics: own } : await judge(ctx, caller, preview, tenant);
  if ('message' in judged) return invalid([{ field: '', message: judged.message }]);
  if (hasErrors(judged.diagnostics)) {
    const shownDiagnostics = apiDiagnostics(judged.diagnostics, root).map((d) => (d.file !== undefined ? { ...d, file: hidePaths(d.file, [root]) } : d));
    return invalid(formProblems(judged.diagnostics, made, (d) => d.file === file), shownDiagnostics);
  }

  writeAtomically(file, made.text);
  let commit: string | undefined;
  if (input.top !== undefined) {
    try {
      commit = commitFileToBranch(input.top, relative(input.top, file), commitMessage(caller, tenant, edit), authorOf(caller));
    } catch (error) {
      // The repository is the truth: an edit it did not take is taken back.
      writeAtomically(file, input.before);
      if (error instanceof GitError) throw new HttpProblem('conflict', `the edit could not be committed, so it was taken back: ${error.message}`);
      throw error;
    }
  }
  ctx.source.sync();
  const plan = await createPlan(ctx, caller, { tenants: [tenant] });
  auditEdit(ctx, caller, tenant, edit, plan, commit !== undefined ? `commit ${commit.slice(0, 12)}` : 'no git working copy');
  return {
    outcome: 'planned', planId: plan.record.id, file: relative(root, file), sha256: sha256Of(made.text), approvable: true,
    ...(commit !== undefined ? { commit } : {}),
  };
}

/** The review branch's edit: planned as an uploaded bundle of the file, then committed to a new branch. */
async function reviewBranchEdit(ctx: ServeContext, caller: Caller, input: EditInput & { readonly top: string; readonly prefix: string }): Promise<SpecChangeResult> {
  const { tenant, file, made, edit } = input;
  const rel = relative(ctx.source.root, file);
  const bundlePath = bundlePathProblem(rel) === undefined ? rel : `${tenant}.yaml`;
  const branch = `${input.prefix}/${tenant}-${randomBytes(4).toString('hex')}`;
  let plan: MadePlan;
  try {
    plan = await planBundle(ctx, caller, { tenants: [tenant], reviewBranch: branch }, [{ path: bundlePath, content: made.text }]);
  } catch (error) {
    if (error instanceof HttpProblem && error.kind === 'invalid-specs') {
      const diagnostics = error.extra.diagnostics ?? [];
      return invalid(
        diagnostics.filter((d) => d.severity === 'error').map((d) => ({
          field: d.file === bundlePath && d.path !== undefined ? fieldFor(made, d.path.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p))) : '',
          message: d.summary,
        })),
        diagnostics,
      );
    }
    throw error;
  }
  let commit: string;
  try {
    commit = commitFileToNewBranch(input.top, branch, relative(input.top, file), made.text, commitMessage(caller, tenant, edit), authorOf(caller));
  } catch (error) {
    ctx.store.setPlanStatus(plan.record.id, ['planned'], 'discarded', { actor: caller.tokenId, at: ctx.now() });
    if (error instanceof GitError) throw new HttpProblem('conflict', `the review branch could not be made: ${error.message}`);
    throw error;
  }
  auditEdit(ctx, caller, tenant, edit, plan, `branch ${branch}, commit ${commit.slice(0, 12)}`);
  return {
    outcome: 'planned', planId: plan.record.id, file: rel, sha256: sha256Of(made.text), commit, branch, approvable: false,
    note: `the edit is on branch ${branch} for review: merging it is the approval, and the server plans it again from the merged specs; this plan shows what the merge would do`,
  };
}

/**
 * The new text judged as a plan of this tenant judges it, for the partner the caller's
 * runs act as: load, expand, allocate, verify, partner rules and quotas. Nothing is kept.
 */
async function judge(ctx: ServeContext, caller: Caller, preview: SpecSet, tenant: string): Promise<{ readonly diagnostics: readonly Diagnostic[] } | { readonly message: string }> {
  const partner = runPartnerOf(caller, ctx.source.specs());
  let specs = preview;
  if (partner !== undefined) {
    const found = findPartner(preview, partner);
    if (!found.partner) return { message: `partner ${partner} is not in the Partners document: this token can change nothing` };
    specs = partnerView(preview, found.partner);
  }
  const context = ctx.settled.context(preview);
  try {
    const computed = await computePlan([ctx.source.root], {
      state: ctx.options.statePath,
      partner: partner ?? '',
      tenant: [tenant],
      out: 'console-edit',
      openState: () => ({ ...ctx.store, close: () => undefined }),
      ...(context ? { context } : {}),
    }, false, specs);
    computed.state.close();
    return { diagnostics: computed.plan.diagnostics };
  } catch (error) {
    if (error instanceof UserError) return { message: hidePaths(error.message, [ctx.source.root]) };
    throw error;
  }
}

/** A reader sees the old file or the new one, never half; the file keeps its mode. */
function writeAtomically(file: string, text: string): void {
  const mode = lstatSync(file).mode & 0o777;
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  writeFileSync(tmp, text, { mode, flag: 'wx' });
  renameSync(tmp, file);
}

/** The token that made the edit, as git names an author (the token's id; never its secret). */
function authorOf(caller: Caller): CommitAuthor {
  return { name: `netfirst console (${caller.role} token ${caller.tokenId})`, email: `${caller.tokenId}@tokens.netfirst.invalid` };
}

function commitMessage(caller: Caller, tenant: string, edit: SpecEdit): string {
  const scope = caller.partner !== undefined ? ` of partner ${caller.partner}` : caller.tenant !== undefined ? ` of tenant ${caller.tenant}` : '';
  return `${tenant}: ${describeEdit(edit)}\n\nMade in the netfirst console by ${caller.role} token ${caller.tokenId}${scope}.\n`;
}

function auditEdit(ctx: ServeContext, caller: Caller, tenant: string, edit: SpecEdit, plan: MadePlan, where: string): void {
  ctx.audit(caller, { action: 'spec.edit', target: tenant, planId: plan.record.id, result: 'ok', detail: `${describeEdit(edit)} (${where})` });
}
