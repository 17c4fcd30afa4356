/**
 * Which partner a tenant belongs to, for billing: the Partners entry that names it (an
 * exact name before the longest matching `prefix*`), else the tenant's own
 * `metadata.partner` when its spec is loaded, else none (''). Tenants whose spec is gone but who
 * still have usage in the period are found through the Partners patterns.
 */

export interface PartnerSources {
  /** Tenant name → metadata.partner, for tenants whose spec is loaded. */
  readonly tenantPartners: ReadonlyMap<string, string | undefined>;
  /** Every Partners entry: its name and its tenant names or `prefix*` patterns. */
  readonly partners: readonly { readonly name: string; readonly tenants: readonly string[] }[];
}

export interface PartnerDirectory {
  partnerOf(tenant: string): string;
  /** Every partner named anywhere (metadata or Partners), sorted. */
  readonly known: readonly string[];
}

export function partnerDirectory(sources: PartnerSources): PartnerDirectory {
  const exact = new Map<string, string>();
  const prefixes: { prefix: string; partner: string }[] = [];
  for (const p of sources.partners) {
    for (const pattern of p.tenants) {
      if (pattern.endsWith('*')) prefixes.push({ prefix: pattern.slice(0, -1), partner: p.name });
      else if (!exact.has(pattern)) exact.set(pattern, p.name);
    }
  }
  // Longest prefix first; among equals, the first written wins (stable sort).
  prefixes.sort((a, b) => b.prefix.length - a.prefix.length);
  // The Partners file decides, as it does for ownership (engine/partners): a tenant's own
  // metadata.partner counts only for a tenant no Partners entry covers.
  const partnerOf = (tenant: string): string => {
    const named = exact.get(tenant);
    if (named !== undefined) return named;
    const matched = prefixes.find((p) => tenant.startsWith(p.prefix))?.partner;
    if (matched !== undefined) return matched;
    return sources.tenantPartners.get(tenant) ?? '';
  };
  const known = new Set<string>(sources.partners.map((p) => p.name));
  for (const p of sources.tenantPartners.values()) if (p) known.add(p);
  return { partnerOf, known: [...known].sort() };
}
