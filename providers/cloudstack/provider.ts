/**
 * `createCloudStackProvider`: tenants in an Apache CloudStack zone, through its API.
 *
 * Mapping (README "The cloudstack provider"): a tenant is a project holding one VPC
 * (CIDR `vpcCidr`; tenancy.ts); networks are VPC tiers (gateway, netmask and the
 * segment's VLAN) sharing the VPC's network ACL list, which holds the firewall rules;
 * the VPC's source NAT is the address the tenant's networks name as `sourceNat`; public
 * IPs are associated to the VPC; static NAT and port forwards hang off them;
 * site-to-site VPN is the VPC's VPN gateway + a customer gateway + a connection;
 * remote-access users are VPN users of the VPC's remote-access VPN; VMs are deployed with
 * a custom service offering (CPU, memory), their template, NIC IPs and the root disk's
 * tier, and are started or stopped as their `power` says (deployed with `startvm=false`
 * when stopped); disks are volumes of the tier's disk offering, attached to their VM.
 *
 * Every object netfirst makes is tagged `netfirst-address`, which is how refresh and
 * adoption find them in bulk (observe.ts). Creates look for what an earlier, interrupted
 * attempt made before making anything, so retries do not make things twice. Async
 * commands report their job to the engine as soon as CloudStack accepts them
 * (CallProgress.accepted), so a crash or a job timeout is resolved by reading.
 */
import { textOf as str, numberOf as num, recordOf as rec, listOf as list } from '../../specs/model/attribute-values.js';
import { ATTRIBUTES } from '../../specs/model/attributes.js';
import { parseCidr } from '../../specs/model/net/ipv4.js';
import { RESOURCE_TYPES, type Attributes, type ResourceTypeName } from '../../specs/model/resource.js';
import type { ZoneDoc } from '../../specs/schema.js';
import { type CallProgress, type Desired, type Observed, type Provider, ProviderError, type Recorded, type ResourceType } from '../contract.js';
import { ADDRESS_TAG, TAG_RESOURCE_TYPES } from './api.js';
import { cloudstackPolicy, HYPERVISOR, TAGS } from './observe.js';
import { createReader } from './reader.js';
import { createSteps, GONE } from './steps.js';
import { createTenancy, type CloudStackApi, type ExtraTags, type Obj, type Params, tagOf } from './tenancy.js';

export type { CloudStackApi } from './tenancy.js';
export { cloudstackPolicy } from './observe.js';

type ZoneSpec = ZoneDoc['spec'];
type CloudStackConfig = Extract<ZoneSpec['provider'], { type: 'cloudstack' }>;

export interface CloudStackProviderOptions {
  readonly zoneName: string;
  readonly zone: ZoneSpec;
  readonly api: CloudStackApi;
  /** Pause between attempts of a step after a job was accepted (tests shorten it). */
  readonly stepRetryDelayMs?: number;
}

export const CLOUDSTACK_RESOURCE_TYPES: { readonly [T in ResourceTypeName]?: ResourceType } = Object.fromEntries(
  RESOURCE_TYPES.map((type) => [type, { schema: ATTRIBUTES[type].schema, forceNew: ATTRIBUTES[type].forceNew, computed: [] }]),
);

const DEFAULT_REMOTE_ACCESS_RANGE = '100.64.0.1-100.64.0.254';


export function createCloudStackProvider(options: CloudStackProviderOptions): Provider {
  const { zoneName, api } = options;
  const config = options.zone.provider as CloudStackConfig;
  const diskOffering = (tier: string): string => config.offerings?.disk?.[tier] ?? tier;
  const tierOfOffering = (name: string): string =>
    options.zone.storageTiers.find((t) => diskOffering(t.name) === name)?.name ?? name;
  const t = createTenancy({
    api,
    zone: config.zone ?? zoneName,
    vpcCidr: config.vpcCidr ?? '10.0.0.0/8',
    remoteAccessRange: config.remoteAccessRange ?? DEFAULT_REMOTE_ACCESS_RANGE,
    offerings: {
      vpc: config.offerings?.vpc ?? 'Default VPC offering',
      vpcNetwork: config.offerings?.vpcNetwork ?? 'DefaultIsolatedNetworkOfferingForVpcNetworks',
      service: config.offerings?.service ?? 'netfirst-custom',
      disk: diskOffering,
    },
  });
  const stepDelay = options.stepRetryDelayMs ?? 500;

  const reader = createReader(t, options.zone, tierOfOffering);
  /** Anything that changes the zone makes the next bulk look a fresh one. */
  const changed = (): void => reader.forget();
  const read = reader.read;

  const { step, tag, retag, gone, listed } = createSteps(t, stepDelay);

  const observed = (d: Pick<Desired, 'address' | 'type' | 'tenant'>, providerId: string, attributes: Attributes): Observed =>
    ({ providerId, address: d.address, type: d.type, tenant: d.tenant, attributes });

  const ref = (d: Desired, address: string): string => {
    const id = d.refs[address];
    if (id === undefined) throw new ProviderError('invalid', `${d.address}: ${address} has no CloudStack id yet`, { retryable: false });
    return id;
  };

  /** The network a VM's first NIC is on (static NAT and port forwards need it). */
  async function firstNetworkOf(vmId: string, tenant: string): Promise<string> {
    const vm = await t.first('listVirtualMachines', { id: vmId, projectid: await t.projectId(tenant), listall: true });
    const nic = Array.isArray(vm?.['nic']) ? (vm['nic'][0] as Obj | undefined) : undefined;
    if (!nic) throw new ProviderError('not-found', `CloudStack VM ${vmId} has no NIC`, { retryable: false });
    return str(nic['networkid']);
  }

  /**
   * Brings a VM to its desired power state, and to a new size on the way when `resize` is
   * given (CloudStack changes the offering only of a stopped VM). Reads the VM's state
   * first: starting a running VM is refused by CloudStack, and reality may differ from
   * what state recorded (drift being corrected). The first job made reports to `progress`.
   */
  async function settlePower(d: Desired, id: string, running: boolean, resize?: () => Promise<unknown>, progress?: CallProgress): Promise<void> {
    const vm = await t.first('listVirtualMachines', { id, projectid: await t.projectId(d.tenant), listall: true });
    if (!vm) throw new ProviderError('not-found', `${d.address}: CloudStack shows no VM ${id}`, { retryable: false });
    let hook = progress;
    const once = (): CallProgress | undefined => {
      const h = hook;
      hook = undefined;
      return h;
    };
    let stopped = str(vm['state']) === 'Stopped';
    if (!stopped && (resize !== undefined || !running)) {
      await t.job('stopVirtualMachine', { id }, once());
      stopped = true;
    }
    if (resize) await step(`changing the offering of ${d.address}`, resize);
    if (running && stopped) {
      const first = once();
      await (first ? t.job('startVirtualMachine', { id }, first) : step(`starting ${d.address}`, () => t.job('startVirtualMachine', { id })));
    }
  }

  /** The object of `command` in the tenant's project that `match` picks: what an earlier attempt made. */
  async function existing(command: Parameters<typeof t.all>[0], tenant: string, match: (o: Obj) => boolean, params: Params = {}): Promise<Obj | undefined> {
    for await (const o of api.list(command, { projectid: await t.projectId(tenant), listall: true, ...params })) if (match(o)) return o;
    return undefined;
  }

  /** Netfirst's tags on a network: the source NAT it egresses through and its colocation hand-off. */
  const networkTags = (a: Attributes): ExtraTags => ({
    ...(a['sourceNatIp'] !== null && a['sourceNatIp'] !== undefined ? { [TAGS.sourceNat]: 'true' } : {}),
    ...(typeof a['colocationHandoff'] === 'string' ? { [TAGS.colocationHandoff]: a['colocationHandoff'] } : {}),
  });

  /**
   * Makes `address` the VPC's source NAT (CloudStack 4.19 updateVPC), and gives back the
   * address CloudStack chose itself when the VPC was made without one of the tenant's.
   * That address is marked before the move, so a release that does not happen now (a
   * refused job, a job that never reports, a crash) is done by the next call for the
   * tenant — or by `settle`, when the engine recovers the interrupted create by reading:
   * nothing CloudStack chose is kept. Idempotent: a move already made is not made again.
   */
  async function useSourceNat(tenant: string, address: string): Promise<void> {
    const current = await t.sourceNatOf(tenant);
    const vpcid = await t.vpcId(tenant);
    if (str(current?.['ipaddress']) !== address) {
      if (current && tagOf(current, ADDRESS_TAG) === undefined) await markForRelease(tenant, current);
      await step(`moving the source NAT of ${tenant} to ${address}`, () => t.job('updateVPC', { id: vpcid, sourcenatipaddress: address }));
    }
    await releaseMarked(tenant, vpcid);
  }

  /** Gives back every address of the VPC marked netfirst-release that is no longer its source NAT. */
  async function releaseMarked(tenant: string, vpcid: string): Promise<void> {
    const projectid = await t.projectId(tenant);
    for (const ip of await t.all('listPublicIpAddresses', { vpcid, projectid, listall: true })) {
      if (ip['issourcenat'] === true || tagOf(ip, TAGS.release) === undefined || tagOf(ip, ADDRESS_TAG) !== undefined) continue;
      const id = str(ip['id']);
      await step(`releasing ${str(ip['ipaddress'])}`, () => gone(t.job('disassociateIpAddress', { id }), () => listed('listPublicIpAddresses', { id, projectid, listall: true })));
    }
  }

  /** Tags an address netfirst does not keep (CloudStack's own source-NAT pick) to go back to the zone. */
  async function markForRelease(tenant: string, ip: Obj): Promise<void> {
    if (tagOf(ip, TAGS.release) !== undefined) return;
    const id = str(ip['id']);
    const projectid = await t.projectId(tenant);
    await step(`marking ${str(ip['ipaddress'])} to go back to the zone`, async () => {
      try {
        await t.job('createTags', { resourceids: id, resourcetype: TAG_RESOURCE_TYPES['public-ip'], projectid, 'tags[0].key': TAGS.release, 'tags[0].value': 'true' });
      } catch (error) {
        // A previous attempt's job did the work but was not seen to: the tag is there.
        const again = await t.first('listPublicIpAddresses', { id, projectid, listall: true });
        if (again === undefined || tagOf(again, TAGS.release) === undefined) throw error;
      }
    });
  }

  // ------------------------------------------------------------------ create

  async function create(d: Desired, progress?: CallProgress): Promise<Observed> {
    changed();
    const a = d.attributes;
    const projectid = await t.projectId(d.tenant);
    switch (d.type) {
      case 'network': {
        const vpcid = await t.vpcId(d.tenant, typeof a['sourceNatIp'] === 'string' ? a['sourceNatIp'] : undefined);
        const aclid = await t.aclListId(d.tenant);
        let network = await existing('listNetworks', d.tenant, (o) => str(o['name']) === str(a['name']), { vpcid });
        if (!network) {
          const block = parseCidr(str(a['cidr']))!;
          const segment = rec(a['segment']);
          const made = await api.call('createNetwork', {
            name: str(a['name']), displaytext: d.address, networkofferingid: await t.offeringId('listNetworkOfferings', t.offerings.vpcNetwork),
            zoneid: await t.zoneId(), projectid, vpcid, aclid, gateway: str(a['gateway']), netmask: netmaskOf(block.prefix),
            vlan: str(segment['type']) === 'vlan' ? num(segment['id']) : `vxlan://${num(segment['id'])}`,
          });
          network = (made['network'] as Obj | undefined) ?? made;
        }
        const id = str(network['id']);
        progress?.accepted({ providerId: id });
        await tag('network', id, d, networkTags(a), network);
        if (typeof a['sourceNatIp'] === 'string') await useSourceNat(d.tenant, str(a['sourceNatIp']));
        return observed(d, id, a);
      }
      case 'public-ip': {
        // A tenant's first address makes its VPC, as the VPC's source NAT: CloudStack takes none of its own.
        const vpcid = await t.vpcId(d.tenant, str(a['address']));
        let ip = await existing('listPublicIpAddresses', d.tenant, (o) => str(o['ipaddress']) === str(a['address']), { vpcid, ipaddress: str(a['address']) });
        if (ip && tagOf(ip, ADDRESS_TAG) !== undefined && tagOf(ip, ADDRESS_TAG) !== d.address) {
          throw new ProviderError('conflict', `${str(a['address'])} is already ${tagOf(ip, ADDRESS_TAG)} in CloudStack`, { retryable: false });
        }
        if (!ip) ip = (await t.job('associateIpAddress', { vpcid, zoneid: await t.zoneId(), projectid, ipaddress: str(a['address']) }, progress)).result;
        const id = str(ip['id']);
        progress?.accepted({ providerId: id });
        await tag('public-ip', id, d, {}, ip);
        return observed(d, id, { ...a, address: str(ip['ipaddress']) || str(a['address']) });
      }
      case 'static-nat': {
        const ip = ref(d, str(a['publicIp']));
        const vm = ref(d, str(a['vm']));
        await api.call('enableStaticNat', { ipaddressid: ip, virtualmachineid: vm, networkid: await firstNetworkOf(vm, d.tenant) });
        return observed(d, `staticnat:${ip}`, a);
      }
      case 'port-forward': {
        const vm = ref(d, str(a['vm']));
        const ipaddressid = ref(d, str(a['publicIp']));
        let rule = await existing('listPortForwardingRules', d.tenant, (o) =>
          str(o['ipaddressid']) === ipaddressid && str(o['protocol']).toLowerCase() === str(a['protocol']) && Number(o['publicport']) === num(a['publicPort']));
        if (!rule) {
          rule = (await t.job('createPortForwardingRule', {
            ipaddressid, protocol: str(a['protocol']), publicport: num(a['publicPort']), privateport: num(a['privatePort']),
            virtualmachineid: vm, networkid: await firstNetworkOf(vm, d.tenant), openfirewall: false,
          }, progress)).result;
        }
        const id = str(rule['id']);
        await tag('port-forward', id, d, {}, rule);
        return observed(d, id, a);
      }
      case 'firewall-rule': {
        // An ACL item holds one port range: one item per port (or one for all ports / ICMP).
        const aclid = await t.aclListId(d.tenant);
        const protocol = str(a['protocol']);
        // ACLs filter behind the NAT: a port forwarded elsewhere is allowed on its private port.
        const forwarded = new Map<number, number>();
        for await (const rule of api.list('listPortForwardingRules', { ipaddressid: ref(d, str(a['publicIp'])), projectid, listall: true })) {
          if (str(rule['protocol']).toLowerCase() === protocol) forwarded.set(Number(rule['publicport']), Number(rule['privateport']));
        }
        const ports = list(a['ports']).filter((p): p is number => typeof p === 'number').map((p) => forwarded.get(p) ?? p);
        const from = list(a['from']).map(String).join(',');
        // Items an interrupted attempt made: tagged with this address, or untagged and the same rule.
        const made = new Map<string, Obj>();
        for await (const item of api.list('listNetworkACLs', { aclid })) {
          const mine = tagOf(item, ADDRESS_TAG) === d.address
            || (tagOf(item, ADDRESS_TAG) === undefined && str(item['protocol']).toLowerCase() === protocol && str(item['cidrlist']) === from);
          if (mine) made.set(str(item['startport']), item);
        }
        const ids: string[] = [];
        // A rule is read back as its items in CloudStack's order (their numbers; observe.ts),
        // so they are numbered in the order of its ports. An earlier attempt's item that
        // would come before the previous port's goes, and is made again after it
        // (CloudStack numbers a new item after every other).
        let previous = 0;
        for (const port of ports.length > 0 ? ports : [undefined]) {
          const range = port !== undefined ? { startport: port, endport: port } : protocol === 'icmp' ? { icmptype: -1, icmpcode: -1 } : { startport: 1, endport: 65535 };
          let item = made.get(String(range.startport ?? ''));
          if (item && Number(item['number']) <= previous) {
            const id = str(item['id']);
            await step(`deleting ${d.address}'s item for port ${port ?? 'all'} out of order`, () => gone(t.job('deleteNetworkACL', { id }), () => listed('listNetworkACLs', { id })));
            item = undefined;
          }
          if (!item) {
            item = (await t.job('createNetworkACL', {
              aclid, protocol, cidrlist: from, traffictype: 'ingress', action: 'allow', ...range,
            }, ids.length === 0 ? progress : undefined)).result;
          }
          ids.push(str(item['id']));
          previous = Number(item['number']);
          await tag('firewall-rule', str(item['id']), d, { [TAGS.publicIp]: str(a['publicIp']) }, item);
        }
        return observed(d, ids.join(','), a);
      }
      case 'vpn-connection': {
        const psk = d.secrets['preSharedKey'];
        if (psk === undefined) throw new ProviderError('invalid', `${d.address}: no pre-shared key was handed over`, { retryable: false });
        const vpcid = await t.vpcId(d.tenant);
        const gateway = (await t.first('listVpnGateways', { vpcid, projectid, listall: true })) ?? (await t.job('createVpnGateway', { vpcid })).result;
        const wanted = customerGateway(d, psk, projectid);
        const found = await existing('listVpnCustomerGateways', d.tenant, (o) => str(o['name']) === wanted['name']);
        const customerId = found ? str(found['id']) : (await t.job('createVpnCustomerGateway', wanted)).result['id'] as string;
        if (found) await t.job('updateVpnCustomerGateway', { id: customerId, ...wanted });
        const connection = (await existing('listVpnConnections', d.tenant, (o) => str(o['s2scustomergatewayid']) === customerId))
          ?? (await t.job('createVpnConnection', { s2svpngatewayid: str(gateway['id']), s2scustomergatewayid: customerId }, progress && {
            accepted: (info) => progress.accepted({ ...info, ...(info.providerId !== undefined ? { providerId: `${info.providerId}/${customerId}` } : {}) }),
          })).result;
        return observed(d, `${str(connection['id'])}/${customerId}`, a);
      }
      case 'vpn-user': {
        const password = d.secrets['password'];
        if (password === undefined) throw new ProviderError('invalid', `${d.address}: no password was handed over`, { retryable: false });
        await t.remoteAccessOn(d.tenant);
        const user = (await existing('listVpnUsers', d.tenant, (o) => str(o['username']) === str(a['name'])))
          ?? (await t.job('addVpnUser', { username: str(a['name']), password, projectid }, progress)).result;
        return observed(d, str(user['id']) || `vpnuser:${str(a['name'])}`, a);
      }
      case 'vm': {
        const root = rec(a['rootDisk']);
        const hypervisor = HYPERVISOR[str(a['hypervisor']) as keyof typeof HYPERVISOR] ?? str(a['hypervisor']);
        let vm = await existing('listVirtualMachines', d.tenant, (o) => str(o['name']) === str(a['name']), { name: str(a['name']) });
        if (!vm) {
          const params: Params = {
            name: str(a['name']), displayname: str(a['name']), zoneid: await t.zoneId(), projectid, hypervisor,
            serviceofferingid: await t.offeringId('listServiceOfferings', t.offerings.service), 'details[0].cpuNumber': num(a['cpu']), 'details[0].memory': num(a['memoryMiB']),
            templateid: await t.templateId(str(a['template']), hypervisor), rootdisksize: num(root['sizeGiB']),
            overridediskofferingid: await t.offeringId('listDiskOfferings', t.offerings.disk(str(root['tier']))),
            // A VM wanted stopped is never started: deployed stopped, it holds no host capacity.
            startvm: a['power'] !== 'stopped',
          };
          list(a['nics']).map((n) => rec(n)).forEach((n, i) => {
            params[`iptonetworklist[${i}].networkid`] = ref(d, str(n['network']));
            params[`iptonetworklist[${i}].ip`] = str(n['ip']);
          });
          vm = (await t.job('deployVirtualMachine', params, progress)).result;
        }
        const id = str(vm['id']);
        await tag('vm', id, d, { [TAGS.cluster]: str(a['cluster']) }, vm);
        // One found from an earlier attempt may not be in the state this one wants.
        const want = a['power'] === 'stopped' ? 'Stopped' : 'Running';
        if (str(vm['state']) !== want) await step(`bringing ${d.address} to ${want}`, () => settlePower(d, id, want === 'Running'));
        return observed(d, id, a);
      }
      case 'disk': {
        const vmId = ref(d, str(a['vm']));
        const name = `${str(a['vm']).split('/').pop()}-${str(a['name'])}`;
        let volume = await existing('listVolumes', d.tenant, (o) => tagOf(o, ADDRESS_TAG) === d.address || (tagOf(o, ADDRESS_TAG) === undefined && str(o['name']) === name));
        if (!volume) {
          // Made attached in one job (createVolume's virtualmachineid): a job that outlives us leaves no loose volume.
          volume = (await t.job('createVolume', {
            name, diskofferingid: await t.offeringId('listDiskOfferings', t.offerings.disk(str(a['tier']))),
            size: num(a['sizeGiB']), zoneid: await t.zoneId(), projectid, virtualmachineid: vmId,
          }, progress)).result;
        }
        const id = str(volume['id']);
        // Attached before tagged: a volume found by its tag is one that was attached.
        if (str(volume['virtualmachineid']) !== vmId) await step(`attaching ${d.address}`, () => t.job('attachVolume', { id, virtualmachineid: vmId }));
        await tag('disk', id, d, {}, volume);
        return observed(d, id, a);
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

  // ------------------------------------------------------------------ update

  async function update(prior: Recorded, d: Desired, changedAttributes: readonly string[], progress?: CallProgress): Promise<Observed> {
    changed();
    const a = d.attributes;
    const moved = prior.address !== d.address;
    switch (d.type) {
      case 'vm': {
        const resize = changedAttributes.some((c) => c === 'cpu' || c === 'memoryMiB');
        if (resize || changedAttributes.includes('power')) {
          const serviceofferingid = resize ? await t.offeringId('listServiceOfferings', t.offerings.service) : '';
          await settlePower(d, prior.providerId, a['power'] !== 'stopped', resize ? () => api.call('changeServiceForVirtualMachine', {
            id: prior.providerId, serviceofferingid, 'details[0].cpuNumber': num(a['cpu']), 'details[0].memory': num(a['memoryMiB']),
          }) : undefined, progress);
        }
        if (changedAttributes.includes('rootDisk')) {
          const root = await existing('listVolumes', d.tenant, (o) => str(o['type']) === 'ROOT', { virtualmachineid: prior.providerId, type: 'ROOT' });
          if (!root) throw new ProviderError('not-found', `${d.address}: CloudStack shows no root volume`, { retryable: false });
          await t.job('resizeVolume', { id: str(root['id']), size: num(rec(a['rootDisk'])['sizeGiB']) }, progress);
        }
        if (moved || changedAttributes.includes('cluster')) await retag('vm', prior.providerId, d, { [ADDRESS_TAG]: d.address, [TAGS.cluster]: str(a['cluster']) });
        return observed(d, prior.providerId, a);
      }
      case 'disk': {
        if (changedAttributes.includes('sizeGiB')) await t.job('resizeVolume', { id: prior.providerId, size: num(a['sizeGiB']) }, progress);
        if (moved) await retag('disk', prior.providerId, d, { [ADDRESS_TAG]: d.address });
        return observed(d, prior.providerId, a);
      }
      case 'vpn-connection': {
        const [, customerId] = prior.providerId.split('/');
        const psk = d.secrets['preSharedKey'];
        if (psk === undefined || customerId === undefined) throw new ProviderError('invalid', `${d.address}: cannot update without the customer gateway and key`, { retryable: false });
        await t.job('updateVpnCustomerGateway', { id: customerId, ...customerGateway(d, psk, await t.projectId(d.tenant)) }, progress);
        return observed(d, prior.providerId, a);
      }
      case 'network': {
        // The CIDR and segment force replacement; the rest changes in place.
        if (changedAttributes.includes('name')) await t.job('updateNetwork', { id: prior.providerId, name: str(a['name']) }, progress);
        if (changedAttributes.includes('sourceNatIp') && typeof a['sourceNatIp'] === 'string') await useSourceNat(d.tenant, a['sourceNatIp']);
        if (moved || changedAttributes.some((c) => c === 'sourceNatIp' || c === 'colocationHandoff')) {
          await retag('network', prior.providerId, d, { [ADDRESS_TAG]: d.address, [TAGS.sourceNat]: '', [TAGS.colocationHandoff]: '', ...networkTags(a) });
        }
        return observed(d, prior.providerId, a);
      }
      case 'public-ip':
      case 'port-forward':
        if (moved) await retag(d.type, prior.providerId, d, { [ADDRESS_TAG]: d.address });
        if (changedAttributes.every((c) => c === 'name')) return observed(d, prior.providerId, a);
        break;
      default:
        break;
    }
    // Everything else is replaced in place: removed, then made again.
    await remove(prior);
    return create(d, progress);
  }

  // ------------------------------------------------------------------ delete

  async function remove(prior: Recorded, progress?: CallProgress): Promise<void> {
    changed();
    const a = prior.attributes;
    // No project, nothing of the tenant's: already gone.
    const projectid = await t.existingProjectId(prior.tenant).catch((error: unknown) => {
      if (error instanceof ProviderError && error.code === 'not-found') return undefined;
      throw error;
    });
    if (projectid === undefined) return;
    // CloudStack's "not found" also reads like a refused parameter: trust it only once a read agrees.
    const deleted = (p: Promise<unknown>, stillThere: () => Promise<boolean> = async () => (await read(prior)) !== undefined): Promise<void> => gone(p, stillThere);
    switch (prior.type) {
      case 'network':
        await deleted(t.job('deleteNetwork', { id: prior.providerId }, progress));
        return t.retireIfEmpty(prior.tenant);
      case 'public-ip': {
        const ip = await t.first('listPublicIpAddresses', { id: prior.providerId, projectid: projectid, listall: true }).catch((error: unknown) => {
          if (error instanceof ProviderError && GONE.test(error.message)) return undefined;
          throw error;
        });
        if (ip?.['issourcenat'] === true) {
          // The VPC's source NAT goes with the VPC, once its tiers are gone.
          const vpcid = str(ip['vpcid']);
          if (await t.first('listNetworks', { vpcid, projectid: projectid, listall: true })) {
            throw new ProviderError('conflict', `${str(ip['ipaddress'])} is still the source NAT of the VPC of ${prior.tenant}; it goes when its networks have moved to another address or are gone`, { retryable: true });
          }
        } else if (ip) {
          await deleted(t.job('disassociateIpAddress', { id: prior.providerId }, progress));
        }
        return t.retireIfEmpty(prior.tenant);
      }
      case 'static-nat':
        return deleted(t.job('disableStaticNat', { ipaddressid: prior.providerId.replace(/^staticnat:/, '') }, progress));
      case 'port-forward':
        return deleted(t.job('deletePortForwardingRule', { id: prior.providerId }, progress));
      case 'firewall-rule':
        // Item by item: an item a previous run deleted is gone even while its siblings are not.
        for (const id of prior.providerId.split(',')) {
          await deleted(t.job('deleteNetworkACL', { id }), async () => (await t.first('listNetworkACLs', { id }).catch(() => undefined)) !== undefined);
        }
        return;
      case 'vpn-connection': {
        const [connection, customer] = prior.providerId.split('/');
        if (connection) await deleted(t.job('deleteVpnConnection', { id: connection }, progress));
        if (customer) await deleted(t.job('deleteVpnCustomerGateway', { id: customer }));
        return;
      }
      case 'vpn-user':
        return deleted(t.job('removeVpnUser', { username: str(a['name']), projectid: projectid }, progress));
      case 'vm':
        return deleted(t.job('destroyVirtualMachine', { id: prior.providerId, expunge: true }, progress));
      case 'disk':
        try {
          await t.job('detachVolume', { id: prior.providerId }, progress);
        } catch (error) {
          // Detached already: on to deleting. Gone already (a read agrees): done.
          const message = error instanceof Error ? error.message : '';
          if (!(error instanceof ProviderError) || !/not attached|specify a volume that is attached/i.test(message)) await deleted(Promise.reject(error));
        }
        return deleted(api.call('deleteVolume', { id: prior.providerId }));
    }
  }

  // ------------------------------------------------------------------ after recovery

  /** Tags a recovered object as its create would have: the address, and what CloudStack keeps no field of. */
  async function settle(r: Recorded): Promise<void> {
    const a = r.attributes;
    switch (r.type) {
      case 'network': {
        // The source-NAT move and the release of CloudStack's own pick come after the
        // network's job: a create interrupted there (a job that never reported) ends here,
        // whatever became of the tags — nothing later would give that address back.
        let untagged: unknown;
        await tag('network', r.providerId, r, networkTags(a)).catch((error: unknown) => (untagged = error));
        if (typeof a['sourceNatIp'] === 'string') await useSourceNat(r.tenant, a['sourceNatIp']);
        if (untagged !== undefined) throw untagged;
        return;
      }
      case 'public-ip':
      case 'port-forward':
      case 'disk':
        return tag(r.type, r.providerId, r);
      case 'vm':
        return tag('vm', r.providerId, r, { [TAGS.cluster]: str(a['cluster']) });
      case 'firewall-rule':
        for (const id of r.providerId.split(',')) await tag('firewall-rule', id, r, { [TAGS.publicIp]: str(a['publicIp']) });
        return;
      default:
        return;
    }
  }

  return {
    name: 'cloudstack',
    resourceTypes: CLOUDSTACK_RESOURCE_TYPES,
    read,
    create,
    update,
    delete: remove,
    list: reader.list,
    settle,
    inventory: reader.inventory,
  };
}

function netmaskOf(prefix: number): string {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((s) => (mask >>> s) & 255).join('.');
}
