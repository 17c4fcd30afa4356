/**
 * Which locks an apply holds. Runs for different tenants proceed side by side: a run
 * holds `tenant:NAME` for each tenant it may change, and — only once its plan creates
 * or replaces something in a zone, which takes VLANs, addresses and capacity from what
 * the zone shares — `zone:NAME` too, planning again once it holds it (another run may
 * have taken what the first plan counted on). Tenant scopes are taken before zone
 * scopes, each set all at once, so two runs never wait for each other in a circle.
 * Whole-state work (refresh of everything, adoption, a saved plan, which pins the state
 * serial) holds `state`, which excludes every other scope.
 */
import { recordOf } from '../../specs/model/attribute-values.js';
import type { Change } from '../plan/change.js';
import type { Attributes } from '../../specs/model/resource.js';
import { type LockHandle, STATE_SCOPE } from '../../state/index.js';
import { holding, releaseLocks, takeLockOrRefuse } from './lock.js';

export const tenantScope = (tenant: string): string => `tenant:${tenant}`;
export const zoneScope = (zone: string): string => `zone:${zone}`;

/**
 * Zones in which a plan takes from what the zone shares: a create, a replace (which
 * creates anew), or an update that grows a VM or a disk (capacity).
 */
export function allocatingZones(changes: readonly Change[]): Set<string> {
  const zones = new Set<string>();
  for (const c of changes) {
    if (c.action === 'create' || c.action === 'replace' || (c.action === 'update' && grows(c.before.attributes, c.after.attributes))) zones.add(c.after.zone);
  }
  return zones;
}

function grows(before: Attributes, after: Attributes): boolean {
  const more = (a: unknown, b: unknown): boolean => typeof a === 'number' && typeof b === 'number' && b > a;
  return more(before['cpu'], after['cpu']) || more(before['memoryMiB'], after['memoryMiB']) || more(before['sizeGiB'], after['sizeGiB'])
    || more(recordOf(before['rootDisk'])['sizeGiB'], recordOf(after['rootDisk'])['sizeGiB']);
}

export interface RunLocks {
  /**
   * Takes the scopes of `zones` not held yet; true when it took some, and the plan
   * must be made again under them.
   */
  holdZones(zones: ReadonlySet<string>): Promise<boolean>;
  /** The tenants whose interrupted operations this run may resolve; undefined: all (it holds `state`). */
  readonly tenants: ReadonlySet<string> | undefined;
  /** Releases every lock taken, last first; the line to report when some could not be released. */
  release(): string | undefined;
}

interface TakeOptions {
  readonly path: string;
  readonly command: string;
  readonly timeoutMs: number;
}

const take = (options: TakeOptions, scopes: readonly string[]): Promise<LockHandle> =>
  takeLockOrRefuse({ path: options.path }, options.command, options.timeoutMs, scopes);

/** Takes the tenants' scopes (or the whole state, for `undefined` or an empty set). */
export async function takeRunLocks(options: TakeOptions, tenants: ReadonlySet<string> | undefined): Promise<RunLocks> {
  const whole = tenants === undefined || tenants.size === 0;
  const handles = [await take(options, whole ? [STATE_SCOPE] : [...tenants].map(tenantScope))];
  const zones = new Set<string>();
  return {
    tenants: whole ? undefined : tenants,
    async holdZones(wanted) {
      if (whole) return false;
      const missing = [...wanted].filter((z) => !zones.has(z));
      if (missing.length === 0) return false;
      handles.push(await take(options, missing.map(zoneScope)));
      for (const z of missing) zones.add(z);
      return true;
    },
    release: () => releaseLocks([...handles].reverse()),
  };
}

/** Runs `fn` holding `locks`, then releases them (see `holding`: a lock left behind is one line, exit 1). */
export function holdingRunLocks<T>(locks: RunLocks, fn: () => Promise<T>): Promise<T> {
  return holding(fn, () => locks.release());
}

