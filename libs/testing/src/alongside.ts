/**
 * Runs `body` while `repeat` runs again and again beside it (one call after another: a writer,
 * a reader), and stops the repeats before it returns. `body` gets `timeoutMs` to finish: a hung
 * body fails the test instead of leaving the repeats running, which would keep jest from exiting.
 * A repeat that throws stops the repeats and is rethrown once `body` is done.
 */
export async function alongside<T>(
  repeat: (n: number) => Promise<unknown>,
  body: () => Promise<T>,
  { timeoutMs = 10_000 }: { timeoutMs?: number } = {},
): Promise<T> {
  let stop = false;
  const repeats = (async () => {
    for (let n = 0; !stop; n++) await repeat(n);
  })();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([body(), late]);
  } finally {
    clearTimeout(timer);
    stop = true;
    await repeats;
  }
}
