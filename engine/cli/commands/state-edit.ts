/**
 * `state rm ADDRESS…` and `state mv FROM TO`: edits of the record that ask nothing of a
 * provider (no zone is read, no provider opened). As Terraform's: `rm` forgets exactly
 * the addresses named — the objects stay in the provider, unmanaged — and warns about
 * records that still point at them; `mv` moves a record (and those nested under it) to
 * a new address of the same tenant and type, with every reference following it.
 *
 * Refused, with nothing changed (exit 1): an address a partner run does not own (without
 * saying whether it exists), an unknown address (with the nearest one it may see), an
 * address with pending operations of an interrupted run, and a tenant locked by another
 * run. Each edit is journalled in the event history with who made it (state/edits.ts).
 */
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { didYouMean } from '../../../specs/suggest.js';
import { parseAddress, type RecordedResource } from '../../../specs/model/resource.js';
import { thisHolder, type EditAuthor, type StateStore } from '../../../state/index.js';
import { ownsTenant, type Partner } from '../../partners/index.js';
import { lockCommandLine, parseLockTimeout, withStateLock } from '../../run/lock.js';
import { partnerFromSpecs, refuseUnlessOwned, type PartnerOptions } from '../../run/partner.js';
import { tenantScope } from '../../run/run-locks.js';
import { openWorkspaceState, statePath, type GlobalOptions } from '../../run/workspace.js';
import { CliError } from '../errors.js';
import { print, printErr } from '../output.js';

export interface StateEditOptions extends GlobalOptions, PartnerOptions {
  readonly json?: boolean;
  readonly dryRun?: boolean;
  readonly lockTimeout?: string;
  /** With a partner: where the Partners document is (default .). */
  readonly specs?: string[];
}

/** A record that still names a removed one among its dependencies. */
interface Dependent {
  readonly address: string;
  readonly pointsAt: readonly string[];
}

export async function stateRmCommand(addresses: readonly string[], options: StateEditOptions): Promise<number> {
  const wanted = [...new Set(addresses)];
  const partner = partnerFromSpecs(options.specs, options);
  for (const a of wanted) if (partner) refuseUnlessOwned(partner, parseAddress(a).tenant);
  const state = openExistingState(options);
  try {
    const tenants = new Set(wanted.map((a) => parseAddress(a).tenant));
    const judge = (): { removed: RecordedResource[]; dependents: Dependent[] } => {
      const removed = wanted.map((a) => recordedOrRefuse(state, a, partner));
      refusePending(state, wanted, 'removed');
      const gone = new Set(wanted);
      const dependents: Dependent[] = [];
      for (const tenant of tenants) {
        for (const r of state.listByTenant(tenant)) {
          if (gone.has(r.address)) continue;
          const pointsAt = [...new Set([...r.dependsOn, ...r.boundTo])].filter((d) => gone.has(d)).sort();
          if (pointsAt.length > 0) dependents.push({ address: r.address, pointsAt });
        }
      }
      return { removed, dependents };
    };
    if (options.dryRun) {
      reportRm(judge(), options, true);
      return 0;
    }
    const outcome = await withStateLock(state, lockCommandLine(), parseLockTimeout(options.lockTimeout), () => {
      const judged = judge();
      state.forgetResources(wanted, author('state rm', partner));
      return judged;
    }, [...tenants].sort().map(tenantScope));
    reportRm(outcome, options, false);
    return 0;
  } finally {
    state.close();
  }
}

function reportRm({ removed, dependents }: { removed: readonly RecordedResource[]; dependents: readonly Dependent[] }, options: StateEditOptions, dryRun: boolean): void {
  if (options.json) {
    print(JSON.stringify({
      dryRun,
      removed: removed.map((r) => ({ address: r.address, type: r.type, tenant: r.tenant, zone: r.zone, providerId: r.providerId })),
      dependents,
    }, null, 2));
    return;
  }
  const verb = dryRun ? 'Would remove' : 'Removed';
  for (const r of removed) print(`${verb} ${r.address} (${r.type}, id ${r.providerId}) from state`);
  for (const d of dependents) {
    printErr(`Warning: ${d.address} still depends on ${d.pointsAt.join(', ')}, which ${dryRun ? 'would no longer be' : 'is no longer'} recorded: it keeps pointing at the object netfirst forgets (name it too to forget it as well)`);
  }
  const n = removed.length;
  print(dryRun
    ? `Would remove ${n} resource${n === 1 ? '' : 's'} from state. Nothing was changed (--dry-run).`
    : `Removed ${n} resource${n === 1 ? '' : 's'} from state. ${n === 1 ? 'Its object still exists' : 'Their objects still exist'} in the provider, no longer managed: a plan now proposes to create ${n === 1 ? 'it' : 'them'} anew unless the spec drops ${n === 1 ? 'it' : 'them'} (netfirst import ADDRESS ID adopts ${n === 1 ? 'it' : 'them'} again).`);
}

export async function stateMvCommand(from: string, to: string, options: StateEditOptions): Promise<number> {
  const partner = partnerFromSpecs(options.specs, options);
  const source = parseAddress(from);
  if (partner) refuseUnlessOwned(partner, source.tenant);
  const shapeProblem = moveShapeProblem(from, to);
  if (shapeProblem !== undefined) throw new CliError(shapeProblem);
  const state = openExistingState(options);
  try {
    const judge = (): { moves: { from: string; to: string }[]; references: string[] } => {
      recordedOrRefuse(state, from, partner);
      const inTenant = state.listByTenant(source.tenant);
      const moves = inTenant
        .filter((r) => r.address === from || r.address.startsWith(`${from}/`))
        .map((r) => ({ from: r.address, to: to + r.address.slice(from.length) }));
      const moving = new Set(moves.map((m) => m.from));
      for (const m of moves) {
        if (state.getResource(m.to) && !moving.has(m.to)) throw new CliError(`${m.to} is already in state: refused, nothing was moved (state rm it first, or choose another address)`);
      }
      refusePending(state, [from, to], 'moved');
      const references = inTenant
        .filter((r) => !moving.has(r.address) && ([...r.dependsOn, ...r.boundTo].some((d) => moving.has(d)) || namesInAttributes(r, moving)))
        .map((r) => r.address);
      return { moves, references };
    };
    if (options.dryRun) {
      reportMv(judge(), options, true);
      return 0;
    }
    const outcome = await withStateLock(state, lockCommandLine(), parseLockTimeout(options.lockTimeout), () => {
      const judged = judge();
      state.moveResources(judged.moves, author('state mv', partner));
      return judged;
    }, [tenantScope(source.tenant)]);
    reportMv(outcome, options, false);
    return 0;
  } finally {
    state.close();
  }
}

function reportMv({ moves, references }: { moves: readonly { from: string; to: string }[]; references: readonly string[] }, options: StateEditOptions, dryRun: boolean): void {
  if (options.json) {
    print(JSON.stringify({ dryRun, moved: moves, references }, null, 2));
    return;
  }
  for (const m of moves) print(`${dryRun ? 'Would move' : 'Moved'} ${m.from} to ${m.to}`);
  if (references.length > 0) print(`References ${dryRun ? 'that would follow' : 'followed'} in ${references.join(', ')}`);
  print(dryRun
    ? 'Nothing was changed (--dry-run).'
    : `Moved ${moves.length} record${moves.length === 1 ? '' : 's'}; nothing was asked of the provider. Rename it in the spec too (or a plan replaces it).`);
}

/**
 * Why `to` is not a place `from` may move to, or undefined: the same tenant (another
 * tenant's address is never a valid target), the same shape and kinds (`acme/vm/a` to
 * `acme/vm/b`, `acme/vm/a/disk/d` to `acme/vm/b/disk/d`), names that are DNS labels.
 */
export function moveShapeProblem(from: string, to: string): string | undefined {
  const a = from.split('/');
  const b = to.split('/');
  if (from === to) return `${from} and ${to} are the same address: nothing to move`;
  if (a[0] !== b[0]) return `${to} is another tenant's address: a record moves only within its tenant (${a[0]}); refused`;
  if (a.length < 3 || a.length % 2 === 0) return `${from} is not a resource address (TENANT/KIND/NAME, e.g. acme/vm/web-1)`;
  if (a.length !== b.length || a.some((seg, i) => i % 2 === 1 && seg !== b[i])) {
    return `${to} is not an address of the same kind as ${from} (a ${a.filter((_, i) => i % 2 === 1).join('/')} moves to ${a.map((s, i) => (i % 2 === 1 ? s : i === 0 ? s : 'NAME')).join('/')}); refused`;
  }
  const bad = b.find((seg, i) => i % 2 === 0 && i > 0 && !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(seg));
  if (bad !== undefined) return `${to}: ${JSON.stringify(bad)} is not a valid name (lowercase letters, digits and -, at most 63)`;
  return undefined;
}

/** Whether an attribute of `r` holds one of `addresses` (a disk's `vm`): state/edits.ts rewrites those. */
function namesInAttributes(r: RecordedResource, addresses: ReadonlySet<string>): boolean {
  const text = JSON.stringify(r.attributes);
  return [...addresses].some((a) => text.includes(JSON.stringify(a)));
}

/** The state file, which these commands never create: there is nothing to edit without one. */
function openExistingState(options: StateEditOptions): StateStore {
  if (!existsSync(statePath(options))) throw new CliError('no state here: nothing is recorded (pass --state, or run in the project directory)');
  return openWorkspaceState(options);
}

/** The record at `address`, or a refusal naming the nearest address this run may see. */
function recordedOrRefuse(state: StateStore, address: string, partner: Partner | undefined): RecordedResource {
  const found = state.getResource(address);
  if (found) return found;
  const visible = state.listResources().filter((r) => !partner || ownsTenant(partner, r.tenant)).map((r) => r.address);
  const near = didYouMean(address, visible);
  throw new CliError(`${address} is not in state${near ? ` (did you mean ${near}?)` : ''}: refused, nothing was changed`);
}

/** An interrupted run's operation on one of `addresses` (or under it) would commit to the old record: resolve it first. */
function refusePending(state: StateStore, addresses: readonly string[], what: 'removed' | 'moved'): void {
  const touches = (op: string): boolean => addresses.some((a) => op === a || op.startsWith(`${a}/`));
  const pending = state.pendingOperations().filter((op) => op.status === 'pending' && touches(op.address));
  if (pending.length === 0) return;
  const list = pending.map((op) => `${op.action} ${op.address}`).join(', ');
  throw new CliError(`an interrupted run left operations pending on what would be ${what} (${list}): refused, nothing was changed. Run apply first (it resolves them by reading the provider).`);
}

function author(command: 'state rm' | 'state mv', partner: Partner | undefined): EditAuthor {
  const { owner } = thisHolder();
  return {
    actor: partner ? `${owner} as partner ${partner.name}` : owner,
    command: lockCommandLine(),
    runId: `${command.replace(' ', '-')}-${randomUUID()}`,
  };
}
