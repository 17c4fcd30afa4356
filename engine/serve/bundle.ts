/**
 * A spec bundle uploaded with a plan: the files of a pull request's branch, planned with
 * the server's own Zone and Partners documents in place of the server's copies of the
 * same tenants. Everything in it is the caller's input, so it is judged before anything
 * reads it as specs: paths must be plain relative YAML paths (no `..`, no absolute or
 * hidden parts, no operator file names), every document must be a Tenant the caller may
 * change, and for a partner or tenant token its secrets come only from that partner's
 * secret store on the server. It is kept (privately) with the plan, so applying the plan
 * reads exactly what was planned.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import type { ApiPlanRecord } from '../../state/index.js';
import { dirname, join, posix } from 'node:path';
import { loadSpecs } from '../../specs/load.js';
import type { SpecSet } from '../../specs/model.js';
import { documentHeads } from '../gitops/partner-change.js';
import { seesTenant, requireWriter, type Caller } from './caller.js';
import type { ServeContext } from './context.js';
import { createPlan, runPartnerOf, serverDir, type MadePlan, type PlanRequest } from './plan-service.js';
import { apiDiagnostics, HttpProblem } from './problem.js';
import { hasErrors } from '../../specs/diagnostic.js';

export interface BundleFile {
  readonly path: string;
  readonly content: string;
}

/** Undecided plans of uploaded specs one token may keep (each holds its bundle on the server's disk). */
export const MAX_UNDECIDED_BUNDLES = 20;

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/;
const OPERATOR_NAME = /^(partners|zone[^/]*)\.ya?ml$/i;

/** Why `path` may not be a bundle file, or undefined. */
export function bundlePathProblem(path: string): string | undefined {
  if (path.includes('\\') || path.includes('\0')) return 'must use / and hold no backslash or NUL';
  if (path.startsWith('/')) return 'must be relative';
  const parts = path.split('/');
  if (parts.length > 8) return 'is nested too deep (at most 8 parts)';
  for (const part of parts) if (!SEGMENT.test(part)) return `has a part "${part.slice(0, 40)}" that is not a plain name (letters, digits, . _ -; no leading dot; no ..)`;
  if (posix.normalize(path) !== path) return 'is not in normal form';
  if (!/\.ya?ml$/i.test(path)) return 'is not a .yaml or .yml file';
  if (OPERATOR_NAME.test(parts.at(-1)!)) return "is named as the operator's Zone and Partners files are: those are never uploaded";
  return undefined;
}

/** Where a plan's bundle is kept until the plan is applied or discarded. */
export const bundleDir = (statePath: string, id: string): string => join(serverDir(statePath), 'bundles', id);

export async function planBundle(ctx: ServeContext, caller: Caller, request: PlanRequest, files: readonly BundleFile[]): Promise<MadePlan> {
  requireWriter(caller);
  const source = ctx.source.specs();
  const errors: { field: string; message: string }[] = [];
  const seen = new Set<string>();
  files.forEach((f, i) => {
    const problem = bundlePathProblem(f.path);
    if (problem) errors.push({ field: `bundle.files.${i}.path`, message: `${f.path.slice(0, 200)} ${problem}` });
    else if (seen.has(f.path.toLowerCase())) errors.push({ field: `bundle.files.${i}.path`, message: `${f.path} is in the bundle twice` });
    seen.add(f.path.toLowerCase());
  });
  if (errors.length > 0) throw new HttpProblem('bad-request', `the bundle is not valid: ${errors.map((e) => e.message).join('; ')}`, { errors });

  // Every document a Tenant the caller may change — judged from the text, before loading.
  const tenants = new Set<string>();
  const refusals: { field: string; message: string }[] = [];
  files.forEach((f, i) => {
    for (const head of documentHeads(f.content)) {
      if (head.kind !== 'Tenant') refusals.push({ field: `bundle.files.${i}`, message: `${f.path}:${head.line}: a ${head.kind ?? 'document without a kind'} may not be uploaded: only Tenant documents (the Zone and Partners documents are the operator's)` });
      else if (head.name === undefined || !seesTenant(caller, head.name, source)) refusals.push({ field: `bundle.files.${i}`, message: `${f.path}:${head.line}: tenant ${head.name ?? '(no name)'} is not one this token may change` });
      else tenants.add(head.name);
    }
  });
  if (refusals.length > 0) throw new HttpProblem('refused', `the bundle holds what this token may not change: ${refusals.map((r) => r.message).join('; ')}`, { errors: refusals });
  if (tenants.size === 0) throw new HttpProblem('bad-request', 'the bundle holds no Tenant document', { errors: [{ field: 'bundle.files', message: 'no Tenant document' }] });
  for (const t of request.tenants ?? []) if (!tenants.has(t) && !seesTenant(caller, t, source)) throw new HttpProblem('not-found', `tenant ${t} was not found`);

  // Kept bundles take disk until their plan is decided: a token may keep only so many.
  const undecided = ctx.store.listPlans({ limit: MAX_UNDECIDED_BUNDLES + 50, status: 'planned' })
    .filter((p) => p.createdBy === caller.tokenId && (JSON.parse(p.request) as { bundle?: unknown }).bundle !== undefined).length;
  if (undecided >= MAX_UNDECIDED_BUNDLES) {
    throw new HttpProblem('conflict', `this token has ${undecided} undecided plans of uploaded specs: approve and apply, or discard, some of them first (POST /api/v1/plans/{id}/discard)`);
  }
  const id = randomUUID();
  const root = bundleDir(ctx.options.statePath, id);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  let made: MadePlan | undefined;
  try {
    for (const f of files) {
      const path = join(root, f.path);
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      writeFileSync(path, f.content, { mode: 0o600, flag: 'wx' });
    }
    // The server's specs with the bundle's tenants in place of the server's copies of them:
    // the Zone and Partners documents, and every other tenant as allocation sees it. Each
    // server file by its own path (operator files only count where given so); a file that
    // held one of the bundle's tenants is left out.
    const replaced = new Set([...tenants].map((t) => source.tenants.get(t)?.file).filter((f): f is string => f !== undefined));
    // (A file removed since the last sync is left out too: the bundle is planned with what is there.)
    const paths = [root, ...source.files.map((f) => f.file).filter((f) => !replaced.has(f) && existsSync(f)).sort()];
    const specs: SpecSet = loadSpecs(paths, { cacheDir: join(dirname(ctx.options.statePath), 'cache') });
    // The bundle's own problems are the caller's to fix: all of them, as the CLI prints them.
    const own = specs.diagnostics.filter((d) => d.file !== undefined && d.file.startsWith(`${root}/`));
    if (hasErrors(own)) {
      const n = own.filter((d) => d.severity === 'error').length;
      throw new HttpProblem('invalid-specs', `${n} error${n === 1 ? '' : 's'} in the uploaded specs: nothing was planned`, { diagnostics: apiDiagnostics(own, root) });
    }
    // Belt and braces: what loaded from the bundle is exactly the Tenants judged above.
    const inBundle = (file: string): boolean => file.startsWith(`${root}/`);
    const smuggled = [...specs.zones.values(), ...specs.partners].filter((d) => inBundle(d.file)).length
      + [...specs.tenants.values()].filter((t) => inBundle(t.file) && !tenants.has(t.value.metadata.name)).length;
    if (smuggled > 0) throw new HttpProblem('refused', 'the bundle holds documents that are not Tenants this token may change');
    const asked = request.tenants && request.tenants.length > 0 ? request.tenants : [...tenants].sort();
    made = await createPlan(ctx, caller, { ...request, tenants: asked }, { specs, paths, root, secretStore: secretStoreFor(ctx, caller) });
    return made;
  } finally {
    if (!made) rmSync(root, { recursive: true, force: true });
  }
}

/**
 * The only place an uploaded spec's secrets may come from: the run partner's store on
 * the server (DIR/<partner>), `{ file }` references resolved inside it, no `{ env }` at
 * all. The operator's uploads are the operator's: no store.
 */
export function secretStoreFor(ctx: ServeContext, caller: Caller): string | undefined {
  if (caller.role === 'operator') return undefined;
  const partner = runPartnerOf(caller, ctx.source.specs());
  const base = ctx.options.secretsDir ?? join(serverDir(ctx.options.statePath), 'no-secret-store');
  return join(base, partner ?? `tenant-${caller.tenant ?? 'none'}`);
}

/** An applied plan's bundle is kept no longer: what was applied is in state and in the audit log. */
export function removeBundle(plan: ApiPlanRecord): void {
  const asked = JSON.parse(plan.request) as { bundle?: { root?: string } };
  if (asked.bundle?.root !== undefined) rmSync(asked.bundle.root, { recursive: true, force: true });
}
