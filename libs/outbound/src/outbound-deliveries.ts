import { Agent } from 'undici';
import { guardedConnector } from '@aether/egress';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { KV_BUCKETS, SubscriptionDefinitionSchema, type SubscriptionDefinition } from '@aether/contracts';
import { KvMirror, onReconnect, openBucket, type MirrorChange } from '@aether/kv-state';
import type { SecretVault } from '@aether/vault';
import type { Logger } from 'pino';
import { SubscriptionWorker, type DeliveryOptions } from './delivery';
import { ParkedDeliveries } from './parked';

/**
 * The delivery service: one worker per subscription, following the `aether-subscriptions` bucket
 * (a new generation — a redelivery — replaces its worker; a removed subscription stops its worker).
 * Every replica runs the same workers; the consumers' `max_ack_pending: 1` lets only one of
 * them hold a subscription's next message at a time.
 */
export class OutboundDeliveries {
  private readonly workers = new Map<string, SubscriptionWorker>();
  private mirror?: KvMirror<SubscriptionDefinition>;
  private changes: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly dispatcher: Agent;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly vault: SecretVault,
    private readonly logger: Logger,
    private readonly options: DeliveryOptions,
  ) {
    this.dispatcher = new Agent({ connect: guardedConnector(options.egress, options.resolve) });
  }

  static async start(
    nc: NatsConnection,
    vault: SecretVault,
    logger: Logger,
    options: DeliveryOptions,
  ): Promise<OutboundDeliveries> {
    const service = new OutboundDeliveries(nc, vault, logger, options);
    await service.run();
    return service;
  }

  /** Subscriptions being delivered, by id. */
  get active(): ReadonlySet<string> {
    return new Set(this.workers.keys());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.mirror?.stop();
    await this.changes;
    await Promise.all([...this.workers.values()].map((worker) => worker.stop()));
    this.workers.clear();
    await this.dispatcher.close();
  }

  private async run(): Promise<void> {
    const [kv, parkedKv, jsm] = await Promise.all([
      openBucket(this.nc, KV_BUCKETS.subscriptions),
      openBucket(this.nc, KV_BUCKETS.outboundParked),
      jetstreamManager(this.nc),
    ]);
    const deps = {
      js: jetstream(this.nc),
      jsm,
      vault: this.vault,
      parked: new ParkedDeliveries(parkedKv),
      logger: this.logger,
      options: this.options,
      dispatcher: this.dispatcher,
    };
    this.mirror = await KvMirror.start<SubscriptionDefinition>(kv, {
      parse: (value) => SubscriptionDefinitionSchema.safeParse(value).data,
      onInvalid: (key) => this.logger.warn({ key }, 'unreadable subscription definition; not delivered'),
      onChange: (change) => {
        // Applied one at a time: a worker is stopped before its next generation starts.
        this.changes = this.changes.then(() => this.apply(change, deps));
      },
    });
    onReconnect(
      this.nc,
      () => this.mirror?.restart(),
      (error) =>
        this.logger.warn(
          { err: error },
          'reloading subscriptions after a reconnect failed; the watchdog tries again',
        ),
    );
  }

  private async apply(
    change: MirrorChange<SubscriptionDefinition>,
    deps: ConstructorParameters<typeof SubscriptionWorker>[1],
  ): Promise<void> {
    if (this.stopped) return;
    const id = change.kind === 'put' ? change.entry.key : change.key;
    const current = this.workers.get(id);
    const next = change.kind === 'put' ? change.entry.value : undefined;
    if (current && next && current.definition.generation === next.generation) return;
    if (current) {
      this.workers.delete(id);
      await current.stop();
    }
    if (!next) return;
    const worker = new SubscriptionWorker(next, deps);
    this.workers.set(id, worker);
    worker.start();
  }
}
