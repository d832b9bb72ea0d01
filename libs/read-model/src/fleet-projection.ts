import type { EntityManager } from 'typeorm';
import type { DispatchJobEvent } from '@aether/contracts';
import { DeadLetterRow } from './entities/dead-letter.entity';

/** Tables the fleet events own; emptied with the rest of the projection on a rebuild. */
export const FLEET_TABLES = ['dead_letters'] as const;

/**
 * The dispatcher's job events (retries, dead letters, requeues), applied inside the job
 * projection's transaction so they share its checkpoint.
 */
export async function applyFleetEvent(
  tx: EntityManager,
  sequence: number,
  event: DispatchJobEvent,
): Promise<void> {
  const key = [event.tenantId, event.aggregateId];
  const at = event.occurredAt;
  switch (event.type) {
    case 'JobRetryScheduled':
      await tx.query(
        `UPDATE jobs SET status = 'retry_scheduled', error = $5, finished_at = NULL, robot_id = NULL,
                         updated_at = $3, last_sequence = $4
         WHERE tenant_id = $1 AND job_id = $2`,
        [...key, at, sequence, event.data.error],
      );
      return;
    case 'JobDeadLettered':
      await tx.query(
        `INSERT INTO dead_letters (tenant_id, job_id, workflow_id, attempts, error, dead_lettered_at, last_sequence)
         SELECT tenant_id, job_id, workflow_id, $3, $4, $5, $6 FROM jobs WHERE tenant_id = $1 AND job_id = $2
         ON CONFLICT (tenant_id, job_id) DO UPDATE
           SET attempts = $3, error = $4, dead_lettered_at = $5, last_sequence = $6`,
        [...key, event.data.attempts, event.data.error, at, sequence],
      );
      await tx.query(
        `UPDATE jobs SET status = 'failed', error = $5, updated_at = $3, last_sequence = $4
         WHERE tenant_id = $1 AND job_id = $2`,
        [...key, at, sequence, event.data.error],
      );
      return;
    case 'JobRequeued':
      await tx.getRepository(DeadLetterRow).delete({ tenantId: event.tenantId, jobId: event.aggregateId });
      await tx.query(
        `UPDATE jobs SET status = 'pending', error = NULL, finished_at = NULL, robot_id = NULL,
                         updated_at = $3, last_sequence = $4
         WHERE tenant_id = $1 AND job_id = $2`,
        [...key, at, sequence],
      );
      return;
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
