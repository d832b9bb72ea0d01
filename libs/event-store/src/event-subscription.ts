import type { ConsumerMessages, ConsumerNotification, JsMsg } from '@nats-io/jetstream';
import { ClosedConnectionError } from '@nats-io/transport-node';

/** Missed idle heartbeats after which a subscription gives up on its consumer. */
export const MISSED_HEARTBEATS_TO_RESUME = 2;
/** Pause between attempts to create the consumer again (e.g. during a meta leader election). */
const REOPEN_RETRY_MS = 500;
/**
 * How long an attempt waits for the new consumer, in ms: the first three this long, later ones
 * longer each time (a loaded server). Right after a node died the server may still place the new
 * consumer there, and such an attempt would otherwise wait out the whole JetStream API timeout.
 */
const REOPEN_TIMEOUT_STEP_MS = 2_000;

/**
 * Whether a subscription should leave its ordered consumer for a new one. Only missed heartbeats
 * count: the consumer's server died while this client's own connection survived (nats.js then only
 * keeps asking that consumer's info, forever). Deleted or vanished consumers nats.js recreates itself.
 */
export function shouldResume(status: ConsumerNotification): boolean {
  return status.type === 'heartbeats_missed' && status.count >= MISSED_HEARTBEATS_TO_RESUME;
}

/**
 * Where a subscription's consumer starts: a stream sequence, or a time (the first message stored at
 * or after it). Once a message was yielded the next consumer starts at the sequence after it.
 */
export type SubscriptionStart = number | Date;

export interface ResumeNotice {
  /** Where the new consumer starts: right after the last message yielded (where it began if none was). */
  readonly from: SubscriptionStart;
  /** Set when creating the new consumer failed (it is tried again). */
  readonly error?: unknown;
}

/**
 * Raw messages from an ordered consumer; iterate it, and `stop()` it when done. When the consumer
 * stops sending heartbeats it is replaced by one starting right after the last message yielded, so
 * an iteration sees every message once, in order, across the replacement.
 */
export class EventSubscription implements AsyncIterable<JsMsg> {
  private stopped = false;
  private next: SubscriptionStart;

  constructor(
    private current: ConsumerMessages,
    from: SubscriptionStart,
    private readonly open: (from: SubscriptionStart) => Promise<ConsumerMessages>,
    private readonly onResume?: (notice: ResumeNotice) => void,
  ) {
    this.next = from;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<JsMsg> {
    try {
      for (;;) {
        const messages = this.current;
        let resume = false;
        void (async () => {
          for await (const status of messages.status()) {
            if (!shouldResume(status)) continue;
            resume = true;
            messages.stop();
            return;
          }
        })();
        for await (const message of messages) {
          this.next = message.seq + 1;
          yield message;
        }
        if (!resume || !(await this.reopen())) return;
      }
    } finally {
      this.current.stop();
    }
  }

  /** Ends the iteration; messages delivered but not yet yielded are dropped (nothing was acked). */
  stop(): void {
    this.stopped = true;
    this.current.stop();
  }

  private async reopen(): Promise<boolean> {
    this.onResume?.({ from: this.next });
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        const messages = await withTimeout(
          this.open(this.next),
          REOPEN_TIMEOUT_STEP_MS * Math.max(1, attempt - 2),
        );
        this.current = messages;
        if (this.stopped) messages.stop();
        return !this.stopped;
      } catch (error) {
        if (error instanceof ClosedConnectionError) throw error;
        this.onResume?.({ from: this.next, error });
        await new Promise((resolve) => setTimeout(resolve, REOPEN_RETRY_MS));
      }
    }
    return false;
  }
}

class ReopenTimeoutError extends Error {
  override readonly name = 'ReopenTimeoutError';
}

/** Rejects after `ms`; a consumer that still comes later is stopped, nothing reads it. */
async function withTimeout(opening: Promise<ConsumerMessages>, ms: number): Promise<ConsumerMessages> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      opening.then((late) => late.stop()).catch(() => undefined);
      reject(new ReopenTimeoutError(`no new consumer within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([opening, expired]);
  } finally {
    clearTimeout(timer);
  }
}
