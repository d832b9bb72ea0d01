import type { PlannedStep } from '@aether/workflow';

/** The limit a running step is held to (ADR 61) and where it comes from. */
export interface StallLimit {
  readonly ms: number;
  readonly basis: 'timeout' | 'p99';
}

/**
 * The step's timeout, or k × its measured p99 (`p99LimitMs`, from the work message) when that is
 * earlier: a step that usually takes 2 s is stalled long before its 60 s timeout.
 */
export function stallLimit(step: Pick<PlannedStep, 'timeoutMs'>, p99LimitMs: number | undefined): StallLimit {
  return p99LimitMs !== undefined && p99LimitMs < step.timeoutMs
    ? { ms: p99LimitMs, basis: 'p99' }
    : { ms: step.timeoutMs, basis: 'timeout' };
}

/** The watchdog's abort reason: the step passed its limit. */
export class StepStalledSignal extends Error {
  constructor(readonly limit: StallLimit) {
    super(`the step passed its ${limit.basis} limit of ${limit.ms} ms`);
    this.name = 'StepStalled';
  }
}

/**
 * Runs `work` under a watchdog: after `limit.ms` the returned promise rejects with
 * `StepStalledSignal` whether or not the handler honours its abort signal (a page that never
 * loads, a wait that never matches, a handler stuck in a call that takes no signal). The handler
 * is told through `watchdog` and left behind; its late outcome is dropped.
 */
export async function watched<T>(limit: StallLimit, work: (watchdog: AbortSignal) => Promise<T>): Promise<T> {
  const watchdog = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const reason = new StepStalledSignal(limit);
      watchdog.abort(reason);
      reject(reason);
    }, limit.ms);
  });
  const running = work(watchdog.signal);
  running.catch(() => undefined);
  try {
    return await Promise.race([running, stalled]);
  } finally {
    clearTimeout(timer);
  }
}

/** `promise`, or `undefined` once `ms` passed: teardown of a stuck page must not hang the robot too. */
export function within<T>(ms: number, promise: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<undefined>((resolve) => (timer = setTimeout(resolve, ms, undefined))),
  ]).finally(() => clearTimeout(timer));
}
