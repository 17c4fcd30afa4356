/**
 * libvirt's `<vlan>`: one `<tag id>` is an access VLAN; several tags or `trunk='yes'`
 * hand tagged frames to the guest, which the spec (one VLAN per network) cannot say.
 * Used by networks, their portgroups and interfaces alike.
 */
import type { Element } from '@xmldom/xmldom';
import { attr, children } from './libvirt-xml.js';

export type Note = (element: Element, construct: string, reason: string) => void;

/** The VLAN id as the source gives it (the first tag), with anything it does not mean reported. */
export function readVlan(vlan: Element | undefined, note: Note): number | undefined {
  if (vlan === undefined) return undefined;
  const ids = children(vlan, 'tag')
    .map((tag) => attr(tag, 'id') ?? '')
    .filter((id) => /^\d+$/.test(id))
    .map(Number);
  const [id, ...others] = ids;
  if (id === undefined) return undefined;
  if (others.length > 0) {
    note(vlan, `VLAN trunk ${ids.join(', ')}`, `the spec has one VLAN per network: imported on VLAN ${id}; ${others.join(', ')} are not carried over`);
  } else if (attr(vlan, 'trunk') === 'yes') {
    note(vlan, `VLAN trunk ${id}`, `the guest receives VLAN ${id} tagged: imported as an untagged port on VLAN ${id}, so the guest's own VLAN interface must go`);
  }
  if (id < 1 || id > 4094) note(vlan, `VLAN ${id}`, '802.1Q VLAN ids are 1-4094: kept as the source says, but the target will refuse it');
  return id;
}
