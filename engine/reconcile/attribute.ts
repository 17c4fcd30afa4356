/**
 * Which tenants an error diagnostic belongs to, so that a bad spec fails only its own
 * tenant and the round goes on for the others. Pure: the caller says which tenants and
 * zones each file declares (also files that did not load, read leniently) and which
 * tenants live in each zone.
 */
import { formatDiagnostic, type Diagnostic } from '../../specs/diagnostic.js';

export interface Declarations {
  /** Tenants each file declares (by `metadata.name`, even when the file is broken). */
  readonly tenantsIn: (file: string) => readonly string[];
  /** Zones each file declares. */
  readonly zonesIn: (file: string) => readonly string[];
  /** Tenants whose spec or state places them in this zone. */
  readonly tenantsOfZone: (zone: string) => readonly string[];
}

export interface Attribution {
  /** Each tenant's errors, one formatted line each. */
  readonly byTenant: ReadonlyMap<string, readonly string[]>;
  /** Errors no tenant can be blamed for (a broken partners file, an unnamed document). */
  readonly unattributed: readonly Diagnostic[];
}

/** The tenant part of an address: `acme/vm/web-1` → `acme`. */
export const tenantOfAddress = (address: string): string => address.split('/', 1)[0]!;

export function attributeErrors(diagnostics: readonly Diagnostic[], declared: Declarations): Attribution {
  const byTenant = new Map<string, string[]>();
  const unattributed: Diagnostic[] = [];
  const blame = (tenant: string, d: Diagnostic): void => {
    let list = byTenant.get(tenant);
    if (!list) byTenant.set(tenant, (list = []));
    // One line per error: the detail (hints, long explanations) stays for `netfirst validate`.
    const { detail: _detail, ...line } = d;
    list.push(formatDiagnostic(line));
  };
  for (const d of diagnostics) {
    if (d.severity !== 'error') continue;
    if (d.address !== undefined) {
      blame(tenantOfAddress(d.address), d);
      continue;
    }
    const tenants = d.file === undefined ? [] : declared.tenantsIn(d.file);
    // A broken zone file fails every tenant in that zone: none of them can be planned.
    const zoneTenants = d.file === undefined || tenants.length > 0 ? [] : declared.zonesIn(d.file).flatMap((z) => declared.tenantsOfZone(z));
    const blamed = [...new Set([...tenants, ...zoneTenants])];
    if (blamed.length === 0) unattributed.push(d);
    for (const t of blamed) blame(t, d);
  }
  return { byTenant, unattributed };
}
