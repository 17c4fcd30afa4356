/**
 * Where things live in CloudStack, looked up once per run: the zone, offerings and
 * templates by name, and per tenant its project, its VPC (the tenant's networks are the
 * VPC's tiers), the VPC's network ACL list (its firewall) and its remote-access VPN. A
 * VPC is made on first use and retired with the tenant's last tier and address, and the
 * project with it when nothing else is left in it.
 */
import { textOf as str } from '../../specs/model/attribute-values.js';
import { type CallProgress, ProviderError } from '../contract.js';
import { ADDRESS_TAG, COMMANDS, type CommandName, type CommandSpec, TAG_RESOURCE_TYPES } from './api.js';

export type Obj = Record<string, unknown>;
export type Params = Record<string, string | number | boolean | undefined>;

/** What the provider needs of the API client (client.ts). */
export interface CloudStackApi {
  call(command: CommandName, params: Params): Promise<Obj>;
  start(command: CommandName, params: Params): Promise<{ jobId: string; id?: string }>;
  wait(jobId: string): Promise<Obj>;
  list(command: CommandName, params: Params): AsyncIterable<Obj>;
}

export interface TenancyOptions {
  readonly api: CloudStackApi;
  /** CloudStack's name of the zone. */
  readonly zone: string;
  readonly vpcCidr: string;
  readonly remoteAccessRange: string;
  readonly offerings: { readonly vpc: string; readonly vpcNetwork: string; readonly service: string; readonly disk: (tier: string) => string };
}

/** Extra tags beside `netfirst-address`: what netfirst decided that CloudStack does not show. */
export type ExtraTags = Readonly<Record<string, string>>;

/** Every list across the tenants' projects (`projectid=-1`, CloudStack's "all projects"). */
export const ALL_PROJECTS = { projectid: -1, listall: true } as const;

/** The value of a tag on a listed object. */
export function tagOf(o: Obj, key: string): string | undefined {
  const tags = Array.isArray(o['tags']) ? (o['tags'] as Obj[]) : [];
  const tag = tags.find((t) => t['key'] === key);
  return tag === undefined ? undefined : str(tag['value']);
}

export function createTenancy(options: TenancyOptions) {
  const { api } = options;
  const cache = new Map<string, Promise<string>>();
  const once = (key: string, find: () => Promise<string>): Promise<string> => {
    let p = cache.get(key);
    if (!p) {
      p = find();
      cache.set(key, p);
      p.catch(() => cache.delete(key));
    }
    return p;
  };
  const forget = (tenant: string): void => {
    for (const key of [...cache.keys()]) if (key.endsWith(`\0${tenant}`)) cache.delete(key);
  };

  async function first(command: CommandName, params: Params): Promise<Obj | undefined> {
    for await (const o of api.list(command, params)) return o;
    return undefined;
  }

  async function byName(command: CommandName, name: string, params: Params = {}): Promise<Obj | undefined> {
    for await (const o of api.list(command, { ...params, name })) if (str(o['name']) === name) return o;
    return undefined;
  }

  async function all(command: CommandName, params: Params): Promise<Obj[]> {
    const out: Obj[] = [];
    for await (const o of api.list(command, params)) out.push(o);
    return out;
  }

  /**
   * Runs an async command, telling the engine its job (and the object's id) before
   * waiting; `result` is the object the job made (under the command's key), or the job's
   * result as it is for commands that make none (`{ success: true }`).
   */
  async function job(command: CommandName, params: Params, progress?: CallProgress): Promise<{ id?: string; result: Obj }> {
    const started = await api.start(command, params);
    progress?.accepted({ jobId: started.jobId, ...(started.id !== undefined ? { providerId: started.id } : {}) });
    const raw = await api.wait(started.jobId);
    const key = (COMMANDS[command] as CommandSpec).objectKey;
    const object = key !== undefined && typeof raw[key] === 'object' && raw[key] !== null ? (raw[key] as Obj) : raw;
    return { ...(started.id !== undefined ? { id: started.id } : {}), result: object };
  }

  const zoneId = (): Promise<string> => once('zone', async () => {
    const z = await byName('listZones', options.zone);
    if (!z) throw new ProviderError('not-found', `CloudStack has no zone named ${options.zone}`, { retryable: false });
    return str(z['id']);
  });

  const offeringId = (command: CommandName, name: string): Promise<string> => once(`${command}:${name}`, async () => {
    const o = await byName(command, name);
    if (!o) throw new ProviderError('not-found', `CloudStack has no ${command.replace(/^list|s$/g, '')} named ${name}`, { retryable: false });
    return str(o['id']);
  });

  const templateId = (name: string, hypervisor: string): Promise<string> => once(`template:${name}:${hypervisor}`, async () => {
    for await (const t of api.list('listTemplates', { templatefilter: 'executable', name, zoneid: await zoneId(), hypervisor })) {
      if (str(t['name']) === name) return str(t['id']);
    }
    throw new ProviderError('not-found', `CloudStack has no ${hypervisor} template named ${name} in zone ${options.zone}`, { retryable: false });
  });

  const projectId = (tenant: string): Promise<string> => once(`project\0${tenant}`, async () => {
    const found = await byName('listProjects', tenant, { listall: true });
    if (found) return str(found['id']);
    const { id, result } = await job('createProject', { name: tenant, displaytext: `netfirst tenant ${tenant}` });
    return id ?? str(result['id']);
  });

  /** The tenant's project, never made here (deletes and reads must not bring a tenant back). */
  async function existingProjectId(tenant: string): Promise<string> {
    const cached = cache.get(`project\0${tenant}`);
    if (cached) return cached;
    const found = await byName('listProjects', tenant, { listall: true });
    if (!found) throw new ProviderError('not-found', `the project of tenant ${tenant} was not found`, { retryable: false });
    return str(found['id']);
  }

  async function findVpc(tenant: string): Promise<Obj | undefined> {
    const projectid = await existingProjectId(tenant);
    for await (const v of api.list('listVPCs', { projectid, listall: true })) if (str(v['name']) === tenant) return v;
    return undefined;
  }

  /**
   * The tenant's VPC, made on first use. `sourceNat` is the address it is made with when
   * the caller knows one of the tenant's own addresses: then CloudStack takes no address
   * of its choosing from the zone's ranges.
   */
  const vpcId = (tenant: string, sourceNat?: string): Promise<string> => once(`vpc\0${tenant}`, async () => {
    const found = await findVpc(tenant);
    if (found) return str(found['id']);
    const { id, result } = await job('createVPC', {
      name: tenant, displaytext: `netfirst tenant ${tenant}`, cidr: options.vpcCidr,
      vpcofferingid: await offeringId('listVPCOfferings', options.offerings.vpc), zoneid: await zoneId(), projectid: await projectId(tenant),
      ...(sourceNat !== undefined ? { sourcenatipaddress: sourceNat } : {}),
    });
    return id ?? str(result['id']);
  });

  /** The VPC's ACL list holding the tenant's firewall rules; every tier uses it. */
  const aclListId = (tenant: string): Promise<string> => once(`acl\0${tenant}`, async () => {
    const vpcid = await vpcId(tenant);
    const name = `netfirst-${tenant}`;
    const found = await byName('listNetworkACLLists', name, { vpcid });
    if (found) return str(found['id']);
    const { id, result } = await job('createNetworkACLList', { name, description: `firewall of netfirst tenant ${tenant}`, vpcid });
    return id ?? str(result['id']);
  });

  /** The VPC's current source-NAT address. */
  async function sourceNatOf(tenant: string): Promise<Obj | undefined> {
    const vpcid = await vpcId(tenant);
    for await (const ip of api.list('listPublicIpAddresses', { vpcid, issourcenat: true, projectid: await projectId(tenant), listall: true })) {
      if (ip['issourcenat'] === true) return ip;
    }
    return undefined;
  }

  /** The VPC's remote-access VPN, on its source-NAT address, made on first use. */
  const remoteAccessOn = (tenant: string): Promise<string> => once(`ravpn\0${tenant}`, async () => {
    const sourceNat = await sourceNatOf(tenant);
    if (!sourceNat) throw new ProviderError('not-found', `the VPC of tenant ${tenant} has no source-NAT address for remote-access VPN`, { retryable: false });
    const publicipid = str(sourceNat['id']);
    const existing = await first('listRemoteAccessVpns', { publicipid, projectid: await projectId(tenant), listall: true });
    if (!existing) await job('createRemoteAccessVpn', { publicipid, iprange: options.remoteAccessRange });
    return publicipid;
  });

  async function tag(type: keyof typeof TAG_RESOURCE_TYPES, id: string, address: string, tenant: string, extra: ExtraTags = {}): Promise<void> {
    const params: Params = { resourceids: id, resourcetype: TAG_RESOURCE_TYPES[type], projectid: await projectId(tenant) };
    [[ADDRESS_TAG, address], ...Object.entries(extra)].forEach(([key, value], i) => {
      params[`tags[${i}].key`] = key;
      params[`tags[${i}].value`] = value;
    });
    await job('createTags', params);
  }

  /**
   * Retires the tenant's VPC once it has no tier and no address of netfirst's left, and
   * the project once nothing else is in it. Serialized per tenant, so of two deletes
   * finishing together the later one sees the other's result.
   */
  const retiring = new Map<string, Promise<void>>();
  function retireIfEmpty(tenant: string): Promise<void> {
    const run = (retiring.get(tenant) ?? Promise.resolve()).then(async () => {
      const projectid = await existingProjectId(tenant).catch(() => undefined);
      if (projectid === undefined) return;
      const vpc = await findVpc(tenant);
      if (vpc) {
        const vpcid = str(vpc['id']);
        if ((await first('listNetworks', { vpcid, projectid, listall: true })) !== undefined) return;
        const ips = await all('listPublicIpAddresses', { vpcid, projectid, listall: true });
        if (ips.some((ip) => ip['issourcenat'] !== true && tagOf(ip, ADDRESS_TAG) !== undefined)) return;
        await job('deleteVPC', { id: vpcid });
      }
      forget(tenant);
      const leftovers = await Promise.all((['listVirtualMachines', 'listVolumes', 'listNetworks', 'listVPCs'] as const).map((c) => first(c, { projectid, listall: true })));
      if (leftovers.every((o) => o === undefined)) {
        await job('deleteProject', { id: projectid });
        forget(tenant);
      }
    });
    retiring.set(tenant, run.catch(() => undefined));
    return run;
  }

  return { api, first, byName, all, job, zoneId, offeringId, templateId, projectId, existingProjectId, vpcId, aclListId, sourceNatOf, remoteAccessOn, tag, retireIfEmpty, offerings: options.offerings };
}

export type Tenancy = ReturnType<typeof createTenancy>;
