/**
 * A request's parameters as a CloudStack command sees them. `unpackParams` is
 * ApiDispatcher's: top-level names lower-cased, `name[index].field=value` gathered into
 * an object array (field names keep their case: `details[0].cpuNumber`). `Params` reads
 * them with CloudStack's parsing and CloudStack's words for what is missing or wrong:
 * booleans are `Boolean.valueOf` (only "true", any case, is true), integers must parse,
 * lists are comma-separated. Parameters naming objects are resolved in refs.ts.
 */
import { ApiError, badValue, missingParameter } from './errors.js';

export interface UnpackedParams {
  readonly scalars: ReadonlyMap<string, string>;
  /** name → index → field → value. */
  readonly maps: ReadonlyMap<string, ReadonlyMap<number, ReadonlyMap<string, string>>>;
}

const MALFORMED = (key: string): ApiError =>
  new ApiError(430, `Unable to decode parameter ${key}; if specifying an object array, please use parameter[index].field=XXX, e.g. userGroupList[0].group=httpGroup`);

export function unpackParams(raw: ReadonlyMap<string, string>): UnpackedParams {
  const scalars = new Map<string, string>();
  const maps = new Map<string, Map<number, Map<string, string>>>();
  for (const [key, value] of raw) {
    const open = key.indexOf('[');
    if (open !== key.lastIndexOf('[')) throw MALFORMED(key);
    if (open <= 0) {
      scalars.set(key.toLowerCase(), value);
      continue;
    }
    const close = key.indexOf(']');
    const dot = key.indexOf('.');
    if (close < open || close !== key.lastIndexOf(']') || dot < close) throw MALFORMED(key);
    const indexText = key.slice(open + 1, close);
    if (!/^-?\d+$/.test(indexText)) throw MALFORMED(key);
    const name = key.slice(0, open).toLowerCase();
    const byIndex = maps.get(name) ?? new Map<number, Map<string, string>>();
    const entry = byIndex.get(Number(indexText)) ?? new Map<string, string>();
    entry.set(key.slice(dot + 1), value);
    byIndex.set(Number(indexText), entry);
    maps.set(name, byIndex);
  }
  return { scalars, maps };
}

export class Params {
  constructor(
    /** The command as named in the request, for CloudStack's error texts. */
    readonly command: string,
    private readonly unpacked: UnpackedParams,
  ) {}

  str(name: string): string | undefined {
    return this.unpacked.scalars.get(name);
  }

  required(name: string): string {
    const value = this.str(name);
    if (value === undefined) throw missingParameter(this.command, name);
    return value;
  }

  bool(name: string): boolean | undefined {
    const value = this.str(name);
    return value === undefined ? undefined : value.toLowerCase() === 'true';
  }

  int(name: string): number | undefined {
    const value = this.str(name);
    if (value === undefined) return undefined;
    if (!/^[+-]?\d+$/.test(value.trim()) || !Number.isSafeInteger(Number(value))) throw badValue(this.command, name, value);
    return Number(value);
  }

  requiredInt(name: string): number {
    const value = this.int(name);
    if (value === undefined) throw missingParameter(this.command, name);
    return value;
  }

  /** A comma-separated list (CommandType.LIST), without empty items. */
  list(name: string): string[] | undefined {
    const value = this.str(name);
    return value === undefined ? undefined : value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  }

  /** The object array `name[i].field`, ordered by index. */
  objects(name: string): ReadonlyMap<string, string>[] {
    const byIndex = this.unpacked.maps.get(name);
    if (!byIndex) return [];
    return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, fields]) => fields);
  }

  /** BaseCmd.convertDetailsToMap: every field of every index, merged into one map. */
  details(name: string): ReadonlyMap<string, string> {
    const merged = new Map<string, string>();
    for (const fields of this.objects(name)) for (const [k, v] of fields) merged.set(k, v);
    return merged;
  }
}
