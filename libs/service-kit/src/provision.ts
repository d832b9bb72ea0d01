import { NoRespondersError, RequestError, TimeoutError } from '@nats-io/transport-node';
import type { Logger } from 'pino';

/** JetStream not answering yet: a server still starting, a cluster electing its meta leader. */
export function jetStreamUnavailable(error: unknown): boolean {
  if (error instanceof TimeoutError || error instanceof NoRespondersError) return true;
  return error instanceof RequestError && jetStreamUnavailable(error.cause);
}

export interface ProvisionRetry {
  /** How long to keep asking before the service gives up and exits. */
  readonly timeoutMs: number;
  readonly logger: Pick<Logger, 'warn'>;
  /** Between attempts. Default 1 s. */
  readonly intervalMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs a service's start-up provisioning (streams, buckets) again while JetStream does not answer:
 * on a cluster under load a single 5 s request timeout killed a service at start (the registry, in
 * a cluster chaos run). Every step is idempotent, so a second run only finds what the first made.
 * Any other failure, or no answer for `timeoutMs`, is thrown: the service exits and says why.
 */
export async function provisionWhenJetStreamAnswers<T>(
  provision: () => Promise<T>,
  options: ProvisionRetry,
): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = now() + options.timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await provision();
    } catch (error) {
      if (!jetStreamUnavailable(error) || now() >= deadline) throw error;
      options.logger.warn(
        { err: error, attempt },
        'JetStream did not answer while provisioning; trying again',
      );
      await sleep(options.intervalMs ?? 1_000);
    }
  }
}
