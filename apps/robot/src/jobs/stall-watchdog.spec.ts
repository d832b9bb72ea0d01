import { ElementNotFoundError, StepTimeoutError } from '@aether/nodes';
import {
  StepStalledSignal,
  stallLimit,
  stepEnding,
  watched,
  within,
  type HandlerAnswer,
} from './stall-watchdog';

describe('stallLimit', () => {
  it('holds a step to its timeout, or to k × its p99 when that comes first', () => {
    expect(stallLimit({ timeoutMs: 60_000 }, undefined)).toEqual({ ms: 60_000, basis: 'timeout' });
    expect(stallLimit({ timeoutMs: 60_000 }, 6_000)).toEqual({ ms: 6_000, basis: 'p99' });
    expect(stallLimit({ timeoutMs: 5_000 }, 6_000)).toEqual({ ms: 5_000, basis: 'timeout' });
  });
});

const after = <T>(ms: number, settle: () => T | Promise<T>) =>
  new Promise<T>((resolve, reject) =>
    setTimeout(() => {
      Promise.resolve().then(settle).then(resolve, reject);
    }, ms),
  );

describe('watched', () => {
  const limit = { ms: 150, basis: 'timeout' } as const;

  it('gives up on a handler that ignores its abort signal at the limit plus its last word, and tells it then', async () => {
    let told: unknown;
    let toldAfter = 0;
    const started = Date.now();
    const answer = await watched(
      limit,
      (watchdog) => {
        watchdog.addEventListener(
          'abort',
          () => ((told = watchdog.reason), (toldAfter = Date.now() - started)),
        );
        return new Promise<never>(() => undefined);
      },
      100,
    );
    expect(answer).toEqual({ kind: 'silent' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    expect(toldAfter).toBeGreaterThanOrEqual(240);
    expect(told).toBeInstanceOf(StepStalledSignal);
  });

  it("passes a handler's own answer through before the limit, and leaves its signal alone", async () => {
    let aborted = false;
    await expect(
      watched(
        limit,
        async (watchdog) => (watchdog.addEventListener('abort', () => (aborted = true)), 'done'),
      ),
    ).resolves.toEqual({ kind: 'returned', value: 'done' });
    const refused = new Error('refused');
    await expect(watched(limit, () => Promise.reject(refused))).resolves.toEqual({
      kind: 'threw',
      error: refused,
    });
    const throwsAtOnce = (): Promise<never> => {
      throw refused;
    };
    await expect(watched(limit, throwsAtOnce)).resolves.toEqual({ kind: 'threw', error: refused });
    expect(aborted).toBe(false);
  });

  it('still hears a handler that answers just past the limit, within its last word, unaborted', async () => {
    let aborted = false;
    const missing = new ElementNotFoundError('#username', 0);
    const answer = await watched(
      limit,
      (watchdog) => {
        watchdog.addEventListener('abort', () => (aborted = true));
        return after(limit.ms + 40, () => Promise.reject(missing));
      },
      200,
    );
    expect(answer).toEqual({ kind: 'threw', error: missing });
    expect(aborted).toBe(false);
  });

  it('within: a teardown that hangs is given up after its bound', async () => {
    await expect(within(50, new Promise(() => undefined))).resolves.toBeUndefined();
    await expect(within(50, Promise.resolve(1))).resolves.toBe(1);
  });
});

describe('stepEnding: the cause decides, not the moment (ADR 82)', () => {
  const ending = (answer: HandlerAnswer<unknown>) => stepEnding(answer).kind;

  it('a finding fails the step and an output completes it, whether it came before or after the limit', () => {
    expect(ending({ kind: 'threw', error: new ElementNotFoundError('#username', 0) })).toBe('fail');
    expect(ending({ kind: 'threw', error: new Error('crashed') })).toBe('fail');
    expect(ending({ kind: 'returned', value: { text: 'ok' } })).toBe('complete');
  });

  it("the step's own time running out with nothing to show stalls it; so does no answer at all", () => {
    expect(ending({ kind: 'threw', error: new StepTimeoutError('Loading http://x/ timed out') })).toBe(
      'stall',
    );
    expect(ending({ kind: 'silent' })).toBe('stall');
  });
});
