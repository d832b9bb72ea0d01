import type { DataSource } from 'typeorm';
import {
  JOB_STATUSES,
  PRIORITY_BANDS,
  bandOf,
  type Analytics,
  type AnalyticsQuery,
  type JobListItem,
  type JobSortKey,
  type JobStatus,
  type JobSummary,
  type JobsPage,
  type JobsQuery,
  type PriorityBand,
} from '@aether/read-api';
import { AnalyticsQueries } from './analytics-queries';
import { READ_MODEL_PROJECTION } from './job-projection';

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
  /** The most jobs waiting at once per band in each of the last 60 minutes, oldest first. */
  queueDepthHistory: QueueDepthPoint[];
}

export interface QueueDepthPoint {
  /** Start of the minute. */
  at: string;
  high: number;
  normal: number;
  low: number;
}

/**
 * The last `minutes` minutes up to `now`: a band's peak in a minute it changed in, else what it
 * was left at by its latest change before (`rows` oldest first, with the last change before the
 * window).
 */
export function depthHistory(
  rows: readonly { minute: Date; band: PriorityBand; jobs: number; peak: number }[],
  now: Date,
  minutes = 60,
): QueueDepthPoint[] {
  const end = Math.floor(now.getTime() / 60_000) * 60_000;
  const current: Record<PriorityBand, number> = { high: 0, normal: 0, low: 0 };
  const points: QueueDepthPoint[] = [];
  let next = 0;
  for (let at = end - (minutes - 1) * 60_000; at <= end; at += 60_000) {
    const point = { at: new Date(at).toISOString(), ...current };
    while (next < rows.length && (rows[next]?.minute.getTime() ?? Infinity) <= at) {
      const row = rows[next++];
      if (!row) continue;
      current[row.band] = row.jobs;
      point[row.band] = row.minute.getTime() === at ? row.peak : row.jobs;
    }
    points.push(point);
  }
  return points;
}

/** The console's aggregate reads: from rollups (`job_counts`) and indexed lookups, never a scan of jobs. */
export class MetricsQueries {
  constructor(private readonly dataSource: DataSource) {}

  /** The Analytics page over a time range: see `AnalyticsQueries`. */
  analytics(
    tenantId: string,
    range: { from: Date; to: Date; bucket: AnalyticsQuery['bucket'] },
  ): Promise<Analytics> {
    return new AnalyticsQueries(this.dataSource).analytics(tenantId, range);
  }

  /** One page of the job list: see `jobsPage`. */
  jobs(tenantId: string, query: JobsQuery): Promise<JobsPage> {
    return jobsPage(this.dataSource, tenantId, query);
  }

  async fleetJobs(tenantId: string, activeLimit = 50, now = new Date()): Promise<FleetJobFigures> {
    const [counts, [{ dead }], active, depthRows] = await Promise.all([
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
      // Each band's changes in the window, and its last change before it (the value it starts at).
      this.dataSource.query(
        `(SELECT minute, band, jobs, peak FROM queue_depth_minutes WHERE tenant_id = $1 AND minute > $2)
         UNION ALL
         (SELECT DISTINCT ON (band) minute, band, jobs, peak FROM queue_depth_minutes
           WHERE tenant_id = $1 AND minute <= $2 ORDER BY band, minute DESC)
         ORDER BY minute`,
        [tenantId, new Date(Math.floor(now.getTime() / 60_000) * 60_000 - 59 * 60_000)],
      ) as Promise<{ minute: Date; band: PriorityBand; jobs: string; peak: string }[]>,
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
      queueDepthHistory: depthHistory(
        depthRows.map((row) => ({
          minute: row.minute,
          band: row.band,
          jobs: Number(row.jobs),
          peak: Number(row.peak),
        })),
        now,
      ),
    };
  }
}

/** The cursor does not belong to this listing (another sort, or not one of ours). */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
  readonly retryable = false;
}

/** Sort key → column; every listing breaks ties by request time, then job id. */
const SORT_COLUMN: Record<JobSortKey, string> = {
  requestedAt: 'requested_at',
  priority: 'priority',
  workflowId: 'workflow_id',
  status: 'status',
};

/** What a cursor holds: the sort it was made for and the last row's keys. */
interface Cursor {
  sort: JobSortKey;
  order: 'asc' | 'desc';
  /** The sort column's value (absent when sorting by request time). */
  key?: string | number;
  requestedAt: string;
  jobId: string;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(value: string, sort: JobSortKey, order: 'asc' | 'desc'): Cursor {
  let cursor: Partial<Cursor>;
  try {
    cursor = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<Cursor>;
  } catch (cause) {
    throw new InvalidCursorError('the cursor is not one this API gave', { cause });
  }
  if (
    cursor?.sort !== sort ||
    cursor.order !== order ||
    typeof cursor.requestedAt !== 'string' ||
    Number.isNaN(Date.parse(cursor.requestedAt)) ||
    typeof cursor.jobId !== 'string' ||
    (sort !== 'requestedAt' && !['string', 'number'].includes(typeof cursor.key))
  )
    throw new InvalidCursorError(`the cursor belongs to another listing (sort ${sort} ${order} asked)`);
  return cursor as Cursor;
}

/**
 * One page of the job list, by keyset: `(sort column, requested_at, job_id)` after the cursor's
 * row, so a page costs an index range however deep it is and rows arriving meanwhile neither
 * repeat nor vanish. Indexes: `jobs_by_time`, `jobs_by_status`, and the keyset indexes of
 * migration `JobListIndexes`.
 */
async function jobsPage(dataSource: DataSource, tenantId: string, query: JobsQuery): Promise<JobsPage> {
  const params: unknown[] = [tenantId];
  const param = (value: unknown) => `$${params.push(value)}`;
  const where = ['tenant_id = $1'];
  if (query.workflowId) where.push(`workflow_id = ${param(query.workflowId)}`);
  if (query.robotId) where.push(`robot_id = ${param(query.robotId)}`);
  if (query.status) where.push(`status = ANY(${param(query.status)})`);
  if (query.from) where.push(`requested_at >= ${param(query.from)}`);
  if (query.to) where.push(`requested_at < ${param(query.to)}`);
  const column = SORT_COLUMN[query.sort];
  const keys = query.sort === 'requestedAt' ? ['requested_at', 'job_id'] : [column, 'requested_at', 'job_id'];
  const direction = query.order === 'asc' ? 'ASC' : 'DESC';
  if (query.cursor) {
    const cursor = decodeCursor(query.cursor, query.sort, query.order);
    const values = query.sort === 'requestedAt' ? [] : [param(cursor.key)];
    values.push(`${param(cursor.requestedAt)}::timestamptz`, param(cursor.jobId));
    where.push(`(${keys.join(', ')}) ${query.order === 'asc' ? '>' : '<'} (${values.join(', ')})`);
  }
  // Read before the page, so the page holds at least everything up to it.
  const [checkpoint] = (await dataSource.query(
    'SELECT last_sequence FROM projection_checkpoints WHERE name = $1',
    [READ_MODEL_PROJECTION],
  )) as { last_sequence: string }[];
  const rows = (await dataSource.query(
    `SELECT job_id, workflow_id, workflow_version, status, priority, robot_id, requested_at, started_at,
            finished_at, last_sequence,
            to_char(requested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS requested_key
       FROM jobs WHERE ${where.join(' AND ')}
      ORDER BY ${keys.map((key) => `${key} ${direction}`).join(', ')}
      LIMIT ${param(query.limit + 1)}`,
    params,
  )) as ListRow[];
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    asOf: Number(checkpoint?.last_sequence ?? 0),
    items: page.map(toListItem),
    nextCursor:
      rows.length > query.limit && last
        ? encodeCursor({
            sort: query.sort,
            order: query.order,
            ...(query.sort === 'requestedAt' ? {} : { key: sortValue(last, query.sort) }),
            requestedAt: last.requested_key,
            jobId: last.job_id,
          })
        : null,
  };
}

function sortValue(row: ListRow, sort: Exclude<JobSortKey, 'requestedAt'>): string | number {
  switch (sort) {
    case 'priority':
      return row.priority;
    case 'workflowId':
      return row.workflow_id;
    case 'status':
      return row.status;
  }
}

function toListItem(row: ListRow): JobListItem {
  return {
    jobId: row.job_id,
    workflowId: row.workflow_id,
    workflowVersion: row.workflow_version,
    status: row.status,
    priority: row.priority,
    robotId: row.robot_id,
    requestedAt: row.requested_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
    durationMs:
      row.started_at && row.finished_at ? row.finished_at.getTime() - row.started_at.getTime() : null,
    lastSequence: Number(row.last_sequence),
  };
}

interface ListRow extends ActiveRow {
  workflow_version: number | null;
  finished_at: Date | null;
  last_sequence: string;
  requested_key: string;
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
