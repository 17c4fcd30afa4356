/**
 * Deterministic failure injection. Whether an operation fails depends only on the
 * seed, the address, the action and how many times that (address, action) was tried
 * before, never on the order concurrent operations happen to run in: the same run
 * fails at the same places every time.
 */

/** mulberry32: a tiny 32-bit PRNG, good enough to spread failures evenly. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a, 32 bits: turns the decision key into a PRNG seed. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export interface FailurePolicy {
  readonly failureRate?: number;
  /** Share of operations answered "busy" (retryable), like a cloud under load. */
  readonly busyRate?: number;
  readonly seed?: number;
  readonly failOn?: readonly string[];
}

export interface InjectedFailure {
  readonly message: string;
  /** A busy answer: trying again may succeed. */
  readonly retryable: boolean;
}

export type MutatingAction = 'create' | 'update' | 'delete';

/** Returns a function that says, for each attempt, why it must fail, or undefined to let it run. */
export function failureInjector(policy: FailurePolicy): (address: string, action: MutatingAction) => InjectedFailure | undefined {
  const rate = policy.failureRate ?? 0;
  const busy = policy.busyRate ?? 0;
  const seed = policy.seed ?? 0;
  const failOn = new Set(policy.failOn ?? []);
  const attempts = new Map<string, number>();
  return (address, action) => {
    if (failOn.has(address)) return { message: `injected failure: ${action} of ${address} is configured to fail (failOn)`, retryable: false };
    if (rate <= 0 && busy <= 0) return undefined;
    const key = `${address}\0${action}`;
    const attempt = attempts.get(key) ?? 0;
    attempts.set(key, attempt + 1);
    const roll = mulberry32(fnv1a(`${seed}\0${key}\0${attempt}`))();
    if (roll < rate) return { message: `injected failure: ${action} of ${address} (attempt ${attempt + 1}, seed ${seed})`, retryable: false };
    if (roll < rate + busy) return { message: `resource busy: ${action} of ${address} (injected, attempt ${attempt + 1})`, retryable: true };
    return undefined;
  };
}
