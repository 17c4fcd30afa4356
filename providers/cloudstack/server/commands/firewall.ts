/**
 * Ingress firewall rules on public addresses of isolated networks. A VPC's addresses have
 * no Firewall service — CloudStack filters VPC traffic with network ACLs on the tiers
 * (acls.ts) — so a firewall rule on one is refused, as CloudStack refuses it. Two rules
 * conflict (537) when they share the protocol, their source CIDRs overlap and their ports
 * overlap (or neither has ports); two ICMP rules for the same type and code are a 431.
 */
import { randomUUID } from 'node:crypto';
import { overlaps, parseCidr } from '../../../../specs/model/net/ipv4.js';
import { object, success, type CommandHandler, type Context } from '../command.js';
import { invalid, ruleConflict } from '../errors.js';
import { ownerScope } from '../listing.js';
import type { Params } from '../params.js';
import { filterId, live, needRef } from '../refs.js';
import { add, removeObject, type CloudState, type PublicIp, type RuleShape } from '../state.js';
import { firewallRuleView } from '../views.js';

export type { RuleShape } from '../state.js';

/** `cidrlist` as CloudStack validates it (default 0.0.0.0/0). */
export function sourceCidrs(params: Params): string[] {
  const cidrs = params.list('cidrlist') ?? ['0.0.0.0/0'];
  for (const c of cidrs) if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(c) || !parseCidr(c)) throw invalid(`Source CIDRs formatting error ${c}`);
  return cidrs;
}

/** Ports, protocol and ICMP fields of a new rule, refused as FirewallManagerImpl.validateFirewallRule refuses them. */
export function ruleShape(params: Params, protocols: readonly string[]): Omit<RuleShape, 'cidrs'> {
  const protocol = params.required('protocol').toLowerCase();
  if (!protocols.includes(protocol)) throw invalid(`Invalid protocol ${protocol}: one of ${protocols.join(', ')}`);
  const startPort = params.int('startport');
  const endPort = params.int('endport') ?? startPort;
  const icmpType = params.int('icmptype');
  const icmpCode = params.int('icmpcode');
  for (const port of [startPort, endPort]) if (port !== undefined && (port < 1 || port > 65535)) throw invalid(`publicPort is an invalid value: ${port}`);
  if (startPort !== undefined && endPort !== undefined && startPort > endPort) throw invalid("Start port can't be bigger than end port");
  if (protocol !== 'icmp' && (icmpType !== undefined || icmpCode !== undefined)) throw invalid('Can specify icmpCode and icmpType for ICMP protocol only');
  if (protocol === 'icmp') {
    if (startPort !== undefined) throw invalid("Can't specify start/end port when protocol is ICMP");
    return { protocol, icmpType: icmpType ?? -1, icmpCode: icmpCode ?? -1 };
  }
  return { protocol, ...(startPort !== undefined ? { startPort, endPort: endPort ?? startPort } : {}) };
}

const cidrsOverlap = (a: readonly string[], b: readonly string[]): boolean =>
  a.some((x) => b.some((y) => overlaps(parseCidr(x)!, parseCidr(y)!)));

export function checkFirewallConflict(state: CloudState, ipid: string, rule: RuleShape): void {
  for (const other of state.firewallRules.values()) {
    if (other.ipid !== ipid || other.protocol !== rule.protocol || !cidrsOverlap(other.cidrs, rule.cidrs)) continue;
    if (rule.protocol === 'icmp') {
      if (other.icmpType === rule.icmpType && other.icmpCode === rule.icmpCode) throw invalid(`New rule conflicts with existing rule id=${other.id}`);
      continue;
    }
    if (rule.startPort === undefined && other.startPort === undefined) {
      throw ruleConflict(`There is already a firewall rule specified with protocol = ${rule.protocol} and no ports`);
    }
    const a = { first: rule.startPort ?? 1, last: rule.endPort ?? 65535 };
    const b = { first: other.startPort ?? 1, last: other.endPort ?? 65535 };
    if (overlaps(a, b)) {
      throw ruleConflict(`The range specified, ${a.first}-${a.last}, conflicts with rule ${other.id} which has ${b.first}-${b.last}`);
    }
  }
}

/** The guest network an ingress firewall rule on `ip` applies to, or CloudStack's refusal. */
function firewallNetwork(ip: PublicIp): string {
  if (ip.networkid === undefined) throw invalid('Unable to create firewall rule ; ip with specified id is not associated with any network');
  if (ip.vpcid !== undefined) throw invalid(`Service Firewall is not supported in the network id=${ip.networkid}`);
  return ip.networkid;
}

export const firewallCommands = {
  createFirewallRule: {
    kind: 'async', instanceType: 'FirewallRule',
    submit: (ctx: Context) => {
      const ip = needRef(ctx, 'ipaddressid', 'publicIps');
      const shape: RuleShape = { ...ruleShape(ctx.params, ['tcp', 'udp', 'icmp', 'all']), cidrs: sourceCidrs(ctx.params) };
      const networkid = firewallNetwork(ip);
      checkFirewallConflict(ctx.state, ip.id, shape);
      const id = randomUUID();
      return {
        id,
        run: () => {
          live(ctx.state, 'publicIps', ip.id);
          checkFirewallConflict(ctx.state, ip.id, shape);
          const rule = add(ctx.state, 'firewallRules', id, { id, ipid: ip.id, networkid, ...shape, ...(ip.projectid !== undefined ? { projectid: ip.projectid } : {}) });
          return object('firewallrule', firewallRuleView(ctx.state, rule));
        },
      };
    },
  },
  listFirewallRules: {
    kind: 'list', key: 'firewallrule',
    run: (ctx) => {
      const inScope = ownerScope(ctx);
      const id = filterId(ctx, 'id', 'firewallRules');
      const ipid = filterId(ctx, 'ipaddressid', 'publicIps');
      const networkid = filterId(ctx, 'networkid', 'networks');
      return [...ctx.state.firewallRules.values()]
        .filter((r) => inScope(r) && (id === undefined || r.id === id) && (ipid === undefined || r.ipid === ipid) && (networkid === undefined || r.networkid === networkid))
        .map((r) => firewallRuleView(ctx.state, r));
    },
  },
  deleteFirewallRule: {
    kind: 'async', instanceType: 'FirewallRule',
    submit: (ctx: Context) => {
      const rule = needRef(ctx, 'id', 'firewallRules');
      return {
        run: () => {
          live(ctx.state, 'firewallRules', rule.id);
          removeObject(ctx.state, 'firewallRules', rule.id);
          return success;
        },
      };
    },
  },
} satisfies Record<string, CommandHandler>;
