import type { JobEvent, RobotEvent } from '@aether/contracts';
import type { JobStatus, LiveChannel, LiveFrame, LiveJobUpdate } from '@aether/read-api';

/** What one subscription asked for. */
export interface LiveInterest {
  readonly channels: ReadonlySet<LiveChannel>;
  /** Only this job (the job channel). */
  readonly jobId?: string;
}

/**
 * A job's status after `event`, as the projection records it (`libs/read-model`), when the event
 * decides it; step events and cancel requests leave it as it was. A dispatch moves only a pending
 * or retry-scheduled job to queued: the reader applies it only from those.
 */
export function statusAfter(event: JobEvent): JobStatus | undefined {
  switch (event.type) {
    case 'JobRequested':
    case 'JobRequeued':
    case 'StepResolved':
    case 'JobReleased':
      return 'pending';
    case 'JobRejected':
      return 'rejected';
    case 'JobDispatched':
      return 'queued';
    case 'JobStarted':
      return 'running';
    case 'JobCompleted':
      return 'completed';
    case 'JobFailed':
    case 'JobDeadLettered':
      return 'failed';
    case 'JobNeedsAttention':
      return 'needs_attention';
    case 'JobCancelled':
      return 'cancelled';
    case 'JobRetryScheduled':
      return 'retry_scheduled';
    case 'StepStarted':
    case 'StepCompleted':
    case 'StepFailed':
    case 'JobCancelRequested':
    case 'SelectorHealed':
    case 'StepStalled':
    case 'JobAtRisk':
    case 'JobDeadlineMissed':
      return undefined;
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

/** A job event in the words of a row: identifiers, status, step, timing; never variables, inputs or outputs. */
export function jobUpdate(seq: number, event: JobEvent): LiveJobUpdate {
  const update: LiveJobUpdate = {
    seq,
    type: event.type,
    occurredAt: event.occurredAt,
    jobId: event.aggregateId,
  };
  const status = statusAfter(event);
  if (status) update.status = status;
  const data = event.data as Partial<Record<string, unknown>>;
  for (const key of ['robotId', 'workflowId', 'stepKey', 'nodeId', 'nodeType'] as const)
    if (typeof data[key] === 'string') update[key] = data[key];
  for (const key of ['workflowVersion', 'priority', 'attempt', 'durationMs'] as const)
    if (typeof data[key] === 'number') update[key] = data[key];
  if (event.type === 'StepFailed' || event.type === 'JobFailed' || event.type === 'JobRetryScheduled') {
    const { message, code } = event.data.error;
    update.error = { message, ...(code ? { code } : {}) };
  }
  return update;
}

/** The frames one stored event makes for one subscription (none when it asked for none of them). */
export function framesFor(seq: number, event: JobEvent | RobotEvent, interest: LiveInterest): LiveFrame[] {
  if (
    event.type === 'RobotRegistered' ||
    event.type === 'RobotWentOffline' ||
    event.type === 'RobotCameBackOnline'
  ) {
    if (interest.jobId || !interest.channels.has('robots')) return [];
    return [
      {
        event: 'robot',
        data: {
          seq,
          type: event.type,
          occurredAt: event.occurredAt,
          robotId: event.aggregateId,
          online: event.type !== 'RobotWentOffline',
          ...(event.type === 'RobotWentOffline' ? { reason: event.data.reason } : {}),
        },
      },
    ];
  }
  if (interest.jobId)
    return event.aggregateId === interest.jobId ? [{ event: 'job', data: jobUpdate(seq, event) }] : [];
  const frames: LiveFrame[] = [];
  const update = jobUpdate(seq, event);
  if (interest.channels.has('jobs')) frames.push({ event: 'job', data: update });
  if (interest.channels.has('queue') && update.status)
    frames.push({
      event: 'queue',
      data: {
        seq,
        type: update.type,
        occurredAt: update.occurredAt,
        jobId: update.jobId,
        status: update.status,
        ...(update.priority === undefined ? {} : { priority: update.priority }),
      },
    });
  return frames;
}
