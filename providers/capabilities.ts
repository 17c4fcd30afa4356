/**
 * What each provider type can realize, known without creating a provider: planning
 * reads it so that a spec asking for something a zone's provider cannot do fails at
 * `plan` with a diagnostic, not half-way through an apply.
 */
import { recordOf } from '../specs/model/attribute-values.js';
import type { Attributes, ResourceTypeName } from '../specs/model/resource.js';
import { UNDERLAY_CIDR } from './linux/names.js';

export type ProviderType = 'sim' | 'linux' | 'cloudstack';

/** Resource types a provider type does not realize, with the reason shown to the user. */
const UNSUPPORTED: { readonly [P in ProviderType]: Partial<Record<ResourceTypeName, string>> } = {
  sim: {},
  cloudstack: {},
  linux: {
    'vpn-user': 'remote-access VPN (vpn.remoteAccess) is not built in the linux provider; use site-to-site VPN, or a zone whose provider offers it',
  },
};

/**
 * Address ranges a provider type uses for itself, which no tenant network or VPN route
 * may overlap: the linux provider's fabric (the underlay of its hosts and routers,
 * which lives inside every tenant router's namespace).
 */
const INTERNAL_RANGES: { readonly [P in ProviderType]: readonly { readonly cidr: string; readonly what: string }[] } = {
  sim: [],
  cloudstack: [],
  linux: [{ cidr: UNDERLAY_CIDR, what: 'the fabric of the linux provider (the underlay of its hosts and routers)' }],
};

export const internalRanges = (provider: ProviderType): readonly { readonly cidr: string; readonly what: string }[] => INTERNAL_RANGES[provider];

/** CloudStack's customer gateways take MODP groups only (NetUtils.isValidS2SVpnPolicy). */
const CLOUDSTACK_DH_GROUPS = new Set([2, 5, 14, 15, 16]);

/**
 * Why `provider` cannot realize a resource of `type` with these attributes, or
 * undefined when it can; `path` is the attribute the reason is about, for the diagnostic.
 */
export function unsupportedReason(provider: ProviderType, type: ResourceTypeName, attributes: Attributes = {}): { reason: string; path: string[] } | undefined {
  const reason = UNSUPPORTED[provider][type];
  if (reason !== undefined) return { reason, path: [] };
  if (provider === 'cloudstack' && type === 'vpn-connection') {
    for (const [phase, field] of [['ike', 'dhGroup'], ['esp', 'pfsGroup']] as const) {
      const group = recordOf(attributes[phase])['group'];
      if (typeof group === 'number' && !CLOUDSTACK_DH_GROUPS.has(group)) {
        return { reason: `CloudStack's VPN customer gateways take MODP Diffie-Hellman groups only (2, 5, 14, 15, 16), not group ${group} (elliptic curve)`, path: [phase, field] };
      }
    }
  }
  return undefined;
}

/**
 * How a provider type carries out an in-place update, when that is more than a
 * change: shown beside the update in the plan (CloudStack stops a VM to change its
 * service offering).
 */
export function updateNote(provider: ProviderType, type: ResourceTypeName, changed: readonly string[], after?: Attributes): string | undefined {
  if (provider === 'cloudstack' && type === 'vm' && changed.some((a) => a === 'cpu' || a === 'memoryMiB')) {
    // A VM wanted stopped is left stopped after the change.
    return after?.['power'] === 'stopped'
      ? 'CloudStack changes the service offering of a stopped VM: stop → change'
      : 'CloudStack changes the service offering of a stopped VM: stop → change → start';
  }
  return undefined;
}

/**
 * Why a provider type cannot carry out this in-place update, or undefined: `plan` fails
 * with it rather than the apply failing half-way. `attribute` is the one it is about.
 */
export function unsupportedUpdate(provider: ProviderType, type: ResourceTypeName, changed: readonly string[], before: Attributes, after: Attributes): { reason: string; attribute: string } | undefined {
  if (provider !== 'cloudstack') return undefined;
  if (type === 'disk' && changed.includes('tier')) {
    return { reason: 'the cloudstack provider cannot move a volume to another storage tier in place (CloudStack needs changeOfferingForVolume or a storage migration, not built); give the disk a new name to make a new volume on the new tier', attribute: 'tier' };
  }
  if (type === 'disk' && changed.includes('sizeGiB') && Number(after['sizeGiB']) < Number(before['sizeGiB'])) {
    return { reason: 'CloudStack volumes grow but the cloudstack provider never shrinks one (data would be lost)', attribute: 'sizeGiB' };
  }
  if (type === 'vm' && changed.includes('rootDisk')) {
    const was = recordOf(before['rootDisk']);
    const now = recordOf(after['rootDisk']);
    if (was['tier'] !== now['tier']) return { reason: 'the cloudstack provider cannot move a root disk to another storage tier in place', attribute: 'rootDisk' };
    if (Number(now['sizeGiB']) < Number(was['sizeGiB'])) return { reason: 'CloudStack root disks grow but the cloudstack provider never shrinks one', attribute: 'rootDisk' };
  }
  return undefined;
}
