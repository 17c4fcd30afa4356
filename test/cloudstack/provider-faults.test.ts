/**
 * The cloudstack provider against the endpoint (providers/cloudstack/server, in this
 * process) with one fault injected exactly where runs of the e2e test once met it by
 * chance: a job that never reports (its work done, the poller giving up), or a request
 * refused with 431. What a user relies on: whatever the fault, once the engine has
 * recovered the interrupted call by reading, CloudStack holds what state records and
 * reads back as it was made.
 */
import { describe, expect, it } from 'vitest';
import { recoverPending, type RecoveryState } from '../../engine/apply/recover.js';
import { ProviderError, type CallProgress, type Desired, type Observed, type Provider } from '../../providers/contract.js';
import { errorFromHttp } from '../../providers/cloudstack/response.js';
import type { CloudStackApi } from '../../providers/cloudstack/provider.js';
import { desired, endpointForSuite, ZONE } from './endpoint.js';
import type { Operation, ResourceRecord } from '../../state/index.js';

const endpoint = endpointForSuite({ jobDelayMs: 5, vxlans: ['10000-10010'] });

/** The faults to inject: which requests are refused, which jobs never report (their work done, the poller giving up). */
interface Fault {
  readonly refused?: (command: string, params: Readonly<Record<string, unknown>>) => boolean;
  readonly silent?: (command: string, params: Readonly<Record<string, unknown>>) => boolean;
}

/** The endpoint's injected 431, as the client reports it: CloudStack's words for a refused parameter, which read like "not found". */
const refusal431 = (command: string): Error => errorFromHttp(command, 431, {
  [`${command.toLowerCase()}response`]: { errorcode: 431, cserrorcode: 4350, errortext: `Unable to execute API command ${command.toLowerCase()} due to invalid value (injected fault)` },
});

/**
 * The endpoint's API as the provider sees it, with `fault` injected: a refused request
 * does nothing (the endpoint's --fault-rate refuses before anything happens); a silent
 * job still does its work (as with the endpoint's --job-timeout-rate), but the provider
 * is told what the client says once the zone's jobTimeout has passed.
 */
function faulty(api: CloudStackApi, fault: Fault): CloudStackApi {
  const silent = new Map<string, string>();
  return {
    call: (command, params) => api.call(command, params),
    list: (command, params) => api.list(command, params),
    async start(command, params) {
      if (fault.refused?.(command, params)) throw refusal431(command);
      const started = await api.start(command, params);
      if (fault.silent?.(command, params)) silent.set(started.jobId, command);
      return started;
    },
    async wait(jobId) {
      const command = silent.get(jobId);
      if (command === undefined) return api.wait(jobId);
      // Done, succeeded or failed, but never said so.
      await api.wait(jobId).catch(() => undefined);
      throw new ProviderError('timeout', `CloudStack job ${jobId} (${command}) did not finish within 2 s; it may still complete, and its outcome is read on the next run`, { retryable: false });
    },
  };
}

const endpointApi = endpoint.api;

function providerWith(fault: Fault): Provider {
  return endpoint.provider(faulty(endpointApi(), fault));
}


/** A tier of its own VLAN (VLANs are the zone's, whatever the tenant). */
let lastVlan = 100;
const network = (tenant: string, name: string, third: number, sourceNatIp: string | null): Desired => desired(tenant, 'network', name, {
  name, cidr: `10.1.${third}.0/24`, gateway: `10.1.${third}.1`, segment: { type: 'vlan', id: ++lastVlan }, sourceNatIp, colocationHandoff: null,
});

/**
 * The engine's side of a create that failed after its job was accepted: the intent stays
 * pending with the accepted id, and the next run's recovery reads it and settles it (a
 * failure to settle is reported, not thrown, as the engine does).
 */
async function createThenRecover(provider: Provider, d: Desired, recovery: Fault = {}): Promise<{ error: unknown; recorded: ResourceRecord | undefined }> {
  let accepted: { providerId?: string; jobId?: string } = {};
  const progress: CallProgress = { accepted: (info) => (accepted = { ...accepted, ...info }) };
  const error = await provider.create(d, progress).then(() => undefined, (e: unknown) => e);
  let recorded: ResourceRecord | undefined;
  const op: Operation = {
    id: 1, address: d.address, action: 'create', type: d.type, tenant: d.tenant, zone: d.zone, runId: 'run-1', status: 'pending', startedAt: '', finishedAt: null, message: null,
    ...(accepted.providerId !== undefined ? { providerId: accepted.providerId } : {}), ...(accepted.jobId !== undefined ? { jobId: accepted.jobId } : {}),
  };
  const state: RecoveryState = {
    pendingOperations: () => (recorded ? [] : [op]),
    getResource: () => undefined,
    commitCreate: (_, r) => (recorded = r),
    commitUpdate: () => undefined,
    commitDelete: () => undefined,
    failOperation: (_, message) => {
      throw new Error(`recovery found nothing: ${message}`);
    },
  };
  // A fresh provider, as the next run has: nothing of the failed run's caches.
  const next = providerWith(recovery);
  await recoverPending(state, () => next, () => undefined);
  return { error, recorded };
}

/** The addresses the tenant's project holds. */
async function publicIpsOf(tenant: string): Promise<Array<{ address: string; sourceNat: boolean }>> {
  const api = endpointApi();
  let projectid: string | undefined;
  for await (const p of api.list('listProjects', { name: tenant })) projectid = String(p['id']);
  const out: Array<{ address: string; sourceNat: boolean }> = [];
  for await (const ip of api.list('listPublicIpAddresses', { projectid: projectid ?? '', listall: true })) out.push({ address: String(ip['ipaddress']), sourceNat: ip['issourcenat'] === true });
  return out.sort((a, b) => a.address.localeCompare(b.address));
}

/** The ids of the items in the tenant's firewall (its VPC's ACL list). */
async function aclItemsOf(tenant: string): Promise<string[]> {
  const api = endpointApi();
  const ids: string[] = [];
  for await (const list of api.list('listNetworkACLLists', { name: `netfirst-${tenant}` })) {
    for await (const item of api.list('listNetworkACLs', { aclid: String(list['id']) })) ids.push(String(item['id']));
  }
  return ids;
}

describe('the source-NAT address CloudStack picked, once the tenant\'s own replaces it', () => {
  /** A tenant whose VPC a tier without a source NAT made (CloudStack picked its address), and the address of its own. */
  async function tenantWithPick(provider: Provider, tenant: string, nat: string): Promise<void> {
    await provider.create(network(tenant, 'plain', 1, null));
    const [picked, ...none] = await publicIpsOf(tenant);
    expect({ picked: picked?.sourceNat, none }).toEqual({ picked: true, none: [] });
    await provider.create(desired(tenant, 'public-ip', 'nat', { name: 'nat', address: nat, pool: 'pool-a' }));
  }

  it.each([
    { reason: 'the move\'s job never reported', tenant: 'acme', nat: '203.0.113.10', recovery: {} },
    {
      reason: 'the move\'s job never reported, nor did the job re-tagging the network when it was recovered', tenant: 'cole', nat: '203.0.113.12',
      recovery: { silent: (command: string, params: Readonly<Record<string, unknown>>) => command === 'createTags' && params['resourcetype'] === 'Network' },
    },
  ])('goes back to the zone when $reason', async ({ tenant, nat, recovery }) => {
    const provider = providerWith({ silent: (command) => command === 'updateVPC' });
    await tenantWithPick(provider, tenant, nat);

    const { error, recorded } = await createThenRecover(provider, network(tenant, 'office', 2, nat), recovery);

    expect(error).toMatchObject({ code: 'timeout', message: expect.stringMatching(new RegExp(`moving the source NAT of ${tenant} to ${nat}: CloudStack job \\S+ \\(updateVPC\\) did not finish`)) });
    expect(recorded?.attributes['sourceNatIp']).toBe(nat);
    expect(await publicIpsOf(tenant)).toEqual([{ address: nat, sourceNat: true }]);
  });

  it('goes back to the zone when its release is refused once with 431 (whose words read like "not found")', async () => {
    let refusals = 0;
    const provider = providerWith({ refused: (command) => command === 'disassociateIpAddress' && refusals++ === 0 });
    await tenantWithPick(provider, 'dana', '203.0.113.14');

    await provider.create(network('dana', 'office', 2, '203.0.113.14'));

    expect(await publicIpsOf('dana')).toEqual([{ address: '203.0.113.14', sourceNat: true }]);
    expect(refusals, 'the release was asked for again').toBe(2);
  });
});

describe('a firewall rule of several ports (one ACL item per port)', () => {
  it('reads back as made after its last item\'s job never reported, was recovered with one item, and was made again', async () => {
    const provider = providerWith({ silent: (command, params) => command === 'createNetworkACL' && params['startport'] === 993 });
    const ip = await provider.create(desired('baker', 'public-ip', 'mail', { name: 'mail', address: '203.0.113.11', pool: 'pool-a' }));
    const rule = desired('baker', 'firewall-rule', 'mail-clients', { publicIp: 'baker/public-ip/mail', address: '203.0.113.11', protocol: 'tcp', ports: [587, 993], from: ['0.0.0.0/0'] }, { 'baker/public-ip/mail': ip.providerId });

    const { error, recorded } = await createThenRecover(provider, rule);
    expect(error).toMatchObject({ code: 'timeout', message: expect.stringMatching(/\(createNetworkACL\) did not finish/) });
    // Recovery found the one item it knew of; the plan then updates the rule to its two ports (a firewall rule is made again).
    expect(recorded?.attributes['ports']).toEqual([587]);
    const next = providerWith({});
    const made = await next.update(recorded!, rule, ['ports']);

    // A refresh finds the rule under the id state records, with its ports in the spec's order.
    const seen: Observed[] = [];
    for await (const o of next.list!('firewall-rule', { zone: ZONE, tenant: 'baker', recorded: new Map([[made.providerId, rule.address]]) })) seen.push(o);
    expect(seen.map((o) => ({ providerId: o.providerId, ports: o.attributes['ports'] }))).toEqual([{ providerId: made.providerId, ports: [587, 993] }]);
    // And CloudStack holds those two items, nothing an earlier attempt left.
    expect((await aclItemsOf('baker')).sort()).toEqual(made.providerId.split(',').sort());
  });
});
