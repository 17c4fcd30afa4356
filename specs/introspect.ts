/**
 * Reading the zod schemas back, for messages: which schema sits at a document path,
 * which fields an object allows, and a short description of what a schema accepts
 * (`auto | 1-4094`). Only the shapes schema.ts uses are understood; anything else is
 * described generically rather than guessed at.
 */
import type { z } from 'zod';

type Schema = z.core.$ZodType;

/** The parts of zod v4 definitions this module reads; each `type` fills a subset. */
interface Def {
  readonly type: string;
  readonly innerType?: Schema;
  readonly in?: Schema;
  readonly shape?: Readonly<Record<string, Schema>>;
  readonly element?: Schema;
  readonly valueType?: Schema;
  readonly options?: readonly Schema[];
  readonly discriminator?: string;
  readonly values?: readonly unknown[];
  readonly entries?: Readonly<Record<string, unknown>>;
  readonly format?: string;
  readonly checks?: readonly { readonly _zod: { readonly def: CheckDef } }[];
}

interface CheckDef {
  readonly check: string;
  readonly value?: unknown;
  readonly inclusive?: boolean;
  readonly format?: string;
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);

const defOf = (schema: Schema): Def => schema._zod.def as unknown as Def;

/** The schema without optional/default/nullable wrappers and with a pipe's input side. */
export function unwrap(schema: Schema): Schema {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (WRAPPERS.has(def.type) && def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else return current;
  }
}

/** The schema that validates the value at `path` below `root`, if the path leads anywhere. */
export function schemaAt(root: Schema, path: readonly PropertyKey[]): Schema | undefined {
  let current: Schema | undefined = root;
  for (const segment of path) {
    if (!current) return undefined;
    current = childSchema(current, segment);
  }
  return current;
}

function childSchema(schema: Schema, segment: PropertyKey): Schema | undefined {
  const def = defOf(unwrap(schema));
  switch (def.type) {
    case 'object':
      // Own keys only: a document's key `constructor` or `__proto__` is no field.
      return typeof segment === 'string' && def.shape && Object.hasOwn(def.shape, segment) ? def.shape[segment] : undefined;
    case 'array':
      return typeof segment === 'number' ? def.element : undefined;
    case 'record':
      return def.valueType;
    case 'union':
      // The first branch that has the child: unions in specs differ by their keys.
      for (const option of def.options ?? []) {
        const child = childSchema(option, segment);
        if (child) return child;
      }
      return undefined;
    default:
      return undefined;
  }
}

/** The fields an object schema allows, in declaration order; empty if it is no object. */
export function objectKeys(schema: Schema | undefined): string[] {
  if (!schema) return [];
  const def = defOf(unwrap(schema));
  if (def.type === 'object') return Object.keys(def.shape ?? {});
  if (def.type === 'union') return [...new Set((def.options ?? []).flatMap((o) => objectKeys(o)))];
  return [];
}

/** The options of an enum or a union of literals, as written in YAML. */
export function optionsOf(schema: Schema | undefined): string[] | undefined {
  if (!schema) return undefined;
  const def = defOf(unwrap(schema));
  if (def.type === 'enum') return Object.values(def.entries ?? {}).map(String);
  if (def.type === 'literal') return (def.values ?? []).map(String);
  if (def.type === 'union') {
    const all = (def.options ?? []).map(optionsOf);
    if (all.every((o): o is string[] => o !== undefined)) return all.flat();
  }
  return undefined;
}

/**
 * What a schema accepts, short enough for one line: `auto | 1-4094`,
 * `{ vlan: auto | 1-4094 } or { vxlan: auto | 1-16777215 }`, `an IPv4 address`.
 * Unions read "or" at the top and "|" inside.
 */
export function describeSchema(schema: Schema, nested = false): string {
  const override = DESCRIPTIONS.get(schema);
  if (override) return override;
  const inner = unwrap(schema);
  if (inner !== schema) return describeSchema(inner, nested);
  const def = defOf(inner);
  switch (def.type) {
    case 'literal':
    case 'enum':
      return (optionsOf(inner) ?? []).join(' | ');
    case 'union': {
      const options = optionsOf(inner);
      if (options) return options.join(' | ');
      return (def.options ?? []).map((o) => describeSchema(o, true)).join(nested ? ' | ' : ' or ');
    }
    case 'object': {
      const fields = Object.entries(def.shape ?? {}).map(([key, value]) => `${key}: ${describeSchema(value, true)}`);
      return `{ ${fields.join(', ')} }`;
    }
    case 'array':
      return `a list of ${describeSchema(def.element!, true)}`;
    case 'number':
      return describeNumber(def);
    case 'string':
      return STRING_FORMATS[def.format ?? ''] ?? 'a string';
    case 'boolean':
      return 'true | false';
    case 'record':
      return 'a mapping';
    default:
      return def.type;
  }
}

const STRING_FORMATS: Readonly<Record<string, string>> = {
  ipv4: 'an IPv4 address',
  cidrv4: 'an IPv4 CIDR',
};

function describeNumber(def: Def): string {
  let min: number | undefined;
  let max: number | undefined;
  let integer = false;
  for (const check of def.checks ?? []) {
    const c = check._zod.def;
    if (c.check === 'number_format' && (c.format === 'safeint' || c.format === 'int32')) integer = true;
    if (c.check === 'greater_than' && typeof c.value === 'number') min = c.inclusive ? c.value : integer ? c.value + 1 : c.value;
    if (c.check === 'less_than' && typeof c.value === 'number') max = c.inclusive ? c.value : integer ? c.value - 1 : c.value;
  }
  if (min !== undefined && max !== undefined) return `${min}-${max}`;
  const kind = integer ? 'a whole number' : 'a number';
  if (min !== undefined) return `${kind} ≥ ${min}`;
  if (max !== undefined) return `${kind} ≤ ${max}`;
  return kind;
}

/** Hand-written descriptions where the generated one would mislead. */
const DESCRIPTIONS = new Map<Schema, string>();

/** Registers the description `describeSchema` gives for `schema` (and unions failing on it). */
export function describeAs(schema: Schema, description: string): void {
  DESCRIPTIONS.set(schema, description);
}
