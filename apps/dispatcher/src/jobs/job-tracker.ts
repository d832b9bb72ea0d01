import { RunJob, type JobEvent, type JsonObject, type Placement, type WorkMessage } from '@aether/contracts';
import type { StoredEvent } from '@aether/event-store';
import { bandOf, type PriorityBand } from '@aether/read-api';
import { JobQueue } from '../placement/job-queue';
import type { WorkflowNeeds } from '../placement/placement';

/** Where a job stands as far as placement goes. */
export type Phase = 'pending' | 'waiting' | 'placing' | 'placed' | 'running' | 'failed' | 'parked';

/** One open job as the dispatcher sees it: a fold of its events, kept for placing it. */
export interface TrackedJob {
  readonly key: string;
  readonly tenantId: string;
  readonly jobId: string;
  readonly subject: string;
  readonly firstSequence: number;
  readonly workflowId: string;
  readonly workflowVersion: number;
  readonly priority: number;
  /** Finish by (epoch ms): the earliest goes first within a priority band. */
  readonly deadline?: number;
  readonly placement?: Placement;
  readonly requestedAt: number;
  /** The request's variables, until the first dispatch carries them to the robot (`RunJob.fresh`). */
  variables?: JsonObject;
  lastSequence: number;
  /** Which event of the commit at `lastSequence` was applied last (0: the first or only one). */
  lastPart: number;
  lastEventType: string;
  enqueuedAt: number;
  phase: Phase;
  attempt: number;
  robotId?: string;
  /** A robot that released the job while stopping: not this one again. */
  avoid?: string;
  notBefore?: number;
  cancelRequested: boolean;
  /** A decision of ours is in flight. */
  busy: boolean;
  /** Our decision lost a race (or the log disagreed): wait for the feed to bring the newer event. */
  stale: boolean;
  /** The work message for the last dispatch may not be published yet. */
  unpublished: boolean;
  /** What the job's workflow needs of a robot; absent until known (ADR 30). */
  needs?: WorkflowNeeds;
  /** When the robot running it started it (epoch ms), for the deadline forecast. */
  runningSince?: number;
  /** `JobAtRisk` / `JobDeadlineMissed` are on its log (ADR 66). */
  atRisk?: boolean;
  deadlineMissed?: boolean;
}

const ON_ROBOT: ReadonlySet<Phase> = new Set(['placing', 'placed', 'running']);
/** Events that bring a job this process no longer tracks back into play. */
export const REOPENING: ReadonlySet<string> = new Set([
  'JobRequeued',
  'JobFailed',
  'JobReleased',
  'StepResolved',
]);
/** After these the dispatcher has nothing more to do for a job (until a requeue). */
export const ENDING: ReadonlySet<string> = new Set([
  'JobCompleted',
  'JobRejected',
  'JobCancelled',
  'JobDeadLettered',
]);

/**
 * The placement state of every open job, folded from the job events in stream order, and the
 * indexes a placement round reads: the queue (priority with aging), jobs waiting for a retry's
 * delay, jobs that want a decision (a failure to settle, a cancel to finish), and the jobs each
 * robot and each workflow holds. Pure: no I/O, no clock (`now` is passed in).
 */
export class JobTracker {
  readonly jobs = new Map<string, TrackedJob>();
  readonly queue = new JobQueue<TrackedJob>();
  /** Retries waiting for their `notBefore`. */
  readonly waiting = new Set<TrackedJob>();
  /** Jobs that want a decision of the dispatcher's: a failure to settle, a cancel to finish. */
  readonly attention = new Set<TrackedJob>();
  private readonly byRobot = new Map<string, Set<TrackedJob>>();
  private readonly byWorkflow = new Map<string, Set<TrackedJob>>();

  /** Starts tracking a job at its `JobRequested`; it waits in the queue. */
  track(subject: string, sequence: number, event: Extract<JobEvent, { type: 'JobRequested' }>, part = 0) {
    const requestedAt = Date.parse(event.occurredAt);
    const job: TrackedJob = {
      key: `${event.tenantId}/${event.aggregateId}`,
      tenantId: event.tenantId,
      jobId: event.aggregateId,
      subject,
      firstSequence: sequence,
      lastSequence: sequence,
      lastPart: part,
      lastEventType: event.type,
      workflowId: event.data.workflowId,
      workflowVersion: event.data.workflowVersion,
      priority: event.data.priority,
      ...(event.data.deadline ? { deadline: Date.parse(event.data.deadline) } : {}),
      variables: event.data.variables,
      ...(event.data.placement ? { placement: event.data.placement } : {}),
      ...(event.data.needs ? { needs: event.data.needs } : {}),
      requestedAt,
      enqueuedAt: requestedAt,
      phase: 'pending',
      attempt: 1,
      cancelRequested: false,
      busy: false,
      stale: false,
      unpublished: false,
    };
    this.jobs.set(job.key, job);
    this.queue.add(job);
    return job;
  }

  /**
   * A job this process did not track came back to life (requeued): its whole history, folded
   * from after its last end (a requeue reopens a dead-lettered job), then `buffered`, the events
   * the feed brought while the history was read. Undefined when it is not a job or has ended.
   */
  adopt(
    subject: string,
    history: readonly StoredEvent<JobEvent>[],
    buffered: readonly { sequence: number; part: number; event: JobEvent }[],
    now: number,
  ): TrackedJob | undefined {
    const events = withParts(history);
    const first = events[0];
    if (first?.event.type !== 'JobRequested') return undefined;
    const lastEnd = events.findLastIndex((stored) => ENDING.has(stored.event.type));
    const job = this.track(subject, first.sequence, first.event, first.part);
    if (lastEnd > 0) {
      job.lastSequence = events[lastEnd].sequence;
      job.lastPart = events[lastEnd].part;
      job.lastEventType = events[lastEnd].event.type;
    }
    for (const stored of [...events.slice(Math.max(1, lastEnd + 1)), ...buffered])
      this.apply(job, stored.sequence, stored.event, stored.part, now);
    if (!ENDING.has(job.lastEventType)) return job;
    this.forget(job);
    return undefined;
  }

  /**
   * One event of a tracked job, at its place in the stream; an event at or before the last one
   * applied changes nothing (a redelivery, or our own decision applied before the feed brought
   * it). `ended`: the job left the dispatcher's hands (completed, rejected, cancelled,
   * dead-lettered).
   */
  apply(
    job: TrackedJob,
    sequence: number,
    event: JobEvent,
    part: number,
    now: number,
  ): 'ignored' | 'ended' | 'applied' {
    if (sequence < job.lastSequence || (sequence === job.lastSequence && part <= job.lastPart))
      return 'ignored';
    job.lastSequence = sequence;
    job.lastPart = part;
    job.lastEventType = event.type;
    job.stale = false;
    if (ENDING.has(event.type)) {
      this.forget(job);
      return 'ended';
    }
    switch (event.type) {
      case 'JobDispatched':
        this.leaveRobot(job);
        this.queue.remove(job.key);
        job.attempt = event.data.attempt;
        job.phase = 'placed';
        job.unpublished = false;
        this.joinRobot(job, robotOfSubject(event.data.subject));
        break;
      case 'JobStarted':
        this.leaveRobot(job);
        this.queue.remove(job.key);
        job.phase = 'running';
        job.avoid = undefined;
        job.runningSince = Date.parse(event.occurredAt);
        this.joinRobot(job, event.data.robotId);
        break;
      case 'JobFailed':
        this.leaveRobot(job);
        job.phase = 'failed';
        this.attention.add(job);
        break;
      case 'JobRetryScheduled':
        this.leaveRobot(job);
        this.attention.delete(job);
        job.phase = 'waiting';
        job.attempt = event.data.attempt;
        job.notBefore = Date.parse(event.data.notBefore);
        this.waiting.add(job);
        break;
      case 'JobRequeued':
        this.leaveRobot(job);
        this.attention.delete(job);
        job.attempt = event.data.attempt;
        this.enqueue(job, Date.parse(event.occurredAt));
        break;
      case 'JobNeedsAttention':
        this.leaveRobot(job);
        job.phase = 'parked';
        break;
      case 'StepResolved':
        this.leaveRobot(job);
        this.enqueue(job, now, true);
        break;
      case 'JobReleased':
        this.leaveRobot(job);
        job.avoid = event.data.robotId;
        this.enqueue(job, now, true);
        break;
      case 'JobCancelRequested':
        job.cancelRequested = true;
        this.attention.add(job);
        break;
      case 'JobRequested':
      case 'StepStarted':
      case 'StepCompleted':
      case 'StepFailed':
      case 'JobCompleted':
      case 'JobRejected':
      case 'JobCancelled':
      case 'JobDeadLettered':
      case 'JobAtRisk':
        job.atRisk = true;
        break;
      case 'JobDeadlineMissed':
        job.deadlineMissed = true;
        break;
      case 'SelectorHealed':
      case 'StepStalled':
        break;
      default: {
        const _exhaustive: never = event;
        return _exhaustive;
      }
    }
    return 'applied';
  }

  /** Into the queue (`urgent`: ahead of all others: failed over, released, resolved). */
  enqueue(job: TrackedJob, at: number, urgent = false): void {
    this.waiting.delete(job);
    job.phase = 'pending';
    job.enqueuedAt = at;
    job.notBefore = undefined;
    this.queue.add(job, { urgent });
  }

  /** Retries whose delay has passed join the queue, dated by when they became due. */
  releaseDueRetries(now: number): void {
    for (const job of this.waiting) {
      if ((job.notBefore ?? 0) > now) continue;
      this.waiting.delete(job);
      this.enqueue(job, job.notBefore ?? now);
    }
  }

  /** When the earliest waiting retry falls due (ms), if any waits. */
  nextRetryAt(now: number): number | undefined {
    let next = Infinity;
    for (const job of this.waiting) next = Math.min(next, job.notBefore ?? now);
    return next === Infinity ? undefined : next;
  }

  /** A placement round chose `robotId`: the job holds one of its slots until the placement settles. */
  placing(job: TrackedJob, robotId: string): void {
    this.queue.remove(job.key);
    job.phase = 'placing';
    this.joinRobot(job, robotId);
  }

  /** A placement that did not happen: the job waits in the queue again. */
  unplace(job: TrackedJob): void {
    this.leaveRobot(job);
    job.phase = 'pending';
    this.queue.add(job);
  }

  /** The job leaves whatever robot it was on and waits, first in line. */
  requeueUrgently(job: TrackedJob, now: number): void {
    this.leaveRobot(job);
    this.enqueue(job, now, true);
  }

  forget(job: TrackedJob): void {
    this.leaveRobot(job);
    this.queue.remove(job.key);
    this.waiting.delete(job);
    this.attention.delete(job);
    this.jobs.delete(job.key);
  }

  /** Jobs placed on, or run by, `robotId`. */
  heldBy(robotId: string): readonly TrackedJob[] {
    return [...(this.byRobot.get(robotId) ?? [])];
  }

  /** Robots holding at least one job. */
  robotsHolding(): string[] {
    return [...this.byRobot].filter(([, held]) => held.size > 0).map(([robotId]) => robotId);
  }

  /** Jobs of the workflow placed or running, across the fleet (for `maxConcurrentJobs`). */
  runningOf(tenantId: string, workflowId: string): number {
    return this.byWorkflow.get(`${tenantId}/${workflowId}`)?.size ?? 0;
  }

  /** Jobs placed on a robot and not ended: what counts against its slots. */
  inFlight(robotId: string): number {
    let count = 0;
    for (const job of this.byRobot.get(robotId) ?? []) if (ON_ROBOT.has(job.phase)) count++;
    return count;
  }

  stats(): {
    open: number;
    queued: number;
    phases: Record<string, number>;
    queuedByBand: Record<PriorityBand, number>;
  } {
    const phases: Record<string, number> = {};
    const queuedByBand: Record<PriorityBand, number> = { high: 0, normal: 0, low: 0 };
    for (const job of this.jobs.values()) {
      phases[job.phase] = (phases[job.phase] ?? 0) + 1;
      if (job.phase === 'pending') queuedByBand[bandOf(job.priority)]++;
    }
    return { open: this.jobs.size, queued: this.queue.size, phases, queuedByBand };
  }

  private joinRobot(job: TrackedJob, robotId: string | undefined): void {
    job.robotId = robotId;
    if (!robotId) return;
    set(this.byRobot, robotId).add(job);
    set(this.byWorkflow, `${job.tenantId}/${job.workflowId}`).add(job);
  }

  private leaveRobot(job: TrackedJob): void {
    if (job.robotId) this.byRobot.get(job.robotId)?.delete(job);
    this.byWorkflow.get(`${job.tenantId}/${job.workflowId}`)?.delete(job);
    job.robotId = undefined;
  }
}

function robotOfSubject(subject: string): string | undefined {
  const parts = subject.split('.');
  return parts[3] === 'robot' ? parts[4] : undefined;
}

function set<K, V>(map: Map<K, Set<V>>, key: K): Set<V> {
  let found = map.get(key);
  if (!found) map.set(key, (found = new Set()));
  return found;
}

/** A history's events, each with its place in the commit it was stored in. */
function withParts(events: readonly StoredEvent<JobEvent>[]): (StoredEvent<JobEvent> & { part: number })[] {
  let part = 0;
  return events.map((stored, i) => {
    part = i > 0 && events[i - 1].sequence === stored.sequence ? part + 1 : 0;
    return { ...stored, part };
  });
}

/**
 * The work message placing `job` on a robot; `fresh`: a first placement's (ADR 26); `stallLimitsMs`:
 * its workflow's measured k × p99 per node (ADR 65).
 */
export function workMessage(
  job: TrackedJob,
  id: string,
  options: { fresh?: WorkMessage['data']['fresh']; stallLimitsMs?: Readonly<Record<string, number>> } = {},
): WorkMessage {
  const { workflowId, workflowVersion, priority, attempt } = job;
  const { fresh, stallLimitsMs } = options;
  return RunJob.create({
    tenantId: job.tenantId,
    aggregateId: job.jobId,
    id,
    data: {
      workflowId,
      workflowVersion,
      priority,
      attempt,
      ...(fresh ? { fresh } : {}),
      ...(stallLimitsMs && Object.keys(stallLimitsMs).length > 0
        ? { stallLimitsMs: { ...stallLimitsMs } }
        : {}),
    },
  });
}
