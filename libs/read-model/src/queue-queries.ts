import type { DataSource } from 'typeorm';

type Status = 'new' | 'in-progress' | 'successful' | 'failed' | 'abandoned' | 'retried';
const STATUSES: readonly Status[] = ['new', 'in-progress', 'successful', 'failed', 'abandoned', 'retried'];

export interface QueueSummaryView {
  queue: string;
  maxRetries: number;
  slaMs: number | null;
  onDeadlineMissed: 'keep' | 'fail' | null;
  trigger: Record<string, unknown> | null;
  items: Record<Status, number>;
  atRisk: number;
  deadlineMissed: number;
  sla: { ended: number; met: number };
  oldestWaitingAt: string | null;
}

export interface JobDeadlineView {
  jobId: string;
  workflowId: string;
  status: string;
  deadline: string;
  atRiskAt: string | null;
  predictedFinish: string | null;
  missedAt: string | null;
  consequence: 'keep' | 'fail' | 'dead-letter' | null;
}

export interface QueueItemView {
  itemId: string;
  reference: string;
  status: Status;
  priority: number;
  deadline: string | null;
  attempts: number;
  maxRetries: number;
  jobId: string | null;
  robotId: string | null;
  addedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  atRiskAt: string | null;
  predictedFinish: string | null;
  deadlineMissedAt: string | null;
  error: { exception: string; message: string } | null;
}

/** Jobs that are still open: a flag on them is live. */
const OPEN_JOBS = ['pending', 'queued', 'running', 'retry_scheduled', 'needs_attention'];

/** Work queues and deadline flags as the console's Queues page reads them (ADR 64); tenant-scoped. */
export class QueueQueries {
  constructor(private readonly dataSource: DataSource) {}

  async queues(tenantId: string): Promise<QueueSummaryView[]> {
    const [queues, counts] = await Promise.all([
      this.dataSource.query(
        `SELECT queue, max_retries, sla_ms, on_deadline_missed, trigger FROM queues WHERE tenant_id = $1 ORDER BY queue`,
        [tenantId],
      ) as Promise<QueueRow[]>,
      this.dataSource.query(
        `SELECT queue, status, count(*) AS items,
                count(*) FILTER (WHERE at_risk_at IS NOT NULL AND deadline_missed_at IS NULL
                                   AND status IN ('new', 'in-progress', 'retried')) AS at_risk,
                count(*) FILTER (WHERE deadline_missed_at IS NOT NULL) AS missed,
                count(*) FILTER (WHERE finished_at IS NOT NULL AND deadline IS NOT NULL) AS ended,
                count(*) FILTER (WHERE status = 'successful' AND finished_at <= deadline) AS met,
                min(added_at) FILTER (WHERE status IN ('new', 'retried')) AS oldest_waiting
           FROM queue_items WHERE tenant_id = $1 GROUP BY queue, status`,
        [tenantId],
      ) as Promise<CountRow[]>,
    ]);
    const byQueue = new Map<string, QueueSummaryView>();
    for (const row of queues)
      byQueue.set(row.queue, {
        queue: row.queue,
        maxRetries: row.max_retries,
        slaMs: row.sla_ms === null ? null : Number(row.sla_ms),
        onDeadlineMissed: row.on_deadline_missed,
        trigger: row.trigger,
        items: Object.fromEntries(STATUSES.map((status) => [status, 0])) as Record<Status, number>,
        atRisk: 0,
        deadlineMissed: 0,
        sla: { ended: 0, met: 0 },
        oldestWaitingAt: null,
      });
    for (const row of counts) {
      // Items of a queue defined before the projection knew queues still count under their name.
      const summary = byQueue.get(row.queue);
      if (!summary) continue;
      summary.items[row.status] = Number(row.items);
      summary.atRisk += Number(row.at_risk);
      summary.deadlineMissed += Number(row.missed);
      summary.sla.ended += Number(row.ended);
      summary.sla.met += Number(row.met);
      if (row.oldest_waiting) {
        const oldest = row.oldest_waiting.toISOString();
        if (!summary.oldestWaitingAt || oldest < summary.oldestWaitingAt) summary.oldestWaitingAt = oldest;
      }
    }
    return [...byQueue.values()];
  }

  async queueExists(tenantId: string, queue: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      'SELECT 1 FROM queues WHERE tenant_id = $1 AND queue = $2',
      [tenantId, queue],
    );
    return rows.length > 0;
  }

  /** A queue's items, newest first: of one status, or flagged at risk (and not yet missed) or missed. */
  async items(
    tenantId: string,
    queue: string,
    query: { status?: Status; deadline?: 'at-risk' | 'missed'; limit: number },
  ): Promise<QueueItemView[]> {
    const where = ['tenant_id = $1', 'queue = $2'];
    const params: unknown[] = [tenantId, queue];
    if (query.status) where.push(`status = $${params.push(query.status)}`);
    if (query.deadline === 'at-risk')
      where.push(
        `at_risk_at IS NOT NULL AND deadline_missed_at IS NULL AND status IN ('new', 'in-progress', 'retried')`,
      );
    if (query.deadline === 'missed') where.push('deadline_missed_at IS NOT NULL');
    const rows: ItemRow[] = await this.dataSource.query(
      `SELECT * FROM queue_items WHERE ${where.join(' AND ')}
        ORDER BY added_at DESC, item_id DESC LIMIT $${params.push(query.limit)}`,
      params,
    );
    return rows.map((row) => ({
      itemId: row.item_id,
      reference: row.reference,
      status: row.status,
      priority: row.priority,
      deadline: iso(row.deadline),
      attempts: row.attempts,
      maxRetries: row.max_retries,
      jobId: row.job_id,
      robotId: row.robot_id,
      addedAt: row.added_at.toISOString(),
      startedAt: iso(row.started_at),
      finishedAt: iso(row.finished_at),
      atRiskAt: iso(row.at_risk_at),
      predictedFinish: iso(row.predicted_finish),
      deadlineMissedAt: iso(row.deadline_missed_at),
      error: row.error,
    }));
  }

  /** Jobs' deadline flags: open jobs at risk, jobs that missed, and the latest flagged of them. */
  async jobDeadlines(
    tenantId: string,
    limit = 50,
  ): Promise<{ atRisk: number; deadlineMissed: number; flagged: JobDeadlineView[] }> {
    const [[counts], rows] = await Promise.all([
      this.dataSource.query(
        `SELECT count(*) FILTER (WHERE deadline_missed_at IS NULL AND status = ANY($2)) AS at_risk,
                count(*) FILTER (WHERE deadline_missed_at IS NOT NULL) AS missed
           FROM jobs WHERE tenant_id = $1 AND (at_risk_at IS NOT NULL OR deadline_missed_at IS NOT NULL)`,
        [tenantId, OPEN_JOBS],
      ) as Promise<{ at_risk: string; missed: string }[]>,
      this.dataSource.query(
        `SELECT job_id, workflow_id, status, deadline, at_risk_at, predicted_finish, deadline_missed_at,
                deadline_consequence
           FROM jobs WHERE tenant_id = $1 AND (at_risk_at IS NOT NULL OR deadline_missed_at IS NOT NULL)
          ORDER BY deadline DESC NULLS LAST LIMIT $2`,
        [tenantId, limit],
      ) as Promise<JobDeadlineRow[]>,
    ]);
    return {
      atRisk: Number(counts?.at_risk ?? 0),
      deadlineMissed: Number(counts?.missed ?? 0),
      flagged: rows
        .filter((row) => row.deadline !== null)
        .map((row) => ({
          jobId: row.job_id,
          workflowId: row.workflow_id,
          status: row.status,
          deadline: (row.deadline as Date).toISOString(),
          atRiskAt: iso(row.at_risk_at),
          predictedFinish: iso(row.predicted_finish),
          missedAt: iso(row.deadline_missed_at),
          consequence: row.deadline_consequence,
        })),
    };
  }
}

interface QueueRow {
  queue: string;
  max_retries: number;
  sla_ms: string | null;
  on_deadline_missed: 'keep' | 'fail' | null;
  trigger: Record<string, unknown> | null;
}

interface CountRow {
  queue: string;
  status: Status;
  items: string;
  at_risk: string;
  missed: string;
  ended: string;
  met: string;
  oldest_waiting: Date | null;
}

interface ItemRow {
  item_id: string;
  reference: string;
  status: Status;
  priority: number;
  deadline: Date | null;
  attempts: number;
  max_retries: number;
  job_id: string | null;
  robot_id: string | null;
  added_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  at_risk_at: Date | null;
  predicted_finish: Date | null;
  deadline_missed_at: Date | null;
  error: { exception: string; message: string } | null;
}

interface JobDeadlineRow {
  job_id: string;
  workflow_id: string;
  status: string;
  deadline: Date | null;
  at_risk_at: Date | null;
  predicted_finish: Date | null;
  deadline_missed_at: Date | null;
  deadline_consequence: 'keep' | 'fail' | 'dead-letter' | null;
}

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}
