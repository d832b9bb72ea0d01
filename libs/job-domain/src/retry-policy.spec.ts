import { decideRetry } from './retry-policy';

const error = { message: 'site down', retryable: true };
const schedule = { delaysMs: [10_000, 60_000, 300_000, 900_000, 3_600_000], jitter: 0.2 };

describe('decideRetry', () => {
  it('walks the schedule attempt by attempt, then dead-letters with the number of attempts', () => {
    const delays = [1, 2, 3, 4, 5].map((attempt) => decideRetry(schedule, attempt, 1, error, () => 0.5));
    expect(delays).toEqual([
      { kind: 'retry', attempt: 2, delayMs: 10_000 },
      { kind: 'retry', attempt: 3, delayMs: 60_000 },
      { kind: 'retry', attempt: 4, delayMs: 300_000 },
      { kind: 'retry', attempt: 5, delayMs: 900_000 },
      { kind: 'retry', attempt: 6, delayMs: 3_600_000 },
    ]);
    expect(decideRetry(schedule, 6, 1, error, () => 0.5)).toEqual({ kind: 'dead-letter', attempts: 6 });
  });

  it('jitters each delay within the configured fraction', () => {
    expect(decideRetry(schedule, 1, 1, error, () => 0)).toMatchObject({ delayMs: 8_000 });
    expect(decideRetry(schedule, 1, 1, error, () => 1)).toMatchObject({ delayMs: 12_000 });
  });

  it('starts the schedule again after a requeue', () => {
    expect(decideRetry(schedule, 7, 7, error, () => 0.5)).toEqual({
      kind: 'retry',
      attempt: 8,
      delayMs: 10_000,
    });
  });

  it('dead-letters at once when retries are off or the failure is not retryable', () => {
    expect(decideRetry({ delaysMs: [], jitter: 0 }, 1, 1, error, Math.random)).toEqual({
      kind: 'dead-letter',
      attempts: 1,
    });
    expect(
      decideRetry(schedule, 1, 1, { message: 'no', code: 'FailedByOperator', retryable: false }, Math.random),
    ).toEqual({ kind: 'dead-letter', attempts: 1 });
    const ambiguous = { message: 'matched 2 elements', code: 'AMBIGUOUS_SELECTOR', retryable: false };
    expect(decideRetry(schedule, 3, 1, ambiguous, Math.random)).toEqual({ kind: 'dead-letter', attempts: 3 });
  });
});
