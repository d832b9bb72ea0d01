import type { DataSource, EntityManager } from 'typeorm';
import type {
  Envelope,
  HealingEvent,
  JobEvent,
  QueueEvent,
  QueueItemEvent,
  WorkflowEvent,
} from '@aether/contracts';
import { FLEET_TABLES, applyFleetEvent } from './fleet-projection';
import { HEALING_TABLES, applyHealingEvent } from './healing-projection';
import { QUEUE_TABLES, applyQueueEvent } from './queue-projection';

/** An event with its stream sequence, as the projector receives it. */
export interface ProjectableEvent {
  readonly sequence: number;
  /** Absent for a stream position this projection has nothing to do with: only the checkpoint moves. */
  readonly event?: Envelope;
}

export type ProjectedEvent = JobEvent | WorkflowEvent | HealingEvent | QueueEvent | QueueItemEvent;

/** Which EVENTS stream a checkpoint's sequences belong to (ADR 89), and how far that stream goes. */
export interface StreamIdentity {
  /** The stream's `created` time as the server reports it (RFC 3339, nanoseconds). */
  readonly created: string;
  /** The stream's last sequence; 0 when it is empty. */
  readonly lastSequence: number;
}

/** Where a projector starts on a stream, and why it starts over when it does. */
export interface Adoption {
  /** The first sequence to project. */
  readonly from: number;
  /** Set when the projection was emptied to be rebuilt from sequence 1. */
  readonly rebuilt?: {
    /** The checkpoint that was given up. */
    readonly checkpoint: number;
    /** The `created` time of the stream it was taken on; null when it was not recorded. */
    readonly checkpointStream: string | null;
    readonly reason: 'another stream' | 'checkpoint past the stream';
  };
}

/** The checkpoint now belongs to another stream than the batch's: the projector must start again. */
export class CheckpointStreamChangedError extends Error {
  override readonly name = 'CheckpointStreamChangedError';
  constructor(
    readonly stream: string,
    readonly checkpointStream: string,
  ) {
    super(`the checkpoint belongs to the stream created ${checkpointStream}, not ${stream}`);
  }
}

/** The checkpoint name of the projection the gateway reads. */
export const READ_MODEL_PROJECTION = 'read-model';

/**
 * Projects job and workflow events into PostgreSQL. Each batch is one transaction that
 * also moves the checkpoint, and events at or below the checkpoint are skipped — so
 * re-delivery changes nothing and a rebuild from sequence 1 gives the same rows.
 * Row timestamps come from the events, never from the clock.
 */
export class JobProjection {
  constructor(
    private readonly dataSource: DataSource,
    readonly name = READ_MODEL_PROJECTION,
  ) {}

  async checkpoint(): Promise<number> {
    const rows: { last_sequence: string }[] = await this.dataSource.query(
      'SELECT last_sequence FROM projection_checkpoints WHERE name = $1',
      [this.name],
    );
    return rows.length ? Number(rows[0].last_sequence) : 0;
  }

  /**
   * Makes the checkpoint belong to `stream` before projecting from it (ADR 89): a checkpoint taken
   * on another stream, or past this stream's last sequence, is for events this stream does not
   * hold, so the projection is emptied and starts again at sequence 1. A checkpoint recorded
   * before streams were named is adopted unless it is past the end. Done under the checkpoint's
   * row lock, so of two projectors starting together one rebuilds and the other then finds the
   * checkpoint already on this stream.
   */
  async adopt(stream: StreamIdentity): Promise<Adoption> {
    return this.dataSource.transaction(async (tx) => {
      const held = await this.lockCheckpoint(tx);
      const same = held.streamCreated === null || held.streamCreated === stream.created;
      if (same && held.sequence <= stream.lastSequence) {
        if (held.streamCreated === null)
          await tx.query('UPDATE projection_checkpoints SET stream_created = $2 WHERE name = $1', [
            this.name,
            stream.created,
          ]);
        return { from: held.sequence + 1 };
      }
      await truncateProjection(tx);
      await tx.query(
        'UPDATE projection_checkpoints SET last_sequence = 0, stream_created = $2 WHERE name = $1',
        [this.name, stream.created],
      );
      return {
        from: 1,
        rebuilt: {
          checkpoint: held.sequence,
          checkpointStream: held.streamCreated,
          reason: same ? 'checkpoint past the stream' : 'another stream',
        },
      };
    });
  }

  /**
   * Applies a batch in order; returns the events that were new (none when another projector had
   * them). With `stream`, a checkpoint that has since moved to another stream (another projector
   * rebuilt it, ADR 89) refuses the batch with `CheckpointStreamChangedError`.
   */
  async apply(batch: readonly ProjectableEvent[], stream?: StreamIdentity): Promise<Envelope[]> {
    if (batch.length === 0) return [];
    return this.dataSource.transaction(async (tx) => {
      const held = await this.lockCheckpoint(tx);
      if (stream && held.streamCreated !== null && held.streamCreated !== stream.created)
        throw new CheckpointStreamChangedError(stream.created, held.streamCreated);
      const fresh = batch.filter((item) => item.sequence > held.sequence);
      await applyEvents(tx, fresh);
      if (fresh.length > 0) {
        const last = Math.max(...fresh.map((item) => item.sequence));
        await tx.query(
          'UPDATE projection_checkpoints SET last_sequence = $2, stream_created = coalesce(stream_created, $3) WHERE name = $1',
          [this.name, last, stream?.created ?? null],
        );
      }
      return fresh.flatMap((item) => (item.event ? [item.event] : []));
    });
  }

  /**
   * Reads the checkpoint and holds its row lock until the transaction ends, so two projectors
   * never apply the same events; the no-op update takes the lock (and the insert creates the row
   * on the very first batch) in one round trip.
   */
  private async lockCheckpoint(
    tx: EntityManager,
  ): Promise<{ sequence: number; streamCreated: string | null }> {
    const [row]: { last_sequence: string; stream_created: string | null }[] = await tx.query(
      `INSERT INTO projection_checkpoints (name, last_sequence) VALUES ($1, 0)
       ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
       RETURNING last_sequence, stream_created`,
      [this.name],
    );
    return { sequence: Number(row.last_sequence), streamCreated: row.stream_created };
  }

  /** Each job's workflow and seconds from its request to its end (finished jobs only). */
  async durations(
    jobs: readonly { tenantId: string; jobId: string }[],
  ): Promise<Map<string, { workflowId: string; seconds: number }>> {
    if (jobs.length === 0) return new Map();
    const rows: { tenant_id: string; job_id: string; workflow_id: string; seconds: string }[] =
      await this.dataSource.query(
        `SELECT tenant_id, job_id, workflow_id, EXTRACT(EPOCH FROM finished_at - requested_at) AS seconds
           FROM jobs
          WHERE (tenant_id, job_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
            AND finished_at IS NOT NULL`,
        [jobs.map((job) => job.tenantId), jobs.map((job) => job.jobId)],
      );
    return new Map(
      rows.map((row) => [
        `${row.tenant_id}/${row.job_id}`,
        { workflowId: row.workflow_id, seconds: Number(row.seconds) },
      ]),
    );
  }

  /** Empties the projection so it can be rebuilt from sequence 1. */
  async reset(): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      await truncateProjection(tx);
      await tx.query('DELETE FROM projection_checkpoints WHERE name = $1', [this.name]);
    });
  }
}

/** Every table the projection writes; TRUNCATE fires no row trigger, so the rollups go with them. */
async function truncateProjection(tx: EntityManager): Promise<void> {
  await tx.query(
    `TRUNCATE jobs, job_counts, queue_depth_minutes, job_hourly, job_daily, job_steps, step_hourly, node_hourly, workflows, heal_hourly, ${[...FLEET_TABLES, ...HEALING_TABLES, ...QUEUE_TABLES].join(', ')}`,
  );
}

/** A job's life as far as set-wise projection goes: within one group a job's events must rise in rank. */
const RANK = { JobRequested: 0, JobDispatched: 1, JobStarted: 2, JobCompleted: 3 } as const;
type Grouped = Extract<ProjectedEvent, { type: keyof typeof RANK }>;
type Requested = Extract<Grouped, { type: 'JobRequested' }>;
const isGrouped = (event: ProjectedEvent): event is Grouped => Object.hasOwn(RANK, event.type);

/** What a group's events do to one job's row: its grouped events folded in stream order. */
interface JobChange {
  readonly tenantId: string;
  readonly jobId: string;
  readonly rank: number;
  /** The status a new row ends with; `upsertJobs` decides what it does to an existing one. */
  readonly status: 'pending' | 'queued' | 'running' | 'completed';
  readonly requested?: Requested;
  readonly dispatchedAt?: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly robotId?: string | null;
  readonly outputs?: Record<string, unknown>;
  /** Time and sequence of the job's last event in the group. */
  readonly at: string;
  readonly sequence: number;
}

/**
 * Applies events in order with as few statements as possible: the four events every job has
 * (requested, dispatched, started, completed) are folded per job and written as one upsert.
 * A group only ever holds a job's events in rising rank, so each job folds at most one event of
 * each type in stream order, and jobs never touch each other's rows: one row change per job is
 * what the events one by one would do. Any other event, or a job going back (a retry dispatched
 * again), flushes the group first and is applied alone.
 */
async function applyEvents(tx: EntityManager, items: readonly ProjectableEvent[]): Promise<void> {
  const changes = new Map<string, JobChange>();
  const flush = async () => {
    if (changes.size === 0) return;
    await upsertJobs(tx, [...changes.values()]);
    changes.clear();
  };
  for (const { sequence, event } of items) {
    if (!event) continue;
    const projected = event as ProjectedEvent;
    if (!isGrouped(projected)) {
      await flush();
      await applyEvent(tx, sequence, projected);
      continue;
    }
    const job = `${projected.tenantId}/${projected.aggregateId}`;
    if ((changes.get(job)?.rank ?? -1) >= RANK[projected.type]) await flush();
    changes.set(job, evolve(changes.get(job), projected, sequence));
  }
  await flush();
}

function evolve(change: JobChange | undefined, event: Grouped, sequence: number): JobChange {
  const next: JobChange = {
    ...(change ?? { tenantId: event.tenantId, jobId: event.aggregateId, status: 'pending' }),
    rank: RANK[event.type],
    at: event.occurredAt,
    sequence,
  };
  switch (event.type) {
    case 'JobRequested':
      return { ...next, requested: event };
    case 'JobDispatched':
      return { ...next, status: 'queued', dispatchedAt: event.occurredAt };
    case 'JobStarted':
      return {
        ...next,
        status: 'running',
        robotId: event.data.robotId,
        startedAt: event.occurredAt,
        ...(event.data.dispatchedAt ? { dispatchedAt: event.data.dispatchedAt } : {}),
      };
    case 'JobCompleted':
      return {
        ...next,
        status: 'completed',
        robotId: event.data.robotId ?? null,
        outputs: event.data.outputs,
        finishedAt: event.occurredAt,
      };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

interface Column {
  readonly name: string;
  readonly type: string;
  readonly values: readonly unknown[];
}

/** `unnest` over one array parameter per column: a whole set of rows in one statement. */
function unnest(columns: readonly Column[]) {
  return {
    from: `unnest(${columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ')}) AS u(${columns.map((c) => c.name).join(', ')})`,
    params: columns.map((c) => c.values),
  };
}

/**
 * One statement for the whole group. A new row is only ever inserted from a JobRequested; the
 * update branch replays on an existing row what the events one by one would do: a dispatch moves
 * only a pending or retry-scheduled job to queued, the first dispatch and start times stay, a
 * start or completion sets the robot, and a JobRequested alone (a change still 'pending') writes
 * nothing, not even a new row version.
 */
async function upsertJobs(tx: EntityManager, changes: readonly JobChange[]): Promise<void> {
  const column = (name: string, type: string, value: (change: JobChange) => unknown): Column => ({
    name,
    type,
    values: changes.map((change) => value(change) ?? null),
  });
  const { from, params } = unnest([
    column('tenant_id', 'text', (c) => c.tenantId),
    column('job_id', 'text', (c) => c.jobId),
    column('workflow_id', 'text', (c) => c.requested?.data.workflowId),
    column('workflow_version', 'int', (c) => c.requested?.data.workflowVersion),
    column('priority', 'int', (c) => c.requested?.data.priority),
    column('variables', 'jsonb', (c) => c.requested && JSON.stringify(c.requested.data.variables)),
    column('requested_at', 'timestamptz', (c) => c.requested?.occurredAt),
    column('deadline', 'timestamptz', (c) => c.requested?.data.deadline),
    column('status', 'text', (c) => c.status),
    column('robot_id', 'text', (c) => c.robotId),
    column('outputs', 'jsonb', (c) => JSON.stringify(c.outputs)),
    column('dispatched_at', 'timestamptz', (c) => c.dispatchedAt),
    column('started_at', 'timestamptz', (c) => c.startedAt),
    column('finished_at', 'timestamptz', (c) => c.finishedAt),
    column('updated_at', 'timestamptz', (c) => c.at),
    column('last_sequence', 'bigint', (c) => c.sequence),
  ]);
  // PostgreSQL checks NOT NULL on the proposed row before it looks for a conflict, so a job
  // without a JobRequested here proposes its existing row's request columns, and is left out
  // when it has no row (the updates one by one would have found nothing to update).
  await tx.query(
    `INSERT INTO jobs (tenant_id, job_id, workflow_id, workflow_version, priority, variables, requested_at, deadline,
                       status, robot_id, outputs, dispatched_at, started_at, finished_at, updated_at, last_sequence)
     SELECT u.tenant_id, u.job_id,
            COALESCE(u.workflow_id, j.workflow_id), COALESCE(u.workflow_version, j.workflow_version),
            COALESCE(u.priority, j.priority), COALESCE(u.variables, j.variables),
            COALESCE(u.requested_at, j.requested_at), COALESCE(u.deadline, j.deadline),
            u.status, u.robot_id, u.outputs, u.dispatched_at, u.started_at, u.finished_at, u.updated_at, u.last_sequence
       FROM ${from}
       LEFT JOIN jobs j ON j.tenant_id = u.tenant_id AND j.job_id = u.job_id
      WHERE u.workflow_id IS NOT NULL OR j.job_id IS NOT NULL
     ON CONFLICT (tenant_id, job_id) DO UPDATE SET
       status = CASE WHEN EXCLUDED.status = 'queued' AND jobs.status NOT IN ('pending', 'retry_scheduled')
                     THEN jobs.status ELSE EXCLUDED.status END,
       robot_id = CASE WHEN EXCLUDED.status IN ('running', 'completed') THEN EXCLUDED.robot_id ELSE jobs.robot_id END,
       outputs = CASE WHEN EXCLUDED.status = 'completed' THEN EXCLUDED.outputs ELSE jobs.outputs END,
       dispatched_at = COALESCE(jobs.dispatched_at, EXCLUDED.dispatched_at),
       started_at = COALESCE(jobs.started_at, EXCLUDED.started_at),
       finished_at = COALESCE(EXCLUDED.finished_at, jobs.finished_at),
       updated_at = EXCLUDED.updated_at,
       last_sequence = EXCLUDED.last_sequence
     WHERE EXCLUDED.status <> 'pending'`,
    params,
  );
}

/** One event other than the four `upsertJobs` writes. */
async function applyEvent(
  tx: EntityManager,
  sequence: number,
  event: Exclude<ProjectedEvent, Grouped>,
): Promise<void> {
  const key = [event.tenantId, event.aggregateId];
  const at = event.occurredAt;
  switch (event.type) {
    case 'WorkflowVersionPublished':
      await tx.query(
        `INSERT INTO workflows (tenant_id, workflow_id, version, name, definition, published_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
        [...key, event.data.version, nameOf(event.data.definition), event.data.definition, at],
      );
      return;
    case 'JobRejected':
      await tx.query(
        `INSERT INTO jobs (tenant_id, job_id, workflow_id, status, priority, variables, error,
                           requested_at, finished_at, updated_at, last_sequence)
         VALUES ($1, $2, $3, 'rejected', 10, '{}', $4, $5, $5, $5, $6)
         ON CONFLICT (tenant_id, job_id) DO UPDATE
           SET status = 'rejected', error = $4, finished_at = $5, updated_at = $5, last_sequence = $6`,
        [
          ...key,
          event.data.workflowId,
          { message: event.data.reason, code: event.data.code, retryable: false },
          at,
          sequence,
        ],
      );
      return;
    case 'StepStarted':
      await tx.query(
        `INSERT INTO job_steps (tenant_id, job_id, step_key, node_id, node_type, status, attempt, robot_id,
                                started_at, first_sequence)
         VALUES ($1, $2, $3, $4, $5, 'running', $6, $7, $8, $9)
         ON CONFLICT (tenant_id, job_id, step_key) DO UPDATE
           SET status = 'running', attempt = $6, robot_id = $7, started_at = $8, finished_at = NULL,
               duration_ms = NULL, error = NULL`,
        [
          ...key,
          event.data.stepKey,
          event.data.nodeId,
          event.data.nodeType,
          event.data.attempt,
          event.data.robotId,
          at,
          sequence,
        ],
      );
      await touchJob(tx, key, sequence, at);
      return;
    case 'StepCompleted':
      await tx.query(
        `UPDATE job_steps SET status = 'completed', finished_at = $4, duration_ms = $5, output = $6
         WHERE tenant_id = $1 AND job_id = $2 AND step_key = $3`,
        [...key, event.data.stepKey, at, event.data.durationMs, JSON.stringify(event.data.output ?? null)],
      );
      await touchJob(tx, key, sequence, at);
      return;
    case 'StepFailed':
      await tx.query(
        `UPDATE job_steps SET status = 'failed', finished_at = $4, duration_ms = $5, error = $6, artifacts = $7
         WHERE tenant_id = $1 AND job_id = $2 AND step_key = $3`,
        [
          ...key,
          event.data.stepKey,
          at,
          event.data.durationMs,
          event.data.error,
          JSON.stringify(event.data.artifacts ?? null),
        ],
      );
      await touchJob(tx, key, sequence, at);
      return;
    case 'JobFailed':
      await updateJob(
        tx,
        key,
        sequence,
        at,
        `status = 'failed', error = $5, finished_at = $3, attention = NULL`,
        [event.data.error],
      );
      return;
    case 'JobNeedsAttention':
      await updateJob(tx, key, sequence, at, `status = 'needs_attention', attention = $5`, [
        { stepKey: event.data.stepKey, nodeId: event.data.nodeId, reason: event.data.reason },
      ]);
      return;
    case 'StepResolved':
      if (event.data.action === 'skip') {
        await tx.query(
          `UPDATE job_steps SET status = 'skipped', finished_at = $4 WHERE tenant_id = $1 AND job_id = $2 AND step_key = $3`,
          [...key, event.data.stepKey, at],
        );
      }
      // Waiting to be placed again, in the decider's words (`pending`): not on a robot's subject yet.
      await updateJob(tx, key, sequence, at, `status = 'pending', attention = NULL`);
      return;
    case 'JobReleased':
      await updateJob(tx, key, sequence, at, `status = 'pending'`);
      return;
    case 'JobCancelRequested':
      await updateJob(tx, key, sequence, at, `cancel_requested_at = COALESCE(cancel_requested_at, $3)`);
      return;
    case 'JobCancelled':
      await updateJob(tx, key, sequence, at, `status = 'cancelled', finished_at = $3, attention = NULL`);
      return;
    case 'JobRetryScheduled':
    case 'JobDeadLettered':
    case 'JobRequeued':
      await applyFleetEvent(tx, sequence, event);
      return;
    case 'SelectorHealed':
    case 'FingerprintRecorded':
    case 'SelectorFragilityRated':
    case 'SelectorHealReported':
    case 'SelectorPatchProposed':
    case 'HealProposalApproved':
    case 'HealProposalRejected':
      await applyHealingEvent(tx, sequence, event);
      return;
    case 'StepStalled': {
      const { stepKey, elapsedMs, limitMs, basis, detectedBy, outcome } = event.data;
      await tx.query(
        `UPDATE job_steps SET stall = $4 WHERE tenant_id = $1 AND job_id = $2 AND step_key = $3`,
        [...key, stepKey, JSON.stringify({ at, elapsedMs, limitMs, basis, detectedBy, outcome })],
      );
      await touchJob(tx, key, sequence, at);
      return;
    }
    case 'JobAtRisk':
      await updateJob(
        tx,
        key,
        sequence,
        at,
        `at_risk_at = COALESCE(at_risk_at, $3), predicted_finish = $5, deadline = COALESCE(deadline, $6)`,
        [event.data.predictedFinish, event.data.deadline],
      );
      return;
    case 'JobDeadlineMissed':
      // The consequence's JobFailed or JobDeadLettered follows in the same commit and sets the status.
      await updateJob(
        tx,
        key,
        sequence,
        at,
        `deadline_missed_at = COALESCE(deadline_missed_at, $3), deadline_consequence = $5, deadline = COALESCE(deadline, $6)`,
        [event.data.consequence, event.data.deadline],
      );
      return;
    case 'QueueDefined':
    case 'QueueItemAdded':
    case 'QueueItemStarted':
    case 'QueueItemCompleted':
    case 'QueueItemFailed':
    case 'QueueItemReleased':
    case 'QueueItemAtRisk':
    case 'QueueItemDeadlineMissed':
      await applyQueueEvent(tx, sequence, event);
      return;
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

function updateJob(
  tx: EntityManager,
  key: string[],
  sequence: number,
  at: string,
  set: string,
  extra: unknown[] = [],
) {
  return tx.query(
    `UPDATE jobs SET ${set}, updated_at = $3, last_sequence = $4 WHERE tenant_id = $1 AND job_id = $2`,
    [...key, at, sequence, ...extra],
  );
}

function touchJob(tx: EntityManager, key: string[], sequence: number, at: string) {
  return updateJob(tx, key, sequence, at, 'status = status');
}

function nameOf(definition: Record<string, unknown>): string | null {
  return typeof definition['name'] === 'string' ? definition['name'] : null;
}
