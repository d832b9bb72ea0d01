/** The recorded selector does not pick out exactly one element. Terminal: re-record. */
export class ElementNotFoundError extends Error {
  readonly retryable = false;
  constructor(
    readonly selector: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${selector}: ${message}`, options);
    this.name = 'ElementNotFoundError';
  }
}

/** A fingerprint document this version cannot read. Terminal: re-record the step. */
export class InvalidFingerprintError extends Error {
  readonly retryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidFingerprintError';
  }
}
