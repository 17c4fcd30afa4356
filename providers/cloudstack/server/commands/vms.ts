/**
 * Virtual machines. deployVirtualMachine checks in its create phase what CloudStack
 * checks there — offering and `details` (cpuNumber, memory for the custom offering),
 * template and hypervisor, name (a hostname, unique per owner), networks (`networkids`
 * or `iptonetworklist[N].networkid/ip`, never both) and NIC addresses (a requested one
 * taken is 533, as CloudStack fails to acquire it) — and places the VM when its job
 * runs: the first cluster of its hypervisor with room, or job failure 533. A failed
 * deployment leaves no VM (CloudStack leaves one in state Error until it expunges it).
 * The root volume is `rootdisksize` GB (at least the template's size) on the tier of
 * `overridediskofferingid`, or the first tier with room; `diskofferingid` + `size` adds a
 * data volume. The service offering changes only while the VM is Stopped.
 */
import { randomUUID } from 'node:crypto';
import { formatIpv4, hostRange, parseCidr, parseIpv4 } from '../../../../specs/model/net/ipv4.js';
import { lowestFree, macAddress } from '../addressing.js';
import { anyTierWithRoom, checkTier, placeVm } from '../capacity.js';
import type { Catalog, DiskOffering, ServiceOffering, Template } from '../catalog.js';
import { expungeVm } from '../cleanup.js';
import { object, success, type CommandHandler, type Context } from '../command.js';
import { insufficientCapacity, invalid, missingParameter, noSuchEntity, permissionDenied } from '../errors.js';
import { ownerScope } from '../listing.js';
import type { Params } from '../params.js';
import { filterId, live, needRef, ref, refs, resolve } from '../refs.js';
import { add, nextSequence, removeObject, type CloudState, type Network, type Nic, type Vm } from '../state.js';
import { vmView } from '../views.js';

const HOSTNAME = /^[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;

interface Size {
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly cpuspeed: number;
  readonly details: Readonly<Record<string, string>>;
}

/** CPU and memory from an offering, or for the custom one from `details` (UserVmManagerImpl.validateCustomParameters). */
export function sizeOf(offering: ServiceOffering, details: ReadonlyMap<string, string>): Size {
  if (offering.cpunumber !== undefined && offering.memory !== undefined) {
    if (details.has('cpuNumber')) throw invalid(`The cpu cores of this offering id:${offering.id} is not customizable. This is predefined in the template.`);
    if (details.has('memory')) throw invalid(`The memory of this offering id:${offering.id} is not customizable. This is predefined in the template.`);
    return { cpu: offering.cpunumber, memoryMiB: offering.memory, cpuspeed: offering.cpuspeed, details: {} };
  }
  const cpu = Number(details.get('cpuNumber'));
  const memory = Number(details.get('memory'));
  if (!Number.isInteger(cpu) || cpu <= 0) throw invalid(`Invalid cpu cores value, specify a value between 1 and ${Number.MAX_SAFE_INTEGER}`);
  if (!Number.isInteger(memory) || memory < 32) throw invalid(`Invalid memory value, specify a value between 32 and ${Number.MAX_SAFE_INTEGER} MB`);
  return { cpu, memoryMiB: memory, cpuspeed: offering.cpuspeed, details: { cpuNumber: String(cpu), memory: String(memory) } };
}

function serviceOffering(catalog: Catalog, params: Params): ServiceOffering {
  const id = params.required('serviceofferingid');
  const offering = catalog.serviceOfferings.find((o) => o.id === id);
  if (!offering) throw noSuchEntity('serviceofferingid', id);
  return offering;
}

function diskOffering(catalog: Catalog, params: Params, param: string): DiskOffering | undefined {
  const id = params.str(param);
  if (id === undefined) return undefined;
  const offering = catalog.diskOfferings.find((o) => o.id === id);
  if (!offering) throw noSuchEntity(param, id);
  return offering;
}

interface NicRequest {
  readonly network: Network;
  readonly ip?: string;
}

function nicRequests(ctx: Context): NicRequest[] {
  const byList = refs(ctx, 'networkids', 'networks');
  const byMap = ctx.params.objects('iptonetworklist');
  if (byMap.length > 0 && (byList !== undefined || ctx.params.str('ipaddress') !== undefined)) {
    throw invalid("ipToNetworkMap can't be specified along with networkIds or ipAddress");
  }
  if (byMap.length > 0) {
    return byMap.map((fields) => {
      const id = fields.get('networkid');
      if (id === undefined) throw invalid('Unable to execute API command deployvirtualmachine: every iptonetworklist entry needs a networkid');
      const network = resolve(ctx.state, 'iptonetworklist', 'networks', id);
      const ip = fields.get('ip');
      return ip !== undefined && ip !== '' ? { network, ip } : { network };
    });
  }
  if (byList === undefined || byList.length === 0) throw invalid('networkids or iptonetworklist is required: the endpoint does not pick a network for a VM');
  const ip = ctx.params.str('ipaddress');
  return byList.map((network, i) => (i === 0 && ip !== undefined ? { network, ip } : { network }));
}

function usedGuestIps(state: CloudState, networkid: string): Set<number> {
  const used = new Set<number>();
  for (const vm of state.vms.values()) for (const nic of vm.nics) if (nic.networkid === networkid) used.add(parseIpv4(nic.ip) ?? -1);
  return used;
}

/** NIC addresses: requested ones must be free hosts of the network, others are its lowest free ones. */
function allocateNics(state: CloudState, requests: readonly NicRequest[]): Nic[] {
  const taken = new Map<string, Set<number>>();
  return requests.map((r, i) => {
    const block = parseCidr(r.network.cidr)!;
    const used = taken.get(r.network.id) ?? usedGuestIps(state, r.network.id);
    taken.set(r.network.id, used);
    used.add(parseIpv4(r.network.gateway) ?? -1);
    let ip: number | undefined;
    if (r.ip !== undefined) {
      ip = parseIpv4(r.ip);
      const hosts = hostRange(block);
      if (ip === undefined || ip < hosts.first || ip > hosts.last) throw invalid(`Invalid ip address ${r.ip}: not a host address of network ${r.network.name} (${r.network.cidr})`);
      if (used.has(ip)) throw insufficientCapacity('address', `Unable to acquire Guest IP address ${r.ip} for network ${r.network.name}: it is already in use`);
    } else {
      ip = lowestFree(hostRange(block), used);
      if (ip === undefined) throw insufficientCapacity('address', `Unable to acquire Guest IP address for network ${r.network.name}: it has no free address`);
    }
    used.add(ip);
    return { id: randomUUID(), networkid: r.network.id, ip: formatIpv4(ip), isdefault: i === 0, mac: macAddress(nextSequence(state)) };
  });
}

function checkName(state: CloudState, name: string, projectid: string | undefined): void {
  if (!HOSTNAME.test(name)) {
    throw invalid(`Invalid name. Vm name can contain ASCII letters 'a' through 'z', the digits '0' through '9', and the hyphen ('-'), must be between 1 and 63 characters long, and can't start or end with "-" and can't start with digit`);
  }
  const same = [...state.vms.values()].find((v) => v.name.toLowerCase() === name.toLowerCase() && v.projectid === projectid);
  if (same) throw invalid(`The vm with hostName ${name} already exists in the network domain of its owner; vm=${same.id}`);
}

function template(catalog: Catalog, params: Params): Template {
  const id = params.required('templateid');
  const t = catalog.templates.find((x) => x.id === id);
  if (!t) throw noSuchEntity('templateid', id);
  const hypervisor = params.str('hypervisor');
  if (hypervisor !== undefined && hypervisor.toLowerCase() !== t.hypervisor) {
    throw invalid('Hypervisor passed to the deployVm call, is different from the hypervisor type of the template');
  }
  return t;
}

function deploy(ctx: Context) {
  const { params, catalog, state } = ctx;
  const offering = serviceOffering(catalog, params);
  const tmpl = template(catalog, params);
  const zoneid = params.required('zoneid');
  if (zoneid !== catalog.zone.id) throw noSuchEntity('zoneid', zoneid);
  const project = ref(ctx, 'projectid', 'projects');
  const projectid = project?.id;
  const size = sizeOf(offering, params.details('details'));
  const name = params.str('name') ?? `VM-${randomUUID()}`;
  checkName(state, name, projectid);
  const requests = nicRequests(ctx);
  for (const r of requests) {
    if (r.network.projectid !== projectid) throw permissionDenied(`Unable to use network with id= ${r.network.id}, permission denied`);
  }
  if (new Set(requests.map((r) => r.network.id)).size !== requests.length) throw invalid('A VM can have only one NIC in each network');
  const rootGiB = params.int('rootdisksize') ?? tmpl.sizeGiB;
  if (rootGiB < tmpl.sizeGiB) throw invalid(`Unsupported: rootdisksize override (${rootGiB} GB) is smaller than template size ${tmpl.sizeGiB} GB`);
  const rootOffering = diskOffering(catalog, params, 'overridediskofferingid');
  const dataOffering = diskOffering(catalog, params, 'diskofferingid');
  const dataGiB = dataOffering ? params.int('size') : undefined;
  if (dataOffering && dataGiB === undefined) throw missingParameter(params.command, 'size');
  if (dataGiB !== undefined && dataGiB < 1) throw invalid(`Volume size: ${dataGiB}GB is out of allowed range. Min: 1`);
  const startvm = params.bool('startvm') ?? true;
  allocateNics(state, requests);
  const id = randomUUID();
  const displayname = params.str('displayname') ?? name;
  return {
    id,
    run: () => {
      for (const r of requests) live(state, 'networks', r.network.id);
      if (projectid !== undefined) live(state, 'projects', projectid);
      checkName(state, name, projectid);
      const nics = allocateNics(state, requests);
      const cluster = startvm ? placeVm(catalog, state, tmpl.hypervisor, size.cpu, size.memoryMiB, name) : undefined;
      const rootTier = rootOffering?.tier ?? anyTierWithRoom(catalog, state, rootGiB);
      checkTier(catalog, state, rootTier, rootGiB);
      if (dataOffering && dataGiB !== undefined) checkTier(catalog, state, dataOffering.tier, dataGiB + (dataOffering.tier === rootTier ? rootGiB : 0));
      const seq = nextSequence(state);
      const owner = projectid !== undefined ? { projectid } : {};
      const vm = add(state, 'vms', id, {
        id, name, displayname, instancename: `i-2-${seq}-VM`, templateid: tmpl.id, hypervisor: tmpl.hypervisor, offeringid: offering.id,
        cpu: size.cpu, memoryMiB: size.memoryMiB, cpuspeed: size.cpuspeed, details: size.details, state: startvm ? 'Running' : 'Stopped',
        nics, created: ctx.timestamp(), ...(cluster !== undefined ? { cluster } : {}), ...owner,
      });
      const rootId = randomUUID();
      add(state, 'volumes', rootId, {
        id: rootId, name: `ROOT-${seq}`, type: 'ROOT', tier: rootTier, sizeGiB: rootGiB, vmid: id, deviceid: 0, attached: ctx.timestamp(),
        created: ctx.timestamp(), ...(rootOffering ? { diskofferingid: rootOffering.id } : {}), ...owner,
      });
      if (dataOffering && dataGiB !== undefined) {
        const dataId = randomUUID();
        add(state, 'volumes', dataId, {
          id: dataId, name: `DATA-${seq}`, type: 'DATADISK', diskofferingid: dataOffering.id, tier: dataOffering.tier, sizeGiB: dataGiB,
          vmid: id, deviceid: 1, attached: ctx.timestamp(), created: ctx.timestamp(), ...owner,
        });
      }
      return object('virtualmachine', vmView(state, catalog, vm));
    },
  };
}

export const vmCommands = {
  deployVirtualMachine: { kind: 'async', instanceType: 'VirtualMachine', submit: deploy },
  listVirtualMachines: {
    kind: 'list', key: 'virtualmachine',
    run: (ctx) => {
      const inScope = ownerScope(ctx);
      const id = filterId(ctx, 'id', 'vms');
      const networkid = filterId(ctx, 'networkid', 'networks');
      const name = ctx.params.str('name');
      const state = ctx.params.str('state')?.toLowerCase();
      return [...ctx.state.vms.values()]
        .filter((v) => inScope(v) && (id === undefined || v.id === id) && (name === undefined || v.name === name))
        .filter((v) => (state === undefined || v.state.toLowerCase() === state) && (networkid === undefined || v.nics.some((n) => n.networkid === networkid)))
        .map((v) => vmView(ctx.state, ctx.catalog, v));
    },
  },
  stopVirtualMachine: {
    kind: 'async', instanceType: 'VirtualMachine',
    submit: (ctx: Context) => {
      const vm = needRef(ctx, 'id', 'vms');
      return {
        run: () => {
          const v = live(ctx.state, 'vms', vm.id);
          if (v.state === 'Destroyed') throw invalid(`Unable to stop virtual machine ${v.instancename} in state Destroyed`);
          v.state = 'Stopped';
          delete v.cluster;
          return object('virtualmachine', vmView(ctx.state, ctx.catalog, v));
        },
      };
    },
  },
  startVirtualMachine: {
    kind: 'async', instanceType: 'VirtualMachine',
    submit: (ctx: Context) => {
      const vm = needRef(ctx, 'id', 'vms');
      return {
        run: () => {
          const v = live(ctx.state, 'vms', vm.id);
          if (v.state === 'Destroyed') throw invalid(`Unable to start virtual machine ${v.instancename} in state Destroyed`);
          if (v.state === 'Stopped') {
            v.cluster = placeVm(ctx.catalog, ctx.state, v.hypervisor, v.cpu, v.memoryMiB, v.name, v.id);
            v.state = 'Running';
          }
          return object('virtualmachine', vmView(ctx.state, ctx.catalog, v));
        },
      };
    },
  },
  changeServiceForVirtualMachine: {
    kind: 'sync',
    run: (ctx) => {
      const vm = needRef(ctx, 'id', 'vms');
      const offering = serviceOffering(ctx.catalog, ctx.params);
      if (vm.state !== 'Stopped') {
        throw invalid(`Unable to upgrade virtual machine ${vm.instancename} in state ${vm.state}; make sure the virtual machine is stopped (dynamic scaling is not enabled)`);
      }
      const size = sizeOf(offering, ctx.params.details('details'));
      if (offering.id === vm.offeringid && size.cpu === vm.cpu && size.memoryMiB === vm.memoryMiB) {
        throw invalid(`Not upgrading vm ${vm.instancename} since it already has the requested service offering (${offering.name})`);
      }
      Object.assign(vm, { offeringid: offering.id, cpu: size.cpu, memoryMiB: size.memoryMiB, cpuspeed: size.cpuspeed, details: size.details });
      return object('virtualmachine', vmView(ctx.state, ctx.catalog, vm));
    },
  },
  destroyVirtualMachine: {
    kind: 'async', instanceType: 'VirtualMachine',
    submit: (ctx: Context) => {
      const vm = needRef(ctx, 'id', 'vms');
      const expunge = ctx.params.bool('expunge') === true;
      const volumes = refs(ctx, 'volumeids', 'volumes') ?? [];
      for (const v of volumes) if (v.vmid !== vm.id || v.type !== 'DATADISK') throw invalid(`Volume ${v.id} is not a data volume attached to VM ${vm.name}`);
      return {
        run: () => {
          const v: Vm = live(ctx.state, 'vms', vm.id);
          for (const volume of volumes) if (ctx.state.volumes.has(volume.id)) removeObject(ctx.state, 'volumes', volume.id);
          v.state = 'Destroyed';
          delete v.cluster;
          const view = vmView(ctx.state, ctx.catalog, v);
          if (expunge) expungeVm(ctx.state, v);
          return object('virtualmachine', { ...view, state: expunge ? 'Expunging' : 'Destroyed' });
        },
      };
    },
  },
  // Not in api.ts: the way out for a VM destroyed without `expunge`, which keeps its NICs
  // (and so its networks) until CloudStack's expunge delay — forever, here.
  expungeVirtualMachine: {
    kind: 'async', instanceType: 'VirtualMachine',
    submit: (ctx: Context) => {
      const vm = needRef(ctx, 'id', 'vms');
      if (vm.state !== 'Destroyed') throw invalid(`Please specify a VM that is in Destroyed state: ${vm.name} is ${vm.state}`);
      return {
        run: () => {
          expungeVm(ctx.state, live(ctx.state, 'vms', vm.id));
          return success;
        },
      };
    },
  },
} satisfies Record<string, CommandHandler>;
