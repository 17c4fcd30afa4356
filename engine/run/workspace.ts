/**
 * A run's edge to the world: where the state lives, loading specs (with the content
 * cache beside the state), opening the state store and one provider per zone.
 */
import { dirname } from 'node:path';
import type { SpecSet } from '../../specs/model.js';
import type { ZoneDoc } from '../../specs/schema.js';
import { createProvider } from '../../providers/index.js';
import type { Provider } from '../../providers/contract.js';
import { UserError } from './errors.js';
import { readZoneSecret } from './secrets.js';
import { statePath, type GlobalOptions } from './workspace-specs.js';

export { loadWorkspaceSpecs, statePath, type GlobalOptions } from './workspace-specs.js';
export { openWorkspaceState } from './workspace-state.js';


export function zonesOf(specs: SpecSet): { [zone: string]: ZoneDoc['spec'] } {
  return Object.fromEntries([...specs.zones].map(([name, z]) => [name, z.value.spec]));
}

/** One provider per zone, created on first use and closed together. */
export function providerPool(zones: { readonly [zone: string]: ZoneDoc['spec'] }, options: GlobalOptions): { providerFor: (zone: string) => Provider; closeAll: () => Promise<void> } {
  const providers = new Map<string, Provider>();
  const stateDir = dirname(statePath(options));
  return {
    providerFor(zone) {
      let p = providers.get(zone);
      if (!p) {
        const z = zones[zone];
        if (!z) throw new UserError(`zone ${zone} is not described by any loaded spec: pass the zone file too`);
        p = createProvider(zone, z, { stateDir, readSecret: readZoneSecret });
        providers.set(zone, p);
      }
      return p;
    },
    async closeAll() {
      for (const p of providers.values()) await p.close?.();
    },
  };
}
