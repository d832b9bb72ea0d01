/** Another writer appended to the aggregate since `expected` was read: re-read, re-decide, or give up. */
export class ConcurrencyError extends Error {
  override readonly name = 'ConcurrencyError';
  readonly retryable = false;
  constructor(
    readonly subject: string,
    readonly expected: number,
    readonly actual: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(`${subject}: expected last sequence ${expected}, found ${actual ?? 'another'}`, options);
  }
}
