/**
 * The VM edits a small client makes through forms: add a VM, change its CPU count or
 * memory, stop or start it, grow a disk. Each writes Document nodes (never YAML text),
 * so whatever a form sends is a scalar that reads back as exactly that value; whether
 * the value is a valid one is the spec language's to say, with the CLI's diagnostics.
 */
import { isMap, isScalar, isSeq, Pair, Scalar, YAMLSeq, type Node, type YAMLMap } from 'yaml';
import { formatSize, parseSize, SIZE_PATTERN } from '../units.js';
import { textProblems, wholeNumberProblems } from './form-values.js';
import { refuse, type EditOutcome, type FieldProblem, type SpecPath } from './outcome.js';
import { lastItem, styleLike } from './sibling-style.js';
import { itemNamed, renderTenantFile, type TenantFile } from './tenant-file.js';

export interface NewDisk {
  readonly name: string;
  readonly size: string;
  readonly tier: string;
}

export interface NewVm {
  readonly name: string;
  readonly hypervisor: string;
  readonly cluster?: string | undefined;
  readonly cpu: number;
  readonly memory: string;
  readonly template: string;
  /** The network of its one NIC. */
  readonly network: string;
  /** The NIC's address; absent: `auto`. */
  readonly ip?: string | undefined;
  readonly rootDisk: { readonly size: string; readonly tier: string };
  readonly disks?: readonly NewDisk[] | undefined;
}

export type Power = 'running' | 'stopped';

const made = (file: TenantFile, path: SpecPath, fields: Record<string, SpecPath>): EditOutcome => ({ text: renderTenantFile(file), doc: file.doc, path, fields });
const failed = (problems: FieldProblem[]): EditOutcome => ({ problems });

/** Appends a VM to `spec.vms`, styled like the VM before it. */
export function addVm(file: TenantFile, vm: NewVm): EditOutcome {
  const problems = [
    ...textProblems({ name: vm.name, hypervisor: vm.hypervisor, cluster: vm.cluster, memory: vm.memory, template: vm.template, network: vm.network, ip: vm.ip, 'rootDisk.size': vm.rootDisk.size, 'rootDisk.tier': vm.rootDisk.tier }),
    ...wholeNumberProblems({ cpu: vm.cpu }),
    ...(vm.disks ?? []).flatMap((d, i) => textProblems({ [`disks.${i}.name`]: d.name, [`disks.${i}.size`]: d.size, [`disks.${i}.tier`]: d.tier })),
  ];
  if ((vm.disks?.length ?? 0) > 16) problems.push({ field: 'disks', message: 'at most 16 disks at once' });
  if (problems.length > 0) return failed(problems);
  const vms = listAt(file, 'vms');
  if ('problems' in vms) return vms;
  const taken = itemNamed(vms.seq, vm.name);
  if (taken === 'alias') return refuse('', 'the list of VMs holds YAML aliases: edit the file by hand');
  if (taken) return refuse('name', `a VM named ${vm.name} already exists in this tenant`);
  const value: Record<string, unknown> = {
    name: vm.name,
    hypervisor: vm.hypervisor,
    ...(vm.cluster !== undefined && vm.cluster !== '' ? { cluster: vm.cluster } : {}),
    cpu: vm.cpu,
    memory: vm.memory,
    template: vm.template,
    nics: [{ network: vm.network, ...(vm.ip !== undefined && vm.ip !== '' ? { ip: vm.ip } : {}) }],
    rootDisk: { size: vm.rootDisk.size, tier: vm.rootDisk.tier },
    ...(vm.disks && vm.disks.length > 0 ? { disks: vm.disks.map((d) => ({ name: d.name, size: d.size, tier: d.tier })) } : {}),
  };
  const node = file.document.createNode(value) as YAMLMap;
  styleLike(node, lastItem(vms.seq));
  const index = vms.seq.items.length;
  vms.seq.items.push(node);
  const at = ['spec', 'vms', index] as const;
  const fields: Record<string, SpecPath> = {
    name: [...at, 'name'], hypervisor: [...at, 'hypervisor'], cluster: [...at, 'cluster'], cpu: [...at, 'cpu'], memory: [...at, 'memory'],
    template: [...at, 'template'], network: [...at, 'nics', 0, 'network'], ip: [...at, 'nics', 0, 'ip'], nics: [...at, 'nics'],
    'rootDisk.size': [...at, 'rootDisk', 'size'], 'rootDisk.tier': [...at, 'rootDisk', 'tier'], rootDisk: [...at, 'rootDisk'], disks: [...at, 'disks'],
  };
  (vm.disks ?? []).forEach((_, i) => {
    for (const key of ['name', 'size', 'tier']) fields[`disks.${i}.${key}`] = [...at, 'disks', i, key];
  });
  return made(file, at, fields);
}

/** Sets a VM's CPU count and/or memory. */
export function setVm(file: TenantFile, name: string, change: { readonly cpu?: number | undefined; readonly memory?: string | undefined }): EditOutcome {
  const problems = [...textProblems({ vm: name, memory: change.memory }), ...wholeNumberProblems({ cpu: change.cpu })];
  if (problems.length > 0) return failed(problems);
  if (change.cpu === undefined && (change.memory === undefined || change.memory === '')) return refuse('', 'give a CPU count or a memory size to change');
  const found = vmNamed(file, name);
  if ('problems' in found) return found;
  const fields: Record<string, SpecPath> = {};
  if (change.cpu !== undefined) {
    setScalar(found.item, 'cpu', change.cpu, ['name']);
    fields.cpu = [...found.path, 'cpu'];
  }
  if (change.memory !== undefined && change.memory !== '') {
    setScalar(found.item, 'memory', change.memory, ['cpu', 'name']);
    fields.memory = [...found.path, 'memory'];
  }
  return made(file, found.path, fields);
}

/** Says whether a VM runs: `power:` is written after its memory (or CPU), where a reader looks for it. */
export function setPower(file: TenantFile, name: string, power: Power): EditOutcome {
  const problems = textProblems({ vm: name });
  if (power !== 'running' && power !== 'stopped') problems.push({ field: 'power', message: 'must be running or stopped' });
  if (problems.length > 0) return failed(problems);
  const found = vmNamed(file, name);
  if ('problems' in found) return found;
  const current = found.item.get('power') ?? 'running';
  if (current === power) return refuse('power', `VM ${name} is already ${power} in the spec`);
  setScalar(found.item, 'power', power, ['memory', 'cpu', 'hypervisor', 'name']);
  const path = [...found.path, 'power'];
  return made(file, path, { power: path });
}

/**
 * Grows a disk (`disk` by name, or 'root' for the root disk). Shrinking is refused: no
 * provider shrinks a disk without losing what is at its end.
 */
export function setDiskSize(file: TenantFile, vm: string, disk: string, size: string): EditOutcome {
  const problems = textProblems({ vm, disk, size });
  if (problems.length > 0) return failed(problems);
  const bytes = parseSize(size);
  if (!SIZE_PATTERN.test(size.trim()) || bytes === undefined) return refuse('size', 'must be a size with a unit, such as 4GiB, 500GB or 20TiB');
  const found = vmNamed(file, vm);
  if ('problems' in found) return found;
  let holder: YAMLMap;
  let path: SpecPath;
  const label = disk === 'root' ? `the root disk of ${vm}` : `disk ${disk} of ${vm}`;
  if (disk === 'root') {
    const root = found.item.get('rootDisk', true);
    if (!isMap(root)) return refuse('disk', `VM ${vm} has no root disk written as a mapping: edit the file by hand`);
    holder = root;
    path = [...found.path, 'rootDisk', 'size'];
  } else {
    const disks = found.item.get('disks', true);
    const item = isSeq(disks) ? itemNamed(disks, disk) : undefined;
    if (item === 'alias') return refuse('disk', `the disks of ${vm} hold YAML aliases: edit the file by hand`);
    if (!item) return refuse('disk', `VM ${vm} has no disk named ${disk}`);
    holder = item.item;
    path = [...found.path, 'disks', item.index, 'size'];
  }
  const current = holder.get('size');
  const was = typeof current === 'string' ? parseSize(current) : undefined;
  if (was !== undefined && bytes < was) return refuse('size', `${label} is ${current as string}: a disk only grows (shrinking it would lose what is at its end); give more than ${current as string}`);
  if (was !== undefined && bytes === was) return refuse('size', `${label} is already ${current as string}`);
  setScalar(holder, 'size', size.trim(), ['name']);
  return made(file, path, { size: path });
}

/** A VM of the tenant by name, with its path. */
export function vmNamed(file: TenantFile, name: string): { readonly item: YAMLMap; readonly path: SpecPath } | { readonly problems: readonly FieldProblem[] } {
  const vms = file.spec.get('vms', true);
  const found = isSeq(vms) ? itemNamed(vms, name) : undefined;
  if (found === 'alias') return refuse('vm', 'the list of VMs holds YAML aliases: edit the file by hand');
  if (!found) return refuse('vm', `this tenant has no VM named ${name}`);
  return { item: found.item, path: ['spec', 'vms', found.index] };
}

/**
 * The list at `spec.<key>`, made (block style) when the spec has none. An empty flow
 * list (`vms: []`) becomes a block list: a whole VM on one line reads badly.
 */
export function listAt(file: TenantFile, key: string): { readonly seq: YAMLSeq } | { readonly problems: readonly FieldProblem[] } {
  const existing = file.spec.get(key, true) as Node | undefined;
  if (existing === undefined || (isScalar(existing) && existing.value === null)) {
    const seq = new YAMLSeq();
    placeInSpec(file.spec, key, seq);
    return { seq };
  }
  if (!isSeq(existing)) return refuse('', `spec.${key} is not a list: edit the file by hand`);
  if (existing.items.length === 0) existing.flow = false;
  return { seq: existing };
}

/** The order of a Tenant spec's fields, as the schema and every example write them. */
const SPEC_ORDER = ['zone', 'protect', 'networks', 'publicIps', 'firewall', 'vpn', 'vms'];

/** Sets `key` of a Tenant's spec (a field it had none of) where the schema's order puts it. */
export function placeInSpec(spec: YAMLMap, key: string, value: Node): void {
  const existing = spec.items.findIndex((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
  if (existing >= 0) {
    spec.items[existing]!.value = value;
    return;
  }
  const rank = SPEC_ORDER.indexOf(key);
  const next = spec.items.findIndex((p) => {
    const other = SPEC_ORDER.indexOf(String(isScalar(p.key) ? p.key.value : p.key));
    return rank >= 0 && other > rank;
  });
  const pair = new Pair(new Scalar(key), value);
  if (next >= 0) spec.items.splice(next, 0, pair);
  else spec.items.push(pair);
}

/**
 * Sets `key` of `map` to a scalar. An existing scalar keeps its node (and its comment);
 * a new key goes right after the first of `after` the map has, else at the end.
 */
export function setScalar(map: YAMLMap, key: string, value: string | number, after: readonly string[]): void {
  const pair = map.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
  if (pair) {
    if (isScalar(pair.value)) pair.value.value = value;
    else pair.value = new Scalar(value);
    return;
  }
  const fresh = new Pair(new Scalar(key), new Scalar(value));
  for (const name of after) {
    const index = map.items.findIndex((p) => (isScalar(p.key) ? p.key.value : p.key) === name);
    if (index >= 0) {
      map.items.splice(index + 1, 0, fresh);
      return;
    }
  }
  map.items.push(fresh);
}

/** `8192` MiB → `8GiB`: sizes written the way users write them. */
export const mibText = (mib: number): string => formatSize(mib * 2 ** 20);
export const gibText = (gib: number): string => formatSize(gib * 2 ** 30);
