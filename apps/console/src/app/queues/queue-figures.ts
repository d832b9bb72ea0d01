import type { QueueSummary } from '@aether/read-api';
import { duration } from '../shared/time-format';

/** "1 h 00 min SLA · 95 % met (19 of 20)"; "no SLA" when the queue has none and no item ended with a deadline. */
export function slaText(queue: Pick<QueueSummary, 'slaMs' | 'sla'>): string {
  const target = queue.slaMs === null ? 'no SLA' : `${duration(queue.slaMs)} SLA`;
  if (queue.sla.ended === 0) return queue.slaMs === null ? target : `${target} · none ended yet`;
  const pct = Math.floor((queue.sla.met / queue.sla.ended) * 1000) / 10;
  return `${target} · ${pct} % met (${queue.sla.met} of ${queue.sla.ended})`;
}

/** Items still to do: new, retried (waiting again) and in progress. */
export function openItems(queue: Pick<QueueSummary, 'items'>): number {
  return queue.items.new + queue.items.retried + queue.items['in-progress'];
}
