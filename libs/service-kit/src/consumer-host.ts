import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { decodeJson, type Envelope, type MessageRegistry } from '@aether/contracts';
import { DeliveryCounts, ensureConsumer, nanos, quarantine } from '@aether/event-store';
import { SpanKind, extractTraceContext, withSpan } from '@aether/telemetry';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { TerminalError } from './failures';

export interface MessageMeta {
  readonly subject: string;
  /** Stream sequence of the message. */
  readonly sequence: number;
  /** 1 on first delivery. */
  readonly deliveryCount: number;
  /** Extends the ack deadline while a long handler runs. */
  working(): void;
}

/** One durable consumer and the handler behind it: a row of a service's explicit routing table. */
export interface ConsumerRoute<TMessage extends Envelope = Envelope> {
  /** Durable consumer name; also names the quarantine subject of its rejects. */
  readonly durable: string;
  readonly stream: string;
  readonly filterSubject: string;
  readonly registry: MessageRegistry<TMessage>;
  handle(message: TMessage, meta: MessageMeta): Promise<void>;
  /** Ack deadline before redelivery. Default 30 000 ms. */
  readonly ackWaitMs?: number;
  /**
   * Deliveries before a failing message is quarantined. Default 10. Counted here, not by the
   * server (ADR 71): a delivery past it is quarantined without being handled.
   */
  readonly maxDeliver?: number;
  /** Messages handled at once. Default 1 (in order). */
  readonly concurrency?: number;
  /** Where a new durable starts. Default: all messages. */
  readonly deliverPolicy?: DeliverPolicy;
  /**
   * The message types `handle` acts on. Others are acked unvalidated and unhandled, most without
   * being decoded, which spares a busy subject's followers nearly all their work. Default: every
   * type in `registry`.
   */
  readonly handles?: ReadonlySet<string>;
}

/**
 * How long each pull waits on the server. A pull made to a consumer leader that then dies is never
 * answered; the client notices after two missed idle heartbeats (half this each) and pulls again
 * from the new leader. At nats.js's default (30 s) the scheduler took no command for 38 s after the
 * node leading its consumer was killed in `chaos:cluster`; at 5 s an idle consumer costs one pull
 * and two heartbeats every 5 s.
 */
export const PULL_EXPIRES_MS = 5_000;

/**
 * Runs a table of durable pull consumers. Each message is validated first; a message that
 * fails validation, or keeps failing its handler, is quarantined with the reason and
 * terminated — never dropped, never crash-looped. `stop()` stops pulling and waits for
 * in-flight handlers.
 */
export class ConsumerHost {
  private readonly loops: Promise<void>[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stoppers: (() => void)[] = [];
  private stopping = false;
  private readonly metrics: ConsumerMetrics;
  /** Each route's own count of its messages' deliveries (ADR 71, 117). */
  private readonly deliveries = new Map<string, DeliveryCounts>();

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly logger: Logger,
    registry?: Registry,
  ) {
    this.metrics = new ConsumerMetrics(registry);
  }

  async start(routes: readonly ConsumerRoute[]): Promise<void> {
    for (const route of routes) {
      await ensureConsumer(this.jsm, route.stream, {
        durable_name: route.durable,
        filter_subject: route.filterSubject,
        ack_policy: AckPolicy.Explicit,
        ack_wait: nanos(route.ackWaitMs ?? 30_000),
        max_deliver: -1,
        deliver_policy: route.deliverPolicy ?? DeliverPolicy.All,
        max_ack_pending: Math.max(1000, (route.concurrency ?? 1) * 4),
      });
      this.loops.push(this.run(route));
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const stop of this.stoppers) stop();
    await Promise.allSettled([...this.inFlight]);
    await Promise.allSettled(this.loops);
  }

  private async run(route: ConsumerRoute): Promise<void> {
    const concurrency = route.concurrency ?? 1;
    while (!this.stopping) {
      try {
        const consumer = await this.js.consumers.get(route.stream, route.durable);
        const messages = await consumer.consume({
          max_messages: Math.max(16, concurrency * 2),
          expires: PULL_EXPIRES_MS,
        });
        this.stoppers.push(() => messages.stop());
        // Stopped while this pull was being set up: `stop()` ran the stoppers before this one.
        if (this.stopping) messages.stop();
        const mine = new Set<Promise<void>>();
        for await (const message of messages) {
          const work = this.process(route, message).finally(() => {
            mine.delete(work);
            this.inFlight.delete(work);
          });
          mine.add(work);
          this.inFlight.add(work);
          if (mine.size >= concurrency) await Promise.race(mine);
        }
        await Promise.allSettled([...mine]);
      } catch (error) {
        if (this.stopping) break;
        this.logger.warn({ err: error, consumer: route.durable }, 'consumer loop failed; restarting');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  private async process(route: ConsumerRoute, message: JsMsg): Promise<void> {
    const metrics = this.metrics.of(route);
    metrics.pending.set(message.info.pending);
    if (route.handles && !mentionsAny(message.data, route.handles)) {
      message.ack();
      metrics.count('skipped');
      return;
    }
    const json = decodeJson(message.data);
    if (json.ok && route.handles && !handled(route.handles, json.value)) {
      message.ack();
      metrics.count('skipped');
      return;
    }
    const parsed = json.ok ? route.registry.parse(json.value) : json;
    if (!parsed.ok) {
      await this.reject(route, message, parsed.reason);
      return;
    }
    const maxDeliver = route.maxDeliver ?? 10;
    const deliveryCount = this.countDelivery(route, message);
    if (deliveryCount > maxDeliver) {
      await this.reject(route, message, `gave up after ${deliveryCount - 1} deliveries`);
      return;
    }
    const meta: MessageMeta = {
      subject: message.subject,
      sequence: message.seq,
      deliveryCount,
      working: () => message.working(),
    };
    try {
      await withSpan(
        `process ${parsed.message.type}`,
        {
          kind: SpanKind.CONSUMER,
          parent: extractTraceContext(message.headers),
          attributes: {
            'messaging.system': 'nats',
            'messaging.operation.type': 'process',
            'messaging.destination.name': message.subject,
            'messaging.consumer.group.name': route.durable,
            'messaging.nats.stream.sequence': message.seq,
            'messaging.nats.delivery_count': deliveryCount,
          },
        },
        () => route.handle(parsed.message, meta),
      );
      message.ack();
      metrics.count('handled');
    } catch (error) {
      const exhausted = deliveryCount >= maxDeliver;
      if (error instanceof TerminalError || exhausted) {
        const why =
          exhausted && !(error instanceof TerminalError) ? `gave up after ${deliveryCount} deliveries: ` : '';
        await this.reject(route, message, `handler failed: ${why}${(error as Error).message}`);
        return;
      }
      const delayMs = (error as { delayMs?: number }).delayMs ?? Math.min(30_000, 250 * 2 ** deliveryCount);
      this.logger.warn(
        { err: error, consumer: route.durable, seq: message.seq, delayMs },
        'handler failed; will retry',
      );
      message.nak(delayMs);
      metrics.count('retried');
    }
  }

  /** The route's count of this delivery: the server's, unless it counts lower than one taken before (ADR 117). */
  private countDelivery(route: ConsumerRoute, message: JsMsg): number {
    let counts = this.deliveries.get(route.durable);
    if (!counts) {
      counts = new DeliveryCounts((fields, warning) =>
        this.logger.warn({ consumer: route.durable, ...fields }, warning),
      );
      this.deliveries.set(route.durable, counts);
    }
    return counts.count(message.seq, message.info.deliveryCount, message.subject);
  }

  private async reject(route: ConsumerRoute, message: JsMsg, reason: string): Promise<void> {
    try {
      await quarantine(this.js, route.durable, message, reason);
      message.term();
      this.metrics.of(route).count('quarantined');
      this.logger.warn(
        { consumer: route.durable, subject: message.subject, seq: message.seq, reason },
        'message quarantined',
      );
    } catch (error) {
      // Not kept yet, so not let go: it comes back after a delay and we try again.
      this.logger.error(
        { err: error, consumer: route.durable, seq: message.seq },
        'could not quarantine; will retry',
      );
      message.nak(2_000);
    }
  }
}

/**
 * Whether the raw message names any of `types` as a JSON string: one that does not cannot be of
 * those types, so it is acked without being decoded.
 */
function mentionsAny(data: Uint8Array, types: ReadonlySet<string>): boolean {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  for (const type of types) if (bytes.includes(`"${type}"`)) return true;
  return false;
}

/** Whether a route handling `handles` acts on `value`; one without a `type` is validated (and so rejected with the reason). */
function handled(handles: ReadonlySet<string>, value: unknown): boolean {
  const type = (value as { type?: unknown } | null)?.type;
  return typeof type !== 'string' || handles.has(type);
}

type Outcome = 'handled' | 'skipped' | 'retried' | 'quarantined';

/** Per consumer: what became of its deliveries, and how many messages wait behind the last one. */
class ConsumerMetrics {
  private readonly pending: Gauge<'consumer'>;
  private readonly messages: Counter<'consumer' | 'outcome'>;
  /** Each consumer's labelled series, looked up once rather than on every delivery. */
  private readonly series = new Map<string, ConsumerSeries>();

  constructor(registry?: Registry) {
    const registers = registry ? [registry] : [];
    this.messages = new Counter({
      name: 'aether_consumer_messages_total',
      help: 'Deliveries of a durable consumer by outcome: handled, skipped (a type it does not act on), retried (handler failed, redelivered later), quarantined',
      labelNames: ['consumer', 'outcome'],
      registers,
    });
    this.pending = new Gauge({
      name: 'aether_consumer_pending_messages',
      help: 'Messages in the stream not yet delivered to the consumer, as of its last delivery',
      labelNames: ['consumer'],
      registers,
    });
  }

  of(route: ConsumerRoute): ConsumerSeries {
    let series = this.series.get(route.durable);
    if (!series) {
      const consumer = route.durable;
      const counters = new Map<Outcome, { inc(): void }>();
      series = {
        pending: this.pending.labels({ consumer }),
        count: (outcome) => {
          let counter = counters.get(outcome);
          if (!counter) counters.set(outcome, (counter = this.messages.labels({ consumer, outcome })));
          counter.inc();
        },
      };
      this.series.set(consumer, series);
    }
    return series;
  }
}

interface ConsumerSeries {
  readonly pending: { set(value: number): void };
  count(outcome: Outcome): void;
}
