/**
 * "Adopt observed into the spec": a drifted attribute of a recorded resource written back
 * into the field of the Tenant spec it came from, so the spec says what reality is. Only
 * attributes that are one spec field each map back: a VM's CPU count, memory, power,
 * cluster and root disk; a disk's size and tier. Every other one is refused with the
 * reason (derived from several fields, allocated, or a replacement in disguise).
 */
import type { AttrValue } from '../model/resource.js';
import { refuse, type EditOutcome, type SpecPath } from './outcome.js';
import { itemNamed, renderTenantFile, type TenantFile } from './tenant-file.js';
import { gibText, mibText, setScalar, vmNamed } from './vm-edits.js';
import { isMap, isSeq, type YAMLMap } from 'yaml';
import { parseSize } from '../units.js';

export interface ObservedAttribute {
  /** The resource's address: `TENANT/vm/NAME` or `TENANT/vm/NAME/disk/DISK`. */
  readonly address: string;
  /** The attribute as the resource type names it (`memoryMiB`, `sizeGiB`, `rootDisk`). */
  readonly attribute: string;
  /** What the provider reports. */
  readonly observed: AttrValue;
}

/** Why attributes that exist but do not map back are refused, for the drift view to show. */
const NOT_ADOPTABLE: Readonly<Record<string, string>> = {
  hypervisor: 'a VM on another hypervisor is another VM: correct reality, or replace it in the spec by hand',
  template: 'the template a VM was made from cannot change under it: correct reality instead',
  nics: "a VM's NICs come from its networks and allocated addresses: edit its nics in the spec by hand",
  name: 'a rename is written with previously: in the spec, by hand',
  vm: 'a disk moved to another VM: edit the spec by hand',
};

export function adoptObserved(file: TenantFile, tenant: string, drift: ObservedAttribute): EditOutcome {
  const parts = drift.address.split('/');
  if (parts[0] !== tenant) return refuse('', `${drift.address} is not a resource of tenant ${tenant}`);
  const isVm = parts.length === 3 && parts[1] === 'vm';
  const isDisk = parts.length === 5 && parts[1] === 'vm' && parts[3] === 'disk';
  if (!isVm && !isDisk) return refuse('', `observed values of ${drift.address} cannot be adopted into the spec: only a VM's CPU, memory, power, cluster and root disk and a disk's size and tier map back to one spec field each; correct reality, or edit the spec by hand`);
  const reason = NOT_ADOPTABLE[drift.attribute];
  if (reason) return refuse('', `${drift.attribute} of ${drift.address}: ${reason}`);
  const vm = vmNamed(file, parts[2]!);
  if ('problems' in vm) return vm;
  const value = drift.observed;
  const done = (path: SpecPath): EditOutcome => ({ text: renderTenantFile(file), doc: file.doc, path, fields: { [drift.attribute]: path } });
  const wrong = (what: string): EditOutcome => refuse('', `${drift.attribute} of ${drift.address} is observed as ${JSON.stringify(value)?.slice(0, 80)}, which is not ${what}`);

  if (isVm) {
    switch (drift.attribute) {
      case 'cpu':
        if (!isWhole(value)) return wrong('a CPU count');
        setScalar(vm.item, 'cpu', value, ['hypervisor', 'name']);
        return done([...vm.path, 'cpu']);
      case 'memoryMiB':
        if (!isWhole(value)) return wrong('a size in MiB');
        setScalar(vm.item, 'memory', mibText(value), ['cpu', 'name']);
        return done([...vm.path, 'memory']);
      case 'power':
        if (value !== 'running' && value !== 'stopped') return wrong('running or stopped');
        setScalar(vm.item, 'power', value, ['memory', 'cpu', 'name']);
        return done([...vm.path, 'power']);
      case 'cluster':
        if (typeof value !== 'string') return wrong('a cluster name');
        setScalar(vm.item, 'cluster', value, ['hypervisor', 'name']);
        return done([...vm.path, 'cluster']);
      case 'rootDisk': {
        const root = vm.item.get('rootDisk', true);
        if (!isMap(root)) return refuse('', `the root disk of ${drift.address} is not written as a mapping: edit the spec by hand`);
        const sizeGiB = isRecord(value) ? value.sizeGiB : undefined;
        const tier = isRecord(value) ? value.tier : undefined;
        if (sizeGiB === undefined || !isWhole(sizeGiB) || typeof tier !== 'string') return wrong('a root disk');
        adoptDisk(root, sizeGiB, tier);
        return done([...vm.path, 'rootDisk']);
      }
      default:
        return refuse('', `${drift.attribute} of ${drift.address} does not map back to one spec field: correct reality, or edit the spec by hand`);
    }
  }
  const disks = vm.item.get('disks', true);
  const disk = isSeq(disks) ? itemNamed(disks, parts[4]!) : undefined;
  if (disk === 'alias') return refuse('', `the disks of ${parts[2]} hold YAML aliases: edit the file by hand`);
  if (!disk) return refuse('', `VM ${parts[2]} has no disk named ${parts[4]} in the spec`);
  const at = [...vm.path, 'disks', disk.index];
  switch (drift.attribute) {
    case 'sizeGiB':
      if (!isWhole(value)) return wrong('a size in GiB');
      setScalar(disk.item, 'size', gibText(value), ['name']);
      return done([...at, 'size']);
    case 'tier':
      if (typeof value !== 'string') return wrong('a tier name');
      setScalar(disk.item, 'tier', value, ['size', 'name']);
      return done([...at, 'tier']);
    default:
      return refuse('', `${drift.attribute} of ${drift.address} does not map back to one spec field: correct reality, or edit the spec by hand`);
  }
}

/** The root disk's size and tier as observed; an unchanged size keeps its written unit. */
function adoptDisk(root: YAMLMap, sizeGiB: number, tier: string): void {
  const written = root.get('size');
  if (typeof written !== 'string' || gibText(sizeGiB) !== normalizedGiB(written)) setScalar(root, 'size', gibText(sizeGiB), []);
  if (root.get('tier') !== tier) setScalar(root, 'tier', tier, ['size']);
}

/** `40GiB`, `40960MiB` → the text gibText gives for the same whole GiB (expand rounds up to GiB). */
function normalizedGiB(size: string): string | undefined {
  const bytes = parseSize(size);
  return bytes === undefined ? undefined : gibText(Math.ceil(bytes / 2 ** 30));
}

const isWhole = (v: AttrValue): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isRecord = (v: AttrValue): v is { readonly [key: string]: AttrValue } => typeof v === 'object' && v !== null && !Array.isArray(v);
