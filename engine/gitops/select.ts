/**
 * `plan --changed-since REV`: which tenants to plan, from what git says changed since
 * the merge base of REV and HEAD, up to the working tree (uncommitted and untracked
 * files included, as an operator trying a change locally expects). The git questions
 * are in git.ts, the rules in changed.ts; this file reads files and state to feed them.
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { SpecSet } from '../../specs/model.js';
import type { TenantDoc } from '../../specs/schema.js';
import type { RecordedResource } from '../../specs/model/resource.js';
import { networkAddress, publicIpAddress, vmAddress } from '../plan/expand.js';
import { secretFileRefs, summarizeSpecText, tenantsForChanges, type ChangedFile, type FileStatus, type SelectedTenant, type TenantFacts } from './changed.js';
import { realOrSelf, readSpecText } from './working-tree.js';
import { changedFiles, fileAt, mergeBase, repositoryRoot, resolveCommit } from './git.js';

/** What `--changed-since` selected and why: shown with `--json` and in the markdown comment. */
export interface ChangedSelection {
  /** The revision as given. */
  readonly rev: string;
  /** The merge base of `rev` and HEAD the working tree was compared with. */
  readonly base: string;
  /** Changed files that matter to the specs (spec files and referenced secret files), relative to the repository root. */
  readonly files: readonly { readonly path: string; readonly status: FileStatus }[];
  readonly tenants: readonly SelectedTenant[];
}

export interface SelectInput {
  readonly rev: string;
  /** The spec paths of the run (default `.`). */
  readonly paths: readonly string[];
  readonly specs: SpecSet;
  readonly recorded: Iterable<RecordedResource>;
  readonly cwd?: string;
  /** Tenants the reasons may name (a partner's run names only its own); default all. */
  readonly visible?: (tenant: string) => boolean;
}

/** Throws GitError (with a message for users) when git cannot answer. */
export function selectChangedTenants(input: SelectInput): ChangedSelection {
  const cwd = input.cwd ?? process.cwd();
  const top = repositoryRoot(cwd);
  const commit = resolveCommit(top, input.rev);
  const base = mergeBase(top, commit, input.rev);
  const inRepo = repoPathOf(top);

  const recordedAddresses = new Set<string>();
  const recordedTenants = new Set<string>();
  for (const r of input.recorded) {
    recordedAddresses.add(r.address);
    recordedTenants.add(r.tenant);
  }
  const tenants: TenantFacts[] = [...input.specs.tenants].map(([name, t]) => ({
    name,
    zone: t.value.spec.zone,
    ...(t.value.metadata.partner !== undefined ? { partner: t.value.metadata.partner } : {}),
    secretFiles: secretFileRefs(t.value.spec)
      .map((f) => inRepo(isAbsolute(f) ? f : join(dirname(resolve(t.file)), f)))
      .filter((f): f is string => f !== undefined),
    unallocated: hasUnrecordedItems(name, t.value.spec, recordedAddresses),
  }));

  const specFiles = new Set(input.specs.files.map((f) => inRepo(resolve(f.file))).filter((f): f is string => f !== undefined));
  const roots = (input.paths.length > 0 ? input.paths : ['.']).map((p) => inRepo(resolve(cwd, p))).filter((p): p is string => p !== undefined);
  const underRoots = (path: string): boolean => roots.some((r) => r === '' || path === r || path.startsWith(`${r}/`));
  const secretFiles = new Set(tenants.flatMap((t) => t.secretFiles));

  const files: ChangedFile[] = [];
  for (const { path, status } of changedFiles(top, base)) {
    const isYaml = (extname(path) === '.yaml' || extname(path) === '.yml') && !path.split('/').some((part) => part.startsWith('.'));
    const isSpec = specFiles.has(path) || (isYaml && underRoots(path));
    if (isSpec) {
      const before = status === 'added' ? [] : summarizeSpecText(fileAt(top, base, path) ?? '');
      const after = status === 'deleted' ? [] : summarizeSpecText(readSpecText(join(top, path)));
      if (before.length > 0 || after.length > 0) files.push({ path, status, before, after });
    } else if (secretFiles.has(path)) {
      files.push({ path, status, before: [], after: [] });
    }
  }
  return {
    rev: input.rev,
    base,
    files: files.map((f) => ({ path: f.path, status: f.status })),
    tenants: tenantsForChanges({ files, tenants, recordedTenants, ...(input.visible ? { visible: input.visible } : {}) }),
  };
}

/** Whether some item that takes pool values (network, public IP, VM, disk) has no recorded resource yet. */
function hasUnrecordedItems(tenant: string, spec: TenantDoc['spec'], recorded: ReadonlySet<string>): boolean {
  const known = (address: string, previously: string | undefined): boolean => recorded.has(address) || (previously !== undefined && recorded.has(previously));
  for (const n of spec.networks ?? []) if (!known(networkAddress(tenant, n.name), n.previously && networkAddress(tenant, n.previously))) return true;
  for (const ip of spec.publicIps ?? []) if (!known(publicIpAddress(tenant, ip.name), ip.previously && publicIpAddress(tenant, ip.previously))) return true;
  for (const vm of spec.vms ?? []) {
    const address = vmAddress(tenant, vm.name);
    if (!known(address, vm.previously && vmAddress(tenant, vm.previously))) return true;
    for (const d of vm.disks ?? []) if (!recorded.has(`${address}/disk/${d.name}`) && !(d.previously && recorded.has(`${address}/disk/${d.previously}`))) return true;
  }
  return false;
}

/** Path relative to the repository root (`/`-separated), or undefined outside it. Symbolic links (a tmpdir) are resolved first. */
function repoPathOf(top: string): (abs: string) => string | undefined {
  const realTop = realOrSelf(top);
  return (abs) => {
    let real: string;
    try {
      real = realpathSync(abs);
    } catch {
      real = join(realOrSelf(dirname(abs)), basename(abs));
    }
    const rel = relative(realTop, real);
    if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
    return rel.split(sep).join('/');
  };
}


