import {
  createInbox,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from '@nats-io/transport-node';
import { nanos } from '@aether/event-store';

/** A claimed work message: what the robot reads of it, and how it settles the lease it holds. */
export interface WorkDelivery {
  readonly subject: string;
  readonly data: Uint8Array;
  /** Stream sequence. */
  readonly seq: number;
  readonly info: { readonly stream: string; readonly deliveryCount: number };
  /** The headers it was published with (the trace context of the placement). */
  readonly headers?: MsgHdrs;
  ack(): void;
  /** Back to the queue, redelivered after `delayMs` (at once without it). */
  nak(delayMs?: number): void;
  /** Keeps the lease: the server restarts the message's `ack_wait`. */
  working(): void;
  /** Never redelivered. */
  term(): void;
}

/**
 * How much longer than the pull's own expiry the client waits before it counts the pull lost.
 * nats-server before 2.9.15 ends a pull with no answer at all when a message arrives just as the
 * pull expires (nats-server#3942): the message stays queued, and this grace is how long it waits.
 */
const LOST_PULL_GRACE_MS = 1_000;

/** The server answered a pull with nothing at all, neither a message nor a status. */
export class UnansweredPull extends Error {}

/**
 * Pulls one message at a time from a durable pull consumer through one long-lived wildcard
 * inbox, each pull with its own reply subject (`<inbox>.<n>`) for the statuses that end it.
 *
 * nats.js's `consumer.next()` subscribes and unsubscribes an inbox per call, and its pull leaves
 * in a socket write of its own: four writes per job where this takes two (the settle of the last
 * job with the next pull, and the job's commit). A message that arrives while no pull waits (an
 * earlier pull, given up on when the connection broke, answered late) is naked at once, so the
 * robot never holds two leases.
 */
export class WorkPuller {
  private readonly inbox: string;
  private readonly subscription: Subscription;
  private pull = 0;
  private waiting?: {
    readonly pull: number;
    readonly timer: NodeJS.Timeout;
    resolve(delivery: WorkDelivery | null): void;
    reject(error: Error): void;
  };

  constructor(
    private readonly nc: NatsConnection,
    private readonly stream: string,
    private readonly durable: string,
    /** The connection's inbox prefix: a robot's credentials allow it no other (ADR 38). */
    inboxPrefix?: string,
    private readonly lostPullGraceMs = LOST_PULL_GRACE_MS,
  ) {
    this.inbox = createInbox(inboxPrefix);
    this.subscription = nc.subscribe(`${this.inbox}.*`, {
      callback: (error, message) => (error ? this.fail(error) : this.receive(message)),
    });
    void this.subscription.closed.then(() => this.fail(new Error('work inbox closed')));
  }

  /**
   * The next message, or null when none came within `expiresMs`; rejects when the server did
   * not answer the pull at all (the connection broke, the consumer is gone). The pull request is
   * written in the caller's tick, so a settle called just before leaves in the same socket write.
   *
   * With `acking`, the pull follows that delivery's ack. For a delivery of this puller's they are
   * one `+NXT` message on its ack subject, which nats-server takes as the ack and then the pull,
   * so the robot still never holds two leases; any other delivery is acked apart, first.
   */
  next(expiresMs: number, acking?: WorkDelivery): Promise<WorkDelivery | null> {
    if (this.waiting) {
      acking?.ack();
      return Promise.reject(new Error('a pull is already waiting'));
    }
    const pull = ++this.pull;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          this.fail(
            new UnansweredPull(`pulling work: no answer from ${this.durable} within ${expiresMs} ms`),
          ),
        expiresMs + this.lostPullGraceMs,
      );
      this.waiting = { pull, timer, resolve, reject };
      const request = JSON.stringify({ batch: 1, expires: nanos(expiresMs) });
      const reply = `${this.inbox}.${pull}`;
      if (acking instanceof PulledDelivery && acking.puller === this)
        this.nc.publish(acking.ackSubject, `+NXT ${request}`, { reply });
      else {
        acking?.ack();
        this.nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${this.stream}.${this.durable}`, request, { reply });
      }
    });
  }

  close(): void {
    this.subscription.unsubscribe();
  }

  private receive(message: Msg): void {
    const status = message.headers?.code ?? 0;
    if (status === 0) {
      // A message arrives on its own subject, so which pull it answers is unknown: it is taken
      // by the pull that waits, and sent back when none waits (an earlier pull answered late).
      if (!message.reply) return;
      const delivery = new PulledDelivery(this, message);
      if (this.waiting) this.settle(delivery);
      else delivery.nak();
      return;
    }
    // Statuses come on the pull's reply subject: one for a pull given up on is ignored.
    const pull = Number(message.subject.slice(this.inbox.length + 1));
    if (status === 100 || this.waiting?.pull !== pull) return; // a heartbeat, or an old pull's end
    if (status === 404 || status === 408) return this.settle(null); // no message, or expired
    this.fail(new Error(`pulling work: ${status} ${message.headers?.description ?? ''}`.trim()));
  }

  private settle(delivery: WorkDelivery | null): void {
    this.endPull()?.resolve(delivery);
  }

  private fail(error: Error): void {
    this.endPull()?.reject(error);
  }

  /** The pull that waited, if one did; no longer waiting. */
  private endPull() {
    const ended = this.waiting;
    if (ended) clearTimeout(ended.timer);
    this.waiting = undefined;
    return ended;
  }
}

/**
 * A message a pull brought, settled on its ack subject:
 * `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>`, or the 12-token form
 * with domain and account.
 */
class PulledDelivery implements WorkDelivery {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly seq: number;
  readonly info: { readonly stream: string; readonly deliveryCount: number };
  readonly ackSubject: string;
  readonly headers?: MsgHdrs;

  constructor(
    readonly puller: WorkPuller,
    private readonly message: Msg,
  ) {
    this.subject = message.subject;
    this.data = message.data;
    this.headers = message.headers;
    this.ackSubject = message.reply as string;
    const tokens = this.ackSubject.split('.');
    const at = tokens.length === 9 ? 2 : 4;
    this.seq = Number(tokens[at + 3]);
    this.info = { stream: tokens[at], deliveryCount: Number(tokens[at + 2]) };
  }

  ack(): void {
    this.respond('+ACK');
  }
  nak(delayMs?: number): void {
    this.respond(delayMs ? `-NAK ${JSON.stringify({ delay: nanos(delayMs) })}` : '-NAK');
  }
  working(): void {
    this.respond('+WPI');
  }
  term(): void {
    this.respond('+TERM');
  }

  private respond(body: string): void {
    this.message.respond(body);
  }
}
