import { AckPolicy, DeliverPolicy, type ConsumerConfig } from '@nats-io/jetstream';
import { subjects, subscriptionConsumerName, type SubscriptionDefinition } from '@aether/contracts';
import { nanos } from '@aether/event-store';

/**
 * The durable consumer of a subscription's generation, on EVENTS: the tenant's job subjects only;
 * one message unacknowledged at a time, so a job's later event never overtakes an earlier one
 * (even across restarts: the server holds the order); no delivery limit — the delivery service
 * parks what keeps failing itself, so nothing is dropped by the server.
 */
export function subscriptionConsumer(
  definition: SubscriptionDefinition,
  ackWaitMs: number,
): Partial<ConsumerConfig> & { durable_name: string } {
  const { start } = definition;
  return {
    durable_name: subscriptionConsumerName(definition.subscriptionId, definition.generation),
    description: `outbound subscription ${definition.subscriptionId} (tenant ${definition.tenantId})`,
    filter_subject: subjects.eventsOf('job', definition.tenantId),
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(ackWaitMs),
    max_deliver: -1,
    max_ack_pending: 1,
    ...(start.from === 'new'
      ? { deliver_policy: DeliverPolicy.New }
      : start.from === 'sequence'
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start.sequence }
        : { deliver_policy: DeliverPolicy.StartTime, opt_start_time: start.time }),
  };
}
