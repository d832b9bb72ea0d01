import type { JobListItem, JobStatus, LiveJobUpdate } from '@aether/read-api';
import type { JobsFilter } from './jobs-filter';

const FINISHED: readonly JobStatus[] = ['completed', 'failed', 'cancelled', 'rejected'];
/** A dispatch moves only these to queued (as the projection does). */
const DISPATCHABLE: readonly JobStatus[] = ['pending', 'retry_scheduled'];

/** Whether a job just requested belongs at the top of the list as shown: newest first, first page, matching the filter. */
export function takesNewJobs(filter: JobsFilter, firstPage: boolean): boolean {
  return firstPage && filter.sort === 'requestedAt' && filter.order === 'desc' && !filter.robotId;
}

function matches(filter: JobsFilter, update: LiveJobUpdate): boolean {
  if (filter.workflowId && filter.workflowId !== update.workflowId) return false;
  if (filter.status && filter.status !== 'pending') return false;
  if (filter.from && update.occurredAt < filter.from) return false;
  if (filter.to && update.occurredAt >= filter.to) return false;
  return true;
}

/**
 * The rows after one live update: the row it concerns changes in place (status, robot, times) the
 * way the projection changes it, unless the row already holds it (`lastSequence`); a new job goes
 * on top when the list shows the newest jobs. Anything else leaves the rows as they are.
 */
export function applyJobUpdate(
  rows: readonly JobListItem[],
  update: LiveJobUpdate,
  view: { filter: JobsFilter; takesNew: boolean },
): readonly JobListItem[] {
  const index = rows.findIndex((row) => row.jobId === update.jobId);
  if (index < 0) {
    if (update.type !== 'JobRequested' || !view.takesNew || !matches(view.filter, update)) return rows;
    return [
      {
        jobId: update.jobId,
        workflowId: update.workflowId ?? '',
        workflowVersion: update.workflowVersion ?? null,
        status: 'pending',
        priority: update.priority ?? 10,
        robotId: null,
        requestedAt: update.occurredAt,
        startedAt: null,
        finishedAt: null,
        durationMs: null,
        lastSequence: update.seq,
      },
      ...rows,
    ];
  }
  const row = rows[index] as JobListItem;
  if (update.seq <= row.lastSequence) return rows;
  const next: JobListItem = { ...row, lastSequence: update.seq };
  const status = update.status;
  if (status && !(update.type === 'JobDispatched' && !DISPATCHABLE.includes(row.status)))
    next.status = status;
  if (update.type === 'JobStarted') {
    next.robotId = update.robotId ?? row.robotId;
    next.startedAt ??= update.occurredAt;
  }
  if (update.type === 'JobCompleted' && update.robotId) next.robotId = update.robotId;
  if (update.type === 'JobRetryScheduled' || update.type === 'JobRequeued') {
    next.robotId = null;
    next.finishedAt = null;
    next.durationMs = null;
  }
  if (status && FINISHED.includes(status) && update.type !== 'JobDispatched') {
    next.finishedAt = update.occurredAt;
    next.durationMs = next.startedAt ? Date.parse(update.occurredAt) - Date.parse(next.startedAt) : null;
  }
  return rows.map((r, i) => (i === index ? next : r));
}
