/**
 * What each provider type can realize, known without creating a provider: planning
 * reads it so that a spec asking for something a zone's provider cannot do fails at
 * `plan` with a diagnostic, not half-way through an apply.
 */
import type { ResourceTypeName } from '../engine/resource.js';

export type ProviderType = 'sim' | 'linux' | 'cloudstack';

/** Resource types a provider type does not realize, with the reason shown to the user. */
const UNSUPPORTED: { readonly [P in ProviderType]: Partial<Record<ResourceTypeName, string>> } = {
  sim: {},
  cloudstack: {},
  linux: {
    'vpn-user': 'remote-access VPN (vpn.remoteAccess) is not built in the linux provider; use site-to-site VPN, or a zone whose provider offers it',
  },
};

export function unsupportedReason(provider: ProviderType, type: ResourceTypeName): string | undefined {
  return UNSUPPORTED[provider][type];
}

/**
 * How a provider type carries out an in-place update, when that is more than a
 * change: shown beside the update in the plan (CloudStack stops a VM to change its
 * service offering).
 */
export function updateNote(provider: ProviderType, type: ResourceTypeName, changed: readonly string[]): string | undefined {
  if (provider === 'cloudstack' && type === 'vm' && changed.some((a) => a === 'cpu' || a === 'memoryMiB')) {
    return 'CloudStack changes the service offering of a stopped VM: stop → change → start';
  }
  return undefined;
}
