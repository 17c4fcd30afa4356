/**
 * Parameters that name objects of the world, resolved as CloudStack resolves them: an id
 * that never existed is a parameter error ("entity does not exist"); the id of a removed
 * object passes parameter processing, selects nothing in a list and is refused by the
 * command itself ("Unable to find …", which clients read as "already gone").
 */
import type { Context } from './command.js';
import { invalid, noSuchEntity, type ApiError } from './errors.js';
import { lookup, REMOVED, type CloudState, type Collection, type Item } from './state.js';

const WHAT: Record<Collection, string> = {
  projects: 'project', vpcs: 'VPC', networks: 'network', publicIps: 'ip address', portForwards: 'port forwarding rule',
  firewallRules: 'firewall rule', aclLists: 'network ACL list', aclItems: 'network ACL item', vpnGateways: 'vpn gateway',
  customerGateways: 'customer gateway', vpnConnections: 'site to site VPN connection', remoteAccessVpns: 'remote access vpn',
  vpnUsers: 'vpn user', vms: 'virtual machine', volumes: 'volume',
};

export function gone(c: Collection, id: string): ApiError {
  return invalid(`Unable to find ${WHAT[c]} with specified id ${id}`);
}

/** The object `param` names, or undefined when the parameter is absent. */
export function ref<C extends Collection>(ctx: Context, param: string, c: C): Item<C> | undefined {
  const id = ctx.params.str(param);
  return id === undefined ? undefined : resolve(ctx.state, param, c, id);
}

/** The object the required parameter `param` names. */
export function needRef<C extends Collection>(ctx: Context, param: string, c: C): Item<C> {
  return resolve(ctx.state, param, c, ctx.params.required(param));
}

/** Every object a comma-separated list of ids names. */
export function refs<C extends Collection>(ctx: Context, param: string, c: C): Item<C>[] | undefined {
  return ctx.params.list(param)?.map((id) => resolve(ctx.state, param, c, id));
}

/** For list filters: the id to select by (a removed object's selects nothing), refusing ids that never existed. */
export function filterId(ctx: Context, param: string, c: Collection): string | undefined {
  const id = ctx.params.str(param);
  if (id === undefined) return undefined;
  if (lookup(ctx.state, c, id) === undefined) throw noSuchEntity(param, id);
  return id;
}

/** In a running job: the object again, which may have gone since the job was accepted. */
export function live<C extends Collection>(state: CloudState, c: C, id: string): Item<C> {
  const found = lookup(state, c, id);
  if (found === undefined || found === REMOVED) throw gone(c, id);
  return found;
}

/** The object `id` (given in `param`) names, resolved as `ref` resolves it. */
export function resolve<C extends Collection>(state: CloudState, param: string, c: C, id: string): Item<C> {
  const found = lookup(state, c, id);
  if (found === REMOVED) throw gone(c, id);
  if (found === undefined) throw noSuchEntity(param, id);
  return found;
}
