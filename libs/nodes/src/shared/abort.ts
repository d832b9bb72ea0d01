import { NodeCancelledError, NodeTimeoutError, StepTimeoutError, type NodeError } from '../errors';

export const DEFAULT_STEP_TIMEOUT_MS = 30_000;

/**
 * How long past a step's time its handler's own answer is still waited for (ADR 82). A handler
 * given the step's time answers a margin before it (a browser call keeps 250 ms–1 s back), but on
 * a loaded machine that answer can come late: a missing element found missing at 3,044 ms of
 * 3,000 is still a missing element, not a timeout.
 */
export const LAST_WORD_MS = 1_000;

/** The error a handler throws once its signal has fired: a timeout or a cancellation. */
export function abortedError(signal: AbortSignal): NodeError {
  const reason: unknown = signal.reason;
  if (reason instanceof NodeTimeoutError || reason instanceof NodeCancelledError) return reason;
  if (
    typeof reason === 'object' &&
    reason !== null &&
    (reason as { name?: unknown }).name === 'TimeoutError'
  ) {
    return new StepTimeoutError('The step timed out', { cause: reason });
  }
  return new NodeCancelledError('The step was aborted', { cause: reason });
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw abortedError(signal);
}

/** Settles with `work`, or rejects as soon as `signal` fires (the work itself is left to finish). */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(abortedError(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortedError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
