/**
 * `netfirst import provider ZONE`: adopt what a zone's provider runs but state does not
 * record. Tenants with a spec in the given paths are adopted against that spec; for the
 * others a spec is written from what the provider reports. Either way the adoption is
 * all or nothing: the objects are recorded (observe-only: no provider call but reads)
 * only when the plan of the specs against them is empty; otherwise the plan is shown
 * and nothing is written.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { formatDiagnostic, hasErrors, type Diagnostic } from '../../../specs/diagnostic.js';
import { loadSpecs } from '../../../specs/load.js';
import type { Observed, Provider } from '../../../providers/contract.js';
import { adoptedYaml, specFromObserved, type AdoptedSpec } from '../../adopt/spec-from-observed.js';
import { ATTRIBUTES } from '../../../specs/model/attributes.js';
import { buildDesired } from '../../plan/desired.js';
import { isEffective } from '../../plan/change.js';
import { makePlan } from '../../plan/plan.js';
import { renderPlanText } from '../../plan/render-text.js';
import { RESOURCE_TYPES, type AttrValue, type RecordedResource } from '../../../specs/model/resource.js';
import { CliError } from '../errors.js';
import { lockCommandLine, parseLockTimeout, withStateLock } from '../../run/lock.js';
import { colorsFor, print, printErr } from '../output.js';
import { secretDigester, secretScope } from '../../run/secrets.js';
import { loadWorkspaceSpecs, openWorkspaceState, providerPool, zonesOf, type GlobalOptions } from '../../run/workspace.js';
import { partnerSelection, runPartner, type PartnerOptions } from '../../run/partner.js';
import { ownsTenant } from '../../partners/index.js';

export interface AdoptOptions extends GlobalOptions, PartnerOptions {
  readonly tenant?: string[];
  readonly out?: string;
  readonly json?: boolean;
  /** Show what would be adopted and check the plan; record and write nothing. */
  readonly dryRun?: boolean;
  readonly lockTimeout?: string;
  readonly color?: boolean;
}

export async function adoptCommand(zone: string, paths: string[], options: AdoptOptions): Promise<number> {
  const specs = loadWorkspaceSpecs(paths, options);
  if (hasErrors(specs.diagnostics)) throw new CliError(specs.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic).join('\n'));
  if (!specs.zones.has(zone)) throw new CliError(`zone ${zone} is not described by the specs in ${paths.join(' ') || '.'}; known zones: ${[...specs.zones.keys()].join(', ') || 'none'}`);
  // A partner adopts only its own tenants (another's named with --tenant is refused), in a zone it is given.
  const partner = runPartner(specs, options);
  if (partner && !partner.spec.zones.includes(zone)) throw new CliError(`partner ${partner.name} may not use zone ${zone}: refused`);
  partnerSelection(specs, [], options);
  const state = openWorkspaceState(options);
  const statePathOf = state.path;
  state.close();
  return withStateLock({ path: statePathOf }, lockCommandLine(), parseLockTimeout(options.lockTimeout), () => adoptLocked(zone, paths, options));
}

async function adoptLocked(zone: string, paths: string[], options: AdoptOptions): Promise<number> {
  const specs = loadWorkspaceSpecs(paths, options);
  const pool = providerPool(zonesOf(specs), options);
  let objects: readonly Observed[];
  let providerName: string;
  try {
    const provider = pool.providerFor(zone);
    providerName = provider.name;
    objects = await everything(provider, zone);
  } finally {
    await pool.closeAll();
  }

  const state = openWorkspaceState(options);
  try {
    const snapshot = state.snapshot();
    const wanted = options.tenant && options.tenant.length > 0 ? new Set(options.tenant) : undefined;
    const partner = runPartner(specs, options);
    const conflicts: string[] = [];
    const unmanaged = objects.filter((o) => {
      if (wanted && !wanted.has(o.tenant)) return false;
      if (partner && !ownsTenant(partner, o.tenant)) return false;
      const recorded = snapshot.resources.get(o.address);
      if (!recorded) return true;
      if (recorded.providerId !== o.providerId) conflicts.push(`${o.address}: the provider has ${o.providerId}, state records ${recorded.providerId}; left alone`);
      return false;
    });
    const tenants = [...new Set(unmanaged.map((o) => o.tenant))].sort();
    if (tenants.length === 0) {
      const message = `Nothing to adopt: every object in zone ${zone}${wanted ? ` of tenant ${[...wanted].join(', ')}` : ''} is recorded in state.`;
      if (options.json) print(JSON.stringify({ zone, adopted: [], conflicts, written: [] }, null, 2));
      else print(message);
      for (const c of conflicts) printErr(c);
      return 0;
    }

    // Specs for tenants that have none: from every object of theirs, recorded or not.
    const outDir = options.out ?? firstDirectory(paths);
    const generated: AdoptedSpec[] = tenants.filter((t) => !specs.tenants.has(t)).map((t) => specFromObserved(t, zone, objects.filter((o) => o.tenant === t)))
      .map((g) => (partner ? { ...g, document: { ...g.document, metadata: { ...(g.document.metadata as object), partner: partner.name } } } : g));
    for (const g of generated) {
      const target = join(outDir, `${g.tenant}.yaml`);
      if (existsSync(target)) throw new CliError(`${target} already exists but is not among the specs read (${paths.join(' ') || '.'}): pass it, or another --out`);
    }
    const tmp = mkdtempSync(join(tmpdir(), 'netfirst-adopt-'));
    try {
      const texts = new Map(generated.map((g) => [g.tenant, adoptedYaml(g, zone, providerName)] as const));
      const tmpFiles = generated.map((g) => {
        const file = join(tmp, `${g.tenant}.yaml`);
        writeFileSync(file, texts.get(g.tenant)!);
        return file;
      });
      const all = loadSpecs([...(paths.length > 0 ? paths : ['.']), ...tmpFiles], { parallel: false });
      const shown = (d: Diagnostic): Diagnostic => (d.file?.startsWith(tmp) ? { ...d, file: join(outDir, d.file.slice(tmp.length + 1)) } : d);
      if (hasErrors(all.diagnostics)) throw new CliError(all.diagnostics.map(shown).map(formatDiagnostic).join('\n'));

      const selected = new Set(tenants);
      const digest = secretDigester(state.secretKey, secretScope(all, partner?.name));
      const records = recordsFor(unmanaged, zone);
      const unobserved = new Map(unmanaged.map((o) => [o.address, o.unobserved ?? []]));
      const withAdopted = (rs: readonly RecordedResource[]): Map<string, RecordedResource> => {
        const m = new Map(snapshot.resources);
        for (const r of rs) m.set(r.address, r);
        return m;
      };
      // First pass: the desired resources against the provisional records give each
      // record its links (dependsOn, boundTo) and the digests of secrets the provider
      // cannot report; the second pass is the plan that decides.
      const first = buildDesired({ specs: all, recorded: withAdopted(records), digestSecret: digest, tenants: selected });
      if (hasErrors(first.diagnostics)) {
        const located = first.diagnostics.map(shown);
        const envs = generated.flatMap((g) => g.secrets.map((s) => `  ${s.env}: ${s.what}`));
        throw new CliError([...located.filter((d) => d.severity === 'error').map(formatDiagnostic), ...(envs.length > 0 ? ['Secrets cannot be read back from the provider; set these environment variables and run again:', ...envs] : []), 'Nothing was recorded or written.'].join('\n'));
      }
      const desired = new Map(first.resources.map((d) => [d.address, d]));
      const finalRecords = records.map((r) => {
        const d = desired.get(r.address);
        if (!d) return r;
        const attributes: Record<string, AttrValue> = { ...r.attributes };
        for (const key of d.sensitive) if (typeof d.attributes[key] === 'string' && d.attributes[key] !== '') attributes[key] = d.attributes[key];
        // What the provider cannot see is taken as the spec says it.
        for (const key of unobserved.get(r.address) ?? []) if (d.attributes[key] !== undefined) attributes[key] = d.attributes[key];
        return { ...r, attributes, dependsOn: d.dependsOn, boundTo: d.boundTo, protect: d.protect, sensitive: d.sensitive };
      });
      const { plan } = makePlan({ specs: all, lineage: snapshot.lineage, serial: snapshot.serial, recorded: withAdopted(finalRecords), digestSecret: digest, tenants: selected });
      const effective = plan.changes.filter(isEffective);
      const problems = generated.flatMap((g) => g.problems);
      if (effective.length > 0 || hasErrors(plan.diagnostics)) {
        const c = colorsFor(process.stdout, options.color === false);
        if (options.json) print(JSON.stringify({ zone, adopted: [], refused: true, changes: effective.map((ch) => ({ address: ch.address, action: ch.action })), problems, conflicts }, null, 2));
        else print(renderPlanText({ ...plan, changes: effective }, c));
        for (const p of [...problems, ...conflicts]) printErr(p);
        throw new CliError(`adoption refused: the specs and what zone ${zone} runs differ (${effective.length} change${effective.length === 1 ? '' : 's'} above). Nothing was recorded or written.`);
      }

      if (options.dryRun) {
        const would = generated.map((g) => join(outDir, `${g.tenant}.yaml`));
        if (options.json) {
          print(JSON.stringify({ zone, dryRun: true, adoptable: finalRecords.map((r) => ({ address: r.address, type: r.type, providerId: r.providerId })), tenants, wouldWrite: would, conflicts }, null, 2));
        } else {
          for (const r of finalRecords) print(`  + ${r.address} (${r.providerId})`);
          for (const w of would) print(`Would write ${w}.`);
          print(`Dry run: ${finalRecords.length} resource${finalRecords.length === 1 ? '' : 's'} of ${tenants.join(', ')} can be adopted with an empty plan. Nothing was recorded or written.`);
        }
        return 0;
      }

      // Accepted: specs first, then state. A crash between the two leaves specs that a
      // second run adopts against; the other order would leave records with no spec.
      mkdirSync(outDir, { recursive: true });
      const written = generated.map((g) => {
        const target = join(outDir, `${g.tenant}.yaml`);
        renameOrCopy(join(tmp, `${g.tenant}.yaml`), target, texts.get(g.tenant)!);
        return target;
      });
      const runId = `adopt-${randomUUID()}`;
      state.recordAdopted(runId, finalRecords);
      if (options.json) {
        print(JSON.stringify({ zone, adopted: finalRecords.map((r) => ({ address: r.address, type: r.type, providerId: r.providerId })), tenants, written, conflicts, secrets: generated.flatMap((g) => g.secrets.map((s) => s.env)) }, null, 2));
      } else {
        const c = colorsFor(process.stdout, options.color === false);
        for (const r of finalRecords) print(`  ${c.green('+')} ${r.address} (${r.providerId})`);
        for (const w of written) print(`Wrote ${w}.`);
        print(c.green(`Adopted ${finalRecords.length} resource${finalRecords.length === 1 ? '' : 's'} of ${tenants.length} tenant${tenants.length === 1 ? '' : 's'} (${tenants.join(', ')}) in zone ${zone}. The plan for them is empty: No changes.`));
        for (const p of conflicts) printErr(p);
      }
      return 0;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  } finally {
    state.close();
  }
}

/** Every object in the zone: the provider's inventory, else its list per type. */
async function everything(provider: Provider, zone: string): Promise<readonly Observed[]> {
  if (provider.inventory) return provider.inventory();
  if (!provider.list) throw new CliError(`provider ${provider.name} cannot list what it runs, so nothing can be adopted from it`);
  const out: Observed[] = [];
  for (const type of RESOURCE_TYPES) for await (const o of provider.list(type, { zone })) out.push(o);
  return out;
}

/** Provisional records: what the provider reports, links filled in by the first planning pass. */
function recordsFor(objects: readonly Observed[], zone: string): RecordedResource[] {
  return objects.map((o) => ({
    address: o.address,
    type: o.type,
    tenant: o.tenant,
    zone,
    providerId: o.providerId,
    attributes: o.attributes,
    dependsOn: [],
    boundTo: [],
    protect: false,
    sensitive: ATTRIBUTES[o.type].sensitive,
    createdAt: '',
    updatedAt: '',
  }));
}

function firstDirectory(paths: readonly string[]): string {
  const first = paths[0] ?? '.';
  return statSync(first, { throwIfNoEntry: false })?.isDirectory() ? first : dirname(first);
}

function renameOrCopy(from: string, to: string, text: string): void {
  try {
    renameSync(from, to);
  } catch {
    // Across file systems (tmpfs → disk) rename fails; write the same text instead.
    writeFileSync(to, text);
  }
}
