/**
 * libvirt storage: `<pool>` and `<volume>`. A pool is the host's storage and has no
 * place in a tenant spec; a volume is a disk image whose capacity the domain XML does
 * not carry. Volumes are read so that a domain disk given in the same import (same
 * path, or the same pool and volume name) gets its size; the others are reported.
 */
import type { Element } from '@xmldom/xmldom';
import type { SourceLine, Unmapped } from './model.js';
import { formatBytes, scaledBytes } from './libvirt-units.js';
import { attr, child, children, childText, sourceOf, type XmlFile } from './libvirt-xml.js';

export interface VolumeFact {
  readonly name: string;
  readonly pool: string | undefined;
  /** Where domains find it (`<source file|dev>`), normalised by `normalisePath`. */
  readonly path: string | undefined;
  readonly capacityBytes: number | undefined;
  readonly source: SourceLine;
}

export function readPool(xml: XmlFile, pool: Element): { volumes: VolumeFact[]; unmapped: Unmapped[] } {
  const name = childText(pool, 'name');
  const path = childText(child(pool, 'target') ?? pool, 'path');
  const capacity = scaledBytes(child(pool, 'capacity'), 1);
  const what = [attr(pool, 'type') && `type ${attr(pool, 'type')}`, capacity !== undefined && formatBytes(capacity)].filter(Boolean).join(', ');
  const unmapped: Unmapped = {
    source: sourceOf(xml, pool),
    construct: `storage pool ${name ?? '(unnamed)'}${what ? ` (${what})` : ''}`,
    reason: 'a storage pool is the host\'s storage: the target provides its own, and volumes used by VMs become their disks',
  };
  const volumes = children(pool, 'volume').map((v) => readVolume(xml, v, { name, path }));
  return { volumes, unmapped: [unmapped] };
}

export function readVolume(xml: XmlFile, volume: Element, pool?: { name: string | undefined; path: string | undefined }): VolumeFact {
  const name = childText(volume, 'name') ?? '(unnamed)';
  const ownPath = childText(child(volume, 'target') ?? volume, 'path') ?? childText(volume, 'key');
  const path = ownPath ?? (pool?.path === undefined ? undefined : `${pool.path}/${name}`);
  return {
    name,
    pool: pool?.name,
    path: path === undefined ? undefined : normalisePath(path),
    capacityBytes: scaledBytes(child(volume, 'capacity'), 1),
    source: sourceOf(xml, volume),
  };
}

export function unusedVolume(volume: VolumeFact): Unmapped {
  const size = volume.capacityBytes === undefined ? 'capacity unknown' : formatBytes(volume.capacityBytes);
  return {
    source: volume.source,
    construct: `storage volume ${volume.pool === undefined ? '' : `${volume.pool}/`}${volume.name} (${size})`,
    reason: 'no disk of an imported VM uses this volume: import it with the domain that uses it, or attach it to a VM by hand',
  };
}

/** `/pool-dir//a.img` and `/pool-dir/a.img` are one file to the host. */
export function normalisePath(path: string): string {
  return path.replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1');
}
