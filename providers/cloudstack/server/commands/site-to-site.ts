/**
 * Site-to-site VPN, as CloudStack's Site2SiteVpnManagerImpl has it: a VPC's one VPN
 * gateway (on the VPC's source-NAT address), customer gateways (the peer: address, CIDRs,
 * pre-shared key, IKE/ESP policies such as `aes256-sha256;modp2048`, lifetimes of at most
 * a day), and connections between the two. Customer gateway commands check everything
 * when their job runs (they have no create phase); gateways and connections check at
 * once. The pre-shared key is kept because CloudStack shows it on the customer gateway;
 * connections here do not repeat it.
 */
import { randomUUID } from 'node:crypto';
import { overlaps, parseCidr, parseIpv4 } from '../../../../specs/model/net/ipv4.js';
import { object, success, type CommandHandler, type Context } from '../command.js';
import { inUse, internalError, invalid } from '../errors.js';
import { ownerScope } from '../listing.js';
import { filterId, live, needRef, ref } from '../refs.js';
import { add, removeObject, type CloudState, type CustomerGateway, type VpnGateway, type VpnConnection } from '../state.js';
import { customerGatewayView, vpnConnectionView, vpnGatewayView } from '../views.js';

const MAX_CONNECTIONS_PER_GATEWAY = 4;
const MAX_PEER_SUBNETS = 10;

/** NetUtils.isValidS2SVpnPolicy: `cipher-hash[;modpN]`, comma-separated; IKE needs the DH group. */
export function validPolicy(type: 'ike' | 'esp', policies: string): boolean {
  if (policies === '') return false;
  return policies.split(',').every((policy) => {
    if (policy === '') return false;
    const [cipherHash = '', group] = policy.split(';');
    const parts = cipherHash.split('-');
    if (parts.length !== 2) return false;
    const [cipher = '', hash = ''] = parts;
    if (!/^(3des|aes128|aes192|aes256)$/.test(cipher) || !/^(md5|sha1|sha256|sha384|sha512)$/.test(hash)) return false;
    if (group === undefined) return type === 'esp';
    return /^modp(1024|1536|2048|3072|4096|6144|8192)$/.test(group);
  });
}

interface PeerSettings {
  readonly name: string;
  readonly gateway: string;
  readonly cidrlist: string;
  readonly ipsecpsk: string;
  readonly ikepolicy: string;
  readonly esppolicy: string;
  readonly ikelifetime: number;
  readonly esplifetime: number;
  readonly dpd: boolean;
  readonly forceencap: boolean;
}

/** The parameters of create/updateVpnCustomerGateway, parsed at once; `checkPeer` judges them when the job runs. */
function peerSettings(ctx: Context): PeerSettings {
  const p = ctx.params;
  const gateway = p.required('gateway');
  return {
    gateway, name: p.str('name') ?? `VPN-${gateway}`, cidrlist: p.required('cidrlist'), ipsecpsk: p.required('ipsecpsk'),
    ikepolicy: p.required('ikepolicy'), esppolicy: p.required('esppolicy'), ikelifetime: p.int('ikelifetime') ?? 86400,
    esplifetime: p.int('esplifetime') ?? 3600, dpd: p.bool('dpd') ?? false, forceencap: p.bool('forceencap') ?? false,
  };
}

function checkPeer(state: CloudState, s: PeerSettings, projectid: string | undefined, self?: string): void {
  const isFqdn = /^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$/.test(s.gateway);
  if (parseIpv4(s.gateway) === undefined && !isFqdn) throw invalid(`The customer gateway ip/Domain ${s.gateway} is invalid!`);
  const cidrs = s.cidrlist.split(',');
  if (!cidrs.every((c) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(c) && parseCidr(c))) {
    throw invalid(`The customer gateway peer cidr list ${s.cidrlist} contains an invalid cidr!`);
  }
  if (!validPolicy('ike', s.ikepolicy)) throw invalid(`The customer gateway IKE policy ${s.ikepolicy} is invalid!  Verify the required Diffie Hellman (DH) group is specified.`);
  if (!validPolicy('esp', s.esppolicy)) throw invalid(`The customer gateway ESP policy ${s.esppolicy} is invalid!`);
  if (s.ikelifetime > 86400 || s.ikelifetime < 0) throw invalid(`The IKE lifetime ${s.ikelifetime} of vpn connection is invalid!`);
  if (s.esplifetime > 86400 || s.esplifetime < 0) throw invalid(`The ESP lifetime ${s.esplifetime} of vpn connection is invalid!`);
  const sameName = [...state.customerGateways.values()].find((g) => g.name === s.name && g.projectid === projectid && g.id !== self);
  if (sameName) throw invalid(`The customer gateway with name ${s.name} already existed!`);
  if (cidrs.length > MAX_PEER_SUBNETS) throw invalid(`Too many subnets of customer gateway! The limit is ${MAX_PEER_SUBNETS}`);
  cidrs.forEach((a, i) => cidrs.slice(i + 1).forEach((b) => {
    if (overlaps(parseCidr(a)!, parseCidr(b)!)) throw invalid(`The subnet of customer gateway ${a} is overlapped with another subnet ${b} of customer gateway!`);
  }));
}

function checkConnection(state: CloudState, gateway: VpnGateway, customer: CustomerGateway): void {
  if (customer.projectid !== gateway.projectid) throw invalid("VPN connection can only be esitablished between same account's VPN gateway and customer gateway!");
  const connections = [...state.vpnConnections.values()].filter((c) => c.gatewayid === gateway.id);
  if (connections.some((c) => c.customergatewayid === customer.id)) {
    throw invalid(`The vpn connection with customer gateway id ${customer.id} and vpn gateway id ${gateway.id} already existed!`);
  }
  const vpcCidr = state.vpcs.get(gateway.vpcid)?.cidr;
  const cidrs = customer.cidrlist.split(',');
  for (const c of cidrs) {
    if (vpcCidr && overlaps(parseCidr(vpcCidr)!, parseCidr(c)!)) {
      throw invalid(`The subnets of customer gateway ${customer.id}'s subnet ${c} is overlapped with VPC cidr ${vpcCidr}!`);
    }
  }
  if (connections.length >= MAX_CONNECTIONS_PER_GATEWAY) throw invalid(`There are too many VPN connections with current VPN gateway! The limit is ${MAX_CONNECTIONS_PER_GATEWAY}`);
  for (const other of connections) {
    const gw = state.customerGateways.get(other.customergatewayid);
    for (const old of gw?.cidrlist.split(',') ?? []) {
      for (const c of cidrs) {
        if (overlaps(parseCidr(old)!, parseCidr(c)!)) {
          throw invalid(`The new connection's remote subnet ${c} is overlapped with existed VPN connection to customer gateway ${gw?.name}'s subnet ${old}`);
        }
      }
    }
  }
}

export const siteToSiteCommands = {
  createVpnGateway: {
    kind: 'async', instanceType: 'Site2SiteVpnGateway',
    submit: (ctx: Context) => {
      const vpc = needRef(ctx, 'vpcid', 'vpcs');
      const exists = (): boolean => [...ctx.state.vpnGateways.values()].some((g) => g.vpcid === vpc.id);
      if (exists()) throw invalid(`The VPN gateway of VPC ${vpc.id} already existed!`);
      const id = randomUUID();
      return {
        id,
        run: () => {
          live(ctx.state, 'vpcs', vpc.id);
          if (exists()) throw invalid(`The VPN gateway of VPC ${vpc.id} already existed!`);
          const nat = [...ctx.state.publicIps.values()].find((ip) => ip.vpcid === vpc.id && ip.sourceNat);
          if (!nat) throw internalError(`Cannot found source nat ip of vpc ${vpc.id}`);
          const gateway = add(ctx.state, 'vpnGateways', id, {
            id, vpcid: vpc.id, ipid: nat.id, created: ctx.timestamp(), ...(vpc.projectid !== undefined ? { projectid: vpc.projectid } : {}),
          });
          return object('vpngateway', vpnGatewayView(ctx.state, gateway));
        },
      };
    },
  },
  listVpnGateways: {
    kind: 'list', key: 'vpngateway',
    run: (ctx) => {
      const inScope = ownerScope(ctx);
      const id = filterId(ctx, 'id', 'vpnGateways');
      const vpcid = filterId(ctx, 'vpcid', 'vpcs');
      return [...ctx.state.vpnGateways.values()]
        .filter((g) => inScope(g) && (id === undefined || g.id === id) && (vpcid === undefined || g.vpcid === vpcid))
        .map((g) => vpnGatewayView(ctx.state, g));
    },
  },
  deleteVpnGateway: {
    kind: 'async', instanceType: 'Site2SiteVpnGateway',
    submit: (ctx: Context) => {
      const gateway = needRef(ctx, 'id', 'vpnGateways');
      return {
        run: () => {
          live(ctx.state, 'vpnGateways', gateway.id);
          if ([...ctx.state.vpnConnections.values()].some((c) => c.gatewayid === gateway.id)) {
            throw inUse(`Unable to delete VPN gateway ${gateway.id} because there is still related VPN connections!`);
          }
          removeObject(ctx.state, 'vpnGateways', gateway.id);
          return success;
        },
      };
    },
  },
  createVpnCustomerGateway: {
    kind: 'async', instanceType: 'Site2SiteCustomerGateway',
    submit: (ctx: Context) => {
      const settings = peerSettings(ctx);
      const project = ref(ctx, 'projectid', 'projects');
      return {
        run: () => {
          const projectid = project ? live(ctx.state, 'projects', project.id).id : undefined;
          checkPeer(ctx.state, settings, projectid);
          const id = randomUUID();
          const gateway = add(ctx.state, 'customerGateways', id, { id, ...settings, created: ctx.timestamp(), ...(projectid !== undefined ? { projectid } : {}) });
          return object('vpncustomergateway', customerGatewayView(ctx.state, gateway));
        },
      };
    },
  },
  listVpnCustomerGateways: {
    kind: 'list', key: 'vpncustomergateway',
    run: (ctx) => {
      const inScope = ownerScope(ctx);
      const id = filterId(ctx, 'id', 'customerGateways');
      const keyword = ctx.params.str('keyword');
      return [...ctx.state.customerGateways.values()]
        .filter((g) => inScope(g) && (id === undefined || g.id === id) && (keyword === undefined || g.name.includes(keyword)))
        .map((g) => customerGatewayView(ctx.state, g));
    },
  },
  updateVpnCustomerGateway: {
    kind: 'async', instanceType: 'Site2SiteCustomerGateway',
    submit: (ctx: Context) => {
      const gateway = needRef(ctx, 'id', 'customerGateways');
      const settings = peerSettings(ctx);
      return {
        run: () => {
          const g = live(ctx.state, 'customerGateways', gateway.id);
          checkPeer(ctx.state, settings, g.projectid, g.id);
          // CloudStack restarts the gateway's connections with the new settings; they stay up.
          Object.assign(g, settings);
          return object('vpncustomergateway', customerGatewayView(ctx.state, g));
        },
      };
    },
  },
  deleteVpnCustomerGateway: {
    kind: 'async', instanceType: 'Site2SiteCustomerGateway',
    submit: (ctx: Context) => {
      const gateway = needRef(ctx, 'id', 'customerGateways');
      return {
        run: () => {
          live(ctx.state, 'customerGateways', gateway.id);
          if ([...ctx.state.vpnConnections.values()].some((c) => c.customergatewayid === gateway.id)) {
            throw inUse(`Unable to delete VPN customer gateway with id ${gateway.id} because there is still related VPN connections!`);
          }
          removeObject(ctx.state, 'customerGateways', gateway.id);
          return success;
        },
      };
    },
  },
  createVpnConnection: {
    kind: 'async', instanceType: 'Site2SiteVpnConnection',
    submit: (ctx: Context) => {
      const customer = needRef(ctx, 's2scustomergatewayid', 'customerGateways');
      const gateway = needRef(ctx, 's2svpngatewayid', 'vpnGateways');
      const passive = ctx.params.bool('passive') ?? false;
      checkConnection(ctx.state, gateway, customer);
      const id = randomUUID();
      return {
        id,
        run: () => {
          const g = live(ctx.state, 'vpnGateways', gateway.id);
          const c = live(ctx.state, 'customerGateways', customer.id);
          checkConnection(ctx.state, g, c);
          const connection: VpnConnection = add(ctx.state, 'vpnConnections', id, {
            id, gatewayid: g.id, customergatewayid: c.id, passive, created: ctx.timestamp(), ...(g.projectid !== undefined ? { projectid: g.projectid } : {}),
          });
          return object('vpnconnection', vpnConnectionView(ctx.state, connection));
        },
      };
    },
  },
  listVpnConnections: {
    kind: 'list', key: 'vpnconnection',
    run: (ctx) => {
      const inScope = ownerScope(ctx);
      const id = filterId(ctx, 'id', 'vpnConnections');
      const vpcid = filterId(ctx, 'vpcid', 'vpcs');
      return [...ctx.state.vpnConnections.values()]
        .filter((c) => inScope(c) && (id === undefined || c.id === id))
        .filter((c) => vpcid === undefined || ctx.state.vpnGateways.get(c.gatewayid)?.vpcid === vpcid)
        .map((c) => vpnConnectionView(ctx.state, c));
    },
  },
  deleteVpnConnection: {
    kind: 'async', instanceType: 'Site2SiteVpnConnection',
    submit: (ctx: Context) => {
      const connection = needRef(ctx, 'id', 'vpnConnections');
      return {
        run: () => {
          live(ctx.state, 'vpnConnections', connection.id);
          removeObject(ctx.state, 'vpnConnections', connection.id);
          return success;
        },
      };
    },
  },
} satisfies Record<string, CommandHandler>;
