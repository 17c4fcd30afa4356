/**
 * New items look like their siblings: a VM appended after VMs written with flow-style
 * `nics: [ { network: office } ]` and `rootDisk: { size: 40GiB, tier: performance }`
 * gets the same, and an item appended to a list of one-line `{ name: …, … }` maps is one
 * too. Only collection style is copied (flow or block); scalars keep yaml's quoting,
 * which quotes whatever would not read back as the same string.
 */
import { isMap, isScalar, isSeq, type Node } from 'yaml';

/** Gives `node` (and what it holds) the flow/block style of `sibling` where their keys match. */
export function styleLike(node: Node, sibling: Node | null | undefined): void {
  if (!sibling) return;
  if (isMap(node) && isMap(sibling)) {
    node.flow = sibling.flow === true;
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      const theirs = sibling.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
      if (theirs) styleLike(pair.value as Node, theirs.value as Node);
    }
  } else if (isSeq(node) && isSeq(sibling)) {
    node.flow = sibling.flow === true;
    const model = sibling.items.find((item) => isMap(item) || isSeq(item)) as Node | undefined;
    for (const item of node.items) styleLike(item as Node, model);
  }
}

/** The last plain item of a list: the sibling a new item copies its style from. */
export function lastItem(seq: Node | undefined): Node | undefined {
  if (!isSeq(seq)) return undefined;
  for (let i = seq.items.length - 1; i >= 0; i--) {
    const item = seq.items[i];
    if (isMap(item) || isSeq(item)) return item as Node;
  }
  return undefined;
}
