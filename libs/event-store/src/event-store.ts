import {
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type ConsumerMessages,
  type DirectMsgRequest,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type StoredMsg,
} from '@nats-io/jetstream';
import { STREAMS, type Envelope, type MessageRegistry } from '@aether/contracts';
import { ConcurrencyError } from './errors';
import { quarantine } from './quarantine';

/** An event as stored: its position in the stream and on its subject. */
export interface StoredEvent<TEvent extends Envelope = Envelope> {
  /** The stream sequence of the message holding it (the events of one commit share it). */
  readonly sequence: number;
  readonly subject: string;
  readonly event: TEvent;
}

export interface InvalidStoredEvent {
  readonly sequence: number;
  readonly subject: string;
  readonly reason: string;
}

export interface AggregateHistory<TEvent extends Envelope = Envelope> {
  readonly events: StoredEvent<TEvent>[];
  /** Events on the subject that failed validation: kept out of `events`, never silently. */
  readonly invalid: InvalidStoredEvent[];
  /** Stream sequence of the last event on the subject; 0 when there is none. Pass it to `append`. */
  readonly lastSequence: number;
}

/**
 * `number`: the subject's last sequence must be exactly this (0: no events yet).
 * `'any'`: no check (use only for facts that cannot conflict).
 */
export type ExpectedSequence = number | 'any';

export interface AppendResult {
  /** Stream sequence of the appended events; pass it as `expected` to the next append. */
  readonly lastSequence: number;
  /** The events were already stored under the same message id (a retried append). */
  readonly duplicate: boolean;
}

const encoder = new TextEncoder();
/** Direct gets a read makes before it follows the rest of a long history with a consumer. */
const DIRECT_READ_LIMIT = 16;

export interface EventStoreOptions {
  /**
   * Read long histories by direct gets too, never through a consumer: for a connection whose
   * credentials may not create consumers on the stream (a robot's, ADR 39). One request an
   * event message instead of a batch, for the histories longer than `DIRECT_READ_LIMIT`.
   */
  readonly directReadsOnly?: boolean;
}

/** Append-only event store over the EVENTS stream: one subject per aggregate instance. */
export class EventStore {
  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly stream: string = STREAMS.events,
    private readonly options: EventStoreOptions = {},
  ) {}

  /**
   * Appends events atomically as one message guarded by `expected`: a single event is stored
   * as its envelope, several as a commit (a JSON array, ADR 22) that readers take whole or not
   * at all. The first event's id is the `Nats-Msg-Id`, so a retried append de-duplicates.
   * @throws ConcurrencyError when the subject moved past `expected`.
   */
  async append(
    subject: string,
    events: readonly Envelope[],
    expected: ExpectedSequence,
  ): Promise<AppendResult> {
    if (events.length === 0) throw new Error('append needs at least one event');
    const body = events.length === 1 ? events[0] : events;
    try {
      const ack = await this.js.publish(subject, encoder.encode(JSON.stringify(body)), {
        msgID: events[0].id,
        ...(expected === 'any' ? {} : { expect: { lastSubjectSequence: expected } }),
      });
      return { lastSequence: ack.seq, duplicate: ack.duplicate };
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamWrongLastSequence) {
        throw new ConcurrencyError(subject, expected as number, parseActual(error.message), { cause: error });
      }
      throw error;
    }
  }

  /** The subject's last stream sequence, 0 when it has no events. One request. */
  async lastSequence(subject: string): Promise<number> {
    return (await this.directGet({ last_by_subj: subject }))?.seq ?? 0;
  }

  /**
   * Reads every event on one aggregate's subject, in order, validated by `registry`.
   * ADR 0015: one `last_by_subj` fixes the end of the read, then one `next_by_subj` direct get
   * per event — no consumer for the short histories read at every claim. A history longer
   * than `DIRECT_READ_LIMIT` continues through an ordered consumer from where the gets
   * stopped. Events appended meanwhile are left out, so `lastSequence` is always the
   * sequence of the last event returned.
   */
  async read<TEvent extends Envelope>(
    subject: string,
    registry: MessageRegistry<TEvent>,
  ): Promise<AggregateHistory<TEvent>> {
    const events: StoredEvent<TEvent>[] = [];
    const invalid: InvalidStoredEvent[] = [];
    const add = (sequence: number, data: Uint8Array) => {
      const parsed = registry.parseEvents(data);
      if (parsed.ok) for (const event of parsed.messages) events.push({ sequence, subject, event });
      else invalid.push({ sequence, subject, reason: parsed.reason });
    };
    const last = await this.directGet({ last_by_subj: subject });
    if (!last) return { events, invalid, lastSequence: 0 };
    const lastSequence = last.seq;
    let from = 1;
    const gets = this.options.directReadsOnly ? Infinity : DIRECT_READ_LIMIT;
    for (let n = 0; n < gets; n++) {
      const message = await this.directGet({ next_by_subj: subject, seq: from });
      if (!message || message.seq >= lastSequence) {
        add(lastSequence, last.data);
        return { events, invalid, lastSequence };
      }
      add(message.seq, message.data);
      from = message.seq + 1;
    }
    const consumer = await this.js.consumers.get(this.stream, {
      filter_subjects: subject,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: from,
    });
    const messages = await consumer.consume({ max_messages: 256 });
    try {
      for await (const message of messages) {
        add(message.seq, message.data);
        if (message.seq >= lastSequence) break;
      }
    } finally {
      messages.stop();
    }
    return { events, invalid, lastSequence };
  }

  private async directGet(query: DirectMsgRequest): Promise<StoredMsg | null> {
    try {
      return await this.jsm.direct.getMessage(this.stream, query);
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.NoMessageFound) return null;
      throw error;
    }
  }

  /**
   * Keeps a stored event that `consumer` could not read in quarantine, with the reason: the
   * log cannot drop it, so an operator sees it there (`aether quarantine`). Quarantine before
   * moving past the event; the same event quarantined again within the duplicate window is
   * stored once.
   */
  quarantine(
    consumer: string,
    message: Pick<JsMsg, 'subject' | 'data' | 'seq'>,
    reason: string,
  ): Promise<void> {
    const { subject, data, seq } = message; // a JsMsg's fields are getters: a spread would lose them
    return quarantine(this.js, consumer, { subject, data, seq, info: { stream: this.stream } }, reason);
  }

  /**
   * Delivers every event on subjects matching `filter` from stream sequence `fromSequence`
   * on, in order, through an ordered consumer (no acks: the caller keeps its own position).
   */
  async subscribe(
    filter: string,
    fromSequence: number,
    options: { batch?: number } = {},
  ): Promise<EventSubscription> {
    const consumer = await this.js.consumers.get(this.stream, {
      filter_subjects: filter,
      ...(fromSequence <= 1
        ? { deliver_policy: DeliverPolicy.All }
        : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: fromSequence }),
    });
    const messages = await consumer.consume({ max_messages: options.batch ?? 512 });
    return new EventSubscription(messages);
  }
}

/** Raw messages from an ordered consumer; iterate it, and `stop()` it when done. */
export class EventSubscription implements AsyncIterable<JsMsg> {
  constructor(private readonly messages: ConsumerMessages) {}
  [Symbol.asyncIterator](): AsyncIterator<JsMsg> {
    return this.messages[Symbol.asyncIterator]();
  }
  /** Ends the iteration; messages delivered but not yet yielded are dropped (nothing was acked). */
  stop(): void {
    this.messages.stop();
  }
}

function parseActual(message: string): number | undefined {
  const match = /wrong last sequence: (\d+)/.exec(message);
  return match ? Number(match[1]) : undefined;
}
