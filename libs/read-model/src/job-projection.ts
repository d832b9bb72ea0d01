import type { DataSource, EntityManager } from 'typeorm';
import type { Envelope, HealingEvent, JobEvent, WorkflowEvent } from '@aether/contracts';
import { FLEET_TABLES, applyFleetEvent } from './fleet-projection';
import { HEALING_TABLES, applyHealingEvent } from './healing-projection';

/** An event with its stream sequence, as the projector receives it. */
export interface ProjectableEvent {
  readonly sequence: number;
  /** Absent for a stream position this projection has nothing to do with: only the checkpoint moves. */
  readonly event?: Envelope;
}

export type ProjectedEvent = JobEvent | WorkflowEvent | HealingEvent;

/**
 * Projects job and workflow events into PostgreSQL. Each batch is one transaction that
 * also moves the checkpoint, and events at or below the checkpoint are skipped — so
 * re-delivery changes nothing and a rebuild from sequence 1 gives the same rows.
 * Row timestamps come from the events, never from the clock.
 */
export class JobProjection {
  constructor(
    private readonly dataSource: DataSource,
    readonly name = 'read-model',
  ) {}

  async checkpoint(): Promise<number> {
    const rows: { last_sequence: string }[] = await this.dataSource.query(
      'SELECT last_sequence FROM projection_checkpoints WHERE name = $1',
      [this.name],
    );
    return rows.length ? Number(rows[0].last_sequence) : 0;
  }

  /** Applies a batch in order; returns how many events were new. */
  async apply(batch: readonly ProjectableEvent[]): Promise<number> {
    if (batch.length === 0) return 0;
    return this.dataSource.transaction(async (tx) => {
      await tx.query(
        'INSERT INTO projection_checkpoints (name, last_sequence) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING',
        [this.name],
      );
      const [{ last_sequence }] = await tx.query(
        'SELECT last_sequence FROM projection_checkpoints WHERE name = $1 FOR UPDATE',
        [this.name],
      );
      const applied = Number(last_sequence);
      const fresh = batch.filter((item) => item.sequence > applied);
      await applyEvents(tx, fresh);
      const last = Math.max(applied, ...batch.map((item) => item.sequence));
      await tx.query('UPDATE projection_checkpoints SET last_sequence = $2 WHERE name = $1', [
        this.name,
        last,
      ]);
      return fresh.filter((item) => item.event).length;
    });
  }

  /** Empties the projection so it can be rebuilt from sequence 1. */
  async reset(): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      await tx.query(
        `TRUNCATE jobs, job_steps, workflows, ${FLEET_TABLES.join(', ')}, ${HEALING_TABLES.join(', ')}`,
      );
      await tx.query('DELETE FROM projection_checkpoints WHERE name = $1', [this.name]);
    });
  }
}

/** A job's life as far as set-wise projection goes: within one group a job's events must rise in rank. */
const RANK = { JobRequested: 0, JobDispatched: 1, JobStarted: 2, JobCompleted: 3 } as const;
type Grouped = Extract<ProjectedEvent, { type: keyof typeof RANK }>;
const isGrouped = (event: ProjectedEvent): event is Grouped => Object.hasOwn(RANK, event.type);

/**
 * Applies events in order with as few statements as possible: the four events every job has
 * (requested, dispatched, started, completed) are gathered and written one statement per type
 * over arrays, in that order. A group only ever holds a job's events in rising rank, so running
 * the statements by rank applies each job's events in stream order; any other event, or a
 * job going back (a retry dispatched again), flushes the group first and is applied alone.
 */
async function applyEvents(tx: EntityManager, items: readonly ProjectableEvent[]): Promise<void> {
  const group = new Map<string, Grouped[]>();
  const sequences = new Map<Grouped, number>();
  const ranks = new Map<string, number>();
  const flush = async () => {
    if (ranks.size === 0) return;
    for (const type of Object.keys(RANK) as Grouped['type'][]) {
      const events = group.get(type);
      if (events?.length) await applyGroup(tx, type, events, sequences);
    }
    group.clear();
    sequences.clear();
    ranks.clear();
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
    const rank = RANK[projected.type];
    if ((ranks.get(job) ?? -1) >= rank) await flush();
    ranks.set(job, rank);
    sequences.set(projected, sequence);
    const events = group.get(projected.type);
    if (events) events.push(projected);
    else group.set(projected.type, [projected]);
  }
  await flush();
}

interface Column {
  readonly name: string;
  readonly type: string;
  readonly values: readonly unknown[];
}

async function applyGroup(
  tx: EntityManager,
  type: Grouped['type'],
  events: readonly Grouped[],
  sequences: ReadonlyMap<Grouped, number>,
): Promise<void> {
  // Every row carries the job's key, the event time and its sequence; `more` adds per-type columns.
  const rows = (more: readonly Column[]) => {
    const columns: Column[] = [
      { name: 'tenant_id', type: 'text', values: events.map((e) => e.tenantId) },
      { name: 'job_id', type: 'text', values: events.map((e) => e.aggregateId) },
      { name: 'at', type: 'timestamptz', values: events.map((e) => e.occurredAt) },
      { name: 'seq', type: 'bigint', values: events.map((e) => sequences.get(e)) },
      ...more,
    ];
    return {
      from: `unnest(${columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ')}) AS u(${columns.map((c) => c.name).join(', ')})`,
      params: columns.map((c) => c.values),
    };
  };
  const update = async (set: string, more: readonly Column[] = []) => {
    const { from, params } = rows(more);
    await tx.query(
      `UPDATE jobs SET ${set}, updated_at = u.at, last_sequence = u.seq
         FROM ${from} WHERE jobs.tenant_id = u.tenant_id AND jobs.job_id = u.job_id`,
      params,
    );
  };
  switch (type) {
    case 'JobRequested': {
      const requested = events as Extract<Grouped, { type: 'JobRequested' }>[];
      const { from, params } = rows([
        { name: 'workflow_id', type: 'text', values: requested.map((e) => e.data.workflowId) },
        { name: 'workflow_version', type: 'int', values: requested.map((e) => e.data.workflowVersion) },
        { name: 'priority', type: 'int', values: requested.map((e) => e.data.priority) },
        { name: 'variables', type: 'text', values: requested.map((e) => JSON.stringify(e.data.variables)) },
      ]);
      await tx.query(
        `INSERT INTO jobs (tenant_id, job_id, workflow_id, workflow_version, status, priority, variables,
                           requested_at, updated_at, last_sequence)
         SELECT u.tenant_id, u.job_id, u.workflow_id, u.workflow_version, 'pending', u.priority, u.variables::jsonb,
                u.at, u.at, u.seq
           FROM ${from}
         ON CONFLICT DO NOTHING`,
        params,
      );
      return;
    }
    case 'JobDispatched':
      await update(
        `status = CASE WHEN jobs.status IN ('pending', 'retry_scheduled') THEN 'queued' ELSE jobs.status END,
         dispatched_at = COALESCE(jobs.dispatched_at, u.at)`,
      );
      return;
    case 'JobStarted': {
      const started = events as Extract<Grouped, { type: 'JobStarted' }>[];
      await update(
        `status = 'running', robot_id = u.robot_id, started_at = COALESCE(jobs.started_at, u.at)`,
        [{ name: 'robot_id', type: 'text', values: started.map((e) => e.data.robotId) }],
      );
      return;
    }
    case 'JobCompleted': {
      const completed = events as Extract<Grouped, { type: 'JobCompleted' }>[];
      await update(
        `status = 'completed', outputs = u.outputs::jsonb, robot_id = u.robot_id, finished_at = u.at`,
        [
          {
            name: 'outputs',
            type: 'text',
            values: completed.map((e) => JSON.stringify(e.data.outputs) ?? null),
          },
          { name: 'robot_id', type: 'text', values: completed.map((e) => e.data.robotId ?? null) },
        ],
      );
      return;
    }
    default: {
      const _exhaustive: never = type;
      return _exhaustive;
    }
  }
}

/** One event other than the four `applyGroup` writes. */
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
      await updateJob(tx, key, sequence, at, `status = 'queued', attention = NULL`);
      return;
    case 'JobReleased':
      await updateJob(tx, key, sequence, at, `status = 'queued'`);
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
