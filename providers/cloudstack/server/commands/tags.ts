/**
 * Resource tags, as TaggedResourceManagerImpl handles them when the job runs: the type
 * must be one CloudStack knows (any case) and one that takes tags — VpnConnection,
 * VpnGateway, CustomerGateway and NetworkACLList do not; every id must name an object of
 * that type; a key already on an object fails the job (530), and deleting tags that are
 * not there fails it too ("Failed to delete tags"). A tag belongs to its object's owner.
 */
import { success, type CommandHandler, type Context } from '../command.js';
import { internalError, invalid, missingParameter } from '../errors.js';
import { lookup, REMOVED, type CloudState, type Collection } from '../state.js';

/** CloudStack's taggable resource types the endpoint holds, and where. */
const TAGGABLE: Record<string, Collection> = {
  UserVm: 'vms', Volume: 'volumes', Network: 'networks', PublicIpAddress: 'publicIps', PortForwardingRule: 'portForwards',
  FirewallRule: 'firewallRules', Vpc: 'vpcs', Project: 'projects', RemoteAccessVpn: 'remoteAccessVpns', NetworkACL: 'aclItems',
};

/** Types CloudStack knows that take tags but the endpoint has none of (every id is "not found"). */
const TAGGABLE_ELSEWHERE = ['Template', 'VnfTemplate', 'ISO', 'Snapshot', 'Backup', 'LoadBalancer', 'SecurityGroup', 'SecurityGroupRule', 'Account', 'StaticRoute', 'VMSnapshot', 'User', 'SnapshotPolicy', 'VpcOffering'];

/** Types CloudStack knows that take no tags. */
const UNTAGGABLE = ['DomainRouter', 'Nic', 'Zone', 'ServiceOffering', 'Storage', 'PrivateGateway', 'NetworkACLList', 'VpnGateway', 'CustomerGateway', 'VpnConnection', 'DiskOffering', 'AutoScaleVmProfile', 'AutoScaleVmGroup', 'LBStickinessPolicy', 'LBHealthCheckPolicy', 'GuestOs', 'NetworkOffering', 'Domain'];

function resourceType(given: string): string {
  const all = [...Object.keys(TAGGABLE), ...TAGGABLE_ELSEWHERE, ...UNTAGGABLE];
  const type = all.find((t) => t.toLowerCase() === given.toLowerCase());
  if (type === undefined) throw invalid(`Invalid resource type ${given}`);
  if (UNTAGGABLE.includes(type)) throw invalid(`The resource type ${type} doesn't support resource tags`);
  return type;
}

function target(state: CloudState, type: string, id: string): { projectid?: string } {
  const c = TAGGABLE[type];
  const found = c === undefined ? undefined : lookup(state, c, id);
  if (found === undefined || found === REMOVED) throw invalid(`Unable to find resource by id ${id} and type ${type}`);
  if (c === 'projects') return { projectid: id };
  const projectid = 'projectid' in found ? found.projectid : undefined;
  return projectid !== undefined ? { projectid } : {};
}

interface TagRequest {
  readonly ids: readonly string[];
  readonly type: string;
  readonly tags: readonly { readonly key: string; readonly value?: string }[];
}

function tagRequest(ctx: Context, keysRequired: boolean): TagRequest {
  const ids = ctx.params.list('resourceids');
  if (ids === undefined) throw missingParameter(ctx.params.command, 'resourceids');
  const type = ctx.params.required('resourcetype');
  const tags = ctx.params.objects('tags').map((fields) => {
    const key = fields.get('key') ?? '';
    const value = fields.get('value');
    return value !== undefined ? { key, value } : { key };
  });
  if (keysRequired && tags.length === 0) throw missingParameter(ctx.params.command, 'tags');
  return { ids, type, tags };
}

export const tagCommands = {
  createTags: {
    kind: 'async',
    submit: (ctx: Context) => {
      const request = tagRequest(ctx, true);
      return {
        run: () => {
          const type = resourceType(request.type);
          const added: { key: string; value: string; resourceid: string; projectid?: string }[] = [];
          for (const { key, value } of request.tags) {
            for (const id of request.ids) {
              const owner = target(ctx.state, type, id);
              if (value === undefined || value === '') throw invalid(`Value for the key ${key} is either null or empty`);
              const exists = [...ctx.state.tags, ...added].some((t) => t.resourceid === id && t.key === key);
              if (exists) throw internalError(`tag ${key} already on ${type} with id ${id}`);
              added.push({ key, value, resourceid: id, ...owner });
            }
          }
          ctx.state.tags.push(...added.map((t) => ({ ...t, resourcetype: type })));
          return success;
        },
      };
    },
  },
  deleteTags: {
    kind: 'async',
    submit: (ctx: Context) => {
      const request = tagRequest(ctx, false);
      return {
        run: () => {
          const type = resourceType(request.type);
          const doomed = ctx.state.tags.filter((t) => t.resourcetype === type && request.ids.includes(t.resourceid) && (
            request.tags.length === 0 || request.tags.some((w) => w.key.toLowerCase() === t.key.toLowerCase() && (w.value === undefined || w.value.toLowerCase() === t.value.toLowerCase()))
          ));
          if (doomed.length === 0) throw internalError('Failed to delete tags');
          ctx.state.tags = ctx.state.tags.filter((t) => !doomed.includes(t));
          return success;
        },
      };
    },
  },
} satisfies Record<string, CommandHandler>;
