import { randomBytes } from 'node:crypto';
import {
  JetStreamApiCodes,
  JetStreamApiError,
  jetstreamManager,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  KV_BUCKETS,
  STREAMS,
  SubscriptionDefinitionSchema,
  subscriptionConsumerName,
  type ParkedDelivery,
  type SubscriptionDefinition,
} from '@aether/contracts';
import { listKeys, openBucket } from '@aether/kv-state';
import type { SecretVault } from '@aether/vault';
import type { EgressPolicy, Resolver } from '@aether/egress';
import { subscriptionSecretName } from './secret-name';
import { subscriptionConsumer } from './consumer';
import { endpointRefusal } from './endpoint';
import { ParkedDeliveries } from './parked';

export interface SubscriptionsOptions {
  /** Hosts a subscription may reach over plain `http:` (development, tests). */
  readonly allowHttpHosts: readonly string[];
  /** The consumers' ack wait: longer than one delivery's time-out. */
  readonly ackWaitMs: number;
  /** Where deliveries may go: checked on the URL's host and what it resolves to at creation. */
  readonly egress: EgressPolicy;
  /** How names are resolved for that check. Default: the system resolver. */
  readonly resolve?: Resolver;
}

export interface NewSubscription {
  readonly url: string;
  readonly eventTypes?: readonly string[];
  readonly workflowIds?: readonly string[];
}

/** Where a redelivery starts: an EVENTS sequence, or the first message stored at or after a time. */
export type RedeliveryStart = { readonly sequence: number } | { readonly time: string };

/** The endpoint is not one a subscription may deliver to. */
export class EndpointRefusedError extends Error {
  readonly retryable = false;
}

/**
 * A tenant's outbound subscriptions: the definition in KV, the signing secret in the vault (shown
 * once, at creation), and one durable consumer per subscription — created here, before the
 * definition is written, so no event after creation is missed even while no delivery runs.
 */
/** A subscription's consumer position, as the console shows it. */
export interface DeliveryProgress {
  /** Every event up to this stream sequence was delivered or passed over by the filter. */
  readonly deliveredThrough: number;
  /** Events after the consumer's position not yet sent. */
  readonly waiting: number;
  /** Sent, or being retried, and not yet acknowledged (at most one: deliveries keep job order). */
  readonly inFlight: number;
  /** Messages sent more than once and still unacknowledged. */
  readonly redelivered: number;
}

export class Subscriptions {
  private constructor(
    private readonly kv: KV,
    private readonly jsm: JetStreamManager,
    private readonly vault: SecretVault,
    readonly parked: ParkedDeliveries,
    private readonly options: SubscriptionsOptions,
  ) {}

  static async open(
    nc: NatsConnection,
    vault: SecretVault,
    options: SubscriptionsOptions,
  ): Promise<Subscriptions> {
    const [kv, parked, jsm] = await Promise.all([
      openBucket(nc, KV_BUCKETS.subscriptions),
      openBucket(nc, KV_BUCKETS.outboundParked),
      jetstreamManager(nc),
    ]);
    return new Subscriptions(kv, jsm, vault, new ParkedDeliveries(parked), options);
  }

  /** @throws EndpointRefusedError */
  async create(
    tenantId: string,
    input: NewSubscription,
    by: string,
  ): Promise<{ definition: SubscriptionDefinition; secret: string }> {
    const refusal = endpointRefusal(input.url, this.options.allowHttpHosts);
    if (refusal) throw new EndpointRefusedError(`url: ${refusal}`);
    const egress = await this.options.egress.refuseResolved(
      new URL(input.url).hostname,
      this.options.resolve,
    );
    if (egress) throw new EndpointRefusedError(`url: ${egress}`);
    const definition = SubscriptionDefinitionSchema.parse({
      schemaVersion: 1,
      subscriptionId: randomBytes(12).toString('hex'),
      tenantId,
      url: input.url,
      eventTypes: [...(input.eventTypes ?? [])],
      workflowIds: [...(input.workflowIds ?? [])],
      createdAt: new Date().toISOString(),
      generation: 0,
      start: { from: 'new' },
    } satisfies SubscriptionDefinition);
    const secret = `whsec_${randomBytes(32).toString('base64url')}`;
    await this.vault.write(tenantId, subscriptionSecretName(definition.subscriptionId), secret, by);
    await this.jsm.consumers.add(STREAMS.events, subscriptionConsumer(definition, this.options.ackWaitMs));
    await this.kv.create(definition.subscriptionId, JSON.stringify(definition));
    return { definition, secret };
  }

  async list(tenantId: string): Promise<SubscriptionDefinition[]> {
    const found: SubscriptionDefinition[] = [];
    for (const key of await listKeys(this.kv)) {
      const definition = (await this.read(key))?.definition;
      if (definition?.tenantId === tenantId) found.push(definition);
    }
    return found.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** `undefined` for another tenant's subscription, as for none. */
  async get(tenantId: string, subscriptionId: string): Promise<SubscriptionDefinition | undefined> {
    const found = await this.read(subscriptionId);
    return found?.definition.tenantId === tenantId ? found.definition : undefined;
  }

  /**
   * How far its current consumer has come: events acknowledged up to a stream sequence (delivered,
   * or passed over by the filter), events matched but not yet sent, and those sent but unacknowledged.
   * `undefined` while the consumer does not exist (a redelivery replacing it).
   */
  async progress(definition: SubscriptionDefinition): Promise<DeliveryProgress | undefined> {
    try {
      const info = await this.jsm.consumers.info(
        STREAMS.events,
        subscriptionConsumerName(definition.subscriptionId, definition.generation),
      );
      return {
        deliveredThrough: info.ack_floor.stream_seq,
        waiting: info.num_pending,
        inFlight: info.num_ack_pending,
        redelivered: info.num_redelivered,
      };
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound)
        return undefined;
      throw error;
    }
  }

  /** Its consumer, its secret and its parked deliveries go with it. False when there was none. */
  async remove(tenantId: string, subscriptionId: string): Promise<boolean> {
    const definition = await this.get(tenantId, subscriptionId);
    if (!definition) return false;
    await this.kv.delete(subscriptionId);
    await this.deleteConsumer(subscriptionConsumerName(subscriptionId, definition.generation));
    await this.parked.release(subscriptionId, () => true);
    await this.vault.remove(tenantId, subscriptionSecretName(subscriptionId));
    return true;
  }

  /**
   * Sends again every job event of the tenant from `start` on, in order: a new generation's
   * consumer starts there, the parked deliveries it covers are released, the old consumer goes.
   */
  async redeliver(
    tenantId: string,
    subscriptionId: string,
    start: RedeliveryStart,
  ): Promise<SubscriptionDefinition | undefined> {
    const found = await this.read(subscriptionId);
    if (found?.definition.tenantId !== tenantId) return undefined;
    const previous = found.definition;
    const next = SubscriptionDefinitionSchema.parse({
      ...previous,
      generation: previous.generation + 1,
      start:
        'sequence' in start
          ? { from: 'sequence', sequence: start.sequence }
          : { from: 'time', time: start.time },
    } satisfies SubscriptionDefinition);
    await this.jsm.consumers.add(STREAMS.events, subscriptionConsumer(next, this.options.ackWaitMs));
    const from = 'sequence' in start ? start.sequence : Date.parse(start.time);
    await this.parked.release(subscriptionId, (delivery: ParkedDelivery) =>
      'sequence' in start ? delivery.sequence >= from : Date.parse(delivery.storedAt) >= from,
    );
    await this.kv.update(subscriptionId, JSON.stringify(next), found.revision);
    await this.deleteConsumer(subscriptionConsumerName(subscriptionId, previous.generation));
    return next;
  }

  private async read(
    subscriptionId: string,
  ): Promise<{ definition: SubscriptionDefinition; revision: number } | undefined> {
    const entry = await this.kv.get(subscriptionId);
    if (entry?.operation !== 'PUT') return undefined;
    const parsed = SubscriptionDefinitionSchema.safeParse(entry.json());
    return parsed.success ? { definition: parsed.data, revision: entry.revision } : undefined;
  }

  private async deleteConsumer(name: string): Promise<void> {
    try {
      await this.jsm.consumers.delete(STREAMS.events, name);
    } catch (error) {
      if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound))
        throw error;
    }
  }
}
