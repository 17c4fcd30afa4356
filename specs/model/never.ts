/**
 * The end of an exhaustive switch: a value of type `never` reaching it is a bug (a
 * variant added without a case), so it throws with what arrived.
 */
export function assertNever(x: never): never {
  throw new Error(`unexpected value ${JSON.stringify(x)}`);
}
