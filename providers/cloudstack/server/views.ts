/**
 * What each object looks like on the wire: CloudStack's field names and types (ids as
 * UUID strings, sizes in bytes, port-forwarding ports as strings but firewall ports as
 * numbers, as its response classes declare them), owner fields, and the `tags` list on
 * taggable objects. Pure functions of the world. Secrets: a customer gateway shows its
 * `ipsecpsk` (as CloudStack does) and nothing else does — not VPN connections, which in
 * CloudStack repeat it, and never a VPN user's password.
 */
import { GiB } from '../../../specs/units.js';
import { HYPERVISOR_NAMES, type Catalog, type DiskOffering, type NetworkOffering, type ServiceOffering, type Template } from './catalog.js';
import type { JsonObject } from './json.js';
import type {
  AclItem, CloudState, CustomerGateway, FirewallRule, Network, PortForward, Project, PublicIp, RemoteAccessVpn, Vm, Volume,
  Vpc, VpnConnection, VpnGateway, VpnUser,
} from './state.js';

export const DOMAIN_ID = 'c1e2a7b0-0000-4000-8000-0000000d0001';

/** `account`/`domain` for the API user's own objects, `projectid`/`project` for a project's. */
export function ownerFields(state: CloudState, projectid: string | undefined): JsonObject {
  const domain = { domainid: DOMAIN_ID, domain: 'ROOT' };
  if (projectid === undefined) return { account: 'admin', ...domain };
  return { projectid, project: state.projects.get(projectid)?.name ?? '', ...domain };
}

export function tagsOf(state: CloudState, resourceid: string): JsonObject[] {
  return state.tags
    .filter((t) => t.resourceid === resourceid)
    .map((t) => ({ key: t.key, value: t.value, resourcetype: t.resourcetype, resourceid: t.resourceid, ...ownerFields(state, t.projectid) }));
}

const zoneFields = (c: Catalog): JsonObject => ({ zoneid: c.zone.id, zonename: c.zone.name });

export function zoneView(c: Catalog): JsonObject {
  return {
    id: c.zone.id, name: c.zone.name, networktype: 'Advanced', securitygroupsenabled: false, allocationstate: 'Enabled',
    dhcpprovider: 'VirtualRouter', localstorageenabled: false, guestcidraddress: '10.1.1.0/24', tags: [],
  };
}

export function networkOfferingView(o: NetworkOffering): JsonObject {
  const services = o.forvpc
    ? ['Vpn', 'Dhcp', 'Dns', 'SourceNat', 'PortForwarding', 'StaticNat', 'NetworkACL', 'UserData', 'Lb']
    : ['Vpn', 'Dhcp', 'Dns', 'Firewall', 'Lb', 'SourceNat', 'StaticNat', 'PortForwarding', 'UserData'];
  return {
    id: o.id, name: o.name, displaytext: o.displaytext, traffictype: 'Guest', isdefault: true,
    // netfirst places segments itself, so the endpoint lets `vlan` through (CloudStack's
    // default offerings say false here and refuse it).
    specifyvlan: true, conservemode: true, specifyipranges: false, availability: o.forvpc ? 'Optional' : 'Required',
    networkrate: 200, state: 'Enabled', guestiptype: 'Isolated', forvpc: o.forvpc, egressdefaultpolicy: false, ispersistent: false,
    service: services.map((name) => ({ name })),
  };
}

export function vpcOfferingView(c: Catalog): JsonObject {
  const o = c.vpcOffering;
  return {
    id: o.id, name: o.name, displaytext: o.displaytext, isdefault: true, state: 'Enabled', distributedvpcrouter: false,
    service: ['Vpn', 'Dhcp', 'Dns', 'SourceNat', 'PortForwarding', 'StaticNat', 'NetworkACL', 'UserData', 'Lb'].map((name) => ({ name })),
  };
}

export function serviceOfferingView(o: ServiceOffering, created: string): JsonObject {
  return {
    id: o.id, name: o.name, displaytext: o.displaytext, cpuspeed: o.cpuspeed,
    ...(o.cpunumber !== undefined ? { cpunumber: o.cpunumber, memory: o.memory } : {}),
    iscustomized: o.cpunumber === undefined, created, storagetype: 'shared', provisioningtype: 'thin', offerha: false,
    limitcpuuse: false, isvolatile: false, issystem: false, defaultuse: false, cachemode: 'none', dynamicscalingenabled: true,
  };
}

export function diskOfferingView(o: DiskOffering, created: string): JsonObject {
  return {
    id: o.id, name: o.name, displaytext: `${o.name}: ${o.media}, any size`, disksize: 0, created, iscustomized: true,
    tags: o.tags, storagetype: 'shared', provisioningtype: 'thin', cachemode: 'none', displayoffering: true, disksizestrictness: false,
  };
}

const TEMPLATE_FORMAT = { kvm: 'QCOW2', xenserver: 'VHD', vmware: 'OVA' } as const;

export function templateView(c: Catalog, t: Template, created: string): JsonObject {
  return {
    id: t.id, name: t.name, displaytext: t.name, ispublic: true, isfeatured: true, isready: true, status: 'Download Complete',
    created, passwordenabled: false, format: TEMPLATE_FORMAT[t.hypervisor], hypervisor: HYPERVISOR_NAMES[t.hypervisor],
    ...zoneFields(c), size: t.sizeGiB * GiB, templatetype: 'USER', crossZones: false, isextractable: false,
    account: 'system', domain: 'ROOT', domainid: DOMAIN_ID, tags: [],
  };
}

export function projectView(state: CloudState, p: Project): JsonObject {
  return { id: p.id, name: p.name, displaytext: p.displaytext, state: 'Active', created: p.created, domainid: DOMAIN_ID, domain: 'ROOT', owner: [{ account: 'admin' }], tags: tagsOf(state, p.id) };
}

export function vpcView(state: CloudState, c: Catalog, v: Vpc): JsonObject {
  const tiers = [...state.networks.values()].filter((n) => n.vpcid === v.id);
  return {
    id: v.id, name: v.name, displaytext: v.displaytext, state: 'Enabled', ...zoneFields(c), cidr: v.cidr,
    vpcofferingid: c.vpcOffering.id, vpcofferingname: c.vpcOffering.name, networkdomain: v.networkdomain, restartrequired: false,
    redundantvpcrouter: false, regionlevelvpc: false, distributedvpcrouter: false, fordisplay: true, created: v.created,
    network: tiers.map((n) => networkView(state, c, n)), ...ownerFields(state, v.projectid), tags: tagsOf(state, v.id),
  };
}

export function networkView(state: CloudState, c: Catalog, n: Network): JsonObject {
  const offering = c.networkOfferings.find((o) => o.id === n.offeringid);
  const acl = n.aclid === undefined ? undefined : (c.aclLists.find((a) => a.id === n.aclid) ?? state.aclLists.get(n.aclid));
  const uri = `${n.segment.kind}://${n.segment.id}`;
  return {
    id: n.id, name: n.name, displaytext: n.displaytext, broadcastdomaintype: n.segment.kind === 'vlan' ? 'Vlan' : 'Vxlan',
    traffictype: 'Guest', gateway: n.gateway, netmask: n.netmask, cidr: n.cidr, ...zoneFields(c),
    networkofferingid: n.offeringid, networkofferingname: offering?.name ?? '', networkofferingdisplaytext: offering?.displaytext ?? '',
    networkofferingconservemode: true, networkofferingavailability: offering?.forvpc ? 'Optional' : 'Required', issystem: false,
    // Implemented at once: the endpoint gives the segment and source NAT address on creation.
    state: 'Implemented', related: n.id, broadcasturi: uri, isolationuri: uri, vlan: String(n.segment.id), dns1: '8.8.8.8',
    type: 'Isolated', acltype: 'Account', specifyipranges: false, canusefordeploy: true, ispersistent: false, restartrequired: false,
    redundantrouter: false, physicalnetworkid: c.physicalNetworkId, created: n.created,
    ...(n.vpcid !== undefined ? { vpcid: n.vpcid, vpcname: state.vpcs.get(n.vpcid)?.name ?? '' } : {}),
    ...(acl ? { aclid: acl.id, aclname: acl.name } : {}),
    ...ownerFields(state, n.projectid), tags: tagsOf(state, n.id),
  };
}

export function publicIpView(state: CloudState, c: Catalog, ip: PublicIp): JsonObject {
  const network = ip.networkid === undefined ? undefined : state.networks.get(ip.networkid);
  const vm = ip.staticNat ? state.vms.get(ip.staticNat.vmid) : undefined;
  return {
    id: ip.id, ipaddress: ip.address, allocated: ip.allocated, ...zoneFields(c), issourcenat: ip.sourceNat, forvirtualnetwork: true,
    vlanid: ip.poolid, vlanname: 'vlan://untagged', isstaticnat: ip.staticNat !== undefined, issystem: false, isportable: false,
    networkid: c.publicNetworkId, physicalnetworkid: c.physicalNetworkId, state: 'Allocated', fordisplay: true,
    ...(network ? { associatednetworkid: network.id, associatednetworkname: network.name } : {}),
    ...(ip.vpcid !== undefined ? { vpcid: ip.vpcid, vpcname: state.vpcs.get(ip.vpcid)?.name ?? '' } : {}),
    ...(ip.staticNat && vm ? { virtualmachineid: vm.id, virtualmachinename: vm.name, virtualmachinedisplayname: vm.displayname, virtualmachinetype: 'User', vmipaddress: ip.staticNat.guestIp } : {}),
    ...ownerFields(state, ip.projectid), tags: tagsOf(state, ip.id),
  };
}

export function portForwardView(state: CloudState, r: PortForward): JsonObject {
  const vm = state.vms.get(r.vmid);
  return {
    id: r.id, privateport: String(r.privatePort), privateendport: String(r.privateEndPort), protocol: r.protocol,
    publicport: String(r.publicPort), publicendport: String(r.publicEndPort), virtualmachineid: r.vmid,
    virtualmachinename: vm?.name ?? '', virtualmachinedisplayname: vm?.displayname ?? '', ipaddressid: r.ipid,
    ipaddress: state.publicIps.get(r.ipid)?.address ?? '', vmguestip: r.guestIp, networkid: r.networkid, state: 'Active',
    cidrlist: '', fordisplay: true, ...ownerFields(state, r.projectid), tags: tagsOf(state, r.id),
  };
}

export function firewallRuleView(state: CloudState, r: FirewallRule): JsonObject {
  return {
    id: r.id, protocol: r.protocol, ...(r.startPort !== undefined ? { startport: r.startPort, endport: r.endPort } : {}),
    ...(r.icmpType !== undefined ? { icmptype: r.icmpType, icmpcode: r.icmpCode } : {}),
    ipaddressid: r.ipid, ipaddress: state.publicIps.get(r.ipid)?.address ?? '', networkid: r.networkid, state: 'Active',
    cidrlist: r.cidrs.join(','), fordisplay: true, tags: tagsOf(state, r.id),
  };
}

export function aclListView(a: { readonly id: string; readonly name: string; readonly description: string; readonly vpcid?: string }): JsonObject {
  return { id: a.id, name: a.name, description: a.description, ...(a.vpcid !== undefined ? { vpcid: a.vpcid } : {}), fordisplay: true };
}

export function aclItemView(state: CloudState, a: AclItem, aclname: string): JsonObject {
  return {
    id: a.id, aclid: a.aclid, aclname, number: a.number, protocol: a.protocol,
    ...(a.startPort !== undefined ? { startport: String(a.startPort), endport: String(a.endPort) } : {}),
    ...(a.icmpType !== undefined ? { icmptype: a.icmpType, icmpcode: a.icmpCode } : {}),
    traffictype: a.traffictype, action: a.action, cidrlist: a.cidrs.join(','), state: 'Active', fordisplay: true,
    ...(a.reason !== undefined ? { reason: a.reason } : {}), tags: tagsOf(state, a.id),
  };
}

export function vpnGatewayView(state: CloudState, g: VpnGateway): JsonObject {
  return {
    id: g.id, publicip: state.publicIps.get(g.ipid)?.address ?? '', vpcid: g.vpcid, vpcname: state.vpcs.get(g.vpcid)?.name ?? '',
    fordisplay: true, ...ownerFields(state, g.projectid),
  };
}

export function customerGatewayView(state: CloudState, g: CustomerGateway): JsonObject {
  return {
    id: g.id, name: g.name, gateway: g.gateway, cidrlist: g.cidrlist, ipsecpsk: g.ipsecpsk, ikepolicy: g.ikepolicy, esppolicy: g.esppolicy,
    ikelifetime: g.ikelifetime, esplifetime: g.esplifetime, dpd: g.dpd, forceencap: g.forceencap, splitconnections: false,
    ikeversion: 'ike', ...ownerFields(state, g.projectid),
  };
}

export function vpnConnectionView(state: CloudState, v: VpnConnection): JsonObject {
  const gateway = state.vpnGateways.get(v.gatewayid);
  const customer = state.customerGateways.get(v.customergatewayid);
  return {
    id: v.id, s2svpngatewayid: v.gatewayid, publicip: gateway ? (state.publicIps.get(gateway.ipid)?.address ?? '') : '',
    s2scustomergatewayid: v.customergatewayid, gateway: customer?.gateway ?? '', cidrlist: customer?.cidrlist ?? '',
    ikepolicy: customer?.ikepolicy ?? '', esppolicy: customer?.esppolicy ?? '', ikelifetime: customer?.ikelifetime ?? 0,
    esplifetime: customer?.esplifetime ?? 0, dpd: customer?.dpd ?? false, forceencap: customer?.forceencap ?? false,
    state: v.passive ? 'Disconnected' : 'Connected', passive: v.passive, created: v.created, fordisplay: true,
    ...ownerFields(state, v.projectid),
  };
}

export function remoteAccessVpnView(state: CloudState, v: RemoteAccessVpn): JsonObject {
  return {
    id: v.id, publicipid: v.ipid, publicip: state.publicIps.get(v.ipid)?.address ?? '', iprange: v.iprange,
    presharedkey: v.presharedkey, state: 'Running', fordisplay: true, ...ownerFields(state, v.projectid), tags: tagsOf(state, v.id),
  };
}

export function vpnUserView(state: CloudState, u: VpnUser): JsonObject {
  return { id: u.id, username: u.username, state: 'Active', ...ownerFields(state, u.projectid) };
}

export function vmView(state: CloudState, c: Catalog, vm: Vm): JsonObject {
  const template = c.templates.find((t) => t.id === vm.templateid);
  const offering = c.serviceOfferings.find((o) => o.id === vm.offeringid);
  const staticNat = [...state.publicIps.values()].find((ip) => ip.staticNat?.vmid === vm.id);
  return {
    id: vm.id, name: vm.name, displayname: vm.displayname, instancename: vm.instancename, state: vm.state, haenable: false,
    ...zoneFields(c), templateid: vm.templateid, templatename: template?.name ?? '', templatedisplaytext: template?.name ?? '',
    passwordenabled: false, serviceofferingid: vm.offeringid, serviceofferingname: offering?.name ?? '', cpunumber: vm.cpu,
    cpuspeed: vm.cpuspeed, memory: vm.memoryMiB, hypervisor: HYPERVISOR_NAMES[vm.hypervisor], rootdeviceid: 0, rootdevicetype: 'ROOT',
    created: vm.created, details: { ...vm.details }, isdynamicallyscalable: false, displayvm: true, securitygroup: [], affinitygroup: [],
    nic: vm.nics.map((nic) => {
      const n = state.networks.get(nic.networkid);
      return {
        id: nic.id, networkid: nic.networkid, networkname: n?.name ?? '', netmask: n?.netmask ?? '', gateway: n?.gateway ?? '',
        ipaddress: nic.ip, isolationuri: n ? `${n.segment.kind}://${n.segment.id}` : '', broadcasturi: n ? `${n.segment.kind}://${n.segment.id}` : '',
        traffictype: 'Guest', type: 'Isolated', isdefault: nic.isdefault, macaddress: nic.mac, secondaryip: [], extradhcpoption: [],
        ...(n?.vpcid !== undefined ? { vpcid: n.vpcid } : {}),
      };
    }),
    ...(staticNat ? { publicipid: staticNat.id, publicip: staticNat.address } : {}),
    ...ownerFields(state, vm.projectid), tags: tagsOf(state, vm.id),
  };
}

export function volumeView(state: CloudState, c: Catalog, v: Volume): JsonObject {
  const vm = v.vmid === undefined ? undefined : state.vms.get(v.vmid);
  const offering = c.diskOfferings.find((o) => o.id === v.diskofferingid);
  return {
    id: v.id, name: v.name, ...zoneFields(c), type: v.type, size: v.sizeGiB * GiB, created: v.created,
    state: vm || v.type === 'ROOT' ? 'Ready' : 'Allocated', storagetype: 'shared', provisioningtype: 'thin', destroyed: false,
    isextractable: false, hypervisor: vm ? HYPERVISOR_NAMES[vm.hypervisor] : 'None',
    // The tier's primary storage: named after it, so a reader can tell where the volume lives.
    storage: v.tier,
    ...(offering ? { diskofferingid: offering.id, diskofferingname: offering.name, diskofferingdisplaytext: `${offering.name}: ${offering.media}, any size` } : {}),
    ...(vm ? { virtualmachineid: vm.id, vmname: vm.name, vmdisplayname: vm.displayname, vmstate: vm.state, deviceid: v.deviceid ?? 0, attached: v.attached ?? v.created } : {}),
    ...ownerFields(state, v.projectid), tags: tagsOf(state, v.id),
  };
}
