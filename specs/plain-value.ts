/**
 * A parsed YAML document as plain JSON values — what `toJS()` gives for the maps,
 * lists, scalars and aliases specs use, about four times faster, and bounded: nesting
 * deeper than MAX_NESTING_DEPTH, aliases expanding past MAX_ALIAS_EXPANSION values
 * ("billion laughs"), an alias inside the collection it names, duplicate keys and
 * keys that are not plain scalars are refused with the node to point at. Recursion is bounded by the
 * depth limit, so no document can overflow the stack here.
 */
import { isAlias, isMap, isScalar, isSeq, type Node } from 'yaml';
import { MAX_ALIAS_EXPANSION, MAX_NESTING_DEPTH } from './limits.js';

export type PlainValue = { readonly value: unknown; readonly refused?: never } | { readonly value?: never; readonly refused: Refusal };

/** Why a document was not converted, and the node it is about. */
export class Refusal {
  constructor(
    readonly summary: string,
    readonly node: Node,
  ) {}
}

/** An anchored node's value, ready for its aliases once `done`. */
interface Anchored {
  value: unknown;
  /** Values in it, aliases expanded. */
  size: number;
  /** Levels of nesting in it (a scalar is 1). */
  height: number;
  done: boolean;
}

const tooDeep = `nested more than ${MAX_NESTING_DEPTH} levels deep; specs nest about 7`;

/** The plain value of `root`, or why it is refused. */
export function plainValue(root: Node): PlainValue {
  // As yaml resolves them: an alias names the last node before it with that anchor.
  const anchors = new Map<string, Anchored>();
  let expanded = 0;
  let produced = 0;

  /** Returns the value and its height; `depth` is the node's own level, 1 at the root. */
  const convert = (node: Node, depth: number): [unknown, number] => {
    if (depth > MAX_NESTING_DEPTH) throw new Refusal(tooDeep, node);
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (!target) throw new Refusal(`alias *${node.source} has no anchor &${node.source} before it`, node);
      if (!target.done) throw new Refusal(`alias *${node.source} is inside the collection it names`, node);
      expanded += target.size;
      produced += target.size;
      if (expanded > MAX_ALIAS_EXPANSION) {
        throw new Refusal(`alias *${node.source} expands the document past ${MAX_ALIAS_EXPANSION.toLocaleString('en-US')} values; aliases may share a block, not multiply one`, node);
      }
      if (depth - 1 + target.height > MAX_NESTING_DEPTH) throw new Refusal(tooDeep, node);
      return [target.value, target.height];
    }
    const start = produced++;
    let entry: Anchored | undefined;
    if (node.anchor) {
      entry = { value: undefined, size: 0, height: 0, done: false };
      anchors.set(node.anchor, entry);
    }
    let value: unknown;
    let height = 1;
    if (isScalar(node)) value = node.value;
    else if (isMap(node)) {
      const out: Record<string, unknown> = {};
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        if (key !== null && (!isScalar(key) || (key.value !== null && typeof key.value === 'object'))) {
          throw new Refusal('a mapping key must be a plain name, not a list, a mapping or an alias', key);
        }
        if (key?.anchor) anchors.set(key.anchor, { value: key.value, size: 1, height: 1, done: true });
        const name = key === null || key.value === null ? '' : String(key.value);
        // The parser does not check (its check is quadratic in a map's size); keys equal as JSON are duplicates.
        if (Object.hasOwn(out, name)) throw new Refusal('Map keys must be unique', key ?? pair.value as Node);
        let item: unknown = null;
        if (pair.value !== null) {
          const [v, h] = convert(pair.value as Node, depth + 1);
          item = v;
          height = Math.max(height, h + 1);
        }
        // As toJS does: a `__proto__` key is data, never the prototype.
        if (name === '__proto__') Object.defineProperty(out, name, { value: item, writable: true, enumerable: true, configurable: true });
        else out[name] = item;
      }
      value = out;
    } else if (isSeq(node)) {
      value = node.items.map((item) => {
        if (item === null) return null;
        const [v, h] = convert(item as Node, depth + 1);
        height = Math.max(height, h + 1);
        return v;
      });
    } else throw new Refusal('not a YAML map, list or scalar', node);
    if (entry) Object.assign(entry, { value, size: produced - start, height, done: true });
    return [value, height];
  };

  try {
    return { value: convert(root, 1)[0] };
  } catch (error) {
    if (error instanceof Refusal) return { refused: error };
    throw error;
  }
}
