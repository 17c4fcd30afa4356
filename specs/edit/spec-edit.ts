/**
 * A console edit of one Tenant spec as data: a discriminated union on `kind`, each
 * variant holding only its own fields, and `applyEdit` — the file's text in, the new
 * text (or the problems, each naming its form field) out. Pure: no I/O, no clock.
 */
import { adoptObserved, type ObservedAttribute } from './adopt-observed.js';
import { addPortForward, addVpnUser, type NewPortForward, type NewVpnUser } from './access-edits.js';
import type { EditOutcome } from './outcome.js';
import { isProblem, openTenantFile } from './tenant-file.js';
import { addVm, setDiskSize, setPower, setVm, type NewVm, type Power } from './vm-edits.js';

export type SpecEdit =
  | { readonly kind: 'add-vm'; readonly vm: NewVm }
  | { readonly kind: 'set-vm'; readonly vm: string; readonly cpu?: number | undefined; readonly memory?: string | undefined }
  | { readonly kind: 'set-power'; readonly vm: string; readonly power: Power }
  | { readonly kind: 'set-disk-size'; readonly vm: string; /** A disk's name, or 'root'. */ readonly disk: string; readonly size: string }
  | { readonly kind: 'add-port-forward'; readonly forward: NewPortForward }
  | { readonly kind: 'add-vpn-user'; readonly user: NewVpnUser }
  | { readonly kind: 'adopt-observed'; readonly drift: ObservedAttribute };

export type SpecEditKind = SpecEdit['kind'];

/** Applies `edit` to tenant `tenant` in a file holding `text`. */
export function applyEdit(text: string, tenant: string, edit: SpecEdit): EditOutcome {
  const file = openTenantFile(text, tenant);
  if (isProblem(file)) return file;
  switch (edit.kind) {
    case 'add-vm': return addVm(file, edit.vm);
    case 'set-vm': return setVm(file, edit.vm, { cpu: edit.cpu, memory: edit.memory });
    case 'set-power': return setPower(file, edit.vm, edit.power);
    case 'set-disk-size': return setDiskSize(file, edit.vm, edit.disk, edit.size);
    case 'add-port-forward': return addPortForward(file, edit.forward);
    case 'add-vpn-user': return addVpnUser(file, edit.user);
    case 'adopt-observed': return adoptObserved(file, tenant, edit.drift);
    default: return assertNever(edit);
  }
}

/** One line saying what an edit does, for commit messages and the audit log (no secret in it: a VPN user's is a reference). */
export function describeEdit(edit: SpecEdit): string {
  switch (edit.kind) {
    case 'add-vm': return `add VM ${edit.vm.name}`;
    case 'set-vm': return `set ${[edit.cpu !== undefined ? `cpu ${edit.cpu}` : '', edit.memory ? `memory ${edit.memory}` : ''].filter(Boolean).join(' and ')} of VM ${edit.vm}`;
    case 'set-power': return `${edit.power === 'stopped' ? 'stop' : 'start'} VM ${edit.vm}`;
    case 'set-disk-size': return `grow ${edit.disk === 'root' ? 'the root disk' : `disk ${edit.disk}`} of VM ${edit.vm} to ${edit.size}`;
    case 'add-port-forward': return `forward ${edit.forward.protocol} ${edit.forward.publicPorts.join(', ')} of public IP ${edit.forward.publicIp} to VM ${edit.forward.vm}`;
    case 'add-vpn-user': return `add VPN user ${edit.user.name}`;
    case 'adopt-observed': return `adopt observed ${edit.drift.attribute} of ${edit.drift.address}`;
    default: return assertNever(edit);
  }
}

function assertNever(x: never): never {
  throw new Error(`unknown spec edit ${JSON.stringify(x)}`);
}
