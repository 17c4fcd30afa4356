/**
 * checkPartner: what a partner's plan may not do, as diagnostics at the offending spec
 * lines. Pure: a function of the loaded specs, the recorded state, the desired
 * resources of the planned tenants and the partner's name.
 *
 * Refused, per planned tenant:
 * - a tenant the partner does not own by name (its Partners entry), even when the
 *   tenant's file claims the partner;
 * - an owned tenant whose `metadata.partner` names another partner, or none — in a
 *   partner's run every tenant file says whose it is, so a reviewer sees it;
 * - a tenant in a zone the partner is not given;
 * - a fixed VLAN ID or VNI outside the partner's `segments` ranges, and a public IP
 *   (fixed, or from a named pool, or as allocated) outside its `publicIpPools` — both
 *   optional; the zone pools themselves are verify's (verify-zone.ts) for everyone;
 * and, over all the partner's tenants, every quota the plan takes it over (quotas.ts).
 */
import { formatPath, type Diagnostic } from '../../specs/diagnostic.js';
import type { Loaded, SpecSet } from '../../specs/model.js';
import type { TenantDoc } from '../../specs/schema.js';
import { formatIpv4, parseIpv4 } from '../../specs/model/net/ipv4.js';
import type { DesiredResource, RecordedResource } from '../../specs/model/resource.js';
import { formatRanges, inRanges, parseRanges } from '../plan/allocate-pool.js';
import { poolOf, zonePools } from '../plan/allocate-public-ips.js';
import { finding } from '../plan/verify-context.js';
import { describeTenants, findPartner, ownsTenant, type Partner } from './ownership.js';
import { checkQuotas } from './quotas.js';

export interface PartnerCheckInput {
  readonly specs: SpecSet;
  readonly recorded: ReadonlyMap<string, RecordedResource>;
  /** Desired resources (allocated) of the planned tenants. */
  readonly desired: readonly DesiredResource[];
  readonly partner: string;
  /**
   * Tenants the plan decides: after it, they hold exactly their `desired` resources.
   * Default: every tenant with a spec. Every other tenant keeps what state records.
   */
  readonly planned?: ReadonlySet<string>;
  /** A destroy: the planned tenants go away, so their specs are not checked, only ownership. */
  readonly destroy?: boolean;
}

export function checkPartner(input: PartnerCheckInput): Diagnostic[] {
  const found = findPartner(input.specs, input.partner);
  if (!found.partner) return [...found.diagnostics];
  const partner = found.partner;
  const planned = input.planned ?? new Set(input.specs.tenants.keys());
  const out: Diagnostic[] = [];
  for (const tenant of [...planned].sort()) {
    const loaded = input.specs.tenants.get(tenant);
    if (!ownsTenant(partner, tenant)) {
      const summary = `partner ${partner.name} does not manage tenant ${tenant} (it manages ${describeTenants(partner)})`;
      out.push(loaded ? finding(loaded, ['metadata', 'name'], summary) : { severity: 'error', summary });
      continue;
    }
    if (loaded && !input.destroy) out.push(...checkTenantSpec(partner, loaded, input));
  }
  out.push(...foreignInOwnFiles(partner, input.specs));
  const owned = new Set<string>();
  for (const t of input.specs.tenants.keys()) if (ownsTenant(partner, t)) owned.add(t);
  for (const r of input.recorded.values()) if (ownsTenant(partner, r.tenant)) owned.add(r.tenant);
  const quotaAt = (key: string): string => {
    const path = [...partner.path, 'quotas', ...key.split('.')];
    const at = input.specs.locate(partner.file, partner.doc, path);
    return at ? `${partner.file}:${at.line}:${at.column}` : `${partner.file}, ${formatPath(path)}`;
  };
  out.push(...checkQuotas({ partner, owned, planned, desired: input.desired, recorded: input.recorded, quotaAt }));
  return out;
}

/**
 * A file that holds one of the partner's tenants (owned, or claiming it) holds only
 * tenants the partner manages: a second Tenant document of nobody's — an operator's
 * tenant outside every quota — or of another partner's rides along in no partner's file.
 */
function foreignInOwnFiles(partner: Partner, specs: SpecSet): Diagnostic[] {
  const files = new Set<string>();
  for (const [name, t] of specs.tenants) if (ownsTenant(partner, name) || t.value.metadata.partner === partner.name) files.add(t.file);
  const out: Diagnostic[] = [];
  for (const [name, t] of specs.tenants) {
    if (!files.has(t.file) || ownsTenant(partner, name) || t.value.metadata.partner === partner.name) continue;
    out.push(finding(t, ['metadata', 'name'], `tenant ${name} is in a file of partner ${partner.name}'s tenants, but partner ${partner.name} does not manage it: a partner's files hold only its own tenants`));
  }
  return out;
}

function checkTenantSpec(partner: Partner, loaded: Loaded<TenantDoc>, input: PartnerCheckInput): Diagnostic[] {
  const out: Diagnostic[] = [];
  const { metadata, spec } = loaded.value;
  const name = metadata.name;
  if (metadata.partner === undefined) {
    out.push(finding(loaded, ['metadata'], `tenant ${name} does not say which partner manages it: add "partner: ${partner.name}" to its metadata`));
  } else if (metadata.partner !== partner.name) {
    out.push(finding(loaded, ['metadata', 'partner'], `tenant ${name} names partner ${metadata.partner}, not ${partner.name}: a partner changes only tenants that name it`));
  }
  if (!partner.spec.zones.includes(spec.zone)) {
    const zones = partner.spec.zones.length > 0 ? `its zones: ${partner.spec.zones.join(', ')}` : 'it is given no zone';
    out.push(finding(loaded, ['spec', 'zone'], `partner ${partner.name} may not use zone ${spec.zone} (${zones})`));
  }

  const segments = partner.spec.segments;
  spec.networks.forEach((network, i) => {
    const [type, id] = 'vlan' in network.segment ? ['vlan', network.segment.vlan] as const : ['vxlan', network.segment.vxlan] as const;
    const allowed = type === 'vlan' ? segments?.vlans : segments?.vxlans;
    if (id === 'auto' || allowed === undefined) return;
    const ranges = parseRanges(allowed);
    if (inRanges(ranges, id)) return;
    const label = type === 'vlan' ? `VLAN ${id}` : `VXLAN VNI ${id}`;
    out.push(finding(loaded, ['spec', 'networks', i, 'segment', type], `${label} is outside the ${type === 'vlan' ? 'VLAN IDs' : 'VNIs'} partner ${partner.name} may use (${formatRanges(ranges) || 'none'})`, { address: `${name}/network/${network.name}` }));
  });

  const pools = partner.spec.publicIpPools;
  const zone = input.specs.zones.get(spec.zone);
  if (pools !== undefined && zone) {
    const zonePoolList = zonePools({ zone });
    const allowed = pools.join(', ') || 'none';
    const allocated = new Map(input.desired.filter((r) => r.tenant === name && r.type === 'public-ip').map((r) => [r.address, r.attributes.address]));
    spec.publicIps.forEach((ip, i) => {
      const address = `${name}/public-ip/${ip.name}`;
      const at = (below: readonly (string | number)[], summary: string): Diagnostic => finding(loaded, ['spec', 'publicIps', i, ...below], summary, { address });
      if (ip.pool !== undefined && !pools.includes(ip.pool)) {
        out.push(at(['pool'], `public IP ${ip.name} takes pool ${ip.pool}; partner ${partner.name} may use pools ${allowed}`));
        return;
      }
      const text = ip.address !== 'auto' ? ip.address : allocated.get(address);
      const value = typeof text === 'string' ? parseIpv4(text) : undefined;
      const pool = value !== undefined ? poolOf(zonePoolList, value) : undefined;
      if (value === undefined || !pool || pools.includes(pool.name)) return;
      out.push(ip.address !== 'auto'
        ? at(['address'], `public IP ${formatIpv4(value)} is in pool ${pool.name}; partner ${partner.name} may use pools ${allowed}`)
        : at([], `public IP ${ip.name} would come from pool ${pool.name} (${formatIpv4(value)}); partner ${partner.name} may use pools ${allowed}: name one with "pool:"`));
    });
  }
  return out;
}
