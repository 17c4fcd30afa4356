/**
 * A partner's run with `--changed-since REV`: the spec set it plans is the working
 * tree's tenants with the operator's documents (Partners, Zones) as they were at the
 * merge base of REV and HEAD, plus a refusal at every changed file the partner may not
 * write (partner-change.ts). Reads git and the file system; the rules are pure.
 */
import { lstatSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import type { Diagnostic } from '../../specs/diagnostic.js';
import type { SpecSet } from '../../specs/model.js';
import { findPartner, ownsTenant, type Partner } from '../partners/ownership.js';
import { isOperatorFileName } from '../../specs/load.js';
import { operatorDocsAt } from './base-specs.js';
import { realOrSelf, readSpecText } from './working-tree.js';
import { changedFiles, fileAt, mergeBase, repositoryRoot, resolveCommit } from './git.js';
import { documentHeads, judgePartnerChange, type PartnerChangedFile } from './partner-change.js';

export interface PartnerChangeView {
  /** The specs the run plans: working-tree tenants, base operator documents, and the refusals. */
  readonly specs: SpecSet;
  /** The merge base the operator documents were read from. */
  readonly base: string;
}

/** Throws GitError when git cannot answer (the caller makes it a user error). */
export function partnerChangeView(specs: SpecSet, paths: readonly string[], rev: string, partnerName: string, cwd = process.cwd()): PartnerChangeView {
  const top = repositoryRoot(cwd);
  const base = mergeBase(top, resolveCommit(top, rev), rev);
  const roots = (paths.length > 0 ? paths : ['.']).map((p) => realOrSelf(resolve(cwd, p)));
  const baseDocs = operatorDocsAt(top, base, paths, cwd);

  // The working tree's operator files are not used in a partner's run: only the base's.
  const isOperatorFile = (file: string): boolean => {
    const abs = realOrSelf(resolve(cwd, file));
    return isOperatorFileName(abs.slice(abs.lastIndexOf(sep) + 1)) && roots.some((r) => r === abs || r === dirname(abs));
  };
  const diagnostics: Diagnostic[] = [...specs.diagnostics.filter((d) => d.file === undefined || !isOperatorFile(d.file)), ...baseDocs.diagnostics];
  const view: SpecSet = {
    zones: baseDocs.zones,
    tenants: specs.tenants,
    partners: baseDocs.partners,
    files: specs.files,
    diagnostics,
    locate: (file, doc, path) => (baseDocs.sources.has(file) ? baseDocs.sources.get(file)!.locate(doc, path) : specs.locate(file, doc, path)),
  };
  const found = findPartner(view, partnerName);
  if (!found.partner) return { specs: { ...view, diagnostics: [...diagnostics, ...found.diagnostics.map((d) => ({ ...d, summary: `${d.summary} (at the merge base ${base.slice(0, 12)})` }))] }, base };

  const files = changedSpecFiles(top, base, roots, realOrSelf(cwd));
  const refusals = judgePartnerChange({
    partner: partnerName,
    owns: (tenant) => ownsTenant(found.partner, tenant),
    secretDirs: secretDirsOf(found.partner, top, cwd),
    files,
  });
  return { specs: { ...view, diagnostics: [...diagnostics, ...refusals] }, base };
}

/** Every file changed since `base` under the spec roots, with what ownership needs of it. */
function changedSpecFiles(top: string, base: string, roots: readonly string[], cwd: string): PartnerChangedFile[] {
  const out: PartnerChangedFile[] = [];
  for (const { path: repoPath, status } of changedFiles(top, base)) {
    const abs = join(top, ...repoPath.split('/'));
    const root = roots.find((r) => abs === r || abs.startsWith(r.endsWith(sep) ? r : `${r}${sep}`));
    if (root === undefined) continue;
    const below = relative(root, abs);
    const spec = (extname(abs) === '.yaml' || extname(abs) === '.yml') && !below.split(sep).some((part) => part.startsWith('.'));
    let symlink = false;
    try {
      symlink = status !== 'deleted' && lstatSync(abs).isSymbolicLink();
    } catch {
      symlink = false;
    }
    const before = spec && status !== 'added' ? documentHeads(fileAt(top, base, repoPath) ?? '') : [];
    const after = spec && status !== 'deleted' && !symlink ? documentHeads(readSpecText(abs)) : [];
    const file = relative(cwd, abs) || abs;
    out.push({ file, repoPath, status, symlink, spec, before, after });
  }
  return out;
}

/** The partner's secret directories relative to the repository root (as the Partners file names them, relative to it). */
function secretDirsOf(partner: Partner, top: string, cwd: string): string[] {
  const partnersDir = dirname(resolve(cwd, partner.file));
  return (partner.spec.secrets?.files ?? []).flatMap((d) => {
    const abs = isAbsolute(d) ? d : resolve(partnersDir, d);
    const rel = relative(top, abs);
    return rel.startsWith('..') || isAbsolute(rel) ? [] : [posix.normalize(rel.split(sep).join('/')).replace(/\/+$/, '')];
  });
}


