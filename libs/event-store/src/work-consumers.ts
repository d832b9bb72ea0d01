import { AckPolicy, DeliverPolicy, type ConsumerConfig } from '@nats-io/jetstream';
import { subjects } from '@aether/contracts';
import { nanos } from './streams';

/** A work consumer's lease (`ack_wait`) and how often one job is delivered before it fails for good. */
export interface WorkConsumerSettings {
  readonly leaseMs: number;
  readonly maxDeliver: number;
}

/** The robot's defaults (`LEASE_MS`, `MAX_DELIVER`), used where a consumer is made for a robot that is not there yet. */
export const DEFAULT_WORK_CONSUMER: WorkConsumerSettings = { leaseMs: 30_000, maxDeliver: 5 };

type DurableConfig = Partial<ConsumerConfig> & { durable_name: string };

const workConsumer = (durable: string, filter: string, settings: WorkConsumerSettings): DurableConfig => ({
  durable_name: durable,
  filter_subject: filter,
  ack_policy: AckPolicy.Explicit,
  deliver_policy: DeliverPolicy.All,
  ack_wait: nanos(settings.leaseMs),
  max_deliver: settings.maxDeliver,
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
