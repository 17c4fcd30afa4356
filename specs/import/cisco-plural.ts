/** `1 entry`, `3 entries`: report texts count things. */
export const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
