/**
 * One reconciliation round, level-based: nothing is remembered between rounds but the
 * status rows. Each round re-derives everything — loads the specs, reads what really
 * exists (one bulk `list` per zone and type), plans against it — judges every tenant,
 * applies what the policy allows (under the state lock, never while another run holds
 * it) and records the verdicts. The world (specs, state, providers, the lock) comes in
 * through `RoundEnv`; the decisions are the pure functions beside this file.
 *
 * Isolation: a tenant whose spec is broken, whose plan has errors or whose zone cannot
 * be read is `Error`; the others are planned and healed without it.
 */
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import type { Provider } from '../../providers/contract.js';
import { formatDiagnostic, type Diagnostic } from '../../specs/diagnostic.js';
import type { SpecSet } from '../../specs/model.js';
import { thisHolder, type StateStore, type TenantSyncRecord } from '../../state/index.js';
import { executePlan, messageOf, type ApplyResult } from '../apply/execute.js';
import { recoverPending } from '../apply/recover.js';
import { observeAll, recordDrift } from '../apply/refresh.js';
import type { RetryPolicy } from '../apply/retry.js';
import { recordMoves, type Change } from '../plan/change.js';
import { detectDrift, refreshedView, type Drift } from '../plan/drift.js';
import { orderChanges } from '../plan/order.js';
import { makePlan, type Plan, type PlanInput } from '../plan/plan.js';
import type { DesiredResource, RecordedResource, SecretRef } from '../../specs/model/resource.js';
import { attributeErrors, tenantOfAddress, type Declarations } from './attribute.js';
import { selectCorrections, type Corrections, type HealPolicy } from './corrections.js';
import { NO_ACTION, nextRecord, type TenantAction } from './record.js';
import { causeOf, judgeTenant, type TenantVerdict } from './verdict.js';

export interface RoundEnv {
  readonly now: () => Date;
  /** Loads every spec file; throws only when they cannot be read at all (a missing directory). */
  loadSpecs(): SpecSet;
  /** Tenants and zones a file names in `metadata.name`, read leniently (the file may be broken). */
  declaredIn(file: string): { readonly tenants: readonly string[]; readonly zones: readonly string[] };
  openState(): StateStore;
  providers(specs: SpecSet): { providerFor(zone: string): Provider; closeAll(): Promise<void> };
  /**
   * The secrets of one round: digests keyed by the state's secret key, state as planning
   * must see it (an old state's digests migrated), and the apply-time reader — every read
   * judged by the Partners document of `specs`, the same at plan and at apply time.
   */
  secrets(input: { state: StateStore; specs: SpecSet; recorded: ReadonlyMap<string, RecordedResource>; tenants: ReadonlySet<string> }): RoundSecrets;
  /** Takes the state lock at once, or says who holds it. */
  tryLock(): Promise<{ release(): void } | { readonly refused: string }>;
  readonly parallelism: number;
  readonly retry?: RetryPolicy;
}

export interface RoundSecrets {
  readonly digestSecret: PlanInput['digestSecret'];
  readonly recorded: ReadonlyMap<string, RecordedResource>;
  /** Reads a secret of a resource of `tenant`; throws when it cannot or may not. */
  readonly resolveSecret: (ref: SecretRef, baseDir: string, tenant: string) => string;
}

export interface RoundOptions {
  readonly policy: HealPolicy;
  /** Let the plan destroy tenants whose spec file is gone (`--prune`). */
  readonly prune: boolean;
  /** Only these tenants (`--tenant`); default every tenant of the specs and the state. */
  readonly tenants?: ReadonlySet<string>;
  /** Aborted when the loop must stop: nothing new starts, what is in flight finishes. */
  readonly signal: AbortSignal;
}

export interface RoundResult {
  readonly id: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** One per tenant, sorted by tenant: what was also written to the state. */
  readonly records: readonly TenantSyncRecord[];
  /** Errors no tenant could be blamed for (they fail orphaned tenants, and `--prune` is off). */
  readonly problems: readonly string[];
}

const quietReporter = { started: () => undefined, finished: () => undefined };

export async function runRound(env: RoundEnv, options: RoundOptions): Promise<RoundResult> {
  const id = randomUUID();
  const at = env.now().toISOString();
  const state = env.openState();
  try {
    const previous = new Map(state.listTenantStatus().map((r) => [r.tenant, r] as const));
    const snapshot = state.snapshot();
    const inScope = (t: string): boolean => !options.tenants || options.tenants.has(t);
    const errors = new Map<string, string[]>();
    const fail = (tenant: string, ...messages: readonly string[]): void => {
      if (!inScope(tenant)) return;
      errors.set(tenant, [...(errors.get(tenant) ?? []), ...messages]);
    };
    const known = new Set<string>();
    for (const r of snapshot.resources.values()) if (inScope(r.tenant)) known.add(r.tenant);
    for (const t of options.tenants ?? []) known.add(t);

    let specs: SpecSet;
    try {
      specs = env.loadSpecs();
    } catch (error) {
      // Nothing can be planned: every tenant we know of is in Error, none is touched.
      for (const t of previous.keys()) if (inScope(t)) known.add(t);
      for (const t of known) fail(t, `the specs could not be read: ${messageOf(error)}`);
      return finish({ id, at, state, previous, verdicts: judgeAll(known, errors), actions: new Map(), problems: [], options, env });
    }
    for (const t of specs.tenants.keys()) if (inScope(t)) known.add(t);

    const declarations = declarationsOf(specs, snapshot.resources.values(), env);
    const load = attributeErrors(specs.diagnostics, declarations);
    for (const [t, messages] of load.byTenant) if (inScope(t)) {
      known.add(t);
      fail(t, ...messages);
    }
    const inState = new Set([...snapshot.resources.values()].map((r) => r.tenant));
    for (const t of options.tenants ?? []) {
      if (!specs.tenants.has(t) && !inState.has(t) && !errors.has(t)) fail(t, `tenant ${t} is neither in the specs nor in state`);
    }
    const problems = load.unattributed.map((d) => formatDiagnostic(d));
    // A file that failed to load and names no tenant may be the spec of a tenant that now
    // looks orphaned: do not judge (or prune) those on a guess.
    if (problems.length > 0) {
      for (const t of known) if (!specs.tenants.has(t) && !errors.has(t)) fail(t, `a spec file failed to load and may be this tenant's: ${problems[0]}`);
    }

    const pool = env.providers(specs);
    try {
      const drift = await observe(snapshot.resources, specs, pool.providerFor, (t) => inScope(t) && !errors.has(t), fail);
      const secrets = env.secrets({ state, specs, recorded: refreshedView(snapshot.resources, drift), tenants: known });
      const made = planHealthy({ specs, snapshot, recorded: secrets.recorded, digestSecret: secrets.digestSecret, known, errors, fail, declarations, prune: options.prune && problems.length === 0 });
      const verdicts = judgeAll(known, errors, drift, made?.changes ?? [], made?.orphanedTenants ?? []);

      let actions = new Map<string, TenantAction>();
      if ((options.policy.selfHeal || options.policy.sync) && made) {
        const eligible = new Set(verdicts.filter((v) => v.status !== 'Error').map((v) => v.tenant));
        const corrections = selectCorrections(made.changes, drift, options.policy, eligible);
        actions = await correct({ corrections, drift, state, serial: snapshot.serial, plan: made, pool, env, resolveSecret: secrets.resolveSecret, id, signal: options.signal });
      }
      return finish({ id, at, state, previous, verdicts, actions, problems, options, env });
    } finally {
      await pool.closeAll();
    }
  } finally {
    state.close();
  }
}

function finish(r: {
  id: string; at: string; state: StateStore; previous: ReadonlyMap<string, TenantSyncRecord>; verdicts: readonly TenantVerdict[];
  actions: ReadonlyMap<string, TenantAction>; problems: readonly string[]; options: RoundOptions; env: RoundEnv;
}): RoundResult {
  const records = r.verdicts.map((v) => nextRecord(r.previous.get(v.tenant), v, r.actions.get(v.tenant) ?? NO_ACTION, { id: r.id, at: r.at }));
  // A round over every tenant is the whole truth: rows of tenants gone from specs and state go.
  r.state.saveTenantStatus(records, { replaceAll: !r.options.tenants });
  return { id: r.id, startedAt: r.at, finishedAt: r.env.now().toISOString(), records, problems: r.problems };
}

function judgeAll(
  known: ReadonlySet<string>,
  errors: ReadonlyMap<string, readonly string[]>,
  drift: readonly Drift[] = [],
  changes: readonly Change[] = [],
  orphaned: readonly string[] = [],
): TenantVerdict[] {
  const driftOf = groupBy(drift, (d) => d.before.tenant);
  const changesOf = groupBy(changes, (c) => c.tenant);
  const orphans = new Set(orphaned);
  return [...known].sort().map((tenant) => judgeTenant({
    tenant,
    errors: errors.get(tenant) ?? [],
    drift: driftOf.get(tenant) ?? [],
    changes: changesOf.get(tenant) ?? [],
    orphaned: orphans.has(tenant),
  }));
}

/** Drift of the healthy tenants' resources, one bulk read per zone; a zone that cannot be read fails its tenants. */
async function observe(
  resources: ReadonlyMap<string, RecordedResource>,
  specs: SpecSet,
  providerFor: (zone: string) => Provider,
  healthy: (tenant: string) => boolean,
  fail: (tenant: string, message: string) => void,
): Promise<Drift[]> {
  const byZone = groupBy([...resources.values()].filter((r) => healthy(r.tenant)), (r) => r.zone);
  const drift: Drift[] = [];
  for (const [zone, rs] of [...byZone].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const tenants = new Set(rs.map((r) => r.tenant));
    if (!specs.zones.has(zone)) {
      for (const t of tenants) fail(t, `zone ${zone} is not described by the specs: what really exists cannot be read`);
      continue;
    }
    try {
      const observed = await observeAll(rs, providerFor);
      drift.push(...detectDrift(new Map(rs.map((r) => [r.address, r])), observed));
    } catch (error) {
      for (const t of tenants) fail(t, `reading zone ${zone} failed: ${messageOf(error)}`);
    }
  }
  return drift;
}

/**
 * Plans the tenants not in error; a tenant whose plan has errors joins them and the
 * rest are planned again. Each pass removes at least one tenant, so this ends.
 */
function planHealthy(p: {
  specs: SpecSet; snapshot: { lineage: string; serial: number }; recorded: ReadonlyMap<string, RecordedResource>;
  known: ReadonlySet<string>; errors: ReadonlyMap<string, readonly string[]>; fail: (tenant: string, ...messages: string[]) => void;
  digestSecret: PlanInput['digestSecret']; declarations: Declarations; prune: boolean;
}): Plan | undefined {
  for (;;) {
    const healthy = new Set([...p.known].filter((t) => !p.errors.has(t)));
    if (healthy.size === 0) return undefined;
    const view: SpecSet = {
      ...p.specs,
      tenants: new Map([...p.specs.tenants].filter(([name]) => !p.errors.has(name))),
      // Load errors were blamed on their tenants (now left out) or reported as problems.
      diagnostics: p.specs.diagnostics.filter((d) => d.severity !== 'error'),
    };
    const { plan } = makePlan({
      specs: view, lineage: p.snapshot.lineage, serial: p.snapshot.serial, recorded: p.recorded,
      digestSecret: p.digestSecret, prune: p.prune, tenants: healthy,
    });
    const errors = plan.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length === 0) return plan;
    const blamed = attributeErrors(errors, p.declarations);
    for (const [t, messages] of blamed.byTenant) if (healthy.has(t)) p.fail(t, ...messages);
    const stillHealthy = [...healthy].filter((t) => !p.errors.has(t));
    if (blamed.unattributed.length > 0 || stillHealthy.length === healthy.size) {
      const first: Diagnostic = blamed.unattributed[0] ?? errors[0]!;
      for (const t of stillHealthy) p.fail(t, `the plan failed: ${formatDiagnostic(first)}`);
    }
  }
}

function declarationsOf(specs: SpecSet, recorded: Iterable<RecordedResource>, env: RoundEnv): Declarations {
  const tenantsByFile = new Map<string, string[]>();
  const zonesByFile = new Map<string, string[]>();
  const tenantsByZone = new Map<string, Set<string>>();
  const add = <K, V>(map: Map<K, V[]>, k: K, v: V): void => {
    const list = map.get(k);
    if (list) list.push(v);
    else map.set(k, [v]);
  };
  const inZone = (zone: string, tenant: string): void => {
    const set = tenantsByZone.get(zone);
    if (set) set.add(tenant);
    else tenantsByZone.set(zone, new Set([tenant]));
  };
  for (const [name, t] of specs.tenants) {
    add(tenantsByFile, t.file, name);
    inZone(t.value.spec.zone, name);
  }
  for (const [name, z] of specs.zones) add(zonesByFile, z.file, name);
  const inState = new Set<string>();
  for (const r of recorded) {
    inState.add(r.tenant);
    inZone(r.zone, r.tenant);
  }
  const lenient = new Map<string, ReturnType<RoundEnv['declaredIn']>>();
  const declared = (file: string): ReturnType<RoundEnv['declaredIn']> => {
    let d = lenient.get(file);
    if (!d) lenient.set(file, (d = env.declaredIn(file)));
    return d;
  };
  return {
    tenantsIn(file) {
      const loaded = tenantsByFile.get(file) ?? [];
      const named = declared(file).tenants;
      // A file too broken to name anything is taken to be the tenant it is named after (acme.yaml).
      const byName = basename(file).replace(/\.ya?ml$/i, '');
      const fallback = loaded.length === 0 && named.length === 0 && inState.has(byName) ? [byName] : [];
      return [...new Set([...loaded, ...named, ...fallback])];
    },
    zonesIn: (file) => [...new Set([...(zonesByFile.get(file) ?? []), ...declared(file).zones])],
    tenantsOfZone: (zone) => [...(tenantsByZone.get(zone) ?? [])],
  };
}

/**
 * Applies the corrections under the state lock, or says why not. Nothing starts once
 * `signal` is aborted; what is in flight then finishes and is recorded (executePlan).
 */
async function correct(c: {
  corrections: Corrections; drift: readonly Drift[]; state: StateStore; serial: number; plan: Plan;
  pool: { providerFor(zone: string): Provider }; env: RoundEnv; resolveSecret: RoundSecrets['resolveSecret']; id: string; signal: AbortSignal;
}): Promise<Map<string, TenantAction>> {
  const { corrections, state } = c;
  const actions = new Map<string, TenantAction>();
  const acting = new Set([...corrections.changes.map((x) => x.tenant), ...corrections.acceptDrift.map((d) => d.before.tenant)]);
  if (acting.size === 0) return actions;
  const deferAll = (why: string): Map<string, TenantAction> => {
    for (const t of acting) actions.set(t, { kind: 'deferred', detail: why });
    return actions;
  };
  if (c.signal.aborted) return deferAll('the loop is stopping: nothing was started');
  const lock = await c.env.tryLock();
  if ('refused' in lock) return deferAll(`not applied: ${lock.refused}; retrying next round`);
  try {
    if (state.serial() !== c.serial) return deferAll('the state changed while this round planned (another run applied): the next round plans again');
    if (state.pendingOperations().length > 0) {
      const desired = new Map<string, DesiredResource>();
      for (const ch of c.plan.changes) if ('after' in ch) desired.set(ch.address, ch.after);
      const report = await recoverPending(state, c.pool.providerFor, (a) => desired.get(a));
      return deferAll(`resolved ${report.length} operation${report.length === 1 ? '' : 's'} of an interrupted run first: the next round plans again`);
    }
    recordDrift(state, corrections.acceptDrift, c.id);
    // Renames first, as apply does: the same objects at their new addresses before any step commits there.
    const moves = recordMoves(corrections.changes);
    if (moves.length > 0) state.moveResources(moves, { actor: thisHolder().owner, command: 'reconcile', runId: c.id });
    let result: ApplyResult | undefined;
    if (corrections.changes.length > 0) {
      const providerIds = new Map<string, string>();
      for (const r of state.snapshot().resources.values()) providerIds.set(r.address, r.providerId);
      result = await executePlan(orderChanges(corrections.changes).dag, {
        state, providerFor: c.pool.providerFor, resolveSecret: c.resolveSecret, providerIds,
        parallelism: c.env.parallelism, runId: c.id, reporter: quietReporter, now: c.env.now, signal: c.signal,
        ...(c.env.retry ? { retry: c.env.retry } : {}),
      });
    }
    const drifted = new Set(c.drift.map((d) => d.address));
    for (const t of acting) actions.set(t, tenantOutcome(t, corrections, drifted, result));
    return actions;
  } catch (error) {
    for (const t of acting) actions.set(t, { kind: 'failed', detail: `correcting failed: ${messageOf(error)}`, error: messageOf(error) });
    return actions;
  } finally {
    lock.release();
  }
}

function tenantOutcome(tenant: string, corrections: Corrections, drifted: ReadonlySet<string>, result: ApplyResult | undefined): TenantAction {
  const changes = corrections.changes.filter((ch) => ch.tenant === tenant);
  const accepted = corrections.acceptDrift.filter((d) => d.before.tenant === tenant).length;
  let applied = 0;
  let skipped = 0;
  const failures: string[] = [];
  for (const [stepId, o] of result?.outcomes ?? []) {
    if (tenantOfAddress(stepId) !== tenant) continue;
    if (o.status === 'succeeded') applied++;
    else if (o.status === 'failed') failures.push(`${stepId}: ${messageOf(o.error)}`);
    else skipped++;
  }
  const parts: string[] = [];
  if (changes.length > 0) parts.push(`${applied} change${applied === 1 ? '' : 's'} applied`);
  if (accepted > 0) parts.push(`${accepted} drift${accepted === 1 ? '' : 's'} recorded as reality already matches the spec`);
  if (failures.length > 0) {
    return { kind: 'failed', detail: [...parts, `${failures.length} failed`, ...(skipped > 0 ? [`${skipped} skipped`] : [])].join(', '), error: failures[0]! };
  }
  if (skipped > 0) return { kind: 'deferred', detail: [...parts, `${skipped} not started (the loop is stopping): the next round continues`].join(', ') };
  const spec = changes.some((ch) => causeOf(ch, drifted) === 'spec');
  return { kind: spec ? 'synced' : 'healed', detail: parts.join(', ') };
}

function groupBy<T>(items: Iterable<T>, key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}
