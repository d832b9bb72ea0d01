import type { EntityManager } from 'typeorm';
import type { QueueEvent, QueueItemEvent } from '@aether/contracts';

/** Tables the queue events own; emptied with the rest of the projection on a rebuild. */
export const QUEUE_TABLES = ['queues', 'queue_items'] as const;

/**
 * A queue's policy and its items' statuses (ADR 64), applied inside the job projection's
 * transaction so they share its checkpoint. An item's row follows `evolveQueueItem`: the same
 * statuses, and `finished_at` set whenever the item ends for good.
 */
export async function applyQueueEvent(
  tx: EntityManager,
  sequence: number,
  event: QueueEvent | QueueItemEvent,
): Promise<void> {
  const at = event.occurredAt;
  const update = (set: string, extra: unknown[] = []) =>
    tx.query(
      `UPDATE queue_items SET ${set}, updated_at = $3, last_sequence = $4 WHERE tenant_id = $1 AND item_id = $2`,
      [event.tenantId, event.aggregateId, at, sequence, ...extra],
    );
  switch (event.type) {
    case 'QueueDefined': {
      const { maxRetries, slaMs, onDeadlineMissed, trigger } = event.data;
      await tx.query(
        `INSERT INTO queues (tenant_id, queue, max_retries, sla_ms, on_deadline_missed, trigger, defined_at, last_sequence)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (tenant_id, queue) DO UPDATE
           SET max_retries = $3, sla_ms = $4, on_deadline_missed = $5, trigger = $6, defined_at = $7, last_sequence = $8`,
        [
          event.tenantId,
          event.aggregateId,
          maxRetries,
          slaMs ?? null,
          onDeadlineMissed ?? null,
          trigger ? JSON.stringify(trigger) : null,
          at,
          sequence,
        ],
      );
      return;
    }
    case 'QueueItemAdded': {
      const { queue, reference, priority, deadline, maxRetries } = event.data;
      await tx.query(
        `INSERT INTO queue_items (tenant_id, item_id, queue, reference, status, priority, deadline, max_retries,
                                  added_at, updated_at, last_sequence)
         VALUES ($1, $2, $3, $4, 'new', $5, $6, $7, $8, $8, $9) ON CONFLICT DO NOTHING`,
        [
          event.tenantId,
          event.aggregateId,
          queue,
          reference,
          priority,
          deadline ?? null,
          maxRetries,
          at,
          sequence,
        ],
      );
      return;
    }
    case 'QueueItemStarted':
      await update(
        `status = 'in-progress', attempts = $5, job_id = $6, robot_id = $7, started_at = $3, finished_at = NULL`,
        [event.data.attempt, event.data.jobId, event.data.robotId],
      );
      return;
    case 'QueueItemCompleted':
      await update(`status = 'successful', finished_at = $3, error = NULL`);
      return;
    case 'QueueItemFailed':
      await update(
        `status = CASE WHEN $5 THEN 'retried' ELSE 'failed' END,
         finished_at = CASE WHEN $5 THEN NULL ELSE $3::timestamptz END, error = $6`,
        [
          event.data.retried,
          JSON.stringify({ exception: event.data.exception, message: event.data.message }),
        ],
      );
      return;
    case 'QueueItemReleased':
      await update(
        `status = CASE WHEN $5 THEN 'retried' ELSE 'abandoned' END,
         finished_at = CASE WHEN $5 THEN NULL ELSE $3::timestamptz END, error = $6`,
        [
          event.data.retried,
          JSON.stringify({
            exception: 'released',
            message: `job ${event.data.jobId} ended (${event.data.reason})`,
          }),
        ],
      );
      return;
    case 'QueueItemAtRisk':
      await update(`at_risk_at = COALESCE(at_risk_at, $3), predicted_finish = $5`, [
        event.data.predictedFinish,
      ]);
      return;
    case 'QueueItemDeadlineMissed':
      if (event.data.consequence === 'fail')
        await update(
          `deadline_missed_at = COALESCE(deadline_missed_at, $3), status = 'failed', finished_at = $3, error = $5`,
          [JSON.stringify({ exception: 'deadline', message: `deadline ${event.data.deadline} missed` })],
        );
      else await update(`deadline_missed_at = COALESCE(deadline_missed_at, $3)`);
      return;
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
