/**
 * libvirt's scaled integers (`<memory unit='GiB'>4</memory>`, `<capacity unit='G'>`),
 * read the way libvirt reads them (virScaleInteger): `b`/`bytes` are bytes, a bare
 * letter or `XiB` is a power of 1024, `XB` a power of 1000, case-insensitive. The
 * default unit differs by element: KiB for memory, bytes for storage.
 */
import type { Element } from '@xmldom/xmldom';
import { attr } from './libvirt-xml.js';

export const KIB = 1024;

const POWERS = ['k', 'm', 'g', 't', 'p', 'e'];

/** Bytes of `element`'s text in its `unit`, or undefined when absent or not a unit libvirt knows. */
export function scaledBytes(element: Element | undefined, defaultScale: number): number | undefined {
  const text = element?.textContent?.trim() ?? '';
  if (!/^\d+$/.test(text)) return undefined;
  const scale = unitScale(attr(element, 'unit'), defaultScale);
  return scale === undefined ? undefined : Number(text) * scale;
}

function unitScale(unit: string | undefined, defaultScale: number): number | undefined {
  if (unit === undefined) return defaultScale;
  const u = unit.toLowerCase();
  if (u === 'b' || u === 'byte' || u === 'bytes') return 1;
  const power = POWERS.indexOf(u.charAt(0)) + 1;
  if (power === 0) return undefined;
  const rest = u.slice(1);
  if (rest === '' || rest === 'ib') return 1024 ** power;
  if (rest === 'b') return 1000 ** power;
  return undefined;
}

/** `5368709120` → `5 GiB`, for reports. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[i]}`;
}
