import type { JetStreamManager } from '@nats-io/jetstream';
import {
  JOB_EVENTS,
  MessageRegistry,
  ROBOT_EVENTS,
  STREAMS,
  subjects,
  type JobEvent,
  type RobotEvent,
} from '@aether/contracts';
import type { EventStore, EventSubscription } from '@aether/event-store';
import { LIVE_CHANNELS, LIVE_CLOSE, type LiveFrame, type LiveSubscribe } from '@aether/read-api';
import type { Logger } from '@aether/service-kit';
import { framesFor, type LiveInterest } from './live-updates';

const liveEvents = new MessageRegistry<JobEvent | RobotEvent>([...JOB_EVENTS, ...ROBOT_EVENTS]);

/** The part of a `ws` socket a session uses. */
export interface LiveSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code: number, reason: string): void;
  terminate(): void;
}

export interface LiveLimits {
  /** Bytes a client may have waiting to be sent before it is dropped. */
  readonly maxBufferedBytes: number;
  /** How long a dropped client has to take its close frame before its connection is cut. */
  readonly dropGraceMs: number;
}

const OPEN = 1;

/**
 * One client's subscription: an ordered consumer on the tenant's events (or one job's subject)
 * from the sequence after the last the client saw, each event turned into frames and sent. Nothing
 * is queued here: what the socket cannot send waits in its buffer, and a client with more than
 * `maxBufferedBytes` waiting is dropped with the figure in the reason.
 */
export class LiveSession {
  private subscription?: EventSubscription;
  private generation = 0;
  private closed = false;

  constructor(
    private readonly socket: LiveSocket,
    private readonly tenantId: string,
    private readonly store: EventStore,
    private readonly jsm: JetStreamManager,
    private readonly limits: LiveLimits,
    private readonly logger: Logger,
  ) {}

  /** Replaces the current subscription; resolves once the new one is live (its `subscribed` frame sent). */
  async subscribe(request: LiveSubscribe): Promise<void> {
    this.stop();
    const generation = ++this.generation;
    const interest: LiveInterest = {
      channels: new Set(request.jobId ? [] : (request.channels ?? LIVE_CHANNELS)),
      ...(request.jobId ? { jobId: request.jobId } : {}),
    };
    const filter = request.jobId
      ? subjects.event(this.tenantId, 'job', request.jobId)
      : `aether.evt.${this.tenantId}.>`;
    const from =
      request.since !== undefined
        ? request.since + 1
        : (await this.jsm.streams.info(STREAMS.events)).state.last_seq + 1;
    const subscription = await this.store.subscribe(filter, from, { batch: 256 });
    if (generation !== this.generation || this.closed) {
      subscription.stop();
      return;
    }
    this.subscription = subscription;
    this.send({
      event: 'subscribed',
      data: { channels: [...interest.channels], ...(request.jobId ? { jobId: request.jobId } : {}), from },
    });
    void this.pump(subscription, interest);
  }

  /** Closed: the client went away or was dropped. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** The client went away: stop reading for it. */
  close(): void {
    this.closed = true;
    this.stop();
  }

  private stop(): void {
    this.subscription?.stop();
    this.subscription = undefined;
  }

  private async pump(subscription: EventSubscription, interest: LiveInterest): Promise<void> {
    try {
      for await (const message of subscription) {
        const parsed = liveEvents.parseEvents(message.data);
        if (!parsed.ok) continue; // another aggregate's event, or one the projector quarantines
        const frames = parsed.messages.flatMap((event) => framesFor(message.seq, event, interest));
        for (const [i, frame] of frames.entries()) {
          if (i < frames.length - 1 && frame.event !== 'subscribed' && frame.event !== 'error')
            frame.data.more = true;
          if (!this.send(frame)) return;
        }
      }
    } catch (error) {
      this.logger.warn({ err: error, tenantId: this.tenantId }, 'live subscription ended');
      if (this.socket.readyState === OPEN) this.socket.close(1011, 'the live feed stopped; reconnect');
    }
  }

  /** Sends a frame; false when the client is gone or has just been dropped for being slow. */
  private send(frame: LiveFrame): boolean {
    if (this.closed || this.socket.readyState !== OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    const waiting = this.socket.bufferedAmount;
    if (waiting <= this.limits.maxBufferedBytes) return true;
    this.drop(`too slow: ${waiting} bytes waiting (limit ${this.limits.maxBufferedBytes})`);
    return false;
  }

  private drop(reason: string): void {
    this.logger.warn({ tenantId: this.tenantId, reason }, 'live client dropped');
    this.close();
    this.socket.close(LIVE_CLOSE.tooSlow, reason);
    // The close frame waits behind what is buffered; a client that never reads it is cut off.
    setTimeout(() => this.socket.terminate(), this.limits.dropGraceMs).unref();
  }
}
