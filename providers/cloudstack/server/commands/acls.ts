/**
 * Network ACLs: how a VPC filters the traffic of its tiers (VPC addresses have no
 * firewall rules). Two built-in lists, default_allow and default_deny, belong to no VPC
 * and cannot change; a VPC's own lists hold numbered items (ingress or egress, allow or
 * deny, protocol, ports, CIDRs). A tier uses one list (`aclid` at createNetwork, or
 * replaceNetworkACLList). Not in api.ts: here so that a provider has the VPC way.
 */
import { randomUUID } from 'node:crypto';
import { object, success, type CommandHandler, type Context } from '../command.js';
import { inUse, invalid, missingParameter, noSuchEntity } from '../errors.js';
import type { JsonObject } from '../json.js';
import { filterId, live, needRef, ref } from '../refs.js';
import { add, lookup, removeObject, type AclList } from '../state.js';
import { aclItemView, aclListView } from '../views.js';
import { ruleShape, sourceCidrs } from './firewall.js';

type AnyList = { readonly id: string; readonly name: string; readonly description: string; readonly vpcid?: string };

/** The list `param` names: a built-in one, or one of a VPC. */
function aclParam(ctx: Context, param: string): AnyList | undefined {
  const id = ctx.params.str(param);
  if (id === undefined) return undefined;
  return ctx.catalog.aclLists.find((a) => a.id === id) ?? ref(ctx, param, 'aclLists');
}

function ownList(list: AnyList): AclList {
  if (list.vpcid === undefined) throw invalid('Default ACL cannot be modified');
  return list as AclList;
}

export const aclCommands = {
  createNetworkACLList: {
    kind: 'async', instanceType: 'NetworkAclList',
    submit: (ctx: Context) => {
      const name = ctx.params.required('name');
      const description = ctx.params.str('description') ?? name;
      const vpc = needRef(ctx, 'vpcid', 'vpcs');
      const id = randomUUID();
      return {
        id,
        run: () => {
          live(ctx.state, 'vpcs', vpc.id);
          return object('networkacllist', aclListView(add(ctx.state, 'aclLists', id, { id, name, description, vpcid: vpc.id })));
        },
      };
    },
  },
  listNetworkACLLists: {
    kind: 'list', key: 'networkacllist',
    run: (ctx) => {
      const id = ctx.params.str('id');
      if (id !== undefined && !ctx.catalog.aclLists.some((a) => a.id === id) && lookup(ctx.state, 'aclLists', id) === undefined) throw noSuchEntity('id', id);
      const vpcid = filterId(ctx, 'vpcid', 'vpcs');
      const network = ref(ctx, 'networkid', 'networks');
      const name = ctx.params.str('name');
      const all: AnyList[] = [...ctx.catalog.aclLists, ...ctx.state.aclLists.values()];
      return all
        .filter((a) => (id === undefined || a.id === id) && (name === undefined || a.name === name))
        .filter((a) => vpcid === undefined || a.vpcid === vpcid || a.vpcid === undefined)
        .filter((a) => network === undefined || network.aclid === a.id)
        .map(aclListView);
    },
  },
  deleteNetworkACLList: {
    kind: 'async', instanceType: 'NetworkAclList',
    submit: (ctx: Context) => {
      const list = ownList(aclParam(ctx, 'id') ?? needRef(ctx, 'id', 'aclLists'));
      return {
        run: () => {
          live(ctx.state, 'aclLists', list.id);
          const tiers = [...ctx.state.networks.values()].filter((n) => n.aclid === list.id);
          if (tiers.length > 0) throw inUse(`ACL is still associated with ${tiers.length} tier(s). Cannot delete network ACL: ${list.id}`);
          for (const item of [...ctx.state.aclItems.values()]) if (item.aclid === list.id) removeObject(ctx.state, 'aclItems', item.id);
          removeObject(ctx.state, 'aclLists', list.id);
          return success;
        },
      };
    },
  },
  createNetworkACL: {
    kind: 'async', instanceType: 'NetworkACL',
    submit: (ctx: Context) => {
      const p = ctx.params;
      const network = ref(ctx, 'networkid', 'networks');
      const given = aclParam(ctx, 'aclid');
      const listId = given?.id ?? network?.aclid;
      if (listId === undefined) throw invalid('aclid or networkid is required');
      const list = ownList(given ?? ctx.catalog.aclLists.find((a) => a.id === listId) ?? live(ctx.state, 'aclLists', listId));
      const shape = ruleShape(p, ['tcp', 'udp', 'icmp', 'all']);
      const cidrs = sourceCidrs(p);
      const traffic = (p.str('traffictype') ?? 'ingress').toLowerCase();
      const action = (p.str('action') ?? 'allow').toLowerCase();
      if (traffic !== 'ingress' && traffic !== 'egress') throw invalid(`Invalid traffic type ${traffic}: ingress or egress`);
      if (action !== 'allow' && action !== 'deny') throw invalid(`Invalid action ${action}: allow or deny`);
      const reason = p.str('reason');
      const requestedNumber = p.int('number');
      const id = randomUUID();
      return {
        id,
        run: () => {
          live(ctx.state, 'aclLists', list.id);
          const items = [...ctx.state.aclItems.values()].filter((i) => i.aclid === list.id);
          if (requestedNumber !== undefined && items.some((i) => i.number === requestedNumber)) {
            throw invalid(`ACL item with number ${requestedNumber} already exists in ACL: ${list.id}`);
          }
          const number = requestedNumber ?? Math.max(0, ...items.map((i) => i.number)) + 1;
          const item = add(ctx.state, 'aclItems', id, {
            id, aclid: list.id, number, ...shape, cidrs, traffictype: traffic === 'ingress' ? 'Ingress' : 'Egress',
            action: action === 'allow' ? 'Allow' : 'Deny', ...(reason !== undefined ? { reason } : {}),
          });
          return object('networkacl', aclItemView(ctx.state, item, list.name));
        },
      };
    },
  },
  listNetworkACLs: {
    kind: 'list', key: 'networkacl',
    run: (ctx) => {
      const id = filterId(ctx, 'id', 'aclItems');
      const list = aclParam(ctx, 'aclid');
      const network = ref(ctx, 'networkid', 'networks');
      return [...ctx.state.aclItems.values()]
        .filter((i) => (id === undefined || i.id === id) && (list === undefined || i.aclid === list.id) && (network === undefined || i.aclid === network.aclid))
        .map((i): JsonObject => aclItemView(ctx.state, i, ctx.state.aclLists.get(i.aclid)?.name ?? ''));
    },
  },
  deleteNetworkACL: {
    kind: 'async', instanceType: 'NetworkACL',
    submit: (ctx: Context) => {
      const item = needRef(ctx, 'id', 'aclItems');
      return {
        run: () => {
          live(ctx.state, 'aclItems', item.id);
          removeObject(ctx.state, 'aclItems', item.id);
          return success;
        },
      };
    },
  },
  replaceNetworkACLList: {
    kind: 'async', instanceType: 'Network',
    submit: (ctx: Context) => {
      const list = aclParam(ctx, 'aclid');
      if (!list) throw missingParameter(ctx.params.command, 'aclid');
      const network = needRef(ctx, 'networkid', 'networks');
      if (network.vpcid === undefined) throw invalid(`Network ${network.name} is not a VPC tier: it has no network ACL`);
      if (list.vpcid !== undefined && list.vpcid !== network.vpcid) throw invalid("Can't assign ACL to network that belongs to different VPC");
      return {
        run: () => {
          live(ctx.state, 'networks', network.id).aclid = list.id;
          return success;
        },
      };
    },
  },
} satisfies Record<string, CommandHandler>;
