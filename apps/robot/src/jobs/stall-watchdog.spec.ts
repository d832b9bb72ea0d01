import { StepStalledSignal, stallLimit, watched, within } from './stall-watchdog';

describe('stallLimit', () => {
  it('holds a step to its timeout, or to k × its p99 when that comes first', () => {
    expect(stallLimit({ timeoutMs: 60_000 }, undefined)).toEqual({ ms: 60_000, basis: 'timeout' });
    expect(stallLimit({ timeoutMs: 60_000 }, 6_000)).toEqual({ ms: 6_000, basis: 'p99' });
    expect(stallLimit({ timeoutMs: 5_000 }, 6_000)).toEqual({ ms: 5_000, basis: 'timeout' });
  });
});

describe('watched', () => {
  it('stops waiting for a handler that ignores its abort signal, at the limit, and tells it', async () => {
    let told: unknown;
    const started = Date.now();
    const never = watched({ ms: 150, basis: 'timeout' }, (watchdog) => {
      watchdog.addEventListener('abort', () => (told = watchdog.reason));
      return new Promise<never>(() => undefined);
    });
    await expect(never).rejects.toBeInstanceOf(StepStalledSignal);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(told).toBeInstanceOf(StepStalledSignal);
  });
  it("passes a handler's own outcome through before the limit", async () => {
    await expect(watched({ ms: 1_000, basis: 'timeout' }, async () => 'done')).resolves.toBe('done');
    await expect(
      watched({ ms: 1_000, basis: 'timeout' }, () => Promise.reject(new Error('refused'))),
    ).rejects.toThrow('refused');
  });
  it('within: a teardown that hangs is given up after its bound', async () => {
    await expect(within(50, new Promise(() => undefined))).resolves.toBeUndefined();
    await expect(within(50, Promise.resolve(1))).resolves.toBe(1);
  });
});
