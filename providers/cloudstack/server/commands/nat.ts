/**
 * Static NAT and port forwarding. Both point a public address at a VM's NIC in the guest
 * network the address serves; a VPC's address serves no tier until its first static NAT
 * or rule names one (`networkid`), and returns to the VPC when the last goes. An address
 * is either one VM's static NAT or carries port forwards, never both (537). Port
 * forwarding rules conflict when protocol and public ports overlap on one address; with
 * `openfirewall` (default true outside VPCs) CloudStack also opens the firewall for the
 * rule, with a firewall rule from 0.0.0.0/0 that goes when the rule goes.
 */
import { randomUUID } from 'node:crypto';
import { overlaps } from '../../../../specs/model/net/ipv4.js';
import { releaseFromTier, removePortForward } from '../cleanup.js';
import { object, success, type CommandHandler, type Context } from '../command.js';
import { invalid, permissionDenied, ruleConflict } from '../errors.js';
import { ownerScope } from '../listing.js';
import { filterId, live, needRef, ref } from '../refs.js';
import { add, type CloudState, type Network, type Nic, type PublicIp, type Vm } from '../state.js';
import { portForwardView } from '../views.js';
import { checkFirewallConflict, type RuleShape } from './firewall.js';

/** The guest network a NAT of `ip` applies to: the one it serves, or for a VPC address the tier `requested`. */
function natNetwork(state: CloudState, ip: PublicIp, requested: Network | undefined): Network {
  if (ip.networkid !== undefined) {
    if (requested && requested.id !== ip.networkid) throw invalid(`Ip address ${ip.address} is not assigned to the network ${requested.name}`);
    const network = state.networks.get(ip.networkid);
    if (!network) throw invalid(`Ip address ${ip.address} is not associated with any network`);
    return network;
  }
  if (ip.vpcid === undefined) throw invalid(`Ip address ${ip.address} is not associated with any network or VPC`);
  if (!requested) throw invalid(`networkid is required: ip address ${ip.address} of a VPC is not associated with any of its tiers yet`);
  if (requested.vpcid !== ip.vpcid) throw invalid(`Ip address ${ip.address} is not assigned to the network ${requested.name}`);
  return requested;
}

function nicIn(vm: Vm, network: Network): Nic {
  const nic = vm.nics.find((n) => n.networkid === network.id);
  if (!nic) throw invalid(`Vm ${vm.name} doesn't belong to the network ${network.name}`);
  return nic;
}

function guestIp(vm: Vm, nic: Nic, requested: string | undefined): string {
  if (requested !== undefined && requested !== nic.ip) throw invalid(`Vm ${vm.name} has no guest IP ${requested} in network ${nic.networkid}`);
  return nic.ip;
}

/** A VM that NAT may point at: not destroyed, and owned as the address is. */
function usableVm(vm: Vm, ip: PublicIp): Vm {
  if (vm.state === 'Destroyed') throw invalid(`Virtual machine ${vm.name} is in state Destroyed`);
  if (vm.projectid !== ip.projectid) throw permissionDenied(`Virtual machine ${vm.name} and ip address ${ip.address} belong to different owners`);
  return vm;
}

interface Forward {
  readonly protocol: string;
  readonly publicPort: number;
  readonly publicEndPort: number;
  readonly privatePort: number;
  readonly privateEndPort: number;
}

function checkForwardConflict(state: CloudState, ip: PublicIp, f: Forward): void {
  if (ip.staticNat) throw invalid(`Unable to create port forwarding rule; ip id=${ip.id} has static nat enabled`);
  for (const other of state.portForwards.values()) {
    if (other.ipid !== ip.id || other.protocol !== f.protocol) continue;
    if (overlaps({ first: f.publicPort, last: f.publicEndPort }, { first: other.publicPort, last: other.publicEndPort })) {
      throw ruleConflict(`The range specified, ${f.publicPort}-${f.publicEndPort}, conflicts with rule ${other.id} which has ${other.publicPort}-${other.publicEndPort}`);
    }
  }
}

function forwardOf(ctx: Context): Forward {
  const p = ctx.params;
  const protocol = p.required('protocol').toLowerCase();
  if (protocol !== 'tcp' && protocol !== 'udp') throw invalid(`Unsupported protocol ${protocol} for port forwarding: tcp or udp`);
  const publicPort = p.requiredInt('publicport');
  const privatePort = p.requiredInt('privateport');
  const publicEndPort = p.int('publicendport') ?? publicPort;
  const privateEndPort = p.int('privateendport') ?? privatePort;
  for (const port of [publicPort, privatePort, publicEndPort, privateEndPort]) if (port < 1 || port > 65535) throw invalid(`publicPort is an invalid value: ${port}`);
  if (publicEndPort < publicPort || privateEndPort < privatePort) throw invalid("Start port can't be bigger than end port");
  if (publicEndPort - publicPort !== privateEndPort - privatePort) throw invalid('Private port range and public port range must be of the same size');
  return { protocol, publicPort, publicEndPort, privatePort, privateEndPort };
}

export const natCommands = {
  enableStaticNat: {
    kind: 'sync',
    run: (ctx) => {
      const ip = needRef(ctx, 'ipaddressid', 'publicIps');
      const vm = usableVm(needRef(ctx, 'virtualmachineid', 'vms'), ip);
      if (ip.sourceNat) throw invalid(`Can't enable static, ip address ${ip.address} is a sourceNat ip address`);
      const network = natNetwork(ctx.state, ip, ref(ctx, 'networkid', 'networks'));
      const nic = nicIn(vm, network);
      const vmIp = guestIp(vm, nic, ctx.params.str('vmguestip'));
      if (ip.staticNat?.vmid === vm.id) return success;
      if (ip.staticNat) throw ruleConflict(`Failed to enable static for the ip address ${ip.address} and vm id=${vm.id} as it's already assigned to antoher vm`);
      if ([...ctx.state.portForwards.values()].some((r) => r.ipid === ip.id)) throw ruleConflict(`There is already firewall rule specified for the ip address id=${ip.id}`);
      const other = [...ctx.state.publicIps.values()].find((o) => o.staticNat?.vmid === vm.id && o.networkid === network.id);
      if (other) throw ruleConflict(`Failed to enable static nat for the ip address id=${ip.id} as vm id=${vm.id} is already associated with ip id=${other.id}`);
      ip.networkid = network.id;
      ip.staticNat = { vmid: vm.id, guestIp: vmIp };
      return success;
    },
  },
  disableStaticNat: {
    kind: 'async', instanceType: 'IpAddress',
    submit: (ctx: Context) => {
      const ip = needRef(ctx, 'ipaddressid', 'publicIps');
      if (!ip.staticNat) throw invalid('Specified IP address id is not associated with any vm Id');
      return {
        run: () => {
          const now = live(ctx.state, 'publicIps', ip.id);
          delete now.staticNat;
          releaseFromTier(ctx.state, now);
          return success;
        },
      };
    },
  },
  createPortForwardingRule: {
    kind: 'async', instanceType: 'FirewallRule',
    submit: (ctx: Context) => {
      const ip = needRef(ctx, 'ipaddressid', 'publicIps');
      const forward = forwardOf(ctx);
      const vm = usableVm(needRef(ctx, 'virtualmachineid', 'vms'), ip);
      const network = natNetwork(ctx.state, ip, ref(ctx, 'networkid', 'networks'));
      const vmIp = guestIp(vm, nicIn(vm, network), ctx.params.str('vmguestip'));
      checkForwardConflict(ctx.state, ip, forward);
      // CloudStack opens the firewall unless told not to, except in a VPC (no Firewall service there).
      const openFirewall = network.vpcid === undefined && ctx.params.bool('openfirewall') !== false;
      const firewall: RuleShape = { protocol: forward.protocol, startPort: forward.publicPort, endPort: forward.publicEndPort, cidrs: ['0.0.0.0/0'] };
      if (openFirewall) checkFirewallConflict(ctx.state, ip.id, firewall);
      const id = randomUUID();
      return {
        id,
        run: () => {
          const now = live(ctx.state, 'publicIps', ip.id);
          live(ctx.state, 'vms', vm.id);
          live(ctx.state, 'networks', network.id);
          checkForwardConflict(ctx.state, now, forward);
          const owner = now.projectid !== undefined ? { projectid: now.projectid } : {};
          let firewallRuleId: string | undefined;
          if (openFirewall) {
            checkFirewallConflict(ctx.state, now.id, firewall);
            firewallRuleId = randomUUID();
            add(ctx.state, 'firewallRules', firewallRuleId, { id: firewallRuleId, ipid: now.id, networkid: network.id, ...firewall, ...owner });
          }
          now.networkid = network.id;
          const rule = add(ctx.state, 'portForwards', id, {
            id, ipid: now.id, networkid: network.id, ...forward, vmid: vm.id, guestIp: vmIp, ...owner,
            ...(firewallRuleId !== undefined ? { firewallRuleId } : {}),
          });
          return object('portforwardingrule', portForwardView(ctx.state, rule));
        },
      };
    },
  },
  listPortForwardingRules: {
    kind: 'list', key: 'portforwardingrule',
    run: (ctx) => {
      const inScope = ownerScope(ctx);
      const id = filterId(ctx, 'id', 'portForwards');
      const ipid = filterId(ctx, 'ipaddressid', 'publicIps');
      const networkid = filterId(ctx, 'networkid', 'networks');
      return [...ctx.state.portForwards.values()]
        .filter((r) => inScope(r) && (id === undefined || r.id === id) && (ipid === undefined || r.ipid === ipid) && (networkid === undefined || r.networkid === networkid))
        .map((r) => portForwardView(ctx.state, r));
    },
  },
  deletePortForwardingRule: {
    kind: 'async', instanceType: 'FirewallRule',
    submit: (ctx: Context) => {
      const rule = needRef(ctx, 'id', 'portForwards');
      return {
        run: () => {
          live(ctx.state, 'portForwards', rule.id);
          removePortForward(ctx.state, rule.id);
          const ip = ctx.state.publicIps.get(rule.ipid);
          if (ip) releaseFromTier(ctx.state, ip);
          return success;
        },
      };
    },
  },
} satisfies Record<string, CommandHandler>;
