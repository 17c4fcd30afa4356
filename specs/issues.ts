/**
 * zod issues turned into problems a user can act on: each says what is wrong in the
 * user's words (unknown field with a suggestion and the valid fields, the options of
 * an enum, what a union accepts) and which YAML node to point at. Pure: positions are
 * added by the loader.
 */
import type { z } from 'zod';
import { describeAs, describeSchema, objectKeys, optionsOf, schemaAt, unwrap } from './introspect.js';
import { Secret } from './schema.js';
import { didYouMean } from './suggest.js';

type Schema = z.core.$ZodType;
type Issue = z.core.$ZodIssue;
export type Path = (string | number)[];

/**
 * Which node a problem is about: the value at `path`, or the key of the entry at
 * `path` (unknown fields: the key is what is wrong, its value may be fine).
 */
export type Anchor = 'value' | 'key';

export interface Problem {
  readonly path: Path;
  readonly anchor: Anchor;
  readonly summary: string;
}

describeAs(Secret, '{ env: NAME } or { file: path }');

/** Problems for the issues of `schema.safeParse(input)`, in issue order. */
export function explainIssues(issues: readonly Issue[], schema: Schema, input: unknown): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues) explain(issue, { schema, path: [], input }, out);
  return out;
}

/** The schema and input value an issue's relative path starts from. */
interface Scope {
  readonly schema: Schema;
  readonly path: Path;
  readonly input: unknown;
}

function explain(issue: Issue, scope: Scope, out: Problem[]): void {
  const rel = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
  const path = [...scope.path, ...rel];
  const value = valueAt(scope.input, rel);
  const schema = schemaAt(scope.schema, rel);
  const push = (summary: string, at: Path = path, anchor: Anchor = 'value'): void => void out.push({ path: at, anchor, summary });

  switch (issue.code) {
    case 'unrecognized_keys': {
      const valid = objectKeys(schema);
      for (const key of issue.keys) {
        const suggestion = didYouMean(key, valid);
        const hint = suggestion ? `; did you mean "${suggestion}"?` : ';';
        push(`unknown field "${key}"${hint} valid fields: ${valid.join(', ')}`, [...path, key], 'key');
      }
      return;
    }
    case 'invalid_type': {
      const parent = valueAt(scope.input, rel.slice(0, -1));
      if (value === undefined && rel.length > 0 && isRecord(parent)) {
        push(`missing required field "${String(path[path.length - 1])}"`, path.slice(0, -1));
        return;
      }
      push(`must be ${expectation(issue.expected, schema)}; got ${show(value)}`);
      return;
    }
    case 'invalid_value': {
      const options = issue.values.map(String);
      push(oneOf(options, value));
      return;
    }
    case 'invalid_format': {
      const shown = show(value);
      push(typeof value === 'string' && issue.message.includes(value) ? issue.message : `${issue.message}; got ${shown}`);
      return;
    }
    case 'too_small':
    case 'too_big':
      push(bound(issue, value));
      return;
    case 'invalid_union':
      explainUnion(issue, { schema: schema ?? scope.schema, path, input: value }, out);
      return;
    case 'invalid_key':
    case 'invalid_element':
      for (const inner of issue.issues) explain(inner, { schema: schema ?? scope.schema, path, input: value }, out);
      return;
    default:
      push(issue.message);
  }
}

/**
 * A union failed. A discriminated union names its discriminator's options. Otherwise,
 * if one branch fits the input's shape clearly better than the others (fewest unknown
 * or missing fields, no type mismatch at the top), its problems are the precise ones;
 * if none does, the user gets what the union accepts as a whole.
 */
function explainUnion(issue: Extract<Issue, { code: 'invalid_union' }>, scope: Scope, out: Problem[]): void {
  if (issue.discriminator !== undefined && issue.errors.length === 0) {
    // zod points a discriminator problem at the discriminator's own value.
    const listed = 'options' in issue ? issue.options : undefined;
    const options = (listed ?? []).map(String);
    const parentPath = scope.path.slice(0, -1);
    if (scope.input === undefined) {
      out.push({ path: parentPath, anchor: 'value', summary: `missing required field "${issue.discriminator}" (one of ${options.join(', ')})` });
    } else out.push({ path: scope.path, anchor: 'value', summary: oneOf(options, scope.input) });
    return;
  }
  const branches = branchSchemas(scope.schema);
  const scores = issue.errors.map((issues) => fitScore(issues, scope.input));
  const best = Math.min(...scores);
  const winners = scores.flatMap((s, i) => (s === best ? [i] : []));
  const winner = winners[0];
  if (best < MISMATCH && winners.length === 1 && winner !== undefined) {
    const branch = branches[winner] ?? scope.schema;
    for (const inner of issue.errors[winner] ?? []) explain(inner, { ...scope, schema: branch }, out);
    return;
  }
  const literals = optionsOf(scope.schema);
  if (literals) {
    out.push({ path: scope.path, anchor: 'value', summary: oneOf(literals, scope.input) });
    return;
  }
  let got = `; got ${show(scope.input)}`;
  if (isRecord(scope.input)) {
    const known = objectKeys(scope.schema);
    const typos = Object.keys(scope.input).flatMap((key) => {
      const suggestion = known.includes(key) ? undefined : didYouMean(key, known);
      return suggestion ? [`"${key}" is no field, did you mean "${suggestion}"?`] : [];
    });
    got = typos.length > 0 ? `; ${typos.join('; ')}` : '';
  } else if (Array.isArray(scope.input)) got = '; got a list';
  out.push({ path: scope.path, anchor: 'value', summary: `must be ${describeSchema(scope.schema)}${got}` });
}

/** `must be one of tcp, udp; got "tcpp"; did you mean "tcp"?` (no suggestion when there is one choice). */
function oneOf(options: readonly string[], value: unknown): string {
  const suggestion = typeof value === 'string' && options.length > 1 ? didYouMean(value, options) : undefined;
  const what = options.length === 1 ? options[0] : `one of ${options.join(', ')}`;
  return `must be ${what}; got ${show(value)}${suggestion ? `; did you mean "${suggestion}"?` : ''}`;
}

/** Score of a branch whose input has the wrong type or value outright. */
const MISMATCH = 100;

/** How badly the input misses a branch's shape: unknown and missing fields count 1, a mismatch at the top counts MISMATCH. */
function fitScore(issues: readonly Issue[], input: unknown): number {
  let score = 0;
  for (const issue of issues) {
    if (issue.path.length === 0) score += issue.code === 'unrecognized_keys' ? issue.keys.length : MISMATCH;
    else if (issue.path.length === 1 && issue.code === 'invalid_type' && isRecord(input) && input[String(issue.path[0])] === undefined) score += 1;
  }
  return score;
}

function branchSchemas(schema: Schema): readonly Schema[] {
  const def = unwrap(schema)._zod.def as unknown as { type: string; options?: readonly Schema[] };
  return def.type === 'union' ? (def.options ?? []) : [];
}

function expectation(expected: string, schema: Schema | undefined): string {
  if (expected === 'object') return 'a mapping';
  if (expected === 'array') return 'a list';
  if (schema) return describeSchema(schema);
  return expected === 'int' ? 'a whole number' : `a ${expected}`;
}

function bound(issue: Extract<Issue, { code: 'too_small' | 'too_big' }>, value: unknown): string {
  const small = issue.code === 'too_small';
  const limit = Number(small ? issue.minimum : issue.maximum);
  switch (issue.origin) {
    case 'array':
      return small ? `must have at least ${limit} ${limit === 1 ? 'item' : 'items'}` : `must have at most ${limit} items`;
    case 'string':
      return small ? (limit <= 1 ? 'must not be empty' : `must be at least ${limit} characters`) : `must be at most ${limit} characters`;
    default: {
      const relation = small ? (issue.inclusive ? 'at least' : 'greater than') : issue.inclusive ? 'at most' : 'less than';
      return `must be ${relation} ${limit}; got ${show(value)}`;
    }
  }
}

/** A value as the user wrote it, for "got …". */
function show(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

function valueAt(input: unknown, path: readonly (string | number)[]): unknown {
  let current = input;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === 'number') current = current[segment];
    else if (isRecord(current)) current = current[String(segment)];
    else return undefined;
  }
  return current;
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
