/**
 * Every answer recorded from real CloudStack servers (../shared/corpus/cloudstack-api,
 * see its PROVENANCE.md) goes through the client's response handling, and what the
 * provider will rely on is asserted from the files' own contents: list objects and
 * counts, async starts' job ids, finished jobs' objects, failures as CloudStackErrors.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../providers/contract.js';
import { CloudStackError } from '../../providers/cloudstack/errors.js';
import {
  jobObject,
  parseAsyncStart,
  parseJobStatus,
  parseListPage,
  parseSyncResponse,
  type AsyncStart,
  type CloudStackObject,
} from '../../providers/cloudstack/response.js';

const CORPUS = new URL('../../../shared/corpus/cloudstack-api/', import.meta.url);

/** One recorded answer: `source` names its file (and, for cloudstack-go, its command key). */
interface Recorded {
  readonly source: string;
  readonly command: string;
  readonly body: unknown;
}

function readJson(url: URL): unknown {
  return JSON.parse(readFileSync(url, 'utf8'));
}

/** libcloud: one answer per file, `<command>_<scenario>.json`. cloudstack-go: several per file, keyed by command. */
function loadCorpus(): readonly Recorded[] {
  const libcloud = new URL('libcloud/', CORPUS);
  const fromLibcloud = readdirSync(libcloud)
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({ source: `libcloud/${file}`, command: file.slice(0, file.indexOf('_')), body: readJson(new URL(file, libcloud)) }));
  const go = new URL('cloudstack-go/', CORPUS);
  const fromGo = readdirSync(go)
    .filter((file) => file.endsWith('.json'))
    .flatMap((file) => {
      const answers = readJson(new URL(file, go));
      if (typeof answers !== 'object' || answers === null) throw new Error(`cloudstack-go/${file} is not a JSON object`);
      return Object.entries(answers).map(([command, body]) => ({ source: `cloudstack-go/${file}#${command}`, command, body }));
    });
  return [...fromLibcloud, ...fromGo];
}

type Facts = Readonly<Record<string, unknown>>;

/**
 * What each recorded answer must read as. `objectKey` is given only for commands the
 * provider does not use (so api.ts does not know them). `job` answers are finished jobs:
 * libcloud's from queryAsyncJobResult (`command` is the command that started the job,
 * paired by the jobid in the file name), cloudstack-go's under the async command's own
 * key (its test server skips polling).
 */
type Want =
  | { readonly kind: 'list'; readonly reason: string; readonly objectKey?: string; readonly count: number | undefined; readonly length: number; readonly includes: readonly Facts[] }
  | { readonly kind: 'object'; readonly reason: string; readonly objectKey?: string; readonly facts: Facts }
  | { readonly kind: 'start'; readonly reason: string; readonly start: AsyncStart }
  | { readonly kind: 'job'; readonly reason: string; readonly command: string; readonly objectKey?: string; readonly facts: Facts }
  | { readonly kind: 'job-failed'; readonly reason: string; readonly command: string; readonly error: Facts }
  | { readonly kind: 'error'; readonly reason: string; readonly via: 'start' | 'sync'; readonly error: Facts };

const list = (reason: string, count: number | undefined, length: number, includes: readonly Facts[], objectKey?: string): Want => ({ kind: 'list', reason, count, length, includes, objectKey });
const start = (reason: string, jobId: string, id?: string): Want => ({ kind: 'start', reason, start: id === undefined ? { jobId } : { jobId, id } });
const job = (reason: string, command: string, facts: Facts, objectKey?: string): Want => ({ kind: 'job', reason, command, facts, objectKey });
const object = (reason: string, facts: Facts, objectKey?: string): Want => ({ kind: 'object', reason, facts, objectKey });
const SUCCESS = { success: true };

const WANT: Readonly<Record<string, Want>> = {
  // ---- libcloud: async starts
  'libcloud/associateIpAddress_default.json': start('numeric jobid beside a UUID id', '11111', '10987171-8cc9-4d0a-b98f-1698c09ddd2d'),
  'libcloud/attachVolume_default.json': start('hand-edited jobid; attaching creates nothing, so no id', 'attachvolumejob'),
  'libcloud/createFirewallRule_default.json': start('jobid and id both numbers (CloudStack 2.x)', '1149341', '172465'),
  'libcloud/createNetworkACLList_default.json': start('UUID jobid and id', '0e6707fa-15d9-4cd4-8e16-fd58232321e1', '5692ffdc-d98e-4c7e-a53e-817835e97694'),
  'libcloud/createNetworkACL_default.json': start('jobid a string of digits', '111112', '54bd8cc6-5db0-4f64-8495-a0dfaf3fb4d5'),
  'libcloud/createPortForwardingRule_default.json': start('id before the job ends, to record first', '11113', 'bc7ea3ee-a2c3-4b86-a53f-01bdaa1b2e32'),
  'libcloud/createVPC_default.json': start('createVPC is async and names the VPC at once', 'f618f672-c714-4031-8c79-bb1300a2163c', 'c78499e1-b3a2-4a2a-9759-c2bcb1b79cd4'),
  'libcloud/createVolume_default.json': start('hand-edited jobid with a real id', 'createvolumejob', '60338035-92fb-4d27-98d4-b60ad4b38b87'),
  'libcloud/createVpnConnection_default.json': start('no id: the connection is only known from the job result', 'createVpnConnection'),
  'libcloud/createVpnCustomerGateway_default.json': start('no id: the customer gateway is only known from the job result', 'createVpnCustomerGateway'),
  'libcloud/createVpnGateway_default.json': start('hand-edited jobid', 'createVpnGateway', '5ef6794e-cec8-4018-9fef-c4dacbadee14'),
  'libcloud/deleteVPC_default.json': start('a delete is a job too', 'deleteVPC'),
  'libcloud/deployVirtualMachine_default.json': start('numeric jobid and VM id', '17164', '2602'),
  'libcloud/deployVirtualMachine_deployfail2.json': start('the start succeeds; its job fails (queryAsyncJobResult_17177)', '17177', '2602'),
  // ---- libcloud: errors
  'libcloud/deployVirtualMachine_deployfail.json': {
    kind: 'error',
    reason: 'an error inside a 200 answer to an async command: no job was started',
    via: 'start',
    error: { errorcode: 431, errortext: 'Unable to find service offering: 104', retryable: false, code: 'invalid', message: 'Unable to find service offering: 104' },
  },
  'libcloud/registerSSHKeyPair_error.json': {
    kind: 'error',
    reason: 'an error inside a 200 answer to a sync command, with an empty uuidList',
    via: 'sync',
    error: { errorcode: 431, errortext: 'Public key is invalid', retryable: false, code: 'invalid' },
  },
  // ---- libcloud: sync objects
  'libcloud/createNetwork_default.json': object('createNetwork is sync: the network comes in the first answer', {
    id: 'a804d341-996e-4d9a-b2b0-226c648dc6e3', name: 'test', cidr: '10.1.1.0/24', gateway: '10.1.1.1', netmask: '255.255.255.0', state: 'Allocated',
  }),
  // ---- libcloud: lists
  'libcloud/listDiskOfferings_default.json': list('count and array', 1, 1, [{ id: '6345e3b7-227e-4209-8f8c-1f94219696e6', name: 'Disk offer 1', disksize: 10 }]),
  'libcloud/listEgressFirewallRules_default.json': list('egress rules share the firewallrule key', 1, 1, [{ id: '7d4e2924-49b6-4a5a-9a98-69f2f0f73c69', cidrlist: '192.168.0.0/16', startport: '80' }], 'firewallrule'),
  'libcloud/listFirewallRules_default.json': list('numeric id read as a string; other ids stay as sent', 1, 1, [{ id: '171597', ipaddressid: 34000, ipaddress: '1.1.1.116', cidrlist: '192.168.0.0/16' }]),
  'libcloud/listIpForwardingRules_default.json': list('static NAT rules', 1, 1, [{ id: '772fd410-6649-43ed-befa-77be986b8906', ipaddress: '1.1.1.116', virtualmachineid: '2600' }], 'ipforwardingrule'),
  'libcloud/listNetworkACLLists_default.json': list('count 4 with one object: count is the total over all pages (the fixture was trimmed)', 4, 1, [{ id: '54bd8cc6-5db0-4f64-8495-a0dfaf3fb4d5', name: 'test', vpcid: 'cf698ec3-edd0-466c-a8f6-f9096700b6ec' }], 'networkacllist'),
  'libcloud/listNetworkACLs_default.json': list('VPC ACL rules', 1, 1, [{ id: '54bd8cc6-5db0-4f64-8495-a0dfaf3fb4d5', action: 'Allow', traffictype: 'Ingress', cidrlist: '0.0.0.0/0' }], 'networkacl'),
  'libcloud/listNetworkOfferings_default.json': list('offerings are found by name', 2, 2, [{ name: 'SourceNatNiciraNvpNetwork', guestiptype: 'Isolated', state: 'Enabled' }, { name: 'OAT offering for OAT purposes' }]),
  'libcloud/listNetworks_default.json': list('a shared network', 1, 1, [{ id: '00304a04-c7ea-4e77-a786-18bc64347bf7', name: 'guestNetworkForBasicZone', type: 'Shared', zonename: 'CH-GV2' }]),
  'libcloud/listPortForwardingRules_default.json': list('ports as strings', 1, 1, [{ id: 'bc7ea3ee-a2c3-4b86-a53f-01bdaa1b2e32', publicport: '33', privateport: '33', protocol: 'tcp', virtualmachineid: '2600' }]),
  'libcloud/listProjects_default.json': list('tenants as projects', 1, 1, [{ id: 'e7ce14a8-abb7-48b9-931f-5f426febed6d', name: 'ExampleProjectName' }]),
  'libcloud/listPublicIpAddresses_default.json': list('no count, numeric ids', undefined, 4, [{ id: '34000', ipaddress: '1.1.1.116' }, { id: '33970', ipaddress: '1.1.1.19' }]),
  'libcloud/listSSHKeyPairs_no_keys.json': list('{} is an empty list, not an error', undefined, 0, [], 'sshkeypair'),
  'libcloud/listServiceOfferings_default.json': list('no count; CPU and RAM of an offering', undefined, 5, [{ id: '105', name: 'Compute Micro PRD', cpunumber: 1, memory: 384 }]),
  'libcloud/listTemplates_default.json': list('no count, 13 templates', undefined, 13, [{ id: '443', name: 'XEN Basic Windows Svr 2008 R2 x64 R2.1', hypervisor: 'XenServer' }]),
  'libcloud/listVPCOfferings_default.json': list('a name with two spaces, kept as is', 1, 1, [{ id: 'cd7dbd68-4333-4507-b80d-9840cab32841', name: 'Default VPC  offering with Netscaler' }]),
  'libcloud/listVPCs_default.json': list('a VPC and its CIDR', 1, 1, [{ id: '6adc8ad1-a8a1-4a4e-af75-2c3643297041', name: 'test', cidr: '10.1.1.0/16' }]),
  'libcloud/listVirtualMachines_default.json': list('no count, numeric ids', undefined, 2, [{ id: '2600', name: 'test', state: 'Running' }, { id: '2601' }]),
  'libcloud/listVolumes_default.json': list('a root volume', 1, 1, [{ id: 'fe1ada16-57a0-40ae-b577-01a153690fb4', name: 'ROOT-69942', type: 'ROOT', state: 'Ready' }]),
  'libcloud/listVpnConnections_default.json': list('a connection ties a VPN gateway to a customer gateway', 1, 1, [{ id: '8f482d9a-6cee-453b-9e78-b0e1338ffce9', state: 'Connected', s2svpngatewayid: 'cffa0cab-d1da-42a7-92f6-41379267a29f', s2scustomergatewayid: 'ea67eaae-1c2a-4e65-b910-441e77f69bea' }]),
  'libcloud/listVpnCustomerGateways_default.json': list('CloudStack echoes the PSK in lists: the provider must not record it', 1, 1, [{ id: 'ea67eaae-1c2a-4e65-b910-441e77f69bea', name: 'some_name', gateway: '10.2.2.1', cidrlist: '10.2.2.0/24', ipsecpsk: 'some_psk' }]),
  'libcloud/listVpnGateways_default.json': list('a VPC VPN gateway and its public IP', 1, 1, [{ id: 'cffa0cab-d1da-42a7-92f6-41379267a29f', publicip: '1.2.3.4', vpcid: '4d25e181-8850-4d52-8ecb-a6f35bbbabde' }]),
  'libcloud/listZones_default.json': list('no count, numeric zone id', undefined, 1, [{ id: '1', name: 'Sydney', networktype: 'Advanced' }]),
  // ---- libcloud: finished jobs (paired with their start by the jobid in the file name)
  'libcloud/queryAsyncJobResult_11111.json': job('the public IP under "ipaddress"', 'associateIpAddress', { id: '10987171-8cc9-4d0a-b98f-1698c09ddd2d', ipaddress: '7.5.6.1' }),
  'libcloud/queryAsyncJobResult_111112.json': job('an ACL rule', 'createNetworkACL', { id: '54bd8cc6-5db0-4f64-8495-a0dfaf3fb4d5', traffictype: 'Egress', number: 20 }, 'networkacl'),
  'libcloud/queryAsyncJobResult_11113.json': job('a port forward', 'createPortForwardingRule', { id: 'bc7ea3ee-a2c3-4b86-a53f-01bdaa1b2e32', virtualmachineid: '8879e159-d4a6-4a1d-bc75-074c097bef2a' }),
  'libcloud/queryAsyncJobResult_1149341.json': job('numeric id read as a string', 'createFirewallRule', { id: '172465', cidrlist: '192.168.0.0/16' }),
  'libcloud/queryAsyncJobResult_17164.json': job('a deployed VM', 'deployVirtualMachine', { id: '2602', name: 'fred', state: 'Running' }),
  'libcloud/queryAsyncJobResult_17177.json': {
    kind: 'job-failed',
    reason: 'jobstatus 2 with neither jobresult nor code: an internal error (530), saying which job',
    command: 'deployVirtualMachine',
    error: { errorcode: 530, errortext: 'CloudStack job 17177 failed and gave no reason', jobId: '17177', command: 'deployVirtualMachine', retryable: true },
  },
  'libcloud/queryAsyncJobResult_attachvolumejob.json': job('the attached volume names its VM', 'attachVolume', { id: '60338035-92fb-4d27-98d4-b60ad4b38b87', virtualmachineid: 'ab2c18f6-00a6-43f8-9fe0-efecb3165dd7', state: 'Ready' }),
  'libcloud/queryAsyncJobResult_createVpnConnection.json': job('a connection', 'createVpnConnection', { id: 'f45c3af8-f909-4f16-9d40-ed4409c575f8', state: 'Connected' }),
  'libcloud/queryAsyncJobResult_createVpnCustomerGateway.json': job('a customer gateway', 'createVpnCustomerGateway', { id: 'cef3c766-116a-4e83-9844-7d08ab7d3fd4', name: 'VPN-10.0.0.1', cidrlist: '10.0.0.0/24' }),
  'libcloud/queryAsyncJobResult_createVpnGateway.json': job('a VPN gateway', 'createVpnGateway', { id: '5ef6794e-cec8-4018-9fef-c4dacbadee14', publicip: '2.3.4.5' }),
  'libcloud/queryAsyncJobResult_createvolumejob.json': job('a new volume, not yet attached', 'createVolume', { id: '60338035-92fb-4d27-98d4-b60ad4b38b87', state: 'Allocated', size: 10737418240 }),
  'libcloud/queryAsyncJobResult_deleteVPC.json': job('a delete succeeds with { success: true }', 'deleteVPC', SUCCESS),
  // ---- cloudstack-go (CloudStack simulator)
  'cloudstack-go/AddressService.json#associateIpAddress': job('a source-NAT IP', 'associateIpAddress', { id: 'dc51835f-b0e2-4a2e-91a4-6cccc44bdae3', ipaddress: '10.70.3.100', issourcenat: true }),
  'cloudstack-go/AddressService.json#disassociateIpAddress': job('release', 'disassociateIpAddress', SUCCESS),
  'cloudstack-go/FirewallService.json#createFirewallRule': job('an ingress rule', 'createFirewallRule', { id: 'fb4ad2ee-02c8-433e-a769-6f18afddc750', ipaddress: '192.168.2.4', cidrlist: '0.0.0.0/0' }),
  'cloudstack-go/FirewallService.json#deleteFirewallRule': job('delete', 'deleteFirewallRule', SUCCESS),
  'cloudstack-go/FirewallService.json#createEgressFirewallRule': job('an egress rule', 'createEgressFirewallRule', { id: 'b7d8b539-8c72-4d25-8539-625f665681ad', cidrlist: '10.1.1.0/24' }, 'firewallrule'),
  'cloudstack-go/FirewallService.json#deleteEgressFirewallRule': job('delete', 'deleteEgressFirewallRule', SUCCESS),
  'cloudstack-go/NetworkService.json#createNetwork': object('sync create on the simulator', { id: 'eb9c270d-dd66-443b-9524-ada1eff4442a', name: 'testIsolatedNet', cidr: '10.1.1.0/24', gateway: '10.1.1.1', zonename: 'SimZone1' }),
  'cloudstack-go/NetworkService.json#listNetworks': list('the network just created', 1, 1, [{ id: 'eb9c270d-dd66-443b-9524-ada1eff4442a', name: 'testIsolatedNet', cidr: '10.1.1.0/24' }]),
  'cloudstack-go/NetworkService.json#deleteNetwork': job('delete', 'deleteNetwork', SUCCESS),
  'cloudstack-go/NetworkService.json#createPhysicalNetwork': job('an admin command the provider does not use', 'createPhysicalNetwork', { id: '256b3b3f-4a31-48f3-a939-79b01357fb87', name: 'testPhyNet', isolationmethods: 'VLAN' }, 'physicalnetwork'),
  'cloudstack-go/PoolService.json#createStoragePool': object('sync create', { id: '3fd44942-4881-3fb0-95f1-5d7b7ae64cfb', name: 'testPrimary1', ipaddress: '10.1.1.2' }, 'storagepool'),
  'cloudstack-go/PoolService.json#listStoragePools': list('one pool', 1, 1, [{ name: 'testPrimary1', state: 'Up' }], 'storagepool'),
  'cloudstack-go/PoolService.json#deleteStoragePool': object('a sync delete answers { success: true }', SUCCESS),
  'cloudstack-go/VLANService.json#dedicateGuestVlanRange': object('numeric zoneid stays as sent', { id: 'b1afc5fe-b17c-4db3-8411-c323e4997ead', guestvlanrange: '100-110', zoneid: 1 }, 'dedicatedguestvlanrange'),
  'cloudstack-go/VLANService.json#createVlanIpRange': object('a public range', { id: '9772c190-3ad2-4e9c-8cd0-f1b3ebfe81d7', startip: '10.0.0.2', endip: '10.0.0.10' }, 'vlan'),
  'cloudstack-go/VLANService.json#updateVlanIpRange': object('the range grown by one', { id: '9772c190-3ad2-4e9c-8cd0-f1b3ebfe81d7', endip: '10.0.0.11' }, 'vlan'),
  'cloudstack-go/VLANService.json#listVlanIpRanges': list('one range', 1, 1, [{ cidr: '10.0.0.0/24', vlan: 'vlan://123' }], 'vlaniprange'),
  'cloudstack-go/VLANService.json#deleteVlanIpRange': object('sync delete', SUCCESS),
  'cloudstack-go/VPCService.json#restartVPC': job('restart', 'restartVPC', SUCCESS),
  'cloudstack-go/VPCService.json#listVPCs': list('outer key "listvpcresponse" (a real server says listvpcsresponse); two VPCs share a name, so objects are told apart by id, never by name', 2, 2, [
    { id: '49b5fa29-e98f-4078-b407-7e7928105ec0', name: 'my-vpc', cidr: '10.0.0.0/8' },
    { id: '78d49100-e4af-4692-9a49-284fa2444eb9', name: 'my-vpc', cidr: '10.0.0.0/8' },
  ]),
  'cloudstack-go/VPNService.json#deleteRemoteAccessVpn': job('delete', 'deleteRemoteAccessVpn', SUCCESS),
  'cloudstack-go/VirtualMachineService.json#deployVirtualMachine': job('a VM with its NIC and IP', 'deployVirtualMachine', {
    id: '915653c4-298b-4d74-bdee-4ced282114f1', name: 'testDummyVM', state: 'Running', cpunumber: 1, memory: 256, nic: [{ ipaddress: '10.1.1.62', isdefault: true }],
  }),
  'cloudstack-go/VirtualMachineService.json#addNicToVirtualMachine': job('a second NIC', 'addNicToVirtualMachine', {
    nic: [{ ipaddress: '10.1.2.102', networkname: 'test-network-2' }, { ipaddress: '10.1.1.62', isdefault: true }],
  }, 'virtualmachine'),
  'cloudstack-go/VirtualMachineService.json#stopVirtualMachine': job('stopped', 'stopVirtualMachine', { id: '915653c4-298b-4d74-bdee-4ced282114f1', state: 'Stopped' }),
  'cloudstack-go/VirtualMachineService.json#startVirtualMachine': job('running again', 'startVirtualMachine', { id: '915653c4-298b-4d74-bdee-4ced282114f1', state: 'Running' }),
  'cloudstack-go/VirtualMachineService.json#listVirtualMachines': list('outer key "listVirtualMachines" (a real server says listvirtualmachinesresponse)', 1, 1, [{ id: '915653c4-298b-4d74-bdee-4ced282114f1', name: 'testDummyVM', state: 'Running' }]),
  'cloudstack-go/VirtualMachineService.json#scaleVirtualMachine': job('a new service offering', 'scaleVirtualMachine', { id: '88dedd6b-4fc0-44bf-b76f-441a13bc1f99', serviceofferingname: 'Medium Instanc', memory: 1024 }, 'virtualmachine'),
  'cloudstack-go/VirtualMachineService.json#listVirtualMachinesUsageHistory': list('VMs with stats', 1, 1, [{ displayname: 'ubuntu-01' }], 'virtualmachine'),
};

const corpus = loadCorpus();

function recorded(source: string): Recorded {
  const found = corpus.find((r) => r.source === source);
  if (found === undefined) throw new Error(`no recorded answer ${source}`);
  return found;
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

function finishedJob(r: Recorded, command: string, objectKey?: string): CloudStackObject {
  const state = parseJobStatus(command, r.body, r.command);
  if (state.status !== 'succeeded') throw new Error(`${r.source}: job ${state.status}`);
  return jobObject(command, state.result, objectKey);
}

function check(r: Recorded, want: Want): void {
  switch (want.kind) {
    case 'list': {
      const page = parseListPage(r.command, r.body, want.objectKey);
      expect(page.count).toBe(want.count);
      expect(page.items).toHaveLength(want.length);
      for (const facts of want.includes) expect(page.items).toContainEqual(expect.objectContaining(facts));
      return;
    }
    case 'object':
      expect(parseSyncResponse(r.command, r.body, want.objectKey)).toMatchObject(want.facts);
      return;
    case 'start':
      expect(parseAsyncStart(r.command, r.body)).toEqual(want.start);
      return;
    case 'job':
      expect(finishedJob(r, want.command, want.objectKey)).toMatchObject(want.facts);
      return;
    case 'job-failed': {
      const state = parseJobStatus(want.command, r.body, r.command);
      if (state.status !== 'failed') throw new Error(`${r.source}: job ${state.status}`);
      expect(state.error).toBeInstanceOf(CloudStackError);
      expect(state.error).toMatchObject(want.error);
      return;
    }
    case 'error': {
      const error = thrown(() => (want.via === 'start' ? parseAsyncStart(r.command, r.body) : parseSyncResponse(r.command, r.body)));
      expect(error).toBeInstanceOf(CloudStackError);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject(want.error);
      return;
    }
    default: {
      const unreachable: never = want;
      throw new Error(`unknown expectation ${JSON.stringify(unreachable)}`);
    }
  }
}

describe('the recorded CloudStack answers', () => {
  it('are all here, and each has an expectation (a new file cannot slip through unread)', () => {
    expect(corpus.length).toBe(51 + 28);
    expect(corpus.map((r) => r.source).sort()).toEqual(Object.keys(WANT).sort());
  });

  it.each(corpus.map((r) => ({ source: r.source, reason: WANT[r.source]?.reason ?? '(none)' })))('$source: $reason', ({ source }) => {
    const want = WANT[source];
    if (want === undefined) throw new Error(`no expectation for ${source}`);
    check(recorded(source), want);
  });
});

describe('an async start and its finished job (libcloud pairs them by the jobid in the file name)', () => {
  const pairs = corpus
    .filter((r) => r.source.startsWith('libcloud/') && WANT[r.source]?.kind === 'start')
    .map((r) => ({ source: r.source, started: parseAsyncStart(r.command, r.body), command: r.command }))
    .flatMap((s) => {
      const result = corpus.find((r) => r.source === `libcloud/queryAsyncJobResult_${s.started.jobId}.json`);
      return result === undefined ? [] : [{ ...s, result }];
    });

  it('pairs most starts with a result', () => {
    expect(pairs.map((p) => p.source).sort()).toEqual([
      'libcloud/associateIpAddress_default.json',
      'libcloud/attachVolume_default.json',
      'libcloud/createFirewallRule_default.json',
      'libcloud/createNetworkACL_default.json',
      'libcloud/createPortForwardingRule_default.json',
      'libcloud/createVolume_default.json',
      'libcloud/createVpnConnection_default.json',
      'libcloud/createVpnCustomerGateway_default.json',
      'libcloud/createVpnGateway_default.json',
      'libcloud/deleteVPC_default.json',
      'libcloud/deployVirtualMachine_default.json',
      'libcloud/deployVirtualMachine_deployfail2.json',
    ]);
  });

  const announced = pairs.filter((p) => p.started.id !== undefined && parseJobStatus(p.command, p.result.body).status === 'succeeded');

  it.each(announced)('$source: the id announced at the start is the id of the object the job returns, so recording it before polling is safe', ({ started, command, result }) => {
    const want = WANT[result.source];
    const objectKey = want?.kind === 'job' ? want.objectKey : undefined;
    expect(finishedJob(result, command, objectKey).id).toBe(started.id);
  });

  it('covers every start that names its object and succeeded', () => {
    expect(announced.map((p) => p.command).sort()).toEqual([
      'associateIpAddress', 'createFirewallRule', 'createNetworkACL', 'createPortForwardingRule', 'createVolume', 'createVpnGateway', 'deployVirtualMachine',
    ]);
  });
});

describe('answers the corpus lacks but CloudStack gives', () => {
  it('an empty list is {} under the response key (the issue\'s own example)', () => {
    expect(parseListPage('listNetworks', { listnetworksresponse: {} })).toEqual({ items: [], count: undefined });
  });

  it('an error CloudStack cannot tie to a command comes under "errorresponse"', () => {
    const error = thrown(() => parseSyncResponse('listZones', { errorresponse: { errorcode: 432, cserrorcode: 9999, errortext: 'The given command does not exist' } }));
    expect(error).toMatchObject({ errorcode: 432, cserrorcode: 9999, errortext: 'The given command does not exist', retryable: false });
  });

  it('a count without its array is a broken answer, not an empty list', () => {
    const error = thrown(() => parseListPage('listNetworks', { listnetworksresponse: { count: 2 } }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).not.toBeInstanceOf(CloudStackError);
    expect(String(error)).toContain('count is 2 but there is no "network" array');
  });

  it('a cancelled job and a still-running one', () => {
    expect(parseJobStatus('deployVirtualMachine', { queryasyncjobresultresponse: { jobid: 'j', jobstatus: 3 } })).toEqual({ status: 'cancelled' });
    expect(parseJobStatus('deployVirtualMachine', { queryasyncjobresultresponse: { jobid: 'j', jobstatus: 0 } })).toEqual({ status: 'pending' });
  });

  it('a failed job with CloudStack\'s error in jobresult', () => {
    const state = parseJobStatus('createVpnConnection', {
      queryasyncjobresultresponse: { jobid: 'j-9', jobstatus: 2, jobresultcode: 530, jobresult: { errorcode: 537, cserrorcode: 4350, errortext: 'The VPN connection conflicts with an existing one' } },
    });
    expect(state).toMatchObject({ status: 'failed', error: { errorcode: 537, cserrorcode: 4350, jobId: 'j-9', command: 'createVpnConnection', code: 'conflict', retryable: false } });
  });
});
