/**
 * Provider plugins behind one contract (contract.ts): `createProvider` picks the
 * implementation a zone asks for: `sim` (the embedded default), `linux` (network
 * namespaces on this host) or `cloudstack` (an Apache CloudStack API).
 *
 * Where the sim keeps its world: `provider.path` when the zone sets it — a relative
 * path is resolved against the parent of the state directory (the project directory
 * holding `.netfirst/`), so `path: worlds/agoura.db` means `./worlds/agoura.db` next
 * to `.netfirst/` — otherwise `<stateDir>/sim-<zone>.db`, beside the state database.
 */
import { dirname, join, resolve } from 'node:path';
import type { Provider } from './contract.js';
import { createCloudStackClient } from './cloudstack/client.js';
import { createCloudStackProvider } from './cloudstack/provider.js';
import { ProviderError } from './contract.js';
import { createLinuxProvider } from './linux/provider.js';
import { createSimProvider, type ZoneSpecOutput } from './sim/index.js';
import { assertNever } from '../specs/model/never.js';

export interface ProviderEnvironment {
  /** Directory of the state database (`.netfirst` by default). */
  readonly stateDir: string;
  readonly now?: () => Date;
  /**
   * Reads a secret the zone's provider settings reference (CloudStack keys), relative to
   * `baseDir`: the engine's own safe reader, handed in so that providers never reach up
   * into the engine. A zone whose provider needs one refuses to start without it.
   */
  readonly readSecret?: (ref: { readonly env: string } | { readonly file: string }, baseDir: string) => string;
}

export function createProvider(zoneName: string, zoneSpec: ZoneSpecOutput, env: ProviderEnvironment): Provider {
  const config = zoneSpec.provider;
  switch (config.type) {
    case 'sim': {
      const path = config.path === undefined
        ? join(env.stateDir, `sim-${zoneName}.db`)
        : resolve(dirname(resolve(env.stateDir)), config.path);
      return createSimProvider({ zoneName, zone: zoneSpec, path, ...(env.now ? { now: env.now } : {}) });
    }
    case 'linux': {
      const dir = config.dir === undefined ? join(env.stateDir, `linux-${zoneName}`) : resolve(dirname(resolve(env.stateDir)), config.dir);
      return createLinuxProvider({ zoneName, zone: zoneSpec, dir, baseDir: dirname(resolve(env.stateDir)) });
    }
    case 'cloudstack': {
      const baseDir = dirname(resolve(env.stateDir));
      const key = (ref: { env: string } | { file: string }, what: string): string => {
        try {
          if (!env.readSecret) throw new Error('this netfirst was started without a secret reader');
          return env.readSecret(ref, baseDir);
        } catch (error) {
          throw new ProviderError('invalid', `zone ${zoneName}: the CloudStack ${what}: ${error instanceof Error ? error.message : String(error)}`, { retryable: false });
        }
      };
      const api = createCloudStackClient({
        endpoint: config.endpoint,
        apiKey: key(config.apiKey, 'API key'),
        secretKey: key(config.secretKey, 'secret key'),
        ...(config.pageSize !== undefined ? { pageSize: config.pageSize } : {}),
        poll: { timeoutMs: config.jobTimeout ?? 600_000 },
      });
      return createCloudStackProvider({ zoneName, zone: zoneSpec, api });
    }
    default:
      return assertNever(config);
  }
}

