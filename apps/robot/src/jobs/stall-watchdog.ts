import { LAST_WORD_MS, StepTimeoutError } from '@aether/nodes';
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

/** The watchdog's abort reason: the step passed its limit and its handler did not answer. */
export class StepStalledSignal extends Error {
  constructor(readonly limit: StallLimit) {
    super(`the step passed its ${limit.basis} limit of ${limit.ms} ms`);
    this.name = 'StepStalled';
  }
}

/** What a watched handler came to: its own answer, or none by its limit and `LAST_WORD_MS` after. */
export type HandlerAnswer<T> =
  | { readonly kind: 'returned'; readonly value: T }
  | { readonly kind: 'threw'; readonly error: unknown }
  | { readonly kind: 'silent' };

/**
 * Runs `work` under a watchdog and settles with its answer, or with `silent` once `limit.ms +
 * lastWordMs` passed whether or not the handler honours its abort signal (a page that never loads,
 * a wait that never matches, a handler stuck in a call that takes no signal). A silent handler is
 * told through `watchdog` then and left behind; its late answer is dropped. Never rejects.
 */
export async function watched<T>(
  limit: StallLimit,
  work: (watchdog: AbortSignal) => Promise<T>,
  lastWordMs = LAST_WORD_MS,
): Promise<HandlerAnswer<T>> {
  const watchdog = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const silent = new Promise<HandlerAnswer<T>>((resolve) => {
    timer = setTimeout(resolve, limit.ms + lastWordMs, { kind: 'silent' });
  });
  // A handler that throws before it returns a promise answered too.
  const running = new Promise<T>((resolve) => resolve(work(watchdog.signal))).then(
    (value): HandlerAnswer<T> => ({ kind: 'returned', value }),
    (error: unknown): HandlerAnswer<T> => ({ kind: 'threw', error }),
  );
  try {
    const answer = await Promise.race([running, silent]);
    if (answer.kind === 'silent') watchdog.abort(new StepStalledSignal(limit));
    return answer;
  } finally {
    clearTimeout(timer);
  }
}

/** How a step ended, decided by its cause (ADR 82). */
export type StepEnding<T> =
  | { readonly kind: 'complete'; readonly output: T }
  | { readonly kind: 'fail'; readonly error: unknown }
  | { readonly kind: 'stall' };

/**
 * A step's ending follows from what its handler said, never from when it said it relative to the
 * watchdog's timer: an output completes the step and a finding (not found, ambiguous, refused)
 * fails it, even a little past the limit; the step's own time running out with nothing to show
 * (`StepTimeoutError`: a page that never loaded) stalls it, even a little before the limit; no
 * answer at all stalls it. Pure.
 */
export function stepEnding<T>(answer: HandlerAnswer<T>): StepEnding<T> {
  switch (answer.kind) {
    case 'returned':
      return { kind: 'complete', output: answer.value };
    case 'threw':
      return answer.error instanceof StepTimeoutError
        ? { kind: 'stall' }
        : { kind: 'fail', error: answer.error };
    case 'silent':
      return { kind: 'stall' };
    default: {
      const _exhaustive: never = answer;
      return _exhaustive;
    }
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
