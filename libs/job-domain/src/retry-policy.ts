import type { ErrorInfo } from '@aether/contracts';

export interface RetrySchedule {
  readonly delaysMs: readonly number[];
  /** Each delay is scaled by a factor drawn from `[1 - jitter, 1 + jitter]`. */
  readonly jitter: number;
}

export type RetryDecision =
  | { readonly kind: 'retry'; readonly attempt: number; readonly delayMs: number }
  | { readonly kind: 'dead-letter'; readonly attempts: number };

/**
 * After attempt `attempt` failed: retry with the next delay of the schedule, or dead-letter
 * once it is used up. A failure that is not `retryable` — deterministic (an ambiguous selector,
 * invalid params), a business exception, a failure an operator declared — is dead-lettered at
 * once: another attempt would meet the same answer (ADR 29). `firstAttempt` is where the
 * current schedule began (1, or the attempt a requeue started). `random` is injected so the
 * decision is testable.
 */
export function decideRetry(
  schedule: RetrySchedule,
  attempt: number,
  firstAttempt: number,
  error: ErrorInfo,
  random: () => number,
): RetryDecision {
  const used = attempt - firstAttempt;
  if (!error.retryable || used >= schedule.delaysMs.length) {
    return { kind: 'dead-letter', attempts: used + 1 };
  }
  const base = schedule.delaysMs[used];
  const factor = 1 + schedule.jitter * (2 * random() - 1);
  return { kind: 'retry', attempt: attempt + 1, delayMs: Math.max(0, Math.round(base * factor)) };
}
