/**
 * The part of Apache CloudStack's API the cloudstack provider speaks, as data: which
 * commands it sends, whether CloudStack runs them as async jobs, the parameters it
 * passes and the key under which the response carries the object. The provider
 * (provider.ts), the client (client.ts) and the CloudStack-compatible test endpoint
 * (server/) are all written against this table and against CloudStack's documented
 * behaviour (https://cloudstack.apache.org/api/apidocs-4.19/), so that the endpoint
 * behaves as a real CloudStack would for everything the provider does.
 *
 * Response shapes follow CloudStack: `{ "<command lower-case>response": … }`.
 * - Sync create/update: `{ "<cmd>response": { "<objectKey>": { …object } } }`.
 * - Async: `{ "<cmd>response": { "jobid": "…", "id": "…" } }` (the new object's id where
 *   CloudStack gives it), then `queryAsyncJobResult` → `{ jobstatus: 0|1|2|3,
 *   jobresult: { "<objectKey>": {…} } | { success: true } | { errorcode, errortext } }`.
 * - Lists: `{ "<cmd>response": { count, "<objectKey>": [ … ] } }`, or `{}` when empty.
 * - Errors: HTTP status = errorcode, body `{ "<cmd>response": { errorcode, cserrorcode, errortext } }`.
 */

export interface CommandSpec {
  /** CloudStack runs it as an async job (the response carries `jobid`). */
  readonly async: boolean;
  /** The key of the object in the (job) result or of the array in a list response. */
  readonly objectKey?: string;
  /** Parameters the provider sends (documentation; CloudStack ignores unknown ones). */
  readonly params: readonly string[];
}

export const COMMANDS = {
  // ---- discovery
  listZones: { async: false, objectKey: 'zone', params: ['name', 'id'] },
  listNetworkOfferings: { async: false, objectKey: 'networkoffering', params: ['name', 'guestiptype', 'forvpc', 'state'] },
  listVPCOfferings: { async: false, objectKey: 'vpcoffering', params: ['name'] },
  listServiceOfferings: { async: false, objectKey: 'serviceoffering', params: ['name'] },
  listDiskOfferings: { async: false, objectKey: 'diskoffering', params: ['name'] },
  listTemplates: { async: false, objectKey: 'template', params: ['templatefilter', 'name', 'zoneid', 'hypervisor'] },
  // ---- tenants: projects
  listProjects: { async: false, objectKey: 'project', params: ['name', 'listall'] },
  createProject: { async: true, objectKey: 'project', params: ['name', 'displaytext'] },
  deleteProject: { async: true, params: ['id', 'cleanup'] },
  // ---- VPCs (tenants with site-to-site VPN)
  createVPC: { async: true, objectKey: 'vpc', params: ['name', 'displaytext', 'cidr', 'vpcofferingid', 'zoneid', 'projectid', 'sourcenatipaddress'] },
  /** CloudStack 4.19: `sourcenatipaddress` moves the VPC's source NAT to another of its addresses. */
  updateVPC: { async: true, objectKey: 'vpc', params: ['id', 'name', 'displaytext', 'sourcenatipaddress'] },
  listVPCs: { async: false, objectKey: 'vpc', params: ['projectid', 'listall', 'id', 'name'] },
  deleteVPC: { async: true, params: ['id'] },
  // ---- networks
  createNetwork: { async: false, objectKey: 'network', params: ['name', 'displaytext', 'networkofferingid', 'zoneid', 'projectid', 'gateway', 'netmask', 'vlan', 'vpcid', 'aclid'] },
  listNetworks: { async: false, objectKey: 'network', params: ['projectid', 'listall', 'id', 'vpcid', 'page', 'pagesize'] },
  updateNetwork: { async: true, objectKey: 'network', params: ['id', 'name', 'displaytext'] },
  deleteNetwork: { async: true, params: ['id'] },
  // ---- public IPs, NAT, firewall
  associateIpAddress: { async: true, objectKey: 'ipaddress', params: ['networkid', 'vpcid', 'zoneid', 'projectid', 'ipaddress'] },
  listPublicIpAddresses: { async: false, objectKey: 'publicipaddress', params: ['projectid', 'listall', 'id', 'ipaddress', 'vpcid', 'issourcenat', 'page', 'pagesize'] },
  disassociateIpAddress: { async: true, params: ['id'] },
  enableStaticNat: { async: false, params: ['ipaddressid', 'virtualmachineid', 'networkid'] },
  disableStaticNat: { async: true, params: ['ipaddressid'] },
  createPortForwardingRule: { async: true, objectKey: 'portforwardingrule', params: ['ipaddressid', 'protocol', 'publicport', 'privateport', 'virtualmachineid', 'networkid', 'openfirewall'] },
  listPortForwardingRules: { async: false, objectKey: 'portforwardingrule', params: ['projectid', 'listall', 'ipaddressid', 'page', 'pagesize'] },
  deletePortForwardingRule: { async: true, params: ['id'] },
  // Firewall rules of isolated networks' addresses: in the table for the corpus contract
  // tests and the endpoint; the provider's tenants are VPCs, filtered by network ACLs.
  createFirewallRule: { async: true, objectKey: 'firewallrule', params: ['ipaddressid', 'protocol', 'startport', 'endport', 'cidrlist'] },
  listFirewallRules: { async: false, objectKey: 'firewallrule', params: ['projectid', 'listall', 'page', 'pagesize'] },
  deleteFirewallRule: { async: true, params: ['id'] },
  // ---- network ACLs: a VPC's firewall (VPC addresses take no firewall rules)
  createNetworkACLList: { async: true, objectKey: 'networkacllist', params: ['name', 'description', 'vpcid'] },
  listNetworkACLLists: { async: false, objectKey: 'networkacllist', params: ['name', 'vpcid', 'id'] },
  createNetworkACL: { async: true, objectKey: 'networkacl', params: ['aclid', 'protocol', 'startport', 'endport', 'icmptype', 'icmpcode', 'cidrlist', 'traffictype', 'action'] },
  listNetworkACLs: { async: false, objectKey: 'networkacl', params: ['aclid', 'id', 'page', 'pagesize'] },
  deleteNetworkACL: { async: true, params: ['id'] },
  // ---- site-to-site VPN (VPC only) and remote access
  createVpnGateway: { async: true, objectKey: 'vpngateway', params: ['vpcid'] },
  listVpnGateways: { async: false, objectKey: 'vpngateway', params: ['projectid', 'listall', 'vpcid'] },
  deleteVpnGateway: { async: true, params: ['id'] },
  createVpnCustomerGateway: { async: true, objectKey: 'vpncustomergateway', params: ['name', 'gateway', 'cidrlist', 'ipsecpsk', 'ikepolicy', 'esppolicy', 'ikelifetime', 'esplifetime', 'dpd', 'projectid'] },
  listVpnCustomerGateways: { async: false, objectKey: 'vpncustomergateway', params: ['projectid', 'listall', 'id'] },
  updateVpnCustomerGateway: { async: true, objectKey: 'vpncustomergateway', params: ['id', 'name', 'gateway', 'cidrlist', 'ipsecpsk', 'ikepolicy', 'esppolicy', 'ikelifetime', 'esplifetime', 'dpd'] },
  deleteVpnCustomerGateway: { async: true, params: ['id'] },
  createVpnConnection: { async: true, objectKey: 'vpnconnection', params: ['s2svpngatewayid', 's2scustomergatewayid'] },
  listVpnConnections: { async: false, objectKey: 'vpnconnection', params: ['projectid', 'listall'] },
  deleteVpnConnection: { async: true, params: ['id'] },
  createRemoteAccessVpn: { async: true, objectKey: 'remoteaccessvpn', params: ['publicipid', 'iprange'] },
  listRemoteAccessVpns: { async: false, objectKey: 'remoteaccessvpn', params: ['publicipid', 'projectid', 'listall'] },
  addVpnUser: { async: true, objectKey: 'vpnuser', params: ['username', 'password', 'projectid'] },
  listVpnUsers: { async: false, objectKey: 'vpnuser', params: ['projectid', 'listall'] },
  removeVpnUser: { async: true, params: ['username', 'projectid'] },
  // ---- VMs and volumes
  deployVirtualMachine: { async: true, objectKey: 'virtualmachine', params: ['name', 'displayname', 'serviceofferingid', 'templateid', 'zoneid', 'projectid', 'hypervisor', 'iptonetworklist', 'details', 'rootdisksize', 'overridediskofferingid', 'startvm'] },
  listVirtualMachines: { async: false, objectKey: 'virtualmachine', params: ['projectid', 'listall', 'id', 'page', 'pagesize'] },
  stopVirtualMachine: { async: true, objectKey: 'virtualmachine', params: ['id'] },
  startVirtualMachine: { async: true, objectKey: 'virtualmachine', params: ['id'] },
  changeServiceForVirtualMachine: { async: false, objectKey: 'virtualmachine', params: ['id', 'serviceofferingid', 'details'] },
  destroyVirtualMachine: { async: true, objectKey: 'virtualmachine', params: ['id', 'expunge'] },
  createVolume: { async: true, objectKey: 'volume', params: ['name', 'diskofferingid', 'size', 'zoneid', 'projectid', 'virtualmachineid'] },
  attachVolume: { async: true, objectKey: 'volume', params: ['id', 'virtualmachineid'] },
  detachVolume: { async: true, objectKey: 'volume', params: ['id'] },
  resizeVolume: { async: true, objectKey: 'volume', params: ['id', 'size', 'shrinkok'] },
  listVolumes: { async: false, objectKey: 'volume', params: ['projectid', 'listall', 'id', 'type', 'virtualmachineid', 'page', 'pagesize'] },
  deleteVolume: { async: false, params: ['id'] },
  // ---- tags: how an object is tied to its netfirst address (key `netfirst-address`);
  // list responses carry `tags: [{ key, value, … }]` on taggable objects.
  createTags: { async: true, params: ['resourceids', 'resourcetype', 'tags[0].key', 'tags[0].value', 'projectid'] },
  deleteTags: { async: true, params: ['resourceids', 'resourcetype', 'tags[0].key'] },
  // ---- jobs
  queryAsyncJobResult: { async: false, params: ['jobid'] },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

/** CloudStack's error codes (HTTP status = errorcode) and whether the same call may succeed later. */
export const ERROR_CODES = {
  401: { name: 'unauthorized', retryable: false },
  405: { name: 'method not allowed', retryable: false },
  429: { name: 'API limit exceeded', retryable: true },
  430: { name: 'malformed parameter', retryable: false },
  431: { name: 'parameter error', retryable: false },
  432: { name: 'unsupported action', retryable: false },
  530: { name: 'internal error', retryable: true },
  531: { name: 'account error', retryable: false },
  532: { name: 'account resource limit', retryable: false },
  533: { name: 'insufficient capacity', retryable: false },
  534: { name: 'resource unavailable', retryable: true },
  535: { name: 'resource allocation error', retryable: false },
  536: { name: 'resource in use', retryable: true },
  537: { name: 'network rule conflict', retryable: false },
} as const;

/** Async job status in `queryAsyncJobResult`. */
export const JOB_STATUS = { pending: 0, succeeded: 1, failed: 2, cancelled: 3 } as const;

/** The tag that ties a CloudStack object to the netfirst address it realizes. */
export const ADDRESS_TAG = 'netfirst-address';

/** CloudStack resource types for createTags, by netfirst resource type. */
export const TAG_RESOURCE_TYPES = {
  network: 'Network',
  'public-ip': 'PublicIpAddress',
  'port-forward': 'PortForwardingRule',
  /** Firewall rules are items of the VPC's network ACL list. VPN connections take no tags. */
  'firewall-rule': 'NetworkACL',
  vm: 'UserVm',
  disk: 'Volume',
} as const;

/** Largest page CloudStack serves (`default.page.size` is 500). */
export const MAX_PAGE_SIZE = 500;
