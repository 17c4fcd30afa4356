import { describe, expect, it } from 'vitest';
import { backoffMs, OperationTimedOut, withRetries, type RetryPolicy } from '../../engine/apply/retry.js';
import { ProviderError } from '../../providers/contract.js';

const policy = (more: Partial<RetryPolicy> = {}): RetryPolicy & { slept: number[] } => {
  const slept: number[] = [];
  return { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000, timeoutMs: 0, random: () => 1, sleep: async (ms) => { slept.push(ms); }, slept, ...more };
};

/** A provider call that fails with the given errors first, then answers. */
const flaky = (errors: unknown[]) => {
  let calls = 0;
  return { call: async () => { calls++; const e = errors.shift(); if (e) throw e; return 'ok'; }, calls: () => calls };
};

describe('withRetries', () => {
  it.each([
    { reason: 'a busy provider is tried again until it answers', given: [new ProviderError('unavailable', 'busy'), new ProviderError('timeout', '504')], want: { result: 'ok', calls: 3, slept: [100, 200] } },
    { reason: 'an answer at once needs no retry', given: [], want: { result: 'ok', calls: 1, slept: [] } },
  ])('$reason', async ({ given, want }) => {
    const p = policy();
    const f = flaky(given);
    expect(await withRetries(f.call, p)).toBe(want.result);
    expect(f.calls()).toBe(want.calls);
    expect(p.slept).toEqual(want.slept);
  });

  it('gives up after the bound and reports the last error', async () => {
    const p = policy({ attempts: 3 });
    const f = flaky([new ProviderError('unavailable', 'a'), new ProviderError('unavailable', 'b'), new ProviderError('unavailable', 'c'), undefined]);
    await expect(withRetries(f.call, p)).rejects.toThrow('c');
    expect(f.calls()).toBe(3);
  });

  it('never retries an error the provider says a retry cannot fix', async () => {
    const f = flaky([new ProviderError('capacity', 'insufficient capacity'), undefined]);
    await expect(withRetries(f.call, policy())).rejects.toThrow('insufficient capacity');
    expect(f.calls()).toBe(1);
  });

  it('does not retry a call that outlived its timeout: its outcome is unknown', async () => {
    let calls = 0;
    const slow = () => { calls++; return new Promise<string>((r) => setTimeout(() => r('late'), 200)); };
    await expect(withRetries(slow, policy({ timeoutMs: 20 }))).rejects.toBeInstanceOf(OperationTimedOut);
    expect(calls).toBe(1);
  });

  it('backs off exponentially under a ceiling, with full jitter', () => {
    const p = { baseDelayMs: 100, maxDelayMs: 1000, random: () => 1 };
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffMs(a, p))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffMs(3, { ...p, random: () => 0.5 })).toBe(200);
  });
});
