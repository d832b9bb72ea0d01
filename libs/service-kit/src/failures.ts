/** A handler failure worth trying again later: the message is `nak`ed with a delay. */
export class RetryableError extends Error {
  override readonly name: string = 'RetryableError';
  readonly retryable = true;
  constructor(
    message: string,
    readonly delayMs = 1_000,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A handler failure that will never succeed: the message is quarantined with the reason and terminated. */
export class TerminalError extends Error {
  override readonly name: string = 'TerminalError';
  readonly retryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
