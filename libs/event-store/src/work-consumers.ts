import { AckPolicy, DeliverPolicy, type ConsumerConfig } from '@nats-io/jetstream';
import { subjects } from '@aether/contracts';
import { nanos } from './streams';

/** A work consumer's lease (`ack_wait`). */
export interface WorkConsumerSettings {
  readonly leaseMs: number;
}

/** The robot's default (`LEASE_MS`), used where a consumer is made for a robot that is not there yet. */
export const DEFAULT_WORK_CONSUMER: WorkConsumerSettings = { leaseMs: 30_000 };

type DurableConfig = Partial<ConsumerConfig> & { durable_name: string };

const workConsumer = (durable: string, filter: string, settings: WorkConsumerSettings): DurableConfig => ({
  durable_name: durable,
  filter_subject: filter,
  ack_policy: AckPolicy.Explicit,
  deliver_policy: DeliverPolicy.All,
  ack_wait: nanos(settings.leaseMs),
  // No server limit: the robot counts deliveries and dead-letters (ADR 71). nats-server 2.9.10
  // counts a redelivery it then fails to send, and one past `max_deliver` is dropped unseen.
  max_deliver: -1,
  max_ack_pending: 10_000,
});

/** The durable a robot pulls the jobs placed on it from (`robot-<id>`, any tenant's `robotWork`). */
export function robotWorkConsumer(robotId: string, settings: WorkConsumerSettings): DurableConfig {
  return workConsumer(`robot-${robotId}`, subjects.robotWork('*', robotId), settings);
}

/** A pool's shared durable (`pool-<pool>`). */
export function poolWorkConsumer(pool: string, settings: WorkConsumerSettings): DurableConfig {
  return workConsumer(`pool-${pool}`, subjects.poolWork('*', pool), settings);
}
