/**
 * VPCs and guest networks. A network takes `gateway` + `netmask` (its CIDR follows, as
 * NetUtils.getCidrFromGatewayAndNetmask computes it) and an optional `vlan`; without one
 * it gets the lowest free guest VLAN. The endpoint implements a network at once: its
 * segment, and for an isolated network outside a VPC its source-NAT address
 * (`sourcenatipaddress` when given, CloudStack 4.19), exist from creation on — real
 * CloudStack takes both when the first VM starts. A VPC gets its source-NAT address when
 * its job runs; its tiers lie inside its CIDR, do not overlap, are at most three
 * (vpc.max.networks) and get the default_deny ACL list unless `aclid` says otherwise.
 */
import { randomUUID } from 'node:crypto';
import { formatCidr, formatIpv4, overlaps, parseCidr, parseIpv4, type Ipv4Block } from '../../../../specs/model/net/ipv4.js';
import { blockOf, netmaskOfPrefix, prefixOfNetmask } from '../addressing.js';
import { pickPublicAddress, pickSegment, type PickedAddress } from '../allocation.js';
import { DEFAULT_GUEST_CIDR, type Catalog } from '../catalog.js';
import { deleteNetwork, deleteVpc } from '../cleanup.js';
import { object, success, type CommandHandler, type Context } from '../command.js';
import { inUse, internalError, invalid, noSuchEntity, permissionDenied } from '../errors.js';
import { ownerScope } from '../listing.js';
import { filterId, live, needRef, ref } from '../refs.js';
import { add, type CloudState, type Network, type Vpc } from '../state.js';
import { networkView, vpcView } from '../views.js';

const MAX_VPC_TIERS = 3;
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((c) => parseCidr(c)!);

function zoneOf(ctx: Context): void {
  const zoneid = ctx.params.required('zoneid');
  if (zoneid !== ctx.catalog.zone.id) throw noSuchEntity('zoneid', zoneid);
}

/** The source-NAT address a network or VPC gets: `sourcenatipaddress`, or one CloudStack picks. */
function sourceNatAddress(catalog: Catalog, state: CloudState, requested: string | undefined): PickedAddress {
  return pickPublicAddress(catalog, state, requested !== undefined ? { requested } : 'highest');
}

function addSourceNat(state: CloudState, owner: { projectid?: string }, where: { networkid: string } | { vpcid: string }, { address, pool }: PickedAddress, at: string): void {
  const id = randomUUID();
  add(state, 'publicIps', id, {
    id, address, poolid: pool.id, sourceNat: true, allocated: at, ...where,
    ...(owner.projectid !== undefined ? { projectid: owner.projectid } : {}),
  });
}

/** `gateway` and `netmask` → the network's block, refusing what CloudStack refuses. */
function addressing(gateway: string, netmask: string): { block: Ipv4Block; gatewayIp: number } {
  const gatewayIp = parseIpv4(gateway);
  if (gatewayIp === undefined) throw invalid(`Invalid gateway IP provided ${gateway}`);
  const prefix = prefixOfNetmask(netmask);
  if (prefix === undefined || prefix > 30) throw invalid(`Invalid netmask ${netmask}`);
  const block = blockOf(gatewayIp, prefix);
  if (gatewayIp === block.first || gatewayIp === block.last) throw invalid(`The gateway ${gateway} is the network or broadcast address of ${formatCidr(block)}`);
  return { block, gatewayIp };
}

function checkTierFits(state: CloudState, vpc: Vpc, block: Ipv4Block): void {
  const vpcBlock = parseCidr(vpc.cidr)!;
  if (block.first < vpcBlock.first || block.last > vpcBlock.last) {
    throw invalid(`Network cidr ${formatCidr(block)} is not within vpc ${vpc.name} cidr ${vpc.cidr}`);
  }
  const tiers = [...state.networks.values()].filter((n) => n.vpcid === vpc.id);
  for (const t of tiers) {
    if (overlaps(parseCidr(t.cidr)!, block)) throw invalid(`Network cidr ${formatCidr(block)} crosses other network cidr ${t.cidr} belonging to the same vpc ${vpc.name}`);
  }
  if (tiers.length >= MAX_VPC_TIERS) {
    throw internalError(`Number of networks per VPC can't extend ${MAX_VPC_TIERS}; increase it using global config vpc.max.networks`);
  }
}

function createNetwork(ctx: Context): Network {
  const { params, catalog, state } = ctx;
  const name = params.required('name');
  const displaytext = params.str('displaytext') ?? name;
  const offeringId = params.required('networkofferingid');
  const offering = catalog.networkOfferings.find((o) => o.id === offeringId);
  if (!offering) throw noSuchEntity('networkofferingid', offeringId);
  zoneOf(ctx);
  const project = ref(ctx, 'projectid', 'projects');
  const vpc = ref(ctx, 'vpcid', 'vpcs');
  if (offering.forvpc && !vpc) throw invalid(`Network offering ${offering.name} can be used for VPC networks only`);
  if (!offering.forvpc && vpc) throw invalid(`Network offering ${offering.name} can't be used for VPC networks`);
  if (vpc && vpc.projectid !== project?.id) throw permissionDenied(`VPC ${vpc.name} does not belong to the owner of the network`);
  const gateway = params.str('gateway');
  const netmask = params.str('netmask');
  if ((gateway === undefined) !== (netmask === undefined)) throw invalid('gateway/netmask should be passed together');
  if (vpc && gateway === undefined) throw invalid('Gateway/netmask are required when create network for VPC');
  const { block, gatewayIp } = gateway !== undefined && netmask !== undefined
    ? addressing(gateway, netmask)
    : { block: parseCidr(DEFAULT_GUEST_CIDR)!, gatewayIp: parseCidr(DEFAULT_GUEST_CIDR)!.first + 1 };
  let aclid: string | undefined;
  if (vpc) {
    checkTierFits(state, vpc, block);
    const requested = params.str('aclid');
    const builtIn = catalog.aclLists.find((a) => a.id === requested);
    if (requested !== undefined && !builtIn) {
      const list = ref(ctx, 'aclid', 'aclLists');
      if (list && list.vpcid !== vpc.id) throw invalid("Can't assign ACL to network that belongs to different VPC");
    }
    aclid = requested ?? catalog.aclLists.find((a) => a.name === 'default_deny')!.id;
  }
  const segment = pickSegment(catalog, state, params.str('vlan'));
  const sourceNat = vpc ? undefined : sourceNatAddress(catalog, state, params.str('sourcenatipaddress'));
  const id = randomUUID();
  const network = add(state, 'networks', id, {
    id, name, displaytext, offeringid: offering.id, gateway: formatIpv4(gatewayIp), netmask: netmaskOfPrefix(block.prefix),
    cidr: formatCidr(block), segment, created: ctx.timestamp(),
    ...(project ? { projectid: project.id } : {}), ...(vpc ? { vpcid: vpc.id } : {}), ...(aclid !== undefined ? { aclid } : {}),
  });
  if (sourceNat) addSourceNat(state, network, { networkid: id }, sourceNat, ctx.timestamp());
  return network;
}

export const networkCommands = {
  createVPC: {
    kind: 'async', instanceType: 'Vpc',
    submit: (ctx: Context) => {
      const { params } = ctx;
      const name = params.required('name');
      const displaytext = params.str('displaytext') ?? name;
      const cidr = params.required('cidr');
      const offeringId = params.required('vpcofferingid');
      if (offeringId !== ctx.catalog.vpcOffering.id) throw noSuchEntity('vpcofferingid', offeringId);
      zoneOf(ctx);
      const project = ref(ctx, 'projectid', 'projects');
      const block = /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(cidr) ? parseCidr(cidr) : undefined;
      if (!block) throw invalid(`Invalid CIDR specified ${cidr}`);
      if (!PRIVATE_RANGES.some((r) => block.first >= r.first && block.last <= r.last)) {
        throw invalid(`The cidr ${cidr} of a VPC must lie in the private (RFC 1918) ranges`);
      }
      const requestedNat = ctx.params.str('sourcenatipaddress');
      if (requestedNat !== undefined) sourceNatAddress(ctx.catalog, ctx.state, requestedNat);
      const networkdomain = params.str('networkdomain') ?? `cs${name}.internal`;
      const id = randomUUID();
      return {
        id,
        run: () => {
          const owner = project ? live(ctx.state, 'projects', project.id) : undefined;
          // CloudStack rolls a VPC back when it cannot start it: without an address, no VPC.
          const nat = sourceNatAddress(ctx.catalog, ctx.state, requestedNat);
          const vpc = add(ctx.state, 'vpcs', id, {
            id, name, displaytext, cidr, networkdomain, created: ctx.timestamp(), ...(owner ? { projectid: owner.id } : {}),
          });
          addSourceNat(ctx.state, vpc, { vpcid: id }, nat, ctx.timestamp());
          return object('vpc', vpcView(ctx.state, ctx.catalog, vpc));
        },
      };
    },
  },
  listVPCs: {
    kind: 'list', key: 'vpc',
    run: (ctx) => {
      const inScope = ownerScope(ctx);
      const id = filterId(ctx, 'id', 'vpcs');
      const name = ctx.params.str('name');
      return [...ctx.state.vpcs.values()]
        .filter((v) => inScope(v) && (id === undefined || v.id === id) && (name === undefined || v.name === name))
        .map((v) => vpcView(ctx.state, ctx.catalog, v));
    },
  },
  /**
   * CloudStack 4.19: `sourcenatipaddress` moves the VPC's source NAT to another address
   * already acquired for it, one with no static NAT and no rules; the previous one stays
   * acquired, as an ordinary address.
   */
  updateVPC: {
    kind: 'async', instanceType: 'Vpc',
    submit: (ctx: Context) => {
      const vpc = needRef(ctx, 'id', 'vpcs');
      const name = ctx.params.str('name');
      const displaytext = ctx.params.str('displaytext');
      const requested = ctx.params.str('sourcenatipaddress');
      const ip = requested === undefined ? undefined : [...ctx.state.publicIps.values()].find((p) => p.address === requested);
      if (requested !== undefined) {
        if (!ip || ip.vpcid !== vpc.id) throw invalid(`Unable to find the IP address ${requested} in VPC ${vpc.name}: acquire it for the VPC first`);
        if (ip.staticNat || [...ctx.state.portForwards.values()].some((r) => r.ipid === ip.id)) {
          throw invalid(`IP address ${requested} has static NAT or rules and cannot become the source NAT address of VPC ${vpc.name}`);
        }
      }
      return {
        run: () => {
          const v = live(ctx.state, 'vpcs', vpc.id);
          if (name !== undefined) v.name = name;
          if (displaytext !== undefined) v.displaytext = displaytext;
          if (ip) {
            for (const other of ctx.state.publicIps.values()) if (other.vpcid === vpc.id && other.sourceNat) other.sourceNat = false;
            live(ctx.state, 'publicIps', ip.id).sourceNat = true;
          }
          return object('vpc', vpcView(ctx.state, ctx.catalog, v));
        },
      };
    },
  },
  deleteVPC: {
    kind: 'async', instanceType: 'Vpc',
    submit: (ctx: Context) => {
      const vpc = needRef(ctx, 'id', 'vpcs');
      return {
        run: () => {
          live(ctx.state, 'vpcs', vpc.id);
          const tiers = [...ctx.state.networks.values()].filter((n) => n.vpcid === vpc.id).length;
          if (tiers > 0) throw inUse(`Can't delete VPC ${vpc.name} as its used by ${tiers} networks`);
          const gateway = [...ctx.state.vpnGateways.values()].find((g) => g.vpcid === vpc.id);
          if (gateway && [...ctx.state.vpnConnections.values()].some((c) => c.gatewayid === gateway.id)) {
            throw inUse(`Unable to delete VPN gateway ${gateway.id} because there is still related VPN connections!`);
          }
          deleteVpc(ctx.state, vpc.id);
          return success;
        },
      };
    },
  },
  createNetwork: {
    kind: 'sync',
    run: (ctx) => object('network', networkView(ctx.state, ctx.catalog, createNetwork(ctx))),
  },
  listNetworks: {
    kind: 'list', key: 'network',
    run: (ctx) => {
      const inScope = ownerScope(ctx);
      const id = filterId(ctx, 'id', 'networks');
      const vpcid = filterId(ctx, 'vpcid', 'vpcs');
      const keyword = ctx.params.str('keyword')?.toLowerCase();
      return [...ctx.state.networks.values()]
        .filter((n) => inScope(n) && (id === undefined || n.id === id) && (vpcid === undefined || n.vpcid === vpcid))
        .filter((n) => keyword === undefined || n.name.toLowerCase().includes(keyword))
        .map((n) => networkView(ctx.state, ctx.catalog, n));
    },
  },
  updateNetwork: {
    kind: 'async', instanceType: 'Network',
    submit: (ctx: Context) => {
      const network = needRef(ctx, 'id', 'networks');
      const name = ctx.params.str('name');
      const displaytext = ctx.params.str('displaytext');
      return {
        run: () => {
          const n = live(ctx.state, 'networks', network.id);
          if (name !== undefined) n.name = name;
          if (displaytext !== undefined) n.displaytext = displaytext;
          return object('network', networkView(ctx.state, ctx.catalog, n));
        },
      };
    },
  },
  deleteNetwork: {
    kind: 'async', instanceType: 'Network',
    submit: (ctx: Context) => {
      const network = needRef(ctx, 'id', 'networks');
      return {
        run: () => {
          live(ctx.state, 'networks', network.id);
          const vm = [...ctx.state.vms.values()].find((v) => v.nics.some((nic) => nic.networkid === network.id));
          if (vm) throw inUse(`Can't delete the network, not all user vms are expunged. Vm ${vm.name} is in ${vm.state} state`);
          deleteNetwork(ctx.state, network.id);
          return success;
        },
      };
    },
  },
} satisfies Record<string, CommandHandler>;
