/**
 * The CloudStack-compatible endpoint (providers/cloudstack/server), over HTTP with plain
 * fetch and a signing helper written here: what a CloudStack client relies on — signed
 * requests, CloudStack's error shapes and codes, pagination with `{}` for nothing, async
 * jobs that are pending before they are done, capacity (533), objects in use (536),
 * rules CloudStack enforces (VPC addresses have no firewall, VPN connections take no
 * tags), deterministic injected faults, and secrets kept out of the log.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseListen, tuning } from '../../engine/cli/commands/sim-serve.js';
import { COMMANDS, type CommandName } from '../../providers/cloudstack/api.js';
import { startCloudStackServer, verifyRequest, type CloudStackServer, type CloudStackServerOptions } from '../../providers/cloudstack/server/index.js';
import { ZoneSpec } from '../../specs/schema.js';

const API_KEY = 'test-key';
const SECRET_KEY = 'test-secret';
const PSK = 'Sup3r-secret-PSK';
const PASSWORD = 'Dr-Lee-pw-42';

const zone = ZoneSpec.parse({
  provider: { type: 'sim' },
  segments: { vlans: ['100-199'], vxlans: ['10000-10010'] },
  publicIpPools: [{ name: 'pool-a', cidr: '203.0.113.0/24', gateway: '203.0.113.1', range: '203.0.113.10-203.0.113.30' }],
  clusters: [{ name: 'kvm-a', hypervisor: 'kvm', hosts: 1, cpuPerHost: 8, memoryPerHost: '16GiB' }],
  storageTiers: [{ name: 'fast', media: 'ssd', capacity: '200GiB' }, { name: 'bulk', media: 'sata-7k2', capacity: '1TiB' }],
  templates: [{ name: 'ubuntu-24.04', hypervisors: ['kvm', 'vmware'] }],
});

// ------------------------------------------------------------------ a minimal CloudStack client

/** CloudStack's string to sign: names sorted, values as Java's URLEncoder writes them, all lower case. */
function sign(params: Readonly<Record<string, string>>, secret: string): string {
  const java = (v: string): string => encodeURIComponent(v).replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const text = Object.keys(params).sort().map((k) => `${k}=${java(params[k] ?? '')}`).join('&').toLowerCase();
  return createHmac('sha1', secret).update(text).digest('base64');
}

interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

interface CallOptions {
  readonly method?: 'GET' | 'POST';
  readonly apiKey?: string;
  readonly secret?: string;
  readonly tamper?: boolean;
  readonly expires?: string;
  readonly unsigned?: boolean;
}

function clientOf(url: string) {
  async function call(command: string, params: Record<string, string | number | boolean> = {}, o: CallOptions = {}): Promise<Reply> {
    const all: Record<string, string> = { command, response: 'json', apiKey: o.apiKey ?? API_KEY };
    for (const [k, v] of Object.entries(params)) all[k] = String(v);
    if (o.expires !== undefined) Object.assign(all, { signatureVersion: '3', expires: o.expires });
    if (!o.unsigned) all.signature = sign(all, o.secret ?? SECRET_KEY);
    if (o.tamper) all.name = 'changed-after-signing';
    const form = new URLSearchParams(all).toString();
    const res = o.method === 'POST'
      ? await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form })
      : await fetch(`${url}?${form}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }
  /** The answer under `<command>response`. */
  async function inner(command: string, params: Record<string, string | number | boolean> = {}): Promise<Record<string, unknown>> {
    const r = await call(command, params);
    return (r.body[`${command.toLowerCase()}response`] ?? {}) as Record<string, unknown>;
  }
  async function query(jobid: string): Promise<Record<string, unknown>> {
    return inner('queryAsyncJobResult', { jobid });
  }
  /** Starts an async command and polls until its job is done; the final queryAsyncJobResult answer. */
  async function job(command: string, params: Record<string, string | number | boolean> = {}): Promise<Record<string, unknown>> {
    const r = await call(command, params);
    const started = r.body[`${command.toLowerCase()}response`] as Record<string, unknown>;
    if (r.status !== 200) throw new Error(`${command}: ${r.status} ${JSON.stringify(r.body)}`);
    for (let i = 0; i < 200; i++) {
      const q = await query(String(started.jobid));
      if (q.jobstatus !== 0) return { ...q, id: started.id };
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`${command}: job never finished`);
  }
  /** The id of the object a finished job made. */
  const made = (done: Record<string, unknown>, key: string): string => String((done.jobresult as Record<string, Record<string, unknown>>)[key]?.id);
  /** The id of the catalog object named `name` in list `command`. */
  async function idOf(command: string, key: string, params: Record<string, string>): Promise<string> {
    const list = (await inner(command, params))[key] as Record<string, unknown>[];
    return String(list[0]?.id);
  }
  return { call, inner, query, job, made, idOf };
}

type Client = ReturnType<typeof clientOf>;

async function start(options: Partial<CloudStackServerOptions> = {}): Promise<{ server: CloudStackServer; c: Client; log: string[] }> {
  const log: string[] = [];
  const server = await startCloudStackServer(
    { zoneName: 'z1', zone, apiKey: API_KEY, secretKey: SECRET_KEY, jobDelayMs: 20, maxPageSize: 2, log: (l) => log.push(l), ...options },
    { host: '127.0.0.1', port: 0 },
  );
  return { server, c: clientOf(server.url), log };
}

const servers: CloudStackServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

/** Ids of what most tests build on: zone, offerings, template, one project. */
interface World {
  readonly zoneid: string;
  readonly isolated: string;
  readonly tier: string;
  readonly vpcOffering: string;
  readonly custom: string;
  readonly template: string;
  readonly fast: string;
  readonly projectid: string;
}

async function world(c: Client, project: string): Promise<World> {
  return {
    zoneid: await c.idOf('listZones', 'zone', { name: 'z1' }),
    isolated: await c.idOf('listNetworkOfferings', 'networkoffering', { name: 'DefaultIsolatedNetworkOfferingWithSourceNatService' }),
    tier: await c.idOf('listNetworkOfferings', 'networkoffering', { name: 'DefaultIsolatedNetworkOfferingForVpcNetworks' }),
    vpcOffering: await c.idOf('listVPCOfferings', 'vpcoffering', { name: 'Default VPC offering' }),
    custom: await c.idOf('listServiceOfferings', 'serviceoffering', { name: 'netfirst-custom' }),
    template: await c.idOf('listTemplates', 'template', { templatefilter: 'executable', name: 'ubuntu-24.04', hypervisor: 'KVM' }),
    fast: await c.idOf('listDiskOfferings', 'diskoffering', { name: 'fast' }),
    projectid: String((await c.job('createProject', { name: project, displaytext: project })).id),
  };
}

function network(w: World, name: string, cidr24: string, extra: Record<string, string> = {}): Record<string, string> {
  return { name, displaytext: name, networkofferingid: w.isolated, zoneid: w.zoneid, projectid: w.projectid, gateway: `${cidr24}.1`, netmask: '255.255.255.0', ...extra };
}

function vm(w: World, name: string, networkid: string, cpu: number, memory: number): Record<string, string | number> {
  return {
    name, serviceofferingid: w.custom, templateid: w.template, zoneid: w.zoneid, projectid: w.projectid,
    'details[0].cpuNumber': cpu, 'details[0].memory': memory, 'iptonetworklist[0].networkid': networkid,
  };
}

// ------------------------------------------------------------------ tests

let main: { server: CloudStackServer; c: Client; log: string[] };
beforeAll(async () => {
  main = await start();
  servers.push(main.server);
});

describe('signed requests', () => {
  it("accepts the developer guide's test vector", () => {
    const params = new Map([
      ['apikey', 'plgWJfZK4gyS3mOMTVmjUVg-X-jlWlnfaUJ9GAbBbf9EdM-kAYMmAiLqzzq1ElZLYq_u38zCm0bewzGUdP66mg'],
      ['command', 'listUsers'],
      ['response', 'json'],
      ['signature', 'TTpdDq/7j/J58XCRHomKoQXEQds='],
    ]);
    const keys = { apiKey: params.get('apikey')!, secretKey: 'VDaACYb0LV9eNjTetIOElcVQkvJck_J_QljX_FcHRj87ZKiy0z0ty0ZsYBkoXkY9b7eq1EhwJaw7FF3akA3KBQ' };
    expect(verifyRequest(params, keys, new Date())).toEqual({ ok: true });
  });

  const refused = { listzonesresponse: { uuidList: [], errorcode: 401, cserrorcode: 9999, errortext: 'unable to verify user credentials and/or request signature' } };
  it.each([
    { reason: 'a signature made with another secret', options: { secret: 'not-the-secret' } },
    { reason: 'another API key', options: { apiKey: 'someone-else' } },
    { reason: 'a parameter changed after signing', options: { tamper: true } },
    { reason: 'no signature at all', options: { unsigned: true } },
    { reason: 'a version 3 signature past its expiry', options: { expires: '2001-01-01T00:00:00+0000' } },
    { reason: 'a version 3 expiry CloudStack cannot parse', options: { expires: 'tomorrow' } },
  ])('answers 401 with CloudStack\'s body for $reason', async ({ options }) => {
    const r = await main.c.call('listZones', {}, options);
    expect(r).toEqual({ status: 401, body: refused });
  });

  it.each([
    { reason: 'GET', options: {} },
    { reason: 'POST with a form body', options: { method: 'POST' as const } },
    { reason: 'a version 3 signature still valid', options: { expires: new Date(Date.now() + 600_000).toISOString() } },
    { reason: 'values Java encodes but encodeURIComponent does not', options: {}, params: { name: "it's (ok)!~ *x" } },
  ])('accepts $reason', async ({ options, params }) => {
    const r = await main.c.call('listZones', params ?? {}, options);
    expect(r.status).toBe(200);
  });
});

describe('refusals in CloudStack\'s shape', () => {
  it.each<{ reason: string; command: string; params: Record<string, string | number>; status: number; key: string; text: RegExp }>([
    { reason: 'unknown command', command: 'launchRocket', params: {}, status: 432, key: 'errorresponse', text: /does not exist/ },
    { reason: 'missing required parameter', command: 'listTemplates', params: {}, status: 431, key: 'listtemplatesresponse', text: /missing parameter templatefilter/ },
    { reason: 'a UUID that names nothing', command: 'deleteNetwork', params: { id: '3b0e5a2c-0000-4000-8000-000000000000' }, status: 431, key: 'deletenetworkresponse', text: /entity does not exist/ },
    { reason: 'a page larger than default.page.size', command: 'listZones', params: { pagesize: 3 }, status: 431, key: 'listzonesresponse', text: /can't exceed max allowed page size value: 2/ },
    { reason: 'a malformed object array', command: 'listZones', params: { 'details[x].a': 1 }, status: 430, key: 'listzonesresponse', text: /Unable to decode parameter/ },
    { reason: 'an integer that is not one', command: 'listZones', params: { page: 'two' }, status: 431, key: 'listzonesresponse', text: /invalid value two for parameter page/ },
  ])('$reason → $status', async ({ command, params, status, key, text }) => {
    const r = await main.c.call(command, params);
    expect(r.status).toBe(status);
    expect(r.body[key]).toMatchObject({ uuidList: [], errorcode: status, errortext: expect.stringMatching(text) });
  });

  it('knows every command of api.ts (none answers 432)', async () => {
    for (const command of Object.keys(COMMANDS) as CommandName[]) {
      const r = await main.c.call(command, {});
      expect(r.status, command).not.toBe(432);
    }
  });
});

describe('lists', () => {
  it('pages with page/pagesize, counts the total, and answers {} for nothing', async () => {
    const { c } = main;
    const w = await world(c, 'paging');
    for (let i = 0; i < 5; i++) expect((await c.call('createNetwork', network(w, `n${i}`, `10.9.${i}`))).status).toBe(200);
    const page = async (p: Record<string, number>) => c.inner('listNetworks', { projectid: w.projectid, listall: true, ...p });
    const names = (r: Record<string, unknown>): string[] => ((r.network ?? []) as { name: string }[]).map((n) => n.name);
    const pages = [await page({ page: 1, pagesize: 2 }), await page({ page: 2, pagesize: 2 }), await page({ page: 3, pagesize: 2 })];
    expect(pages.map((p) => p.count)).toEqual([5, 5, 5]);
    expect(pages.flatMap(names)).toEqual(['n0', 'n1', 'n2', 'n3', 'n4']);
    expect(await page({ page: 4, pagesize: 2 })).toEqual({ count: 5 });
    expect(names(await page({}))).toEqual(['n0', 'n1']); // without pagesize a page is default.page.size long
    expect(await c.inner('listVirtualMachines', { projectid: w.projectid, listall: true })).toEqual({});
    // A project's objects are listed only with its projectid, as CloudStack does.
    expect(await c.inner('listNetworks', { listall: true })).toEqual({});
  });
});

describe('async jobs', () => {
  it('are pending (jobstatus 0) until their delay has passed, then done with the object', async () => {
    const slow = await start({ jobDelayMs: 400 });
    servers.push(slow.server);
    const { c } = slow;
    const w = await world(c, 'jobs');
    const n = await c.inner('createNetwork', network(w, 'office', '10.20.0'));
    const networkid = String((n.network as { id: string }).id);
    const started = await c.inner('associateIpAddress', { networkid, projectid: w.projectid, ipaddress: '203.0.113.10' });
    expect(started).toEqual({ jobid: expect.any(String), id: expect.any(String) });
    expect(await c.query(String(started.jobid))).toMatchObject({ jobid: started.jobid, jobstatus: 0 });
    expect(await c.inner('listPublicIpAddresses', { projectid: w.projectid, ipaddress: '203.0.113.10' })).toEqual({});
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await c.query(String(started.jobid))).toMatchObject({
      jobstatus: 1, jobresultcode: 0,
      jobresult: { ipaddress: { id: started.id, ipaddress: '203.0.113.10', issourcenat: false, associatednetworkid: networkid, projectid: w.projectid } },
    });
    // The network's own source-NAT address came from the top of the range.
    const ips = (await c.inner('listPublicIpAddresses', { projectid: w.projectid })).publicipaddress as { ipaddress: string; issourcenat: boolean }[];
    expect(ips.map((ip) => [ip.ipaddress, ip.issourcenat])).toEqual([['203.0.113.30', true], ['203.0.113.10', false]]);
  });
});

describe('capacity and objects in use', () => {
  let w: World;
  let networkid: string;
  let vmid: string;
  beforeAll(async () => {
    w = await world(main.c, 'capacity');
    networkid = String(((await main.c.inner('createNetwork', network(w, 'office', '10.30.0'))).network as { id: string }).id);
    const done = await main.c.job('deployVirtualMachine', vm(w, 'web-1', networkid, 4, 8192));
    expect(done).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { state: 'Running', cpunumber: 4, memory: 8192, nic: [{ networkid, ipaddress: '10.30.0.2', isdefault: true }] } } });
    vmid = main.c.made(done, 'virtualmachine');
  });

  it.each([
    { reason: 'a VM larger than what its cluster has left fails its job with 533', command: 'deployVirtualMachine', params: () => vm(w, 'big-1', networkid, 6, 4096), text: /no kvm cluster has room for 6 vCPUs/ },
    { reason: 'a volume larger than its tier fails its job with 533', command: 'createVolume', params: () => ({ name: 'huge', diskofferingid: w.fast, size: 500, zoneid: w.zoneid, projectid: w.projectid }), text: /storage tier fast: .* 500 GiB requested/ },
  ])('$reason', async ({ command, params, text }) => {
    expect(await main.c.job(command, params())).toMatchObject({ jobstatus: 2, jobresultcode: 533, jobresult: { errorcode: 533, errortext: expect.stringMatching(text) } });
  });

  it('answers 533 at once when no public address is left (CloudStack allocates in the create phase)', async () => {
    const r = await main.c.call('associateIpAddress', { networkid, ipaddress: '198.51.100.7' });
    expect(r).toMatchObject({ status: 533, body: { associateipaddressresponse: { errorcode: 533, errortext: expect.stringMatching(/not a public address/) } } });
  });

  it('refuses to delete a network with VMs (job 536) and an attached volume (536)', async () => {
    expect(await main.c.job('deleteNetwork', { id: networkid })).toMatchObject({ jobstatus: 2, jobresult: { errorcode: 536, errortext: expect.stringMatching(/not all user vms are expunged/) } });
    const volume = await main.c.job('createVolume', { name: 'data', diskofferingid: w.fast, size: 10, zoneid: w.zoneid, projectid: w.projectid });
    const volumeid = main.c.made(volume, 'volume');
    expect(await main.c.job('attachVolume', { id: volumeid, virtualmachineid: vmid })).toMatchObject({ jobstatus: 1, jobresult: { volume: { virtualmachineid: vmid, deviceid: 1, size: 10 * 2 ** 30 } } });
    const r = await main.c.call('deleteVolume', { id: volumeid });
    expect(r).toMatchObject({ status: 536, body: { deletevolumeresponse: { errorcode: 536 } } });
    expect(await main.c.job('detachVolume', { id: volumeid })).toMatchObject({ jobstatus: 1 });
    expect(await main.c.call('deleteVolume', { id: volumeid })).toEqual({ status: 200, body: { deletevolumeresponse: { success: true } } });
  });

  it('changes the service offering only while the VM is stopped', async () => {
    const change = { id: vmid, serviceofferingid: w.custom, 'details[0].cpuNumber': 2, 'details[0].memory': 4096 };
    expect((await main.c.call('changeServiceForVirtualMachine', change)).status).toBe(431);
    expect(await main.c.job('stopVirtualMachine', { id: vmid })).toMatchObject({ jobresult: { virtualmachine: { state: 'Stopped' } } });
    expect(await main.c.inner('changeServiceForVirtualMachine', change)).toMatchObject({ virtualmachine: { cpunumber: 2, memory: 4096, state: 'Stopped' } });
    expect(await main.c.job('startVirtualMachine', { id: vmid })).toMatchObject({ jobresult: { virtualmachine: { state: 'Running', cpunumber: 2 } } });
  });

  it('answers nothing for a removed object and refuses commands on it as "Unable to find"', async () => {
    const n = await main.c.inner('createNetwork', network(w, 'gone', '10.31.0'));
    const id = String((n.network as { id: string }).id);
    expect(await main.c.job('deleteNetwork', { id })).toMatchObject({ jobstatus: 1, jobresult: { success: true } });
    expect(await main.c.inner('listNetworks', { id, projectid: w.projectid })).toEqual({});
    expect(await main.c.call('deleteNetwork', { id })).toMatchObject({ status: 431, body: { deletenetworkresponse: { errortext: expect.stringMatching(/^Unable to find network/) } } });
  });
});

describe('what CloudStack refuses in a VPC and in VPN settings', () => {
  let w: World;
  let vpcid: string;
  beforeAll(async () => {
    w = await world(main.c, 'vpc');
    vpcid = main.c.made(await main.c.job('createVPC', { name: 'vpc', displaytext: 'vpc', cidr: '10.0.0.0/8', vpcofferingid: w.vpcOffering, zoneid: w.zoneid, projectid: w.projectid }), 'vpc');
  });

  it('has no firewall rules on VPC addresses (network ACLs filter VPC traffic)', async () => {
    const tier = await main.c.inner('createNetwork', { ...network(w, 'dmz', '10.40.1'), networkofferingid: w.tier, vpcid, vlan: 'vxlan://10005' });
    const tierid = String((tier.network as { id: string }).id);
    expect(tier.network).toMatchObject({ vpcid, vlan: '10005', broadcasturi: 'vxlan://10005', aclname: 'default_deny', cidr: '10.40.1.0/24' });
    const ipid = main.c.made(await main.c.job('associateIpAddress', { vpcid, zoneid: w.zoneid, projectid: w.projectid }), 'ipaddress');
    const web = main.c.made(await main.c.job('deployVirtualMachine', vm(w, 'web-1', tierid, 1, 1024)), 'virtualmachine');
    expect(await main.c.inner('enableStaticNat', { ipaddressid: ipid, virtualmachineid: web, networkid: tierid })).toEqual({ success: true });
    const r = await main.c.call('createFirewallRule', { ipaddressid: ipid, protocol: 'tcp', startport: 80, endport: 80, cidrlist: '0.0.0.0/0' });
    expect(r).toMatchObject({ status: 431, body: { createfirewallruleresponse: { errortext: `Service Firewall is not supported in the network id=${tierid}` } } });
  });

  it('takes no tags on VPN connections and refuses ECP groups and client ranges inside the VPC', async () => {
    const gateway = main.c.made(await main.c.job('createVpnGateway', { vpcid }), 'vpngateway');
    const peer = { gateway: '192.0.2.44', cidrlist: '192.168.1.0/24', ipsecpsk: PSK, esppolicy: 'aes256-sha256;modp2048', projectid: w.projectid };
    expect(await main.c.job('createVpnCustomerGateway', { ...peer, name: 'hq', ikepolicy: 'aes256-sha256;ecp256' })).toMatchObject({ jobstatus: 2, jobresult: { errorcode: 431, errortext: expect.stringMatching(/IKE policy aes256-sha256;ecp256 is invalid/) } });
    const customer = await main.c.job('createVpnCustomerGateway', { ...peer, name: 'hq', ikepolicy: 'aes256-sha256;modp2048', ikelifetime: 28800 });
    expect(customer).toMatchObject({ jobstatus: 1, jobresult: { vpncustomergateway: { name: 'hq', ipsecpsk: PSK, ikelifetime: 28800, esplifetime: 3600 } } });
    const connection = await main.c.job('createVpnConnection', { s2svpngatewayid: gateway, s2scustomergatewayid: main.c.made(customer, 'vpncustomergateway') });
    expect(connection).toMatchObject({ jobstatus: 1, jobresult: { vpnconnection: { state: 'Connected', gateway: '192.0.2.44' } } });
    expect(JSON.stringify(connection)).not.toContain(PSK);
    const tag = { resourceids: main.c.made(connection, 'vpnconnection'), resourcetype: 'VpnConnection', 'tags[0].key': 'netfirst-address', 'tags[0].value': 'vpc/vpn-connection/hq' };
    expect(await main.c.job('createTags', tag)).toMatchObject({ jobstatus: 2, jobresult: { errorcode: 431, errortext: "The resource type VpnConnection doesn't support resource tags" } });
    const nat = ((await main.c.inner('listPublicIpAddresses', { projectid: w.projectid, issourcenat: true })).publicipaddress as { id: string }[])[0]!;
    expect(await main.c.call('createRemoteAccessVpn', { publicipid: nat.id })).toMatchObject({ status: 431, body: { createremoteaccessvpnresponse: { errortext: expect.stringMatching(/overlaps with guest ip range 10.0.0.0\/8/) } } });
    expect(await main.c.job('createRemoteAccessVpn', { publicipid: nat.id, iprange: '172.31.255.1-172.31.255.20' })).toMatchObject({ jobstatus: 1 });
    expect(await main.c.job('addVpnUser', { username: 'dr-lee', password: PASSWORD, projectid: w.projectid })).toMatchObject({ jobstatus: 1, jobresult: { vpnuser: { username: 'dr-lee', state: 'Active' } } });
    expect(JSON.stringify(await main.c.inner('listVpnUsers', { projectid: w.projectid }))).not.toContain(PASSWORD);
  });

  it('never writes pre-shared keys or passwords to its log', async () => {
    expect((await main.c.call('addVpnUser', { username: 'x1', password: `${PASSWORD} with spaces!`, projectid: w.projectid })).status).toBe(431);
    const log = main.log.join('\n');
    expect(log).toContain('createVpnCustomerGateway');
    expect(log).toContain('addVpnUser');
    expect(log).not.toContain(PSK);
    expect(log).not.toContain(PASSWORD);
    expect(log).not.toContain(SECRET_KEY);
  });
});

describe('injected faults', () => {
  /** The statuses of the same request sequence against a fresh endpoint. */
  async function statuses(seed: number): Promise<number[]> {
    const e = await start({ faults: { rate: 0.5, seed, codes: [431, 530, 533] } });
    servers.push(e.server);
    const out: number[] = [];
    for (let i = 0; i < 16; i++) {
      const r = await e.c.call('createProject', { name: `p${i % 4}`, displaytext: 'x' });
      out.push(r.status);
      // Each job finishes before the next request, so "already exists" never depends on timing.
      const jobid = (r.body['createprojectresponse'] as Record<string, unknown> | undefined)?.['jobid'];
      if (r.status === 200) for (let n = 0; n < 200 && (await e.c.query(String(jobid))).jobstatus === 0; n++) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return out;
  }

  it('refuse the same requests for the same seed, with 431/530/533, and a retry can succeed', async () => {
    const a = await statuses(3);
    expect(await statuses(3)).toEqual(a);
    expect(new Set(a.filter((s) => s !== 200)).size).toBeGreaterThan(1);
    expect(a.filter((s) => s === 200).length).toBeGreaterThan(0);
    expect(a.every((s) => [200, 431, 530, 533].includes(s))).toBe(true);
  });

  it('refuse before anything happens, and never lists', async () => {
    const e = await start({ faults: { rate: 1, seed: 1, codes: [530] } });
    servers.push(e.server);
    const r = await e.c.call('createProject', { name: 'never' });
    expect(r).toMatchObject({ status: 530, body: { createprojectresponse: { errorcode: 530, errortext: expect.stringMatching(/injected/) } } });
    expect((await e.c.call('listProjects', { name: 'never' })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await e.c.inner('listProjects', { name: 'never' })).toEqual({});
  });

  it('leave a timed-out job pending forever, its work done (a later read finds the object)', async () => {
    const e = await start({ faults: { rate: 0, seed: 1, jobTimeoutRate: 1 } });
    servers.push(e.server);
    const started = await e.c.inner('createProject', { name: 'slowpoke' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await e.c.query(String(started.jobid))).toMatchObject({ jobstatus: 0 });
    expect(await e.c.inner('listProjects', { name: 'slowpoke' })).toMatchObject({ count: 1, project: [{ id: started.id, name: 'slowpoke' }] });
  });
});

describe('netfirst sim serve options', () => {
  it.each([
    { given: '127.0.0.1:8080', want: { host: '127.0.0.1', port: 8080 } },
    { given: ':9000', want: { host: '127.0.0.1', port: 9000 } },
    { given: '[::1]:0', want: { host: '::1', port: 0 } },
    { given: '0.0.0.0:443', want: { host: '0.0.0.0', port: 443 } },
  ])('--listen $given', ({ given, want }) => {
    expect(parseListen(given)).toEqual(want);
  });

  it('turns the tuning flags into endpoint options', () => {
    expect(tuning({ jobDelay: '5ms', pageSize: '3', faultRate: '0.08', faultSeed: '11', faultCodes: '431,533', jobTimeoutRate: '0.04' })).toEqual({
      jobDelayMs: 5, maxPageSize: 3, faults: { rate: 0.08, seed: 11, codes: [431, 533], jobTimeoutRate: 0.04 },
    });
    expect(tuning({})).toEqual({});
  });

  it.each([
    { reason: 'a port out of range', run: () => parseListen('localhost:70000'), want: /--listen localhost:70000/ },
    { reason: 'a rate above 1', run: () => tuning({ faultRate: '2' }), want: /--fault-rate 2: give a number from 0 to 1/ },
    { reason: 'a code faults cannot use', run: () => tuning({ faultRate: '0.1', faultCodes: '500' }), want: /--fault-codes 500/ },
    { reason: 'a delay without unit or digits', run: () => tuning({ jobDelay: 'soon' }), want: /--job-delay soon/ },
  ])('refuses $reason, naming the flag', ({ run, want }) => {
    expect(run).toThrow(want);
  });
});
