/**
 * Attributes added to a resource type after resources of that type were recorded: the
 * value each had, implicitly, before the attribute existed. Every VM ran before `power`
 * existed, so a VM recorded (or an event written, or a sim object stored) without it is
 * a running VM. Applied where recorded attributes are read back — state rows, the sim
 * world, usage events — so that an upgrade plans nothing and bills as before.
 */
import type { Attributes, ResourceTypeName } from './resource.js';

const DEFAULTS: { readonly [T in ResourceTypeName]?: Attributes } = {
  vm: { power: 'running' },
};

/** The attributes with the defaults of their type filled in where absent; the same object when nothing is missing. */
export function withAttributeDefaults(type: ResourceTypeName, attributes: Attributes): Attributes {
  const defaults = DEFAULTS[type];
  if (defaults === undefined) return attributes;
  let filled: Record<string, Attributes[string]> | undefined;
  for (const key in defaults) {
    if (attributes[key] === undefined) (filled ??= { ...attributes })[key] = defaults[key]!;
  }
  return filled ?? attributes;
}
