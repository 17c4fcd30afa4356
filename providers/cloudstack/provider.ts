/**
 * `createCloudStackProvider`: tenants in an Apache CloudStack zone, through its API.
 *
 * Mapping (README "The cloudstack provider"): a tenant is a project holding one VPC
 * (CIDR `vpcCidr`); networks are VPC tiers (gateway, netmask and the segment's VLAN);
 * public IPs are associated to the VPC; static NAT, port forwards and firewall rules
 * hang off them; site-to-site VPN is the VPC's VPN gateway + a customer gateway + a
 * connection; remote-access users are VPN users of the VPC's remote-access VPN; VMs are
 * deployed with a custom service offering (CPU, memory), their template and NIC IPs;
 * disks are volumes of the tier's disk offering, attached to their VM. Objects carry
 * the tag `netfirst-address` (for operators, and for bulk listing, not built yet: refresh
 * reads each recorded object by its id).
 *
 * Async commands report their job to the engine as soon as CloudStack accepts them
 * (CallProgress.accepted), so a crash or a job timeout is resolved by reading.
 */
import { textOf as str, numberOf as num, recordOf as rec, listOf as list } from '../../engine/attribute-values.js';
import { parseCidr } from '../../engine/net/ipv4.js';
import { ATTRIBUTES } from '../../engine/attributes.js';
import { RESOURCE_TYPES, type Attributes, type ResourceTypeName } from '../../engine/resource.js';
import type { ZoneDoc } from '../../specs/schema.js';
import { type CallProgress, type Desired, type Observed, type Provider, ProviderError, type Recorded, type ResourceType } from '../contract.js';
import { ADDRESS_TAG, COMMANDS, TAG_RESOURCE_TYPES, type CommandName, type CommandSpec } from './api.js';

type ZoneSpec = ZoneDoc['spec'];
type CloudStackConfig = Extract<ZoneSpec['provider'], { type: 'cloudstack' }>;
type Obj = Record<string, unknown>;
type Params = Record<string, string | number | boolean | undefined>;

/** What the provider needs of the API client (client.ts). */
export interface CloudStackApi {
  call(command: CommandName, params: Params): Promise<Obj>;
  start(command: CommandName, params: Params): Promise<{ jobId: string; id?: string }>;
  wait(jobId: string): Promise<Obj>;
  list(command: CommandName, params: Params): AsyncIterable<Obj>;
}

export interface CloudStackProviderOptions {
  readonly zoneName: string;
  readonly zone: ZoneSpec;
  readonly api: CloudStackApi;
}

export const CLOUDSTACK_RESOURCE_TYPES: { readonly [T in ResourceTypeName]?: ResourceType } = Object.fromEntries(
  RESOURCE_TYPES.map((type) => [type, { schema: ATTRIBUTES[type].schema, forceNew: ATTRIBUTES[type].forceNew, computed: [] }]),
);


const HYPERVISOR = { kvm: 'KVM', xenserver: 'XenServer', vmware: 'VMware' } as const;
const DH = { 2: 'modp1024', 5: 'modp1536', 14: 'modp2048', 15: 'modp3072', 16: 'modp4096', 19: 'ecp256', 20: 'ecp384', 21: 'ecp521' } as const;

/** `aes256-sha256;modp2048` (IKE), `aes256-sha256` or `aes256-sha256;modp2048` with PFS (ESP). */
export function cloudstackPolicy(p: Attributes): string {
  const group = typeof p['group'] === 'number' ? DH[p['group'] as keyof typeof DH] : undefined;
  return `${str(p['encryption'])}-${str(p['hash'])}${group ? `;${group}` : ''}`;
}

export function createCloudStackProvider(options: CloudStackProviderOptions): Provider {
  const { zoneName, api } = options;
  const config = options.zone.provider as CloudStackConfig;
  const offerings = {
    vpc: config.offerings?.vpc ?? 'Default VPC offering',
    vpcNetwork: config.offerings?.vpcNetwork ?? 'DefaultIsolatedNetworkOfferingForVpcNetworks',
    service: config.offerings?.service ?? 'netfirst-custom',
    disk: (tier: string): string => config.offerings?.disk?.[tier] ?? tier,
  };
  const cache = new Map<string, Promise<string>>();
  /** An id looked up once per run (zone, offerings, templates, projects, VPCs). */
  const once = (key: string, find: () => Promise<string>): Promise<string> => {
    let p = cache.get(key);
    if (!p) {
      p = find();
      cache.set(key, p);
      p.catch(() => cache.delete(key));
    }
    return p;
  };

  async function first(command: CommandName, params: Params): Promise<Obj | undefined> {
    for await (const o of api.list(command, params)) return o;
    return undefined;
  }

  async function byName(command: CommandName, name: string, params: Params = {}): Promise<Obj | undefined> {
    for await (const o of api.list(command, { ...params, name })) if (str(o['name']) === name) return o;
    return undefined;
  }

  const zoneId = (): Promise<string> => once('zone', async () => {
    const name = config.zone ?? zoneName;
    const z = await byName('listZones', name);
    if (!z) throw new ProviderError('not-found', `CloudStack has no zone named ${name}`, { retryable: false });
    return str(z['id']);
  });

  const offeringId = (command: CommandName, name: string): Promise<string> => once(`${command}:${name}`, async () => {
    const o = await byName(command, name);
    if (!o) throw new ProviderError('not-found', `CloudStack has no ${command.replace(/^list|s$/g, '')} named ${name}`, { retryable: false });
    return str(o['id']);
  });

  const templateId = (name: string, hypervisor: string): Promise<string> => once(`template:${name}:${hypervisor}`, async () => {
    for await (const t of api.list('listTemplates', { templatefilter: 'executable', name, zoneid: await zoneId(), hypervisor })) {
      if (str(t['name']) === name) return str(t['id']);
    }
    throw new ProviderError('not-found', `CloudStack has no ${hypervisor} template named ${name} in zone ${zoneName}`, { retryable: false });
  });

  /**
   * Runs an async command, telling the engine its job (and the object's id) before
   * waiting; `result` is the object the job made (under the command's key), or the job's
   * result as it is for commands that make none (`{ success: true }`).
   */
  async function job(command: CommandName, params: Params, progress?: CallProgress): Promise<{ id?: string; result: Obj }> {
    const started = await api.start(command, params);
    progress?.accepted({ jobId: started.jobId, ...(started.id !== undefined ? { providerId: started.id } : {}) });
    const raw = await api.wait(started.jobId);
    const key = (COMMANDS[command] as CommandSpec).objectKey;
    const object = key !== undefined && typeof raw[key] === 'object' && raw[key] !== null ? (raw[key] as Obj) : raw;
    return { ...(started.id !== undefined ? { id: started.id } : {}), result: object };
  }

  const projectId = (tenant: string): Promise<string> => once(`project:${tenant}`, async () => {
    const found = await byName('listProjects', tenant, { listall: true });
    if (found) return str(found['id']);
    const { id, result } = await job('createProject', { name: tenant, displaytext: `netfirst tenant ${tenant}` });
    return id ?? str(result['id']);
  });

  const vpcId = (tenant: string): Promise<string> => once(`vpc:${tenant}`, async () => {
    const projectid = await projectId(tenant);
    for await (const v of api.list('listVPCs', { projectid, listall: true })) if (str(v['name']) === tenant) return str(v['id']);
    const { id, result } = await job('createVPC', {
      name: tenant, displaytext: `netfirst tenant ${tenant}`, cidr: config.vpcCidr ?? '10.0.0.0/8',
      vpcofferingid: await offeringId('listVPCOfferings', offerings.vpc), zoneid: await zoneId(), projectid,
    });
    return id ?? str(result['id']);
  });

  async function tag(type: keyof typeof TAG_RESOURCE_TYPES, id: string, address: string, tenant: string): Promise<void> {
    await job('createTags', { resourceids: id, resourcetype: TAG_RESOURCE_TYPES[type], 'tags[0].key': ADDRESS_TAG, 'tags[0].value': address, projectid: await projectId(tenant) });
  }

  const observed = (d: Pick<Desired, 'address' | 'type' | 'tenant'>, providerId: string, attributes: Attributes): Observed =>
    ({ providerId, address: d.address, type: d.type, tenant: d.tenant, attributes });

  /** The network a VM's first NIC is on (static NAT and port forwards need it). */
  async function firstNetworkOf(vmId: string, tenant: string): Promise<string> {
    const vm = await first('listVirtualMachines', { id: vmId, projectid: await projectId(tenant), listall: true });
    const nic = Array.isArray(vm?.['nic']) ? (vm['nic'][0] as Obj | undefined) : undefined;
    if (!nic) throw new ProviderError('not-found', `CloudStack VM ${vmId} has no NIC`, { retryable: false });
    return str(nic['networkid']);
  }

  const ref = (d: Desired, address: string): string => {
    const id = d.refs[address];
    if (id === undefined) throw new ProviderError('invalid', `${d.address}: ${address} has no CloudStack id yet`, { retryable: false });
    return id;
  };

  // ------------------------------------------------------------------ create / update

  async function create(d: Desired, progress?: CallProgress): Promise<Observed> {
    const a = d.attributes;
    const projectid = await projectId(d.tenant);
    switch (d.type) {
      case 'network': {
        const block = parseCidr(str(a['cidr']))!;
        const segment = rec(a['segment']);
        const made = await api.call('createNetwork', {
          name: str(a['name']), displaytext: d.address, networkofferingid: await offeringId('listNetworkOfferings', offerings.vpcNetwork),
          zoneid: await zoneId(), projectid, vpcid: await vpcId(d.tenant), gateway: str(a['gateway']), netmask: netmaskOf(block.prefix),
          ...(str(segment['type']) === 'vlan' ? { vlan: num(segment['id']) } : { vlan: `vxlan://${num(segment['id'])}` }),
        });
        const network = (made['network'] as Obj | undefined) ?? made;
        const id = str(network['id']);
        progress?.accepted({ providerId: id });
        await tag('network', id, d.address, d.tenant);
        return observed(d, id, a);
      }
      case 'public-ip': {
        const { id, result } = await job('associateIpAddress', { vpcid: await vpcId(d.tenant), zoneid: await zoneId(), projectid, ipaddress: str(a['address']) }, progress);
        const ipId = id ?? str(result['id']);
        await tag('public-ip', ipId, d.address, d.tenant);
        return observed(d, ipId, { ...a, address: str(result['ipaddress']) || str(a['address']) });
      }
      case 'static-nat': {
        const ip = ref(d, str(a['publicIp']));
        const vm = ref(d, str(a['vm']));
        await api.call('enableStaticNat', { ipaddressid: ip, virtualmachineid: vm, networkid: await firstNetworkOf(vm, d.tenant) });
        return observed(d, `staticnat:${ip}`, a);
      }
      case 'port-forward': {
        const vm = ref(d, str(a['vm']));
        const { id, result } = await job('createPortForwardingRule', {
          ipaddressid: ref(d, str(a['publicIp'])), protocol: str(a['protocol']), publicport: num(a['publicPort']), privateport: num(a['privatePort']),
          virtualmachineid: vm, networkid: await firstNetworkOf(vm, d.tenant), openfirewall: false,
        }, progress);
        const ruleId = id ?? str(result['id']);
        await tag('port-forward', ruleId, d.address, d.tenant);
        return observed(d, ruleId, a);
      }
      case 'firewall-rule': {
        // CloudStack rules hold one port range: one rule per port (or one for all ports / ICMP).
        const ports = list(a['ports']).filter((p): p is number => typeof p === 'number');
        const ids: string[] = [];
        for (const port of ports.length > 0 ? ports : [undefined]) {
          const { id, result } = await job('createFirewallRule', {
            ipaddressid: ref(d, str(a['publicIp'])), protocol: str(a['protocol']), cidrlist: list(a['from']).map(String).join(','),
            ...(port !== undefined ? { startport: port, endport: port } : str(a['protocol']) === 'icmp' ? { icmptype: -1, icmpcode: -1 } : { startport: 1, endport: 65535 }),
          }, ids.length === 0 ? progress : undefined);
          const ruleId = id ?? str(result['id']);
          ids.push(ruleId);
          await tag('firewall-rule', ruleId, d.address, d.tenant);
        }
        return observed(d, ids.join(','), a);
      }
      case 'vpn-connection': {
        const psk = d.secrets['preSharedKey'];
        if (psk === undefined) throw new ProviderError('invalid', `${d.address}: no pre-shared key was handed over`, { retryable: false });
        const vpcid = await vpcId(d.tenant);
        let gateway = await first('listVpnGateways', { vpcid, projectid, listall: true });
        if (!gateway) gateway = (await job('createVpnGateway', { vpcid })).result;
        const customer = await job('createVpnCustomerGateway', customerGateway(d, psk, projectid), progress);
        const customerId = customer.id ?? str(customer.result['id']);
        const connection = await job('createVpnConnection', { s2svpngatewayid: str(gateway['id']), s2scustomergatewayid: customerId });
        const id = connection.id ?? str(connection.result['id']);
        await tag('vpn-connection', id, d.address, d.tenant);
        return observed(d, `${id}/${customerId}`, a);
      }
      case 'vpn-user': {
        const password = d.secrets['password'];
        if (password === undefined) throw new ProviderError('invalid', `${d.address}: no password was handed over`, { retryable: false });
        await ensureRemoteAccess(d.tenant);
        const { id, result } = await job('addVpnUser', { username: str(a['name']), password, projectid }, progress);
        return observed(d, id ?? (str(result['id']) || `vpnuser:${str(a['name'])}`), a);
      }
      case 'vm': {
        const root = rec(a['rootDisk']);
        const hypervisor = HYPERVISOR[str(a['hypervisor']) as keyof typeof HYPERVISOR] ?? str(a['hypervisor']);
        const nics = list(a['nics']).map((n) => rec(n));
        const params: Params = {
          name: str(a['name']), displayname: str(a['name']), zoneid: await zoneId(), projectid, hypervisor,
          serviceofferingid: await offeringId('listServiceOfferings', offerings.service), 'details[0].cpuNumber': num(a['cpu']), 'details[0].memory': num(a['memoryMiB']),
          templateid: await templateId(str(a['template']), hypervisor), rootdisksize: num(root['sizeGiB']),
        };
        nics.forEach((n, i) => {
          params[`iptonetworklist[${i}].networkid`] = ref(d, str(n['network']));
          params[`iptonetworklist[${i}].ip`] = str(n['ip']);
        });
        const { id, result } = await job('deployVirtualMachine', params, progress);
        const vmId = id ?? str(result['id']);
        await tag('vm', vmId, d.address, d.tenant);
        return observed(d, vmId, a);
      }
      case 'disk': {
        const { id, result } = await job('createVolume', {
          name: `${str(a['vm']).split('/').pop()}-${str(a['name'])}`, diskofferingid: await offeringId('listDiskOfferings', offerings.disk(str(a['tier']))),
          size: num(a['sizeGiB']), zoneid: await zoneId(), projectid,
        }, progress);
        const volumeId = id ?? str(result['id']);
        await job('attachVolume', { id: volumeId, virtualmachineid: ref(d, str(a['vm'])) });
        await tag('disk', volumeId, d.address, d.tenant);
        return observed(d, volumeId, a);
      }
    }
  }

  function customerGateway(d: Desired, psk: string, projectid: string): Params {
    const a = d.attributes;
    const ike = rec(a['ike']);
    const esp = rec(a['esp']);
    return {
      name: `${d.tenant}-${str(a['name'])}`, gateway: str(a['peer']), cidrlist: list(a['peerCidrs']).map(String).join(','), ipsecpsk: psk,
      ikepolicy: cloudstackPolicy(ike), esppolicy: cloudstackPolicy(esp), ikelifetime: num(ike['lifetimeSeconds']), esplifetime: num(esp['lifetimeSeconds']),
      dpd: a['dpd'] === true, projectid,
    };
  }

  /** The VPC's remote-access VPN, on its source-NAT address, made on first use. */
  const ensureRemoteAccess = (tenant: string): Promise<string> => once(`ravpn:${tenant}`, async () => {
    const projectid = await projectId(tenant);
    const vpcid = await vpcId(tenant);
    let sourceNat: Obj | undefined;
    for await (const ip of api.list('listPublicIpAddresses', { projectid, listall: true })) if (str(ip['vpcid']) === vpcid && ip['issourcenat'] === true) sourceNat = ip;
    if (!sourceNat) throw new ProviderError('not-found', `the VPC of tenant ${tenant} has no source-NAT address for remote-access VPN`, { retryable: false });
    try {
      await job('createRemoteAccessVpn', { publicipid: str(sourceNat['id']) });
    } catch (error) {
      // Already enabled on that address (a previous run): fine.
      if (!(error instanceof ProviderError) || !/already|exists/i.test(error.message)) throw error;
    }
    return str(sourceNat['id']);
  });

  async function update(prior: Recorded, d: Desired, changed: readonly string[], progress?: CallProgress): Promise<Observed> {
    const a = d.attributes;
    switch (d.type) {
      case 'vm': {
        if (changed.some((c) => c === 'cpu' || c === 'memoryMiB')) {
          await job('stopVirtualMachine', { id: prior.providerId }, progress);
          await api.call('changeServiceForVirtualMachine', { id: prior.providerId, serviceofferingid: await offeringId('listServiceOfferings', offerings.service), 'details[0].cpuNumber': num(a['cpu']), 'details[0].memory': num(a['memoryMiB']) });
          await job('startVirtualMachine', { id: prior.providerId });
        }
        if (changed.includes('rootDisk')) throw new ProviderError('invalid', `${d.address}: resizing a root disk is not built for CloudStack yet`, { retryable: false });
        return observed(d, prior.providerId, a);
      }
      case 'disk': {
        if (changed.includes('tier')) throw new ProviderError('invalid', `${d.address}: moving a volume to another tier (migrateVolume) is not built for CloudStack yet`, { retryable: false });
        if (changed.includes('sizeGiB')) await job('resizeVolume', { id: prior.providerId, size: num(a['sizeGiB']) }, progress);
        return observed(d, prior.providerId, a);
      }
      case 'vpn-connection': {
        const [, customerId] = prior.providerId.split('/');
        const psk = d.secrets['preSharedKey'];
        if (psk === undefined || customerId === undefined) throw new ProviderError('invalid', `${d.address}: cannot update without the customer gateway and key`, { retryable: false });
        await job('updateVpnCustomerGateway', { id: customerId, ...customerGateway(d, psk, await projectId(d.tenant)) }, progress);
        return observed(d, prior.providerId, a);
      }
      case 'network':
        // Name and the rest CloudStack can change in place; the CIDR and segment force replacement.
        return observed(d, prior.providerId, a);
      default:
        // Everything else is replaced by the engine (forceNew) or has nothing to change here.
        await remove(prior);
        return create(d, progress);
    }
  }

  // ------------------------------------------------------------------ delete

  /** Deleting what is already gone succeeds (CloudStack answers 431 "unable to find"). */
  const gone = (error: unknown): boolean => error instanceof ProviderError && /unable to find|does not exist|not found|Unable to execute API command .* due to invalid value/i.test(error.message);
  const tolerate = async (p: Promise<unknown>): Promise<void> => {
    try {
      await p;
    } catch (error) {
      if (!gone(error)) throw error;
    }
  };

  async function remove(prior: Recorded, progress?: CallProgress): Promise<void> {
    const a = prior.attributes;
    switch (prior.type) {
      case 'network':
        return tolerate(job('deleteNetwork', { id: prior.providerId }, progress));
      case 'public-ip':
        return tolerate(job('disassociateIpAddress', { id: prior.providerId }, progress));
      case 'static-nat':
        return tolerate(job('disableStaticNat', { ipaddressid: prior.providerId.replace(/^staticnat:/, '') }, progress));
      case 'port-forward':
        return tolerate(job('deletePortForwardingRule', { id: prior.providerId }, progress));
      case 'firewall-rule':
        for (const id of prior.providerId.split(',')) await tolerate(job('deleteFirewallRule', { id }));
        return;
      case 'vpn-connection': {
        const [connection, customer] = prior.providerId.split('/');
        if (connection) await tolerate(job('deleteVpnConnection', { id: connection }, progress));
        if (customer) await tolerate(job('deleteVpnCustomerGateway', { id: customer }));
        return;
      }
      case 'vpn-user':
        return tolerate(job('removeVpnUser', { username: str(a['name']), projectid: await projectId(prior.tenant) }, progress));
      case 'vm':
        return tolerate(job('destroyVirtualMachine', { id: prior.providerId, expunge: true }, progress));
      case 'disk':
        await tolerate(job('detachVolume', { id: prior.providerId }, progress));
        await tolerate(api.call('deleteVolume', { id: prior.providerId }));
        return;
    }
  }

  // ------------------------------------------------------------------ read and list

  /** The tagged object lists, per netfirst type (rules and users are found by id in their lists). */
  const LISTS: Partial<Record<ResourceTypeName, CommandName>> = {
    network: 'listNetworks', 'public-ip': 'listPublicIpAddresses', 'port-forward': 'listPortForwardingRules', 'firewall-rule': 'listFirewallRules',
    'vpn-connection': 'listVpnConnections', vm: 'listVirtualMachines', disk: 'listVolumes', 'vpn-user': 'listVpnUsers',
  };

  /** Whether the object behind a recorded resource still exists, with what CloudStack shows of it. */
  async function read(r: Recorded): Promise<Observed | undefined> {
    const projectid = await projectId(r.tenant);
    const a = r.attributes;
    switch (r.type) {
      case 'static-nat': {
        const ip = await first('listPublicIpAddresses', { id: r.providerId.replace(/^staticnat:/, ''), projectid, listall: true });
        return ip && ip['isstaticnat'] === true ? observed(r, r.providerId, a) : undefined;
      }
      case 'firewall-rule': {
        const ids = new Set(r.providerId.split(','));
        let seen = 0;
        for await (const rule of api.list('listFirewallRules', { projectid, listall: true })) if (ids.has(str(rule['id']))) seen++;
        return seen === ids.size ? observed(r, r.providerId, a) : undefined;
      }
      case 'vpn-connection': {
        const [connection] = r.providerId.split('/');
        for await (const c of api.list('listVpnConnections', { projectid, listall: true })) if (str(c['id']) === connection) return observed(r, r.providerId, a);
        return undefined;
      }
      case 'vpn-user': {
        for await (const u of api.list('listVpnUsers', { projectid, listall: true })) if (str(u['username']) === str(a['name'])) return observed(r, r.providerId, a);
        return undefined;
      }
      default: {
        const command = LISTS[r.type]!;
        for await (const o of api.list(command, { projectid, listall: true, ...(r.type === 'port-forward' ? {} : { id: r.providerId }) })) {
          if (str(o['id']) === r.providerId) return observed(r, r.providerId, attributesFrom(r.type, o, a));
        }
        return undefined;
      }
    }
  }

  /** What CloudStack shows, over what was recorded: the values it owns (addresses, sizes, CPU, memory). */
  function attributesFrom(type: ResourceTypeName, o: Obj, recorded: Attributes): Attributes {
    switch (type) {
      case 'network':
        return { ...recorded, ...(str(o['cidr']) ? { cidr: str(o['cidr']) } : {}), ...(str(o['gateway']) ? { gateway: str(o['gateway']) } : {}) };
      case 'public-ip':
        return { ...recorded, ...(str(o['ipaddress']) ? { address: str(o['ipaddress']) } : {}) };
      case 'vm':
        return { ...recorded, ...(typeof o['cpunumber'] === 'number' ? { cpu: o['cpunumber'] } : {}), ...(typeof o['memory'] === 'number' ? { memoryMiB: o['memory'] } : {}) };
      case 'disk':
        return { ...recorded, ...(typeof o['size'] === 'number' ? { sizeGiB: Math.round(o['size'] / 2 ** 30) } : {}) };
      default:
        return recorded;
    }
  }

  return {
    name: 'cloudstack',
    resourceTypes: CLOUDSTACK_RESOURCE_TYPES,
    read,
    create,
    update,
    delete: remove,
  };
}

function netmaskOf(prefix: number): string {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((s) => (mask >>> s) & 255).join('.');
}
