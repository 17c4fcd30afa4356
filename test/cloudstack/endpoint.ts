/**
 * An in-process CloudStack endpoint (providers/cloudstack/server) for provider tests that
 * look at the commands themselves: one small sim zone behind it for a describe block,
 * a client of it, and a cloudstack provider over any API wrapped around that client (to
 * record or to fault its calls). Tests keep apart by tenant; VLANs are the zone's.
 */
import { afterAll, beforeAll } from 'vitest';
import type { Provider } from '../../providers/contract.js';
import { createCloudStackClient } from '../../providers/cloudstack/client.js';
import { createCloudStackProvider, type CloudStackApi } from '../../providers/cloudstack/provider.js';
import { startCloudStackServer, type CloudStackServer } from '../../providers/cloudstack/server/index.js';
import type { Attributes, ResourceTypeName } from '../../specs/model/resource.js';
import { ZoneSpec } from '../../specs/schema.js';
import type { Desired } from '../../providers/contract.js';

export const ZONE = 'z1';
const API_KEY = 'test-key';
const SECRET_KEY = 'test-secret';

export interface Endpoint {
  /** A client of the endpoint, polling its jobs briskly. */
  api(): CloudStackApi;
  /** The cloudstack provider of the zone, calling the endpoint through `api` (default: a plain client). */
  provider(api?: CloudStackApi): Provider;
}

export function endpointForSuite(options: { readonly jobDelayMs: number; readonly vxlans?: readonly string[] }): Endpoint {
  const served = ZoneSpec.parse({
    provider: { type: 'sim' },
    segments: { vlans: ['100-199'], vxlans: [...(options.vxlans ?? [])] },
    publicIpPools: [{ name: 'pool-a', cidr: '203.0.113.0/24', gateway: '203.0.113.1', range: '203.0.113.10-203.0.113.30' }],
    clusters: [{ name: 'kvm-a', hypervisor: 'kvm', hosts: 1, cpuPerHost: 8, memoryPerHost: '16GiB' }],
    storageTiers: [{ name: 'fast', media: 'ssd', capacity: '200GiB' }],
    templates: [{ name: 'ubuntu-24.04', hypervisors: ['kvm'] }],
  });
  let server: CloudStackServer | undefined;
  beforeAll(async () => {
    server = await startCloudStackServer({ zoneName: ZONE, zone: served, apiKey: API_KEY, secretKey: SECRET_KEY, jobDelayMs: options.jobDelayMs }, { host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server?.close();
  });
  const url = (): string => {
    if (!server) throw new Error('the CloudStack endpoint has not started');
    return server.url;
  };
  const api = (): CloudStackApi => createCloudStackClient({ endpoint: url(), apiKey: API_KEY, secretKey: SECRET_KEY, poll: { initialMs: 2, maxMs: 20, timeoutMs: 5_000 } });
  return {
    api,
    provider(through = api()) {
      const zone = { ...served, provider: { type: 'cloudstack' as const, endpoint: url(), apiKey: { env: 'UNUSED' }, secretKey: { env: 'UNUSED' } } };
      return createCloudStackProvider({ zoneName: ZONE, zone, api: through, stepRetryDelayMs: 1 });
    },
  };
}

/** A desired resource of `tenant` in the endpoint's zone. */
export const desired = (tenant: string, type: ResourceTypeName, name: string, attributes: Attributes, refs: Record<string, string> = {}): Desired =>
  ({ address: `${tenant}/${type}/${name}`, type, tenant, zone: ZONE, attributes, refs, secrets: {} });
