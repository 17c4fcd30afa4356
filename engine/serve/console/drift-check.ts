/**
 * "Check now" on a tenant's drift: reality read through the tenant's provider (as
 * `netfirst plan --refresh --tenant T` reads it), compared with the state, and each
 * drifted attribute lined up in three values — what the spec asks for, what the state
 * recorded, what the provider reports. Nothing is written: the state keeps its record
 * until a plan corrects reality or an edit adopts it into the spec.
 *
 * The last check of each tenant is kept in memory, so the page that follows the POST
 * (and "adopt observed", which takes the observed value from here, never from the
 * form) shows what was read. Two checks of one tenant at once share one read.
 */
import { hasErrors } from '../../../specs/diagnostic.js';
import { publicView, type AttrValue, type Attributes, type ResourceTypeName } from '../../../specs/model/resource.js';
import type { Change } from '../../plan/change.js';
import type { Drift } from '../../plan/drift.js';
import { UserError } from '../../run/errors.js';
import { computePlan } from '../../run/plan-run.js';
import type { Caller } from '../caller.js';
import { hidePaths, runPartnerOf, viewFor } from '../plan-service.js';
import type { ConsoleContext } from './guard.js';

/** One drifted attribute (`changed`), or a resource gone from reality (`deleted`, no attribute). */
export interface DriftRow {
  readonly address: string;
  readonly type: ResourceTypeName;
  readonly kind: 'changed' | 'deleted';
  readonly attribute?: string;
  /** What the spec asks for; `absent` when the spec no longer has the resource (or has errors). */
  readonly spec: { readonly value: AttrValue } | 'absent';
  readonly recorded: AttrValue | undefined;
  /** Undefined for a deleted resource. */
  readonly observed: AttrValue | undefined;
}

export interface DriftReport {
  readonly tenant: string;
  /** When reality was read (ISO 8601). */
  readonly checkedAt: string;
  /** The state serial the check compared with: once it moves, the check says nothing certain. */
  readonly serial: number;
  readonly rows: readonly DriftRow[];
  /** Resources read and found as recorded. */
  readonly inSync: number;
  /** Why reality could not be read or the spec not planned, in words (no server path in it). */
  readonly error?: string;
  /** The tenant's spec has errors: the spec column is empty where it could not be planned. */
  readonly specErrors: boolean;
}

/** The resource a change plans, under its address or the one it is renamed from. */
function desiredOf(changes: readonly Change[], address: string): Attributes | undefined {
  for (const c of changes) {
    if (c.address !== address && !('movedFrom' in c && c.movedFrom === address)) continue;
    if (c.action === 'create' || c.action === 'update' || c.action === 'replace' || c.action === 'noop') return c.after.attributes;
    return undefined;
  }
  return undefined;
}

/** Drift as rows: one per changed attribute, sensitive ones never shown (they are never compared either). */
export function driftRows(drift: readonly Drift[], changes: readonly Change[]): DriftRow[] {
  const rows: DriftRow[] = [];
  for (const d of drift) {
    const desired = desiredOf(changes, d.address);
    const recorded = publicView(d.before).attributes;
    if (d.kind === 'deleted') {
      rows.push({ address: d.address, type: d.type, kind: 'deleted', spec: desired ? { value: 'present' } : 'absent', recorded: 'present', observed: undefined });
      continue;
    }
    for (const attribute of d.changed) {
      const sensitive = d.before.sensitive.includes(attribute);
      rows.push({
        address: d.address, type: d.type, kind: 'changed', attribute,
        spec: desired && attribute in desired ? { value: sensitive ? '(sensitive)' : desired[attribute]! } : 'absent',
        recorded: recorded[attribute],
        observed: sensitive ? '(sensitive)' : d.observed[attribute],
      });
    }
  }
  return rows;
}

/** Reads reality for `tenant` as `caller`'s runs would (its partner's view of the specs) and lines up the drift. */
export async function checkTenantDrift(cx: ConsoleContext, caller: Caller, tenant: string): Promise<DriftReport> {
  const checkedAt = cx.now().toISOString();
  const serial = cx.store.serial();
  const source = cx.source.specs();
  const partner = runPartnerOf(caller, source);
  const context = cx.settled.context(source);
  let computed;
  try {
    computed = await computePlan([cx.source.root], {
      state: cx.options.statePath,
      // '' keeps NETFIRST_PARTNER of the server's environment out of an operator's check.
      partner: partner ?? '',
      tenant: [tenant],
      refresh: true,
      // A saved-plan run: all or nothing, never past other tenants' errors.
      out: 'console',
      openState: () => ({ ...cx.store, close: () => undefined }),
      ...(context ? { context } : {}),
    }, false, viewFor(source, partner));
  } catch (error) {
    const message = error instanceof UserError ? hidePaths(error.message, [cx.source.root]) : 'the provider could not be read: the reason is in the server log';
    if (!(error instanceof UserError)) process.stderr.write(`netfirst serve: drift check of ${tenant}: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    return { tenant, checkedAt, serial, rows: [], inSync: 0, error: message, specErrors: false };
  }
  try {
    const { plan } = computed;
    const drift = plan.drift ?? [];
    const recorded = cx.store.listByTenant(tenant).length;
    return {
      tenant, checkedAt, serial: computed.snapshot.serial,
      rows: driftRows(drift, plan.changes),
      inSync: Math.max(0, recorded - drift.length),
      specErrors: hasErrors(plan.diagnostics),
    };
  } finally {
    computed.state.close();
  }
}

/** The last check per tenant of this server, and the one in flight. */
export class DriftChecks {
  private readonly last = new Map<string, DriftReport>();
  private readonly running = new Map<string, Promise<DriftReport>>();

  constructor(private readonly cx: ConsoleContext) {}

  /** Reads reality now; a check of the same tenant already under way is joined, not repeated. */
  async check(caller: Caller, tenant: string): Promise<DriftReport> {
    const inFlight = this.running.get(tenant);
    if (inFlight) return inFlight;
    const started = checkTenantDrift(this.cx, caller, tenant).then((report) => {
      this.last.set(tenant, report);
      return report;
    }).finally(() => this.running.delete(tenant));
    this.running.set(tenant, started);
    return started;
  }

  /**
   * The last check of `tenant`, while the state is as it compared it (a run since may
   * have corrected or recorded what it saw). The caller must see the tenant: the page
   * checks scope first.
   */
  lastOf(tenant: string): DriftReport | undefined {
    const report = this.last.get(tenant);
    if (report && report.serial !== this.cx.store.serial()) {
      this.last.delete(tenant);
      return undefined;
    }
    return report;
  }

  /** A drifted attribute of the last check, to adopt; undefined when the last check did not see it. */
  observed(tenant: string, address: string, attribute: string): DriftRow | undefined {
    return this.lastOf(tenant)?.rows.find((r) => r.kind === 'changed' && r.address === address && r.attribute === attribute);
  }

  /** Forgets a tenant's check once it is out of date (a plan or an edit changed what it compared). */
  forget(tenant: string): void {
    this.last.delete(tenant);
  }
}
