export interface EventuallyOptions {
  timeoutMs?: number;
  intervalMs?: number;
  what?: string;
}

/**
 * Polls `probe` until it returns a value other than `undefined`, or fails with the last error.
 * A probe that returns nothing (`() => expect(…)`) could never be done: it does not compile.
 */
export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  ...options: [T] extends [void] ? [probeMustReturnAValue: never] : [options?: EventuallyOptions]
): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 50, what = 'condition' } = (options[0] ?? {}) as EventuallyOptions;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
  );
}
