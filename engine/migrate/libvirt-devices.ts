/**
 * A domain's `<devices>`: the disks and NICs that become the VM's, and the devices
 * that tie a guest to its host (passthrough, shared folders, removable media, TPM
 * state), which are reported. Emulated hardware the target provides anyway
 * (controllers, consoles, graphics, sound, input, RNG, balloon, watchdog…) is not
 * reported: it carries nothing a person must act on.
 */
import type { Element } from '@xmldom/xmldom';
import { parseIpv4 } from '../../specs/model/net/index.js';
import type { ImportedDisk, ImportedNic, SourceLine, Unmapped } from './model.js';
import { normalisePath } from './libvirt-storage.js';
import { readVlan, type Note } from './libvirt-vlan.js';
import { attr, child, children, sourceOf, type XmlFile } from './libvirt-xml.js';

export interface DiskFact {
  /** Without a size: the domain XML has none; a volume of the same import may give it. */
  readonly disk: ImportedDisk;
  readonly path: string | undefined;
  readonly volume: { readonly pool: string; readonly name: string } | undefined;
  /** `<boot order>`: the lowest is the boot disk. */
  readonly bootOrder: number | undefined;
}

export interface NicFact {
  readonly nic: ImportedNic;
  /** `network`: `nic.network` is a libvirt network, whose portgroups are resolved once all files are read; `bridge`: a host bridge. */
  readonly joins: 'network' | 'bridge';
  /** The portgroup asked for (`<source network portgroup>`). */
  readonly portgroup: string | undefined;
  readonly source: SourceLine;
}

export interface DeviceFacts {
  readonly disks: readonly DiskFact[];
  readonly nics: readonly NicFact[];
  readonly unmapped: readonly Unmapped[];
}

const DISK_DEVICE_NOTES: Readonly<Record<string, string>> = {
  cdrom: 'removable media are not migrated: attach an ISO image by hand if the guest needs one',
  floppy: 'removable media are not migrated: attach an image by hand if the guest needs one',
  lun: 'a host SCSI LUN passed through to the guest: copy its data to a regular disk before migrating',
};

const DISK_TYPE_NOTES: Readonly<Record<string, string>> = {
  dir: 'a host directory shown to the guest as a virtual FAT disk: copy the files into a regular disk',
  nvme: 'a host NVMe namespace passed through to the guest: copy its data to a regular disk before migrating',
};

const INTERFACE_NOTES: Readonly<Record<string, string>> = {
  user: 'user-mode networking (SLIRP/passt): QEMU itself NATs the guest, there is no network to join; attach the VM to a tenant network instead',
  ethernet: 'a tap device wired up by a host script: the network it reaches is defined outside libvirt',
  direct: 'macvtap onto a host interface: the guest sits on the host LAN, which libvirt does not describe; attach it to the network that replaces that LAN',
  hostdev: 'a host NIC (SR-IOV function) passed through: bound to host hardware',
  vdpa: 'a vDPA device of the host: bound to host hardware',
  vhostuser: 'a vhost-user socket of the host switch software (OVS-DPDK…): bound to the host',
  mcast: 'a QEMU socket tunnel between guests: not a network the spec can express',
  server: 'a QEMU socket tunnel between guests: not a network the spec can express',
  client: 'a QEMU socket tunnel between guests: not a network the spec can express',
  udp: 'a QEMU socket tunnel between guests: not a network the spec can express',
  null: 'a NIC connected to nothing',
  vds: 'a Virtuozzo distributed switch port: not a network the spec can express',
};

/** Devices that tie the guest to its host, by element name. */
const HOST_DEVICE_NOTES: Readonly<Record<string, string>> = {
  hostdev: 'a host device passed through to the guest: bound to host hardware, it cannot move with the VM',
  filesystem: 'a host directory shared into the guest: copy the files into a disk or a file share on the target',
  shmem: 'memory shared with the host or other guests: not available on the target',
  smartcard: 'a smartcard reader of the host or client: not available on the target',
  redirdev: 'a USB device redirected from a client or the host: not available on the target',
  tpm: 'the TPM state (keys sealing BitLocker/LUKS) does not move with the disks: suspend or re-seal them before migrating',
};

export function readDevices(xml: XmlFile, devices: Element | undefined, vmName: string): DeviceFacts {
  const disks: DiskFact[] = [];
  const nics: NicFact[] = [];
  const unmapped: Unmapped[] = [];
  const note: Note = (el, construct, reason) => unmapped.push({ source: sourceOf(xml, el), construct: `${construct} of ${vmName}`, reason });
  for (const device of devices === undefined ? [] : children(devices)) {
    const kind = device.localName ?? '';
    if (kind === 'disk') {
      const disk = readDisk(xml, device, note);
      if (disk !== undefined) disks.push(disk);
    } else if (kind === 'interface') {
      const nic = readInterface(xml, device, note);
      if (nic !== undefined) nics.push(nic);
    } else if (HOST_DEVICE_NOTES[kind] !== undefined && !isSpiceRedirection(device)) {
      note(device, describeHostDevice(device), HOST_DEVICE_NOTES[kind]);
    }
  }
  return { disks, nics, unmapped };
}

/** SPICE USB redirection is a channel a desktop client may use, added to every virt-install guest: nothing is plugged in. */
function isSpiceRedirection(device: Element): boolean {
  return device.localName === 'redirdev' && attr(device, 'type') === 'spicevmc';
}

function readDisk(xml: XmlFile, element: Element, note: Note): DiskFact | undefined {
  const device = attr(element, 'device') ?? 'disk';
  const type = attr(element, 'type') ?? 'file';
  const source = child(element, 'source');
  const path = attr(source, 'file') ?? attr(source, 'dev') ?? attr(source, 'dir');
  const label = attr(child(element, 'target'), 'dev') ?? path ?? `${device} ${type}`;
  const where = path === undefined ? '' : ` (${path})`;
  if (device !== 'disk') {
    note(element, `${device} ${label}${where}`, DISK_DEVICE_NOTES[device] ?? `a ${device} device is not a disk: attach its content by hand if needed`);
    return undefined;
  }
  if (DISK_TYPE_NOTES[type] !== undefined) {
    note(element, `${type} disk ${label}${where}`, DISK_TYPE_NOTES[type]);
    return undefined;
  }
  const pool = attr(source, 'pool');
  const volume = attr(source, 'volume');
  const order = Number(attr(child(element, 'boot'), 'order'));
  return {
    disk: { label, source: sourceOf(xml, element) },
    path: path === undefined ? undefined : normalisePath(path),
    volume: pool !== undefined && volume !== undefined ? { pool, name: volume } : undefined,
    bootOrder: Number.isInteger(order) && order > 0 ? order : undefined,
  };
}

function readInterface(xml: XmlFile, element: Element, note: Note): NicFact | undefined {
  const type = attr(element, 'type') ?? 'unknown';
  const source = child(element, 'source');
  const mac = attr(child(element, 'mac'), 'address');
  const network = type === 'network' ? attr(source, 'network') : type === 'bridge' ? attr(source, 'bridge') : undefined;
  if (network === undefined) {
    const what = [type, 'interface', mac, attr(source, 'dev') && `on ${attr(source, 'dev')}`].filter(Boolean).join(' ');
    note(element, what, INTERFACE_NOTES[type] ?? `a ${type} interface names no libvirt network or bridge: attach the VM to a tenant network by hand`);
    return undefined;
  }
  const ip = children(element, 'ip').map((e) => attr(e, 'address') ?? '').find((a) => parseIpv4(a) !== undefined);
  const vlan = readVlan(child(element, 'vlan'), (el, construct, reason) => note(el, `${construct} on ${type} interface ${mac ?? network}`, reason));
  return {
    nic: { network, ...(ip !== undefined && { ip }), ...(vlan !== undefined && { vlan }), ...(mac !== undefined && { mac }) },
    joins: type === 'network' ? 'network' : 'bridge',
    portgroup: type === 'network' ? attr(source, 'portgroup') : undefined,
    source: sourceOf(xml, element),
  };
}

/** `hostdev pci 0000:00:19.0`, `filesystem /source → /target`, `tpm tpm-crb (passthrough)`. */
function describeHostDevice(device: Element): string {
  const kind = device.localName ?? 'device';
  const source = child(device, 'source');
  switch (kind) {
    case 'hostdev': {
      const address = child(source ?? device, 'address');
      const vendor = attr(child(source ?? device, 'vendor'), 'id');
      const product = attr(child(source ?? device, 'product'), 'id');
      const id = vendor !== undefined ? `${vendor}:${product ?? '?'}` : address !== undefined ? pciAddress(address) : (source?.textContent?.trim() ?? '');
      return `hostdev ${attr(device, 'type') ?? ''} ${id}`.replace(/\s+/g, ' ').trim();
    }
    case 'filesystem': {
      const from = attr(source, 'dir') ?? attr(source, 'file') ?? attr(source, 'name') ?? attr(source, 'dev') ?? attr(source, 'volume') ?? '?';
      return `filesystem ${from} → ${attr(child(device, 'target'), 'dir') ?? '?'}`;
    }
    case 'tpm':
      return `tpm ${attr(device, 'model') ?? ''} (${attr(child(device, 'backend'), 'type') ?? '?'})`.replace(/\s+/g, ' ');
    default:
      return [kind, attr(device, 'name'), attr(device, 'type'), attr(device, 'mode')].filter(Boolean).join(' ');
  }
}

function pciAddress(address: Element): string {
  const parts = ['domain', 'bus', 'slot', 'function'].map((p) => attr(address, p));
  return parts.every((p) => p !== undefined) ? parts.join(':') : [attr(address, 'bus'), attr(address, 'target'), attr(address, 'unit'), attr(address, 'device')].filter(Boolean).join(':');
}
