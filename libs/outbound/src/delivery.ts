import { fetch, type Dispatcher } from 'undici';
import { EgressRefusedError, type EgressPolicy, type Resolver } from '@aether/egress';
import type { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import {
  JOB_EVENTS,
  MessageRegistry,
  STREAMS,
  parseEventSubject,
  subscriptionConsumerName,
  type Envelope,
  type JobEvent,
  type OutboundDelivery,
  type SubscriptionDefinition,
} from '@aether/contracts';
import { DeliveryCounts } from '@aether/event-store';
import type { SecretVault } from '@aether/vault';
import { subscriptionSecretName } from './secret-name';
import type { Logger } from 'pino';
import { retryDelayMs, type BackoffPolicy } from './backoff';
import type { ParkedDeliveries } from './parked';
import { DELIVERY_ID_HEADER, SIGNATURE_HEADER, signDelivery } from './signature';

const jobEvents = new MessageRegistry<JobEvent>(JOB_EVENTS);

/** How deliveries are attempted; parsed once from the gateway's configuration. */
export interface DeliveryOptions {
  /** One POST's time-out, ms. */
  readonly timeoutMs: number;
  /** Attempts of one message before it is parked. */
  readonly maxAttempts: number;
  readonly backoff: BackoffPolicy;
  /**
   * Where deliveries may connect (mode `public`: loopback and private addresses only when named),
   * checked on every connection after DNS resolution. A refused delivery is parked at once.
   */
  readonly egress: EgressPolicy;
  /** How the egress guard resolves names. Default: the system resolver. */
  readonly resolve?: Resolver;
}

export interface DeliveryDeps {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly vault: SecretVault;
  readonly parked: ParkedDeliveries;
  readonly logger: Logger;
  readonly options: DeliveryOptions;
  /** Connects only where `options.egress` allows. */
  readonly dispatcher: Dispatcher;
}

type Outcome = { ok: true } | { ok: false; reason: string; terminal?: true };

/**
 * Delivers one subscription's generation: pulls its durable consumer (one message in flight),
 * POSTs each message's filtered events signed, acks on a 2xx, naks with a jittered exponential
 * delay otherwise, parks after `maxAttempts`. A stopped or killed process leaves the message
 * unacknowledged: the server hands it to the next puller.
 */
export class SubscriptionWorker {
  private stopping = false;
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private secret?: string;
  private readonly workflows = new Map<string, string | undefined>();
  private readonly deliveries = new DeliveryCounts((fields, warning) =>
    this.deps.logger.warn({ subscriptionId: this.definition.subscriptionId, ...fields }, warning),
  );

  constructor(
    readonly definition: SubscriptionDefinition,
    private readonly deps: DeliveryDeps,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.messages?.stop();
    await this.loop;
  }

  private async run(): Promise<void> {
    const name = subscriptionConsumerName(this.definition.subscriptionId, this.definition.generation);
    while (!this.stopping) {
      try {
        const consumer = await this.deps.js.consumers.get(STREAMS.events, name);
        // A consumer deleted under it ends the loop at the server's 409, and the next turn takes the
        // consumer made again; left to recover, nats.js pulls only after missed heartbeats (45 s, ADR 132).
        this.messages = await consumer.consume({ max_messages: 1, abort_on_missing_resource: true });
        for await (const message of this.messages) {
          if (this.stopping) {
            message.nak();
            break;
          }
          await this.handle(message);
        }
      } catch (error) {
        if (this.stopping) break;
        this.deps.logger.warn({ err: error, consumer: name }, 'outbound delivery loop failed; restarting');
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }

  private async handle(message: JsMsg): Promise<void> {
    const { subscriptionId } = this.definition;
    const jobId = parseEventSubject(message.subject)?.aggregateId ?? 'unknown';
    const attempt = this.deliveries.count(message.seq, message.info.deliveryCount, message.subject);
    const first = await this.deps.parked.firstOfJob(subscriptionId, jobId);
    if (first === message.seq) return void (await message.ackAck()); // parked already; its ack was lost
    const parsed = jobEvents.parseEvents(message.data);
    if (!parsed.ok) return this.park(message, jobId, attempt, `unreadable: ${parsed.reason}`);
    const delivery = await this.deliveryOf(message, jobId, parsed.messages);
    if (!delivery) return void (await message.ackAck());
    if (first !== undefined && first < message.seq)
      return this.park(message, jobId, 0, `waits behind parked sequence ${first}`, first);
    const outcome = await this.post(delivery);
    if (outcome.ok) return void (await message.ackAck());
    if (outcome.terminal || attempt >= this.deps.options.maxAttempts)
      return this.park(message, jobId, attempt, outcome.reason);
    const delayMs = retryDelayMs(attempt, this.deps.options.backoff);
    this.deps.logger.info(
      { subscriptionId, seq: message.seq, attempt, delayMs, reason: outcome.reason },
      'outbound delivery failed; will retry',
    );
    message.nak(delayMs);
  }

  /** The delivery of this message's events that pass the filter, or `undefined` when none does. */
  private async deliveryOf(
    message: JsMsg,
    jobId: string,
    events: readonly Envelope[],
  ): Promise<OutboundDelivery | undefined> {
    const { eventTypes, workflowIds, subscriptionId, tenantId } = this.definition;
    const selected = eventTypes.length ? events.filter((event) => eventTypes.includes(event.type)) : events;
    if (selected.length === 0) return undefined;
    const workflowId = await this.workflowOf(jobId, message, events);
    if (workflowIds.length && !(workflowId && workflowIds.includes(workflowId))) return undefined;
    return {
      type: 'aether.job.events',
      version: 1,
      subscriptionId,
      tenantId,
      jobId,
      sequence: message.seq,
      ...(workflowId ? { workflowId } : {}),
      events: [...selected],
    };
  }

  /** From the job's first event (`JobRequested`), read once per job. */
  private async workflowOf(
    jobId: string,
    message: JsMsg,
    events: readonly Envelope[],
  ): Promise<string | undefined> {
    const fromData = (event: Envelope | undefined) => {
      const workflowId = (event?.data as { workflowId?: unknown } | undefined)?.workflowId;
      return typeof workflowId === 'string' ? workflowId : undefined;
    };
    const requested = events.find((event) => event.type === 'JobRequested');
    if (requested) return fromData(requested);
    if (this.workflows.has(jobId)) return this.workflows.get(jobId);
    const stored = await this.deps.jsm.direct.getMessage(STREAMS.events, {
      seq: 1,
      next_by_subj: message.subject,
    });
    const parsed = stored ? jobEvents.parseEvents(stored.data) : undefined;
    const workflowId = parsed?.ok
      ? fromData(parsed.messages.find((e) => e.type === 'JobRequested'))
      : undefined;
    if (this.workflows.size > 10_000) this.workflows.clear();
    this.workflows.set(jobId, workflowId);
    return workflowId;
  }

  private async post(delivery: OutboundDelivery): Promise<Outcome> {
    const secret = await this.signingSecret();
    if (!secret) return { ok: false, reason: 'signing secret missing from the vault' };
    const body = JSON.stringify(delivery);
    try {
      const response = await fetch(this.definition.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Aether-Outbound/1',
          [SIGNATURE_HEADER]: signDelivery(secret, body, Date.now()),
          [DELIVERY_ID_HEADER]: `${delivery.subscriptionId}:${delivery.sequence}`,
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.deps.options.timeoutMs),
        dispatcher: this.deps.dispatcher,
      });
      await response.arrayBuffer().catch(() => undefined);
      return response.ok ? { ok: true } : { ok: false, reason: `HTTP ${response.status}` };
    } catch (error) {
      const refused = egressRefusal(error);
      if (refused) return { ok: false, reason: refused.message, terminal: true };
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return { ok: false, reason: `${(error as Error).name}${cause ? ` ${cause}` : ''}` };
    }
  }

  private async signingSecret(): Promise<string | undefined> {
    const { tenantId, subscriptionId } = this.definition;
    this.secret ??= await this.deps.vault.read(tenantId, subscriptionSecretName(subscriptionId));
    return this.secret;
  }

  private async park(message: JsMsg, jobId: string, attempts: number, reason: string, heldBehind?: number) {
    await this.deps.parked.park({
      schemaVersion: 1,
      subscriptionId: this.definition.subscriptionId,
      tenantId: this.definition.tenantId,
      jobId,
      sequence: message.seq,
      attempts,
      lastError: reason.slice(0, 500),
      parkedAt: new Date().toISOString(),
      storedAt: message.time.toISOString(),
      ...(heldBehind ? { heldBehind } : {}),
    });
    this.deps.logger.warn(
      { subscriptionId: this.definition.subscriptionId, seq: message.seq, jobId, attempts, reason },
      'outbound delivery parked',
    );
    await message.ackAck();
  }
}

function egressRefusal(error: unknown): EgressRefusedError | undefined {
  for (let e = error; e instanceof Error; e = e.cause) if (e instanceof EgressRefusedError) return e;
  return undefined;
}
