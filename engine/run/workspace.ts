/**
 * A run's edge to the world: where the state lives, loading specs (with the content
 * cache beside the state), opening the state store and one provider per zone.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadSpecs } from '../../specs/load.js';
import type { SpecSet } from '../../specs/model.js';
import type { ZoneDoc } from '../../specs/schema.js';
import { createProvider } from '../../providers/index.js';
import type { Provider } from '../../providers/contract.js';
import { openState, type StateStore } from '../../state/index.js';
import { gitPrecedence } from '../gitops/precedence.js';
import { UserError } from './errors.js';
import { readZoneSecret } from './secrets.js';

export interface GlobalOptions {
  readonly state?: string;
  /**
   * The server's secret store for specs a partner or tenant uploaded: their secrets come
   * from this directory only (SecretScope.store). Never a CLI flag: the server sets it.
   */
  readonly secretStore?: string;
}

export function statePath(options: GlobalOptions): string {
  return resolve(options.state || process.env.NETFIRST_STATE || join('.netfirst', 'state.db'));
}

export function loadWorkspaceSpecs(paths: readonly string[], options: GlobalOptions): SpecSet {
  const list = paths.length > 0 ? [...paths] : ['.'];
  for (const p of list) if (!existsSync(p)) throw new UserError(`${p}: no such file or directory`);
  return loadSpecs(list, { cacheDir: join(dirname(statePath(options)), 'cache'), precedence: gitPrecedence() });
}

export function openWorkspaceState(options: GlobalOptions): StateStore {
  const path = statePath(options);
  try {
    return openState(path);
  } catch (error) {
    // openState's messages name the path and what is wrong with it, in one line.
    throw new UserError(error instanceof Error ? error.message : `cannot open state ${path}: ${String(error)}`);
  }
}

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
