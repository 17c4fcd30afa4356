/**
 * References between resources follow the object, not its name: when records move to
 * new addresses (a rename by `previously:`, or `state mv`), an attribute that holds a
 * moved address (a disk's `vm`, a port forward's `vm` and `publicIp`, a VM's NIC
 * networks) names the same object at its new address. Plans compare through this,
 * and state rewrites records with it.
 */
import type { Attributes, AttrValue } from './resource.js';

/** `value` with every string that is exactly a moved address replaced by its new one; the same value when none is. */
export function followAddresses(value: AttrValue, renamed: ReadonlyMap<string, string>): AttrValue {
  if (renamed.size === 0) return value;
  if (typeof value === 'string') return renamed.get(value) ?? value;
  if (value === null || typeof value !== 'object') return value;
  let changed = false;
  if (Array.isArray(value)) {
    const out = (value as readonly AttrValue[]).map((v) => {
      const f = followAddresses(v, renamed);
      if (f !== v) changed = true;
      return f;
    });
    return changed ? out : value;
  }
  const out: Record<string, AttrValue> = {};
  for (const [k, v] of Object.entries(value as { readonly [k: string]: AttrValue })) {
    const f = followAddresses(v, renamed);
    if (f !== v) changed = true;
    out[k] = f;
  }
  return changed ? out : value;
}

/** `attributes` with moved addresses followed (followAddresses); the same object when none is. */
export function followAddressesIn(attributes: Attributes, renamed: ReadonlyMap<string, string>): Attributes {
  return followAddresses(attributes, renamed) as Attributes;
}
