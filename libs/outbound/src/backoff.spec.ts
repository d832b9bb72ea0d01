import { retryDelayMs } from './backoff';

describe('retry delays', () => {
  const policy = { baseMs: 1_000, capMs: 60_000 };

  it('doubles from the base, up to the cap, half of it jittered', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, policy, () => 0))).toEqual([500, 1_000, 2_000, 4_000]);
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, policy, () => 1))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(retryDelayMs(30, policy, () => 0.5)).toBe(45_000);
  });
});
