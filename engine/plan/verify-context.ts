/**
 * What every verify rule reads, and how rules word their findings: each finding is a
 * Diagnostic at a path inside the spec document it is about (verify.ts turns paths
 * into lines), with the address of the resource when there is one.
 */
import type { Diagnostic, Severity } from '../../specs/diagnostic.js';
import type { Loaded, SpecSet } from '../../specs/model.js';
import type { TenantDoc } from '../../specs/schema.js';
import type { DesiredResource, RecordedResource } from '../../specs/model/resource.js';

export interface VerifyContext {
  readonly specs: SpecSet;
  /** Tenants whose findings are reported; the others only count (segments, addresses, capacity). */
  readonly selected: (tenant: string) => boolean;
  /** Allocated networks of every tenant in the zones involved, by address. */
  readonly networks: ReadonlyMap<string, DesiredResource>;
  readonly recorded: ReadonlyMap<string, RecordedResource>;
  /** Whether a finding may name this tenant (a partner's run names only its own); default all. */
  readonly visible?: (tenant: string) => boolean;
}

export type Path = readonly (string | number)[];

export function finding(loaded: Loaded<TenantDoc>, path: Path, summary: string, extra: { address?: string; severity?: Severity } = {}): Diagnostic {
  return {
    severity: extra.severity ?? 'error',
    summary,
    file: loaded.file,
    doc: loaded.doc,
    path,
    ...(extra.address !== undefined ? { address: extra.address } : {}),
  };
}

/** A finding at a path below the spec item a resource comes from. */
export function findingAt(resource: DesiredResource, below: Path, summary: string, severity: Severity = 'error'): Diagnostic {
  const source = resource.source;
  return {
    severity,
    summary,
    ...(source ? { file: source.file, doc: source.doc, path: [...source.path, ...below] } : {}),
    address: resource.address,
  };
}

/** `network colo of tenant baker-law` for an address `baker-law/network/colo`. */
export function describeOwner(address: string, kind: string): string {
  const [tenant = '', , ...rest] = address.split('/');
  return `${kind} ${rest.join('/')} of tenant ${tenant} (${address})`;
}

/** ` (did you mean "office"?)` or ''. */
export const suggestion = (guess: string | undefined): string => (guess === undefined ? '' : ` (did you mean "${guess}"?)`);
