/** How retries of one delivery spread out. */
export interface BackoffPolicy {
  /** The first retry's delay before jitter, ms. */
  readonly baseMs: number;
  /** No delay is longer than this, ms. */
  readonly capMs: number;
}

/**
 * The delay before attempt `attempt + 1` after `attempt` failed: exponential from `baseMs`, capped,
 * with "equal jitter" — half fixed, half random — so subscribers that failed together do not
 * retry together and no delay collapses to nothing.
 */
export function retryDelayMs(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
