/** `1 entry`, `3 entries`: report texts count things. */
export const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** Most notes of one kind a report line lists before counting the rest. */
export const LISTED = 5;

/**
 * The first LISTED items, then one `and N more …` item: a list quoted in report lines
 * stays short however often the file repeats the thing it comes from (one ACL named by
 * thousands of NAT rules).
 */
export function listed(items: readonly string[], more: string): string[] {
  return items.length <= LISTED ? [...items] : [...items.slice(0, LISTED), `and ${items.length - LISTED} more ${more}`];
}
