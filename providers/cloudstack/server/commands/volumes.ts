/**
 * Volumes. A data volume takes a disk offering (one per storage tier, any size: `size`
 * in GB, 1 GB = 1 GiB as CloudStack counts) and its tier's capacity when its job runs
 * (533 past it) — CloudStack itself only takes storage on first attach, and caps custom
 * sizes at custom.diskoffering.size.max (1024 GB by default; the endpoint does not).
 * Attach, detach and resize check when their job runs, as CloudStack's have no create
 * phase. Data device ids count from 1, skipping 3 (the CD-ROM). A volume is deleted only
 * while detached.
 */
import { randomUUID } from 'node:crypto';
import { checkTier } from '../capacity.js';
import type { DiskOffering } from '../catalog.js';
import { object, success, type CommandHandler, type Context } from '../command.js';
import { inUse, invalid, missingParameter, noSuchEntity, permissionDenied } from '../errors.js';
import { ownerScope } from '../listing.js';
import { filterId, live, needRef, ref } from '../refs.js';
import { add, nextSequence, removeObject, type CloudState, type Volume } from '../state.js';
import { volumeView } from '../views.js';

const CDROM_DEVICE = 3;

function attach(state: CloudState, volume: Volume, vmid: string, deviceid: number | undefined, at: string): void {
  const vm = live(state, 'vms', vmid);
  if (vm.state === 'Destroyed') throw invalid('Please specify a VM that is either running or stopped.');
  if (volume.type !== 'DATADISK') throw invalid('Please specify a volume with the valid type: DATADISK');
  if (volume.vmid !== undefined) throw invalid('Please specify a volume that is not attached to any VM.');
  if (volume.projectid !== vm.projectid) throw permissionDenied(`Volume ${volume.name} and VM ${vm.name} belong to different owners`);
  const used = new Set([...state.volumes.values()].filter((v) => v.vmid === vm.id).map((v) => v.deviceid));
  if (deviceid !== undefined && (used.has(deviceid) || deviceid === CDROM_DEVICE || deviceid < 1)) throw invalid(`deviceId ${deviceid} is used by VM ${vm.name}`);
  let device = deviceid ?? 1;
  while (used.has(device) || device === CDROM_DEVICE) device++;
  volume.vmid = vm.id;
  volume.deviceid = device;
  volume.attached = at;
}

function offeringParam(ctx: Context): DiskOffering {
  const id = ctx.params.required('diskofferingid');
  const offering = ctx.catalog.diskOfferings.find((o) => o.id === id);
  if (!offering) throw noSuchEntity('diskofferingid', id);
  return offering;
}

export const volumeCommands = {
  createVolume: {
    kind: 'async', instanceType: 'Volume',
    submit: (ctx: Context) => {
      const offering = offeringParam(ctx);
      const size = ctx.params.int('size');
      if (size === undefined) throw missingParameter(ctx.params.command, 'size');
      if (size < 1) throw invalid(`Volume size: ${size}GB is out of allowed range. Min: 1`);
      const zoneid = ctx.params.required('zoneid');
      if (zoneid !== ctx.catalog.zone.id) throw noSuchEntity('zoneid', zoneid);
      const project = ref(ctx, 'projectid', 'projects');
      const vm = ref(ctx, 'virtualmachineid', 'vms');
      const id = randomUUID();
      const name = ctx.params.str('name');
      return {
        id,
        run: () => {
          if (project) live(ctx.state, 'projects', project.id);
          checkTier(ctx.catalog, ctx.state, offering.tier, size);
          const volume = add(ctx.state, 'volumes', id, {
            id, name: name ?? `DATA-${nextSequence(ctx.state)}`, type: 'DATADISK', diskofferingid: offering.id, tier: offering.tier, sizeGiB: size,
            created: ctx.timestamp(), ...(project ? { projectid: project.id } : {}),
          });
          if (vm) {
            try {
              attach(ctx.state, volume, vm.id, undefined, ctx.timestamp());
            } catch (error) {
              ctx.state.volumes.delete(id);
              throw error;
            }
          }
          return object('volume', volumeView(ctx.state, ctx.catalog, volume));
        },
      };
    },
  },
  attachVolume: {
    kind: 'async', instanceType: 'Volume',
    submit: (ctx: Context) => {
      const volume = needRef(ctx, 'id', 'volumes');
      const vm = needRef(ctx, 'virtualmachineid', 'vms');
      const deviceid = ctx.params.int('deviceid');
      return {
        run: () => {
          const v = live(ctx.state, 'volumes', volume.id);
          attach(ctx.state, v, vm.id, deviceid, ctx.timestamp());
          return object('volume', volumeView(ctx.state, ctx.catalog, v));
        },
      };
    },
  },
  detachVolume: {
    kind: 'async', instanceType: 'Volume',
    submit: (ctx: Context) => {
      const volume = needRef(ctx, 'id', 'volumes');
      return {
        run: () => {
          const v = live(ctx.state, 'volumes', volume.id);
          if (v.type === 'ROOT') throw invalid('Please specify a data volume.');
          if (v.vmid === undefined) throw invalid('Please specify a volume that is attached to a VM.');
          delete v.vmid;
          delete v.deviceid;
          delete v.attached;
          return object('volume', volumeView(ctx.state, ctx.catalog, v));
        },
      };
    },
  },
  resizeVolume: {
    kind: 'async', instanceType: 'Volume',
    submit: (ctx: Context) => {
      const volume = needRef(ctx, 'id', 'volumes');
      const size = ctx.params.int('size');
      const shrinkok = ctx.params.bool('shrinkok') === true;
      return {
        run: () => {
          const v = live(ctx.state, 'volumes', volume.id);
          if (size === undefined) throw invalid('New size must be specified for a volume of a custom-size disk offering');
          if (size < 1) throw invalid(`Volume size: ${size}GB is out of allowed range. Min: 1`);
          if (size < v.sizeGiB && !shrinkok) {
            throw invalid(`Going from existing size of ${v.sizeGiB} GB to size of ${size} GB would shrink the volume. Need to sign off by supplying the shrinkok parameter with value of true.`);
          }
          if (size > v.sizeGiB) checkTier(ctx.catalog, ctx.state, v.tier, size, v.id);
          v.sizeGiB = size;
          return object('volume', volumeView(ctx.state, ctx.catalog, v));
        },
      };
    },
  },
  listVolumes: {
    kind: 'list', key: 'volume',
    run: (ctx) => {
      const inScope = ownerScope(ctx);
      const id = filterId(ctx, 'id', 'volumes');
      const vmid = filterId(ctx, 'virtualmachineid', 'vms');
      const type = ctx.params.str('type')?.toUpperCase();
      const name = ctx.params.str('name');
      return [...ctx.state.volumes.values()]
        .filter((v) => inScope(v) && (id === undefined || v.id === id) && (vmid === undefined || v.vmid === vmid))
        .filter((v) => (type === undefined || v.type === type) && (name === undefined || v.name === name))
        .map((v) => volumeView(ctx.state, ctx.catalog, v));
    },
  },
  deleteVolume: {
    kind: 'sync',
    run: (ctx) => {
      const volume = needRef(ctx, 'id', 'volumes');
      if (volume.vmid !== undefined) throw inUse('Please specify a volume that is not attached to any VM.');
      removeObject(ctx.state, 'volumes', volume.id);
      return success;
    },
  },
} satisfies Record<string, CommandHandler>;
