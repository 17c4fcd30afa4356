/**
 * The libvirt test driver's `<node>` file (virt-manager's testdriver.xml): a whole
 * host in one document. Its domains, networks and pools are read like standalone
 * files; the host's own CPU, memory and node devices are the platform, reported once.
 */
import type { Element } from '@xmldom/xmldom';
import type { Unmapped } from './model.js';
import { KIB, formatBytes, scaledBytes } from './libvirt-units.js';
import { child, children, childText, sourceOf, type XmlFile } from './libvirt-xml.js';

/** The elements of a `<node>` that describe the host itself. */
export const HOST_ELEMENTS: ReadonlySet<string> = new Set(['cpu', 'memory', 'device']);

export function hostSummary(xml: XmlFile, node: Element): Unmapped[] {
  const unmapped: Unmapped[] = [];
  const cpu = child(node, 'cpu');
  const memory = scaledBytes(child(node, 'memory'), KIB);
  if (cpu !== undefined || memory !== undefined) {
    const cpus = cpu === undefined ? undefined : ['sockets', 'cores', 'threads'].map((n) => Number(childText(cpu, n) ?? '1')).reduce((a, b) => a * b, 1);
    const what = [cpus !== undefined && `${cpus} CPUs`, memory !== undefined && `${formatBytes(memory)} memory`].filter(Boolean).join(', ');
    unmapped.push({ source: sourceOf(xml, cpu ?? node), construct: `host ${what}`, reason: 'the host is the platform the VMs ran on, not a tenant resource: nothing to create' });
  }
  const devices = children(node, 'device');
  const [first] = devices;
  if (first !== undefined) {
    unmapped.push({
      source: sourceOf(xml, first),
      construct: `${devices.length} host node devices`,
      reason: 'host hardware (PCI, USB, NICs, disks) is the platform, not a tenant resource: nothing to create',
    });
  }
  return unmapped;
}
