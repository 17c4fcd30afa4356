/**
 * A libvirt `<domain>`: the VM's size, guest OS (libosinfo metadata), run state and
 * devices. What links it to the rest of the import (volume sizes, the portgroup's
 * network) is resolved in libvirt-resolve.ts once every file is read.
 */
import type { Element } from '@xmldom/xmldom';
import type { ImportedVm, SourceLine, Unmapped } from './model.js';
import { readDevices, type DiskFact, type NicFact } from './libvirt-devices.js';
import { KIB, scaledBytes } from './libvirt-units.js';
import { attr, child, children, childText, sourceOf, type XmlFile } from './libvirt-xml.js';

const LIBOSINFO_NS = 'http://libosinfo.org/xmlns/libvirt/domain/1.0';
const TEST_NS = 'http://libvirt.org/schemas/domain/test/1.0';

export interface DomainFact {
  readonly name: string;
  readonly vm: Omit<ImportedVm, 'disks' | 'nics'>;
  readonly disks: readonly DiskFact[];
  readonly nics: readonly NicFact[];
  readonly unmapped: readonly Unmapped[];
}

/** libvirt domain types that run on the same hypervisor as a spec's `hypervisor`, and the one each maps to. */
const HYPERVISORS: Readonly<Record<string, ImportedVm['hypervisor']>> = { kvm: 'kvm', qemu: 'kvm', xen: 'xenserver', vmware: 'vmware' };

/** Why a domain type was mapped the way it was, where it is not plain KVM/QEMU. */
const TYPE_NOTES: Readonly<Record<string, string>> = {
  xen: 'a Xen guest, imported as xenserver (same hypervisor, other management stack): check it boots under XenServer/XCP-ng',
  vmware: 'an ESX guest seen through libvirt, imported as vmware',
  test: "libvirt's test driver (a mock hypervisor) defines no real guest: imported as kvm, which its QEMU-style definition suits",
};

/** virDomainState: running, blocked, paused and pmsuspended keep the guest alive; the rest have stopped it. */
const RUNNING_STATES: Readonly<Record<number, boolean>> = { 0: false, 1: true, 2: true, 3: true, 4: false, 5: false, 6: false, 7: true };

/** The domain, or what to report when it has no name. */
export function readDomain(xml: XmlFile, element: Element): DomainFact | Unmapped {
  const source = sourceOf(xml, element);
  const name = childText(element, 'name');
  if (name === undefined) return { source, construct: '<domain> without a name', reason: 'nothing to name the VM by: libvirt itself rejects it' };
  const type = attr(element, 'type') ?? 'kvm';
  const unmapped: Unmapped[] = [];
  const note = (at: SourceLine, construct: string, reason: string): void => {
    unmapped.push({ source: at, construct: `${construct} of ${name}`, reason });
  };
  if (type !== 'kvm' && type !== 'qemu') {
    note(source, `domain type ${type}`, TYPE_NOTES[type] ?? `a libvirt '${type}' domain is not a KVM, Xen or ESX guest: imported as kvm; check it boots as a full VM`);
  }

  const cpu = vcpuCount(child(element, 'vcpu'));
  const memoryBytes = scaledBytes(child(element, 'memory'), KIB);
  const guestOs = libosinfoId(element);
  const poweredOn = runState(element, type);
  if (isUefi(child(element, 'os'))) note(source, 'UEFI firmware', 'the guest boots with UEFI and the spec has no firmware setting: make sure the target boots it with UEFI');
  const security = child(element, 'launchSecurity');
  if (security !== undefined) {
    note(sourceOf(xml, security), `launch security ${attr(security, 'type') ?? ''}`.trim(), 'memory encryption bound to the host CPU: the target must offer it, or the guest runs unencrypted');
  }
  for (const snapshot of children(element, 'domainsnapshot', TEST_NS)) note(sourceOf(xml, snapshot), `snapshot ${childText(snapshot, 'name') ?? ''}`.trim(), SNAPSHOT_REASON);

  const devices = readDevices(xml, child(element, 'devices'), name);
  const vm: DomainFact['vm'] = {
    name,
    hypervisor: HYPERVISORS[type] ?? 'kvm',
    ...(cpu !== undefined && { cpu }),
    ...(memoryBytes !== undefined && { memoryBytes }),
    ...(poweredOn !== undefined && { poweredOn }),
    ...(guestOs !== undefined && { guestOs }),
    source,
  };
  return { name, vm, disks: devices.disks, nics: devices.nics, unmapped: [...unmapped, ...devices.unmapped] };
}

export const SNAPSHOT_REASON = 'snapshots are not migrated, and the domain copy inside one is not a VM: consolidate before exporting the disks';

/** `<domainsnapshot>` given on its own (`virsh snapshot-dumpxml`). */
export function readSnapshot(xml: XmlFile, element: Element): Unmapped {
  const domain = childText(child(element, 'domain') ?? element, 'name');
  return { source: sourceOf(xml, element), construct: `snapshot ${childText(element, 'name') ?? ''}${domain ? ` of ${domain}` : ''}`.trim(), reason: SNAPSHOT_REASON };
}

/** `<vcpu current='2'>4</vcpu>` runs 2 of at most 4: the running count is the VM's size. */
function vcpuCount(vcpu: Element | undefined): number | undefined {
  const text = attr(vcpu, 'current') ?? vcpu?.textContent?.trim() ?? '';
  return /^\d+$/.test(text) && Number(text) > 0 ? Number(text) : undefined;
}

/** `<libosinfo:os id='http://fedoraproject.org/fedora/38'/>` in `<metadata>`. */
function libosinfoId(domain: Element): string | undefined {
  const metadata = child(domain, 'metadata');
  const info = metadata === undefined ? undefined : child(metadata, 'libosinfo', LIBOSINFO_NS);
  return attr(info === undefined ? undefined : child(info, 'os', LIBOSINFO_NS), 'id');
}

/**
 * Domain XML from `virsh dumpxml` carries no run state; the test driver's
 * `<test:runstate>` does, and the test driver starts every domain without one.
 */
function runState(domain: Element, type: string): boolean | undefined {
  const state = childText(domain, 'runstate', TEST_NS);
  if (state !== undefined) return /^\d+$/.test(state) ? RUNNING_STATES[Number(state)] : undefined;
  return type === 'test' ? true : undefined;
}

function isUefi(os: Element | undefined): boolean {
  if (os === undefined) return false;
  const loader = child(os, 'loader');
  return attr(os, 'firmware') === 'efi' || attr(loader, 'type') === 'pflash' || /ovmf|edk2|aavmf/i.test(loader?.textContent ?? '');
}
