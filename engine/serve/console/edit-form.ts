/**
 * The console's edit forms as data: which forms there are, how a posted form becomes a
 * ConsoleEdit (text fields as typed values; a number or a port list that is not one is
 * a problem on its field), and which input a problem of an edit belongs to. Nothing
 * here judges a value the spec language judges: that is the edit's and the plan's.
 */
import { z } from 'zod';
import type { FieldProblem } from '../../../specs/edit/index.js';
import type { ConsoleEdit } from '../spec-change.js';

export const EDIT_FORMS = ['add-vm', 'set-vm', 'power', 'disk', 'port-forward', 'vpn-user'] as const;
export type EditFormName = (typeof EDIT_FORMS)[number];

export const isEditForm = (name: unknown): name is EditFormName => EDIT_FORMS.includes(name as EditFormName);

/** What a form posted, to show again next to its problems: text fields only, never a password. */
export type FormValues = Readonly<Record<string, string>>;

export type ReadForm =
  | { readonly ok: true; readonly base: string; readonly edit: ConsoleEdit; readonly values: FormValues }
  | { readonly ok: false; readonly problems: readonly FieldProblem[]; readonly values: FormValues };

const SECRET_INPUTS = new Set(['password', 'confirm', '_csrf']);
/** Longer than any value a form needs; longer ones are cut before anything reads them. */
const MAX_INPUT = 4096;

const Body = z.record(z.string(), z.union([z.string(), z.array(z.string())]));

/** Reads a posted form. Every input is optional text here; what is missing or wrong is a problem on its input. */
export function readEditForm(form: EditFormName, body: unknown): ReadForm {
  const parsed = Body.safeParse(body ?? {});
  const raw: Record<string, string> = {};
  if (parsed.success) for (const [k, v] of Object.entries(parsed.data)) raw[k] = (Array.isArray(v) ? v[0] ?? '' : v).slice(0, MAX_INPUT);
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (!SECRET_INPUTS.has(k)) values[k] = v;
  const problems: FieldProblem[] = [];
  const text = (name: string): string => (raw[name] ?? '').trim();
  const required = (name: string, what: string): string => {
    const v = text(name);
    if (v === '') problems.push({ field: name, message: `give ${what}` });
    return v;
  };
  const whole = (name: string, what: string, optional = false): number | undefined => {
    const v = text(name);
    if (v === '') {
      if (!optional) problems.push({ field: name, message: `give ${what}` });
      return undefined;
    }
    if (!/^\d{1,15}$/.test(v)) {
      problems.push({ field: name, message: 'must be a whole number' });
      return undefined;
    }
    return Number(v);
  };
  const ports = (name: string, optional: boolean): number[] => {
    const v = text(name);
    if (v === '') {
      if (!optional) problems.push({ field: name, message: 'give a port, or several separated by commas' });
      return [];
    }
    const parts = v.split(/[\s,]+/).filter((p) => p !== '');
    if (parts.some((p) => !/^\d{1,5}$/.test(p))) {
      problems.push({ field: name, message: 'must be port numbers separated by commas, such as 80, 443' });
      return [];
    }
    return parts.map(Number);
  };
  const base = text('base');
  if (!/^[0-9a-f]{64}$/.test(base)) problems.push({ field: '', message: 'the form is incomplete (no version of the spec): reload the page' });

  let edit: ConsoleEdit | undefined;
  switch (form) {
    case 'add-vm': {
      const name = required('name', 'a name');
      const hypervisor = required('hypervisor', 'a hypervisor');
      const cpu = whole('cpu', 'a CPU count');
      const memory = required('memory', 'a memory size');
      const template = required('template', 'a template');
      const network = required('network', 'a network');
      const rootSize = required('rootDisk.size', 'a root disk size');
      const rootTier = required('rootDisk.tier', 'a storage tier');
      const diskName = text('disks.0.name');
      const diskSize = text('disks.0.size');
      const diskTier = text('disks.0.tier');
      const wantsDisk = diskName !== '' || diskSize !== '';
      if (wantsDisk && diskName === '') problems.push({ field: 'disks.0.name', message: 'give the data disk a name, or leave its size empty' });
      if (wantsDisk && diskSize === '') problems.push({ field: 'disks.0.size', message: 'give the data disk a size, or leave its name empty' });
      if (wantsDisk && diskTier === '') problems.push({ field: 'disks.0.tier', message: 'give the data disk a storage tier' });
      edit = {
        kind: 'add-vm',
        vm: {
          name, hypervisor, cpu: cpu ?? 0, memory, template, network, ip: text('ip') || undefined,
          rootDisk: { size: rootSize, tier: rootTier },
          ...(wantsDisk ? { disks: [{ name: diskName, size: diskSize, tier: diskTier }] } : {}),
        },
      };
      break;
    }
    case 'set-vm': {
      const vm = required('vm', 'the VM');
      const cpu = whole('cpu', 'a CPU count', true);
      const memory = text('memory');
      if (cpu === undefined && memory === '' && !problems.some((p) => p.field === 'cpu')) problems.push({ field: 'cpu', message: 'give a CPU count, a memory size, or both' });
      edit = { kind: 'set-vm', vm, ...(cpu !== undefined ? { cpu } : {}), ...(memory !== '' ? { memory } : {}) };
      break;
    }
    case 'power': {
      const vm = required('vm', 'the VM');
      const power = text('power');
      if (power !== 'running' && power !== 'stopped') problems.push({ field: 'power', message: 'must be running or stopped' });
      edit = { kind: 'set-power', vm, power: power === 'stopped' ? 'stopped' : 'running' };
      break;
    }
    case 'disk': {
      // One select names the VM and the disk: "web-1/root", "web-1/data".
      const target = required('target', 'the disk');
      const size = required('size', 'the new size');
      const slash = target.indexOf('/');
      if (target !== '' && slash <= 0) problems.push({ field: 'target', message: 'choose a disk from the list' });
      edit = { kind: 'set-disk-size', vm: target.slice(0, Math.max(slash, 0)), disk: target.slice(slash + 1), size };
      break;
    }
    case 'port-forward': {
      const newIp = text('newPublicIp');
      const chosen = text('publicIp');
      const publicIp = newIp !== '' ? newIp : chosen;
      if (publicIp === '') problems.push({ field: 'publicIp', message: 'choose a public IP, or name a new one' });
      const protocol = required('protocol', 'a protocol');
      const publicPorts = ports('publicPorts', false);
      const privatePorts = ports('privatePorts', true);
      const vm = required('vm', 'the VM');
      edit = { kind: 'add-port-forward', forward: { publicIp, createPublicIp: newIp !== '', protocol, publicPorts, privatePorts, vm } };
      break;
    }
    case 'vpn-user': {
      const name = required('name', 'a user name');
      const password = raw['password'] ?? '';
      if (password === '') problems.push({ field: 'password', message: 'give a password' });
      else if (password !== (raw['confirm'] ?? '')) problems.push({ field: 'confirm', message: 'the two passwords differ' });
      edit = { kind: 'add-vpn-user', name, password };
      break;
    }
  }
  if (problems.length > 0 || edit === undefined) return { ok: false, problems, values };
  return { ok: true, base, edit, values };
}

/**
 * The input of `form` a problem of its edit belongs to: the edit names fields by the
 * spec's words (`publicPorts.1`, `disk`), the form by its inputs.
 */
export function inputFor(form: EditFormName, field: string): string {
  if (form === 'disk' && (field === 'vm' || field === 'disk')) return 'target';
  if (form === 'power' && field === 'vm') return '';
  if (form === 'port-forward') {
    const head = field.split('.')[0]!;
    if (['publicPorts', 'privatePorts', 'protocol', 'vm'].includes(head)) return head;
  }
  if (form === 'add-vm' && field === 'nics') return 'network';
  return field;
}
