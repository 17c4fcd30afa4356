/**
 * `netfirst import ADDRESS PROVIDER-ID [PATHS…]`: adopts one object that already exists
 * into state at an address of the specs (Terraform's `import`). The zone's provider
 * reads the object by its ID (the contract's `read`: it never mutates); it is recorded
 * with what the provider reports, linked as the spec links that address, and a plan
 * afterwards shows only how the spec and the real object differ. Nothing is created,
 * changed or written to a spec file.
 *
 * Refused, with nothing recorded (exit 1): a tenant the run's partner does not manage
 * (without saying whether it exists); an address the specs do not hold (with the
 * nearest one); an address already in state; an ID state records at another address —
 * a partner is never told which, unless that address is its own; an object the provider
 * does not find, or that is not of that tenant and type (told apart for the operator
 * only); an address whose dependencies are not in state yet (import or apply them
 * first, or the plan would replace what was just imported); pending operations of an
 * interrupted run; the tenant locked by another run. The import is journalled in the
 * event history with who made it and the command.
 *
 * The argument grammar beside `import cisco|rvtools|libvirt|provider`: an address
 * always holds a `/` and a source never does (main.ts dispatches on that).
 */
import { randomUUID } from 'node:crypto';
import { hasErrors } from '../../../specs/diagnostic.js';
import { didYouMean } from '../../../specs/suggest.js';
import { ATTRIBUTES } from '../../../specs/model/attributes.js';
import { parseAddress, publicView, type AttrValue, type DesiredResource, type RecordedResource } from '../../../specs/model/resource.js';
import type { Observed } from '../../../providers/contract.js';
import { thisHolder, type EditAuthor, type StateStore } from '../../../state/index.js';
import { ownsTenant, type Partner } from '../../partners/index.js';
import { isEffective } from '../../plan/change.js';
import { buildDesired } from '../../plan/desired.js';
import { makePlan } from '../../plan/plan.js';
import { renderPlanText } from '../../plan/render-text.js';
import { lockCommandLine, parseLockTimeout, withStateLock } from '../../run/lock.js';
import { loadRunSpecs, refusal, refuseUnlessOwned, runPartner, type PartnerOptions } from '../../run/partner.js';
import { tenantScope } from '../../run/run-locks.js';
import { secretDigester, secretScope } from '../../run/secrets.js';
import { openWorkspaceState, providerPool, zonesOf, type GlobalOptions } from '../../run/workspace.js';
import { CliError } from '../errors.js';
import { colorsFor, print } from '../output.js';

export interface ImportOneOptions extends GlobalOptions, PartnerOptions {
  readonly json?: boolean;
  readonly lockTimeout?: string;
  readonly color?: boolean;
}

/** Whether the first argument of `netfirst import` is an address (ADDRESS ID) rather than a source. */
export const isImportAddress = (word: string): boolean => word.includes('/');

export async function importOneCommand(address: string, providerId: string, paths: readonly string[], options: ImportOneOptions): Promise<number> {
  const { tenant } = parseAddress(address);
  const specs = loadRunSpecs(paths, options);
  const partner = runPartner(specs, options);
  if (partner) refuseUnlessOwned(partner, tenant);
  if (hasErrors(specs.diagnostics)) throw new CliError(refusal(specs.diagnostics.filter((d) => d.severity === 'error'), specs));
  if (providerId.trim() === '' || providerId !== providerId.trim()) throw new CliError(`${JSON.stringify(providerId)} is not a provider ID: nothing was imported`);

  const state = openWorkspaceState(options);
  try {
    const outcome = await withStateLock(state, lockCommandLine(), parseLockTimeout(options.lockTimeout), async () => {
      const snapshot = state.snapshot();
      const recorded = new Map(snapshot.resources);
      const digest = secretDigester(state.secretKey, secretScope(specs, partner?.name));
      const built = buildDesired({ specs, recorded, digestSecret: digest, tenants: new Set([tenant]) });
      if (hasErrors(built.diagnostics)) throw new CliError(refusal(built.diagnostics.filter((d) => d.severity === 'error'), specs));
      const desired = built.resources.find((r) => r.address === address);
      if (!desired) throw new CliError(notInSpecs(address, built.resources, [...specs.tenants.keys()]));
      const held = recorded.get(address);
      if (held) throw new CliError(`${address} is already in state (id ${held.providerId}): nothing was imported (state rm it first to import another object there)`);
      const other = [...recorded.values()].find((r) => r.providerId === providerId);
      if (other) throw new CliError(alreadyManaged(providerId, other, partner));
      const missing = desired.dependsOn.filter((d) => !recorded.has(d));
      if (missing.length > 0) {
        throw new CliError(`${address} depends on ${missing.join(', ')}, not in state: import ${missing.length === 1 ? 'it' : 'them'} first (or apply), or a plan would replace what is imported. Nothing was imported.`);
      }
      refusePending(state, address);

      const found = await readObject(desired, providerId, specs, options);
      // A provider may find what it reads by address too (linux, a CloudStack rule): only the object with this ID counts.
      const observed = found?.providerId === providerId ? found : undefined;
      const unlike = observed === undefined ? 'not found' : observed.tenant !== tenant || observed.type !== desired.type ? `${observed.type} of tenant ${observed.tenant}` : undefined;
      if (unlike !== undefined) {
        // A partner learns nothing of objects that are not its tenant's: the same words as not found.
        const detail = partner || observed === undefined ? '' : ` (it is a ${unlike}, at ${observed.address})`;
        throw new CliError(`zone ${desired.zone} has no ${desired.type} with id ${providerId} for tenant ${tenant}${detail}: nothing was imported`);
      }
      const record = recordOf(desired, observed!);
      const imported = state.importResource(record, author(partner));
      const after = state.snapshot();
      const { plan } = makePlan({
        specs, lineage: after.lineage, serial: after.serial, recorded: new Map(after.resources), digestSecret: digest, tenants: new Set([tenant]),
        ...(partner ? { partner: partner.name } : {}),
      });
      return { imported, changes: plan.changes.filter((c) => c.address === address && isEffective(c)) };
    }, [tenantScope(tenant)]);

    const { imported, changes } = outcome;
    if (options.json) {
      const view = publicView(imported);
      print(JSON.stringify({
        imported: { address: view.address, type: view.type, tenant: view.tenant, zone: view.zone, providerId: view.providerId, attributes: view.attributes },
        changes: changes.map((c) => ({ address: c.address, action: c.action })),
      }, null, 2));
      return 0;
    }
    const c = colorsFor(process.stdout, options.color === false);
    print(c.green(`Imported ${imported.address} (${imported.type}, id ${imported.providerId}) from zone ${imported.zone}.`));
    if (changes.length === 0) print('The spec and the object agree: a plan shows no changes for it.');
    else print(`The spec and the object differ; a plan proposes:\n\n${renderPlanText({ changes, orphanedTenants: [] }, c)}`);
    return 0;
  } finally {
    state.close();
  }
}

/** The object as the zone's provider reports it (read never mutates); undefined when there is none with that ID. */
async function readObject(desired: DesiredResource, providerId: string, specs: Parameters<typeof zonesOf>[0], options: GlobalOptions): Promise<Observed | undefined> {
  const pool = providerPool(zonesOf(specs), options);
  try {
    const provider = pool.providerFor(desired.zone);
    return await provider.read({ address: desired.address, type: desired.type, tenant: desired.tenant, zone: desired.zone, providerId, attributes: {} });
  } finally {
    await pool.closeAll();
  }
}

/**
 * The record: what the provider reports, linked as the spec links the address (as
 * `import provider` records). What a provider cannot report — secrets (kept as digests)
 * and its `unobserved` attributes — is taken as the spec says it.
 */
function recordOf(desired: DesiredResource, observed: Observed): Omit<RecordedResource, 'createdAt' | 'updatedAt'> {
  const attributes: Record<string, AttrValue> = { ...observed.attributes };
  for (const key of desired.sensitive) if (typeof desired.attributes[key] === 'string' && desired.attributes[key] !== '') attributes[key] = desired.attributes[key];
  for (const key of observed.unobserved ?? []) if (desired.attributes[key] !== undefined) attributes[key] = desired.attributes[key];
  return {
    address: desired.address,
    type: desired.type,
    tenant: desired.tenant,
    zone: desired.zone,
    providerId: observed.providerId,
    attributes,
    dependsOn: desired.dependsOn,
    boundTo: desired.boundTo,
    protect: desired.protect,
    sensitive: desired.sensitive.length > 0 ? desired.sensitive : ATTRIBUTES[desired.type].sensitive,
  };
}

function notInSpecs(address: string, resources: readonly DesiredResource[], tenants: readonly string[]): string {
  const { tenant } = parseAddress(address);
  const near = resources.length > 0 ? didYouMean(address, resources.map((r) => r.address)) : didYouMean(tenant, tenants);
  const hint = near === undefined ? '' : resources.length > 0 ? ` (did you mean ${near}?)` : ` (did you mean tenant ${near}?)`;
  return `${address} is not in the specs${hint}: an object is imported to an address the specs declare (TENANT/KIND/NAME, as plan shows them). Nothing was imported.`;
}

/** Never tells a partner which address of another tenant holds the object. */
function alreadyManaged(providerId: string, other: RecordedResource, partner: Partner | undefined): string {
  const where = !partner || ownsTenant(partner, other.tenant) ? ` as ${other.address}` : ' at another address';
  return `the object with id ${providerId} is already in state${where}: one object is managed at one address. Nothing was imported${where.startsWith(' as') ? ' (state mv moves a record)' : ''}.`;
}

function refusePending(state: StateStore, address: string): void {
  const pending = state.pendingOperations().filter((op) => op.status === 'pending' && (op.address === address || op.address.startsWith(`${address}/`)));
  if (pending.length === 0) return;
  throw new CliError(`an interrupted run left operations pending on ${address} (${pending.map((op) => `${op.action} ${op.address}`).join(', ')}): nothing was imported. Run apply first (it resolves them by reading the provider).`);
}

function author(partner: Partner | undefined): EditAuthor {
  const { owner } = thisHolder();
  return { actor: partner ? `${owner} as partner ${partner.name}` : owner, command: lockCommandLine(), runId: `import-${randomUUID()}` };
}
