import {
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type ConsumerConfig,
  type ConsumerMessages,
  type DirectMsgRequest,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { RequestError, type NatsConnection } from '@nats-io/transport-node';
import { STREAMS, parseEventSubject, subjects, type Envelope, type MessageRegistry } from '@aether/contracts';
import { directGet } from './direct-get';
import type { EventReadReply, EventReadRequest } from './event-reads';
import { ConcurrencyError } from './errors';
import { EventSubscription, type ResumeNotice, type SubscriptionStart } from './event-subscription';
import { quarantine } from './quarantine';
import { resentOnReconnect } from './reconnects';

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

/** One stored message: the events of one append, in order (ADR 22), or why they could not be read. */
export interface StoredCommit<TEvent extends Envelope = Envelope> {
  readonly sequence: number;
  /** Empty when the message failed validation (`invalid`). */
  readonly events: StoredEvent<TEvent>[];
  readonly invalid?: InvalidStoredEvent;
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

/** How often an idle subscription's consumer heartbeats, in ms. */
const DEFAULT_SUBSCRIPTION_HEARTBEAT_MS = 2_000;

export interface SubscribeOptions {
  /** Messages asked for at once. Default 512. */
  batch?: number;
  /** The consumer's idle heartbeat; two missed ones replace the consumer. Default 2 s. */
  heartbeatMs?: number;
  /** Told when the subscription replaces its consumer, and of each failed attempt. */
  onResume?: (notice: ResumeNotice) => void;
}

export interface EventStoreOptions {
  /**
   * Read histories by asking the services (`subjects.eventRead`, `serveEventReads`) over this
   * connection instead of with direct gets and consumers: for a robot's credentials, which may
   * neither direct-get `EVENTS` by sequence nor create consumers on it (ADR 77).
   */
  readonly readThrough?: NatsConnection;
  /**
   * The connection `js` publishes on: an append still unanswered when it reconnects is sent again
   * at once (same message id, so de-duplicated) instead of waiting out the publish timeout for an
   * answer that died with the old connection (ADR 113).
   */
  readonly connection?: NatsConnection;
}

/** A service refused a history read (`readThrough`): the subject is not the asker's tenant's, or the read failed there. */
export class EventReadRefusedError extends Error {
  override readonly name = 'EventReadRefusedError';
}

/** How long a read through the services waits for each page, in ms. */
const READ_THROUGH_TIMEOUT_MS = 10_000;

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
    const publish = () =>
      this.js.publish(subject, encoder.encode(JSON.stringify(body)), {
        msgID: events[0].id,
        ...(expected === 'any' ? {} : { expect: { lastSubjectSequence: expected } }),
      });
    const { connection } = this.options;
    try {
      const ack = await (connection ? resentOnReconnect(connection, publish) : publish());
      return { lastSequence: ack.seq, duplicate: ack.duplicate };
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamWrongLastSequence) {
        throw new ConcurrencyError(subject, expected as number, parseActual(error.message), { cause: error });
      }
      throw error;
    }
  }

  /**
   * The stream's `created` time (the server's RFC 3339 text, nanoseconds kept) and its last
   * sequence. A stream deleted and made again (a fresh data folder, a new cluster) has a new
   * `created` and its sequences start again at 1 (ADR 89). One request.
   */
  async streamIdentity(): Promise<{ created: string; lastSequence: number }> {
    const info = await this.jsm.streams.info(this.stream);
    return { created: info.created, lastSequence: info.state.last_seq };
  }

  /** The subject's last stream sequence, 0 when it has no events. One request. */
  async lastSequence(subject: string): Promise<number> {
    return (await directGet(this.jsm, this.stream, { last_by_subj: subject }))?.seq ?? 0;
  }

  /**
   * The subject's last message, validated by `registry`; `null` when it has none. One direct get
   * however long the history (ADR 136): for a reader that needs only what the last append
   * recorded. Not with `readThrough`.
   */
  lastCommit<TEvent extends Envelope>(
    subject: string,
    registry: MessageRegistry<TEvent>,
  ): Promise<StoredCommit<TEvent> | null> {
    return this.commit(subject, registry, { last_by_subj: subject });
  }

  /**
   * The subject's first message at stream sequence `from` or after, validated by `registry`;
   * `null` when there is none. One direct get: a history ordered by something its events carry
   * can be searched with it without being read whole (ADR 136). Not with `readThrough`.
   */
  nextCommit<TEvent extends Envelope>(
    subject: string,
    registry: MessageRegistry<TEvent>,
    from: number,
  ): Promise<StoredCommit<TEvent> | null> {
    return this.commit(subject, registry, { next_by_subj: subject, seq: from });
  }

  private async commit<TEvent extends Envelope>(
    subject: string,
    registry: MessageRegistry<TEvent>,
    query: DirectMsgRequest,
  ): Promise<StoredCommit<TEvent> | null> {
    if (this.options.readThrough) throw new Error('a single message is not read through the services');
    const message = await directGet(this.jsm, this.stream, query);
    if (!message) return null;
    const sequence = message.seq;
    const parsed = registry.parseEvents(message.data);
    return parsed.ok
      ? { sequence, events: parsed.messages.map((event) => ({ sequence, subject, event })) }
      : { sequence, events: [], invalid: { sequence, subject, reason: parsed.reason } };
  }

  /**
   * Reads every event on one aggregate's subject, in order, validated by `registry`.
   * ADR 0015: one `last_by_subj` fixes the end of the read, then one `next_by_subj` direct get
   * per event — no consumer for the short histories read at every claim. A history longer
   * than `DIRECT_READ_LIMIT` continues through an ordered consumer from where the gets
   * stopped. With `readThrough`, the services make those gets and answer in pages (ADR 77). Events appended meanwhile are left out, so `lastSequence` is always the
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
    if (this.options.readThrough) {
      const lastSequence = await readThrough(this.options.readThrough, subject, add);
      return { events, invalid, lastSequence };
    }
    const last = await directGet(this.jsm, this.stream, { last_by_subj: subject });
    if (!last) return { events, invalid, lastSequence: 0 };
    const lastSequence = last.seq;
    let from = 1;
    for (let n = 0; n < DIRECT_READ_LIMIT; n++) {
      const message = await directGet(this.jsm, this.stream, { next_by_subj: subject, seq: from });
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
   * Delivers every event on subjects matching `filter` from `from` (a stream sequence, or a time)
   * on, in order, through an ordered consumer (no acks: the caller keeps its own position). The
   * consumer heartbeats every `heartbeatMs` (default 2 s); after two missed heartbeats it is
   * replaced by one starting right after the last message delivered (`EventSubscription`).
   */
  async subscribe(
    filter: string,
    from: SubscriptionStart,
    options: SubscribeOptions = {},
  ): Promise<EventSubscription> {
    const open = async (start: SubscriptionStart): Promise<ConsumerMessages> => {
      const consumer = await this.js.consumers.get(this.stream, {
        filter_subjects: filter,
        ...deliverFrom(start),
      });
      return consumer.consume({
        max_messages: options.batch ?? 512,
        idle_heartbeat: options.heartbeatMs ?? DEFAULT_SUBSCRIPTION_HEARTBEAT_MS,
      });
    };
    return new EventSubscription(await open(from), from, open, options.onResume);
  }
}

/** The deliver policy of a consumer that starts at `start` (a stream sequence, or a time). */
export function deliverFrom(start: SubscriptionStart): Partial<ConsumerConfig> {
  if (start instanceof Date)
    return { deliver_policy: DeliverPolicy.StartTime, opt_start_time: start.toISOString() };
  return start <= 1
    ? { deliver_policy: DeliverPolicy.All }
    : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start };
}

function parseActual(message: string): number | undefined {
  const match = /wrong last sequence: (\d+)/.exec(message);
  return match ? Number(match[1]) : undefined;
}

/** Asks again every 100 ms while nobody listens, for up to `READ_THROUGH_TIMEOUT_MS`. */
async function untilAnswered<T>(ask: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + READ_THROUGH_TIMEOUT_MS;
  for (;;) {
    try {
      return await ask();
    } catch (error) {
      if (!(error instanceof RequestError && error.isNoResponders()) || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Reads a subject's messages page by page from the services; returns where the read ended. */
async function readThrough(
  nc: NatsConnection,
  subject: string,
  add: (sequence: number, data: Uint8Array) => void,
): Promise<number> {
  const tenantId = parseEventSubject(subject)?.tenantId;
  if (!tenantId) throw new EventReadRefusedError(`${subject} is not an event subject`);
  let from = 1;
  let upTo: number | undefined;
  for (;;) {
    const request: EventReadRequest = {
      subject,
      fromSequence: from,
      ...(upTo !== undefined ? { upTo } : {}),
    };
    const payload = encoder.encode(JSON.stringify(request));
    // A read is safe to ask again: one lost with its connection is asked again at the reconnect,
    // and one that finds no service yet (they subscribe again after a restart) a moment later (ADR 124).
    const answer = await resentOnReconnect(nc, () =>
      untilAnswered(() =>
        nc.request(subjects.eventRead(tenantId), payload, { timeout: READ_THROUGH_TIMEOUT_MS }),
      ),
    );
    const reply = answer.json<EventReadReply>();
    if ('refused' in reply) throw new EventReadRefusedError(`reading ${subject} refused: ${reply.refused}`);
    upTo = reply.lastSequence;
    for (const message of reply.messages) {
      add(message.sequence, encoder.encode(message.data));
      from = message.sequence + 1;
    }
    if (!reply.more) return reply.lastSequence;
  }
}
