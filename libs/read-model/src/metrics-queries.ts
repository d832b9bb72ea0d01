import type { DataSource } from 'typeorm';
import {
  JOB_STATUSES,
  PRIORITY_BANDS,
  bandOf,
  type JobStatus,
  type JobSummary,
  type PriorityBand,
} from '@aether/read-api';
import type { JobStatus as RecordedJobStatus } from '@aether/contracts';

// The read API names the statuses the job record has; this stops compiling when they part.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const READ_API_STATUSES_MATCH: Same<JobStatus, RecordedJobStatus> = true;

/** Statuses of a job that waits for a robot. */
export const WAITING_STATUSES: readonly JobStatus[] = ['pending', 'queued', 'retry_scheduled'];
/** Statuses the fleet page lists as active jobs: on a robot or waiting for an operator. */
export const ACTIVE_STATUSES: readonly JobStatus[] = ['running', 'needs_attention'];

export interface FleetJobFigures {
  /** Jobs per status, every status present. */
  byStatus: Record<JobStatus, number>;
  /** Waiting jobs per priority band, every band present, highest first. */
  queueDepth: { band: PriorityBand; jobs: number }[];
  deadLetters: number;
  needsAttention: number;
  /** Running and needs-attention jobs, newest first, at most `activeLimit`. */
  activeJobs: JobSummary[];
}

/** The console's aggregate reads: from rollups (`job_counts`) and indexed lookups, never a scan of jobs. */
export class MetricsQueries {
  constructor(private readonly dataSource: DataSource) {}

  async fleetJobs(tenantId: string, activeLimit = 50): Promise<FleetJobFigures> {
    const [counts, [{ dead }], active] = await Promise.all([
      this.dataSource.query(
        'SELECT status, priority, jobs FROM job_counts WHERE tenant_id = $1 AND jobs > 0',
        [tenantId],
      ) as Promise<{ status: JobStatus; priority: number; jobs: string }[]>,
      this.dataSource.query('SELECT count(*) AS dead FROM dead_letters WHERE tenant_id = $1', [
        tenantId,
      ]) as Promise<{ dead: string }[]>,
      this.dataSource.query(
        `SELECT job_id, workflow_id, status, priority, robot_id, requested_at, started_at
           FROM jobs WHERE tenant_id = $1 AND status = ANY($2) ORDER BY requested_at DESC LIMIT $3`,
        [tenantId, ACTIVE_STATUSES, activeLimit],
      ) as Promise<ActiveRow[]>,
    ]);
    const byStatus = Object.fromEntries(JOB_STATUSES.map((status) => [status, 0])) as Record<
      JobStatus,
      number
    >;
    const depth = new Map<PriorityBand, number>(PRIORITY_BANDS.map((band) => [band, 0]));
    for (const row of counts) {
      const jobs = Number(row.jobs);
      byStatus[row.status] = (byStatus[row.status] ?? 0) + jobs;
      if (WAITING_STATUSES.includes(row.status))
        depth.set(bandOf(row.priority), (depth.get(bandOf(row.priority)) ?? 0) + jobs);
    }
    return {
      byStatus,
      queueDepth: PRIORITY_BANDS.map((band) => ({ band, jobs: depth.get(band) ?? 0 })),
      deadLetters: Number(dead),
      needsAttention: byStatus.needs_attention,
      activeJobs: active.map((row) => ({
        jobId: row.job_id,
        workflowId: row.workflow_id,
        status: row.status,
        priority: row.priority,
        robotId: row.robot_id,
        requestedAt: row.requested_at.toISOString(),
        startedAt: row.started_at?.toISOString() ?? null,
      })),
    };
  }
}

interface ActiveRow {
  job_id: string;
  workflow_id: string;
  status: JobStatus;
  priority: number;
  robot_id: string | null;
  requested_at: Date;
  started_at: Date | null;
}
