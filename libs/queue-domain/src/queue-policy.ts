import type { QueueEvent, QueuePolicy } from '@aether/contracts';

/** The queue's policy: its latest definition, `undefined` when it was never defined. */
export function foldQueuePolicy(events: readonly QueueEvent[]): QueuePolicy | undefined {
  return events.reduce<QueuePolicy | undefined>((_policy, event) => event.data, undefined);
}

/** An item's deadline: the earlier of the one it was given and its queue's SLA from `addedAt`. */
export function itemDeadline(policy: QueuePolicy, addedAt: Date, given?: string): string | undefined {
  const sla = policy.slaMs === undefined ? undefined : addedAt.getTime() + policy.slaMs;
  const asked = given === undefined ? undefined : Date.parse(given);
  const deadline = sla === undefined ? asked : asked === undefined ? sla : Math.min(sla, asked);
  return deadline === undefined ? undefined : new Date(deadline).toISOString();
}
