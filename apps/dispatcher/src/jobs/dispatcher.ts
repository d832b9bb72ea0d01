import {
  JobCancelled,
  JobDeadLettered,
  JobDispatched,
  JobRejected,
  JobRetryScheduled,
  NO_CAPABLE_ROBOT,
  RunJob,
  subjects,
  type DispatchPolicy,
  type Envelope,
  type ErrorInfo,
  type JsonObject,
  type JobEvent,
  type Placement,
  type RobotPresence,
  type WorkMessage,
} from '@aether/contracts';
import { ConcurrencyError, type AggregateHistory, type StoredEvent } from '@aether/event-store';
import { foldJob, isTerminal } from '@aether/job-domain';
import type { Logger } from '@aether/service-kit';
import { JobQueue } from '../placement/job-queue';
import {
  describeRequirements,
  isCapable,
  mergePlacement,
  pickRobot,
  requirementsOf,
  type Candidate,
  type Requirements,
  type WorkflowNeeds,
} from '../placement/placement';
import { decideRetry } from '@aether/job-domain';

/** Where the dispatcher's decisions go, and what it reads besides the job feed. */
export interface DispatcherPorts {
  append(subject: string, events: readonly Envelope[], expected: number): Promise<{ lastSequence: number }>;
  readJob(subject: string): Promise<AggregateHistory<JobEvent>>;
  publishWork(subject: string, work: WorkMessage): Promise<void>;
  /** Deletes every message queued for a robot (it is offline; its jobs are placed again elsewhere). */
  purgeRobotWork(robotId: string): Promise<void>;
  /** A workflow version's needs, for a job whose `JobRequested` predates carrying them (ADR 30). */
  workflowNeeds(tenantId: string, workflowId: string, version: number): Promise<WorkflowNeeds>;
  robots(): readonly RobotPresence[];
  policy(tenantId: string, workflowId: string): DispatchPolicy | undefined;
  /** The robot a session is bound to, with the binding's revision for compare-and-set. */
  session(tenantId: string, key: string): { robotId: string; revision: number } | undefined;
  /** Compare-and-set a session binding; false when someone else bound it first. */
  bindSession(tenantId: string, key: string, robotId: string, revision: number | undefined): Promise<boolean>;
  now(): number;
  random(): number;
}

export interface DispatcherSettings {
  retryDelaysMs: readonly number[];
  retryJitter: number;
  agingMs: number;
  noCapableRobotGraceMs: number;
  prefetch: number;
}

type Phase = 'pending' | 'waiting' | 'placing' | 'placed' | 'running' | 'failed' | 'parked';

interface TrackedJob {
  readonly key: string;
  readonly tenantId: string;
  readonly jobId: string;
  readonly subject: string;
  readonly firstSequence: number;
  readonly workflowId: string;
  readonly workflowVersion: number;
  readonly priority: number;
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
  /** The attempt the current retry schedule started at (1, or a requeue's). */
  firstAttempt: number;
  robotId?: string;
  /** A robot that released the job while stopping: not this one again. */
  avoid?: string;
  notBefore?: number;
  cancelRequested: boolean;
  error?: ErrorInfo;
  /** An append of ours is in flight. */
  busy: boolean;
  /** Our append lost a race: wait for the feed to bring the newer event. */
  stale: boolean;
  /** The work message for the last dispatch may not be published yet. */
  unpublished: boolean;
  needs?: WorkflowNeeds;
}

const ON_ROBOT: ReadonlySet<Phase> = new Set(['placing', 'placed', 'running']);
const REOPENING: ReadonlySet<string> = new Set(['JobRequeued', 'JobFailed', 'JobReleased', 'StepResolved']);
const ENDING: ReadonlySet<string> = new Set([
  'JobCompleted',
  'JobRejected',
  'JobCancelled',
  'JobDeadLettered',
]);

/**
 * Owns the queue of jobs waiting for a robot and places them: hard constraints, affinity,
 * soft scoring, priority with aging, per-workflow limits, retries with backoff, dead letters,
 * NoCapableRobot, and failover when a robot goes offline. It holds no truth of its own: its
 * state is a fold of the job events (fed in stream order by `JobFeed`), robot presence and
 * KV policies, and each decision is an event appended with the job's expected last sequence,
 * so a decision made on a stale view fails and is made again. A first placement is the
 * exception: its work message alone, fenced by the robot's first commit (ADR 26).
 */
export class Dispatcher {
  private readonly jobs = new Map<string, TrackedJob>();
  private readonly queue = new JobQueue<TrackedJob>();
  private readonly waiting = new Set<TrackedJob>();
  private readonly attention = new Set<TrackedJob>();
  private readonly byRobot = new Map<string, Set<TrackedJob>>();
  private readonly byWorkflow = new Map<string, Set<TrackedJob>>();
  private readonly lastPlacedAt = new Map<string, number>();
  private readonly adopting = new Map<string, { sequence: number; part: number; event: JobEvent }[]>();
  private readonly needsCache = new Map<string, WorkflowNeeds | Promise<void>>();
  /** Session bindings chosen in this process and not yet visible through `ports.session`. */
  private readonly sessionsInFlight = new Map<string, string>();
  private readonly failingOver = new Set<string>();
  /** Purges of each robot's work subject so far: a dispatch that overlapped one may have lost its message. */
  private readonly purges = new Map<string, number>();
  private ready = false;
  private tickScheduled = false;
  private timer?: NodeJS.Timeout;
  private feedPosition = 0;

  constructor(
    private readonly ports: DispatcherPorts,
    private readonly settings: DispatcherSettings,
    private readonly logger: Logger,
  ) {}

  /** The lowest stream sequence a restart must replay from to see every open job. */
  get replayFrom(): number {
    let lowest = this.feedPosition + 1;
    for (const job of this.jobs.values()) lowest = Math.min(lowest, job.firstSequence);
    for (const [, buffered] of this.adopting)
      for (const item of buffered) lowest = Math.min(lowest, item.sequence);
    return lowest;
  }

  stats() {
    const phases: Record<string, number> = {};
    for (const job of this.jobs.values()) phases[job.phase] = (phases[job.phase] ?? 0) + 1;
    return {
      ready: this.ready,
      open: this.jobs.size,
      queued: this.queue.size,
      phases,
      feedPosition: this.feedPosition,
    };
  }

  /** The feed caught up with the stream: from now on, decide. */
  markReady(): void {
    if (this.ready) return;
    this.ready = true;
    this.logger.info(this.stats(), 'dispatcher caught up with the job events');
    for (const job of this.jobs.values()) {
      if (job.phase === 'placed' && job.lastEventType === JobDispatched.type) job.unpublished = true;
    }
    this.reconcile();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.ready = false;
  }

  /** One job event, in stream order; `part` is its place in the commit stored at `sequence`. */
  onEvent(subject: string, sequence: number, event: JobEvent, part = 0): void {
    this.feedPosition = Math.max(this.feedPosition, sequence);
    const key = `${event.tenantId}/${event.aggregateId}`;
    const buffered = this.adopting.get(key);
    if (buffered) {
      buffered.push({ sequence, part, event });
      return;
    }
    const job = this.jobs.get(key);
    if (job) {
      this.apply(job, sequence, event, part);
      return;
    }
    if (event.type === 'JobRequested') {
      this.track(subject, sequence, event, part);
      return;
    }
    if (REOPENING.has(event.type)) void this.adopt(key, subject, sequence, event, part);
  }

  /** Something changed (robots, policies, a timer): place what can be placed. */
  kick(): void {
    if (this.tickScheduled || !this.ready) return;
    this.tickScheduled = true;
    setImmediate(() => this.tick());
  }

  /** Periodic and on presence changes: failover, NoCapableRobot, lost work messages. */
  reconcile(): void {
    if (!this.ready) return;
    const robots = new Map(this.ports.robots().map((robot) => [robot.robotId, robot]));
    for (const [robotId, held] of this.byRobot) {
      if (held.size === 0) continue;
      const robot = robots.get(robotId);
      if (!robot || robot.status === 'offline') void this.failover(robotId);
    }
    const now = this.ports.now();
    for (const job of this.queue.inOrder(now, this.settings.agingMs)) {
      if (job.busy || job.stale || !job.needs || now - job.requestedAt < this.settings.noCapableRobotGraceMs)
        continue;
      const requirements = this.requirements(job);
      const placement = this.placementOf(job);
      const capable = [...robots.values()].filter(
        (robot) =>
          isCapable(robot, requirements) &&
          (placement.affinity?.kind !== 'hard' || placement.affinity.robotId === robot.robotId),
      );
      if (capable.length === 0) void this.reject(job, requirements, placement);
    }
    for (const job of this.jobs.values()) if (job.unpublished && !job.busy) void this.publish(job);
    this.kick();
  }

  /** The robot went offline or restarted: what it held is placed again at once. */
  robotGone(robotId: string): void {
    if (this.ready) void this.failover(robotId);
  }

  private track(
    subject: string,
    sequence: number,
    event: Extract<JobEvent, { type: 'JobRequested' }>,
    part = 0,
  ): TrackedJob {
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
      variables: event.data.variables,
      ...(event.data.placement ? { placement: event.data.placement } : {}),
      ...(event.data.needs ? { needs: event.data.needs } : {}),
      requestedAt,
      enqueuedAt: requestedAt,
      phase: 'pending',
      attempt: 1,
      firstAttempt: 1,
      cancelRequested: false,
      busy: false,
      stale: false,
      unpublished: false,
    };
    this.jobs.set(job.key, job);
    this.queue.add(job);
    // Jobs requested before JobRequested carried its needs (ADR 30): derived from the workflow.
    if (!job.needs) this.loadNeeds(job);
    this.kick();
    return job;
  }

  /** A job this process does not hold came back to life (requeued): fold its whole history. */
  private async adopt(
    key: string,
    subject: string,
    sequence: number,
    event: JobEvent,
    part: number,
  ): Promise<void> {
    this.adopting.set(key, [{ sequence, part, event }]);
    try {
      const events = withParts((await this.ports.readJob(subject)).events);
      const first = events[0];
      if (first?.event.type !== 'JobRequested') return;
      // Only what follows the job's last end matters (a requeue reopens a dead-lettered job).
      const lastEnd = events.findLastIndex((stored) => ENDING.has(stored.event.type));
      const job = this.track(subject, first.sequence, first.event, first.part);
      if (lastEnd > 0) {
        job.lastSequence = events[lastEnd].sequence;
        job.lastPart = events[lastEnd].part;
        job.lastEventType = events[lastEnd].event.type;
      }
      for (const stored of events.slice(Math.max(1, lastEnd + 1)))
        this.apply(job, stored.sequence, stored.event, stored.part);
      for (const item of this.adopting.get(key) ?? []) this.apply(job, item.sequence, item.event, item.part);
      if (ENDING.has(job.lastEventType)) this.forget(job);
    } catch (error) {
      this.logger.error(
        { err: error, job: key },
        'could not read a reopened job; it waits for its next event',
      );
    } finally {
      this.adopting.delete(key);
    }
  }

  private apply(job: TrackedJob, sequence: number, event: JobEvent, part = 0): void {
    if (sequence < job.lastSequence || (sequence === job.lastSequence && part <= job.lastPart)) return;
    job.lastSequence = sequence;
    job.lastPart = part;
    job.lastEventType = event.type;
    job.stale = false;
    if (ENDING.has(event.type)) {
      this.forget(job);
      this.kick();
      return;
    }
    switch (event.type) {
      case 'JobDispatched': {
        this.leaveRobot(job);
        this.queue.remove(job.key);
        job.attempt = event.data.attempt;
        job.phase = 'placed';
        job.unpublished = false;
        this.joinRobot(job, robotOfSubject(event.data.subject));
        break;
      }
      case 'JobStarted':
        this.leaveRobot(job);
        this.queue.remove(job.key);
        job.phase = 'running';
        job.avoid = undefined;
        this.joinRobot(job, event.data.robotId);
        break;
      case 'JobFailed':
        this.leaveRobot(job);
        job.phase = 'failed';
        job.error = event.data.error;
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
        job.firstAttempt = event.data.attempt;
        this.enqueue(job, Date.parse(event.occurredAt));
        break;
      case 'JobNeedsAttention':
        this.leaveRobot(job);
        job.phase = 'parked';
        break;
      case 'StepResolved':
        this.leaveRobot(job);
        this.enqueue(job, this.ports.now(), true);
        break;
      case 'JobReleased':
        this.leaveRobot(job);
        job.avoid = event.data.robotId;
        this.enqueue(job, this.ports.now(), true);
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
      case 'SelectorHealed':
        break;
      default: {
        const _exhaustive: never = event;
        return _exhaustive;
      }
    }
    this.kick();
  }

  private tick(): void {
    this.tickScheduled = false;
    if (!this.ready) return;
    const now = this.ports.now();
    for (const job of this.waiting) {
      if ((job.notBefore ?? 0) > now) continue;
      this.waiting.delete(job);
      this.enqueue(job, job.notBefore ?? now);
    }
    for (const job of this.attention) {
      if (job.busy || job.stale) continue;
      if (job.phase === 'failed') void this.decideFailure(job);
      else if (
        job.cancelRequested &&
        (job.phase === 'pending' || job.phase === 'waiting' || job.phase === 'parked')
      )
        void this.cancel(job);
      else this.attention.delete(job);
    }
    this.placeWaitingJobs(now);
    this.armTimer(now);
  }

  private placeWaitingJobs(now: number): void {
    const free = new Map<string, { robot: RobotPresence; slots: number }>();
    for (const robot of this.ports.robots()) {
      if (robot.status !== 'online' || this.failingOver.has(robot.robotId)) continue;
      const slots =
        robot.capabilities.maxConcurrentJobs + this.settings.prefetch - this.inFlight(robot.robotId);
      if (slots > 0) free.set(robot.robotId, { robot, slots });
    }
    if (free.size === 0 || this.queue.size === 0) return;
    let scanned = 0;
    for (const job of this.queue.inOrder(now, this.settings.agingMs)) {
      if (++scanned > 20_000) {
        this.kick();
        return;
      }
      if (job.busy || job.stale || job.cancelRequested) continue;
      if (!job.needs) continue;
      const limit = this.ports.policy(job.tenantId, job.workflowId)?.maxConcurrentJobs;
      if (limit !== undefined && (this.byWorkflow.get(workflowKey(job))?.size ?? 0) >= limit) continue;
      const placement = this.placementOf(job);
      const requirements = this.requirements(job);
      let eligible = [...free.values()].filter(
        ({ robot }) => robot.robotId !== job.avoid && isCapable(robot, requirements),
      );
      let binding: { key: string; robotId?: string; revision?: number } | undefined;
      const affinity = placement.affinity;
      if (affinity?.kind === 'hard') {
        eligible = eligible.filter(({ robot }) => robot.robotId === affinity.robotId);
      } else if (affinity?.kind === 'session') {
        const bound = this.boundRobot(job.tenantId, affinity.key);
        if (bound.robotId && this.isOnline(bound.robotId)) {
          eligible = eligible.filter(({ robot }) => robot.robotId === bound.robotId);
        } else {
          binding = {
            key: affinity.key,
            ...(bound.revision !== undefined ? { revision: bound.revision } : {}),
          };
        }
      }
      if (eligible.length === 0) continue;
      const chosen = pickRobot(
        eligible.map(({ robot }) => this.candidate(robot)),
        placement,
      );
      if (!chosen) continue;
      const slot = free.get(chosen.robotId);
      if (slot && --slot.slots <= 0) free.delete(chosen.robotId);
      if (binding) this.sessionsInFlight.set(`${job.tenantId}.${binding.key}`, chosen.robotId);
      this.queue.remove(job.key);
      job.phase = 'placing';
      this.joinRobot(job, chosen.robotId);
      this.lastPlacedAt.set(chosen.robotId, now);
      void this.dispatch(job, chosen.robotId, binding);
      if (free.size === 0) return;
    }
  }

  private async dispatch(
    job: TrackedJob,
    robotId: string,
    binding: { key: string; revision?: number } | undefined,
  ): Promise<void> {
    job.busy = true;
    const expected = job.lastSequence;
    const purgesBefore = this.purges.get(robotId) ?? 0;
    try {
      if (binding) {
        const bound = await this.ports.bindSession(job.tenantId, binding.key, robotId, binding.revision);
        this.sessionsInFlight.delete(`${job.tenantId}.${binding.key}`);
        if (!bound) throw new SessionTaken();
      }
      if (expected === job.firstSequence && job.variables) await this.placeFirst(job, robotId, job.variables);
      else await this.placeAgain(job, robotId, expected);
      if (
        (this.purges.get(robotId) ?? 0) !== purgesBefore &&
        job.robotId === robotId &&
        job.phase === 'placed'
      ) {
        this.leaveRobot(job); // the robot's queue was purged while this was being placed
        this.enqueue(job, this.ports.now(), true);
      }
    } catch (error) {
      job.busy = false;
      if (job.phase === 'placing') {
        this.leaveRobot(job);
        job.phase = 'pending';
        this.queue.add(job);
      }
      if (error instanceof ConcurrencyError) {
        if (job.lastSequence === expected) job.stale = true;
      } else if (!(error instanceof SessionTaken)) {
        this.logger.error({ err: error, jobId: job.jobId }, 'placing a job failed; trying again');
        this.later(1_000);
      }
      this.kick();
    }
  }

  /**
   * A job's first placement is its work message alone, not an event (ADR 26): nothing has been
   * appended since the request, so the robot's first commit, guarded by the request's sequence,
   * is the fence. Should this process die and place the job again elsewhere, the robot whose
   * commit lands first has it and the other message is superseded. Until the message is
   * stored the job stays `placing`, and a failure puts it back in the queue.
   */
  private async placeFirst(job: TrackedJob, robotId: string, variables: JsonObject): Promise<void> {
    const sequence = job.lastSequence;
    await this.ports.publishWork(
      subjects.robotWork(job.tenantId, robotId),
      this.workMessage(job, `run:${job.jobId}:${sequence}:${robotId}`, { sequence, variables }),
    );
    job.variables = undefined;
    job.busy = false;
    if (job.phase === 'placing') job.phase = 'placed';
  }

  /** Placing a job again fences out whoever held it before: the decision is an event first. */
  private async placeAgain(job: TrackedJob, robotId: string, expected: number): Promise<void> {
    const dispatched = JobDispatched.create({
      tenantId: job.tenantId,
      aggregateId: job.jobId,
      id: `dispatch:${job.jobId}:${expected}`,
      data: { subject: subjects.robotWork(job.tenantId, robotId), attempt: job.attempt },
    });
    const { lastSequence } = await this.ports.append(job.subject, [dispatched], expected);
    job.variables = undefined;
    job.busy = false;
    this.apply(job, lastSequence, dispatched);
    job.unpublished = true;
    await this.publish(job, lastSequence, robotId);
  }

  private async publish(
    job: TrackedJob,
    dispatchSequence = job.lastSequence,
    robotId = job.robotId,
  ): Promise<void> {
    if (!robotId) return;
    try {
      await this.ports.publishWork(
        subjects.robotWork(job.tenantId, robotId),
        this.workMessage(job, `run:${job.jobId}:${dispatchSequence}`),
      );
      job.unpublished = false;
    } catch (error) {
      this.logger.warn(
        { err: error, jobId: job.jobId },
        'publishing work failed; the next reconcile retries',
      );
    }
  }

  private workMessage(job: TrackedJob, id: string, fresh?: WorkMessage['data']['fresh']): WorkMessage {
    return RunJob.create({
      tenantId: job.tenantId,
      aggregateId: job.jobId,
      id,
      data: {
        workflowId: job.workflowId,
        workflowVersion: job.workflowVersion,
        priority: job.priority,
        attempt: job.attempt,
        ...(fresh ? { fresh } : {}),
      },
    });
  }

  private async decideFailure(job: TrackedJob): Promise<void> {
    const error = job.error ?? { message: 'failed', retryable: false };
    const policy = this.ports.policy(job.tenantId, job.workflowId);
    const decision = decideRetry(
      {
        delaysMs: policy?.retry?.delaysMs ?? this.settings.retryDelaysMs,
        jitter: policy?.retry?.jitter ?? this.settings.retryJitter,
      },
      job.attempt,
      job.firstAttempt,
      error,
      this.ports.random,
    );
    const base = { tenantId: job.tenantId, aggregateId: job.jobId };
    const event =
      decision.kind === 'retry'
        ? JobRetryScheduled.create({
            ...base,
            id: `retry:${job.jobId}:${job.lastSequence}`,
            data: {
              attempt: decision.attempt,
              delayMs: decision.delayMs,
              notBefore: new Date(this.ports.now() + decision.delayMs).toISOString(),
              error,
            },
          })
        : JobDeadLettered.create({
            ...base,
            id: `dead:${job.jobId}:${job.lastSequence}`,
            data: { attempts: decision.attempts, error },
          });
    if (await this.decide(job, event)) {
      this.logger.info(
        { jobId: job.jobId, attempt: job.attempt, decision: decision.kind, ...decision },
        decision.kind === 'retry' ? 'failed job will be retried' : 'failed job dead-lettered',
      );
    }
  }

  /** A cancel request for a job no robot holds: the gateway usually cancels it itself; this covers a crash in between. */
  private async cancel(job: TrackedJob): Promise<void> {
    job.busy = true;
    const history = await this.ports.readJob(job.subject).catch(() => undefined);
    job.busy = false;
    if (!history) return this.later(1_000);
    const state = foldJob(history.events.map((stored) => stored.event));
    if (isTerminal(state) || state.status === 'running') {
      this.attention.delete(job); // the feed brings the outcome
      return;
    }
    const cancelled = JobCancelled.create({
      tenantId: job.tenantId,
      aggregateId: job.jobId,
      id: `cancel:${job.jobId}:${job.lastSequence}`,
      data: { completedSteps: state.completedSteps },
    });
    if (await this.decide(job, cancelled)) this.logger.info({ jobId: job.jobId }, 'waiting job cancelled');
  }

  private async reject(job: TrackedJob, requirements: Requirements, placement: Placement): Promise<void> {
    const needs =
      placement.affinity?.kind === 'hard'
        ? `${describeRequirements(requirements)} on robot ${placement.affinity.robotId}`
        : describeRequirements(requirements);
    const rejected = JobRejected.create({
      tenantId: job.tenantId,
      aggregateId: job.jobId,
      id: `reject:${job.jobId}:${job.lastSequence}`,
      data: {
        workflowId: job.workflowId,
        code: NO_CAPABLE_ROBOT,
        reason: `${NO_CAPABLE_ROBOT}: no registered robot can run this job (needs ${needs})`,
      },
    });
    if (await this.decide(job, rejected))
      this.logger.warn({ jobId: job.jobId, needs }, 'job rejected: no capable robot');
  }

  /** Appends one decision guarded by the job's last sequence; false when the job moved on first. */
  private async decide(job: TrackedJob, event: JobEvent): Promise<boolean> {
    if (job.busy) return false;
    job.busy = true;
    const expected = job.lastSequence;
    try {
      const { lastSequence } = await this.ports.append(job.subject, [event], expected);
      job.busy = false;
      this.apply(job, lastSequence, event);
      return true;
    } catch (error) {
      job.busy = false;
      if (error instanceof ConcurrencyError) {
        if (job.lastSequence === expected) job.stale = true;
      } else {
        this.logger.error({ err: error, jobId: job.jobId, type: event.type }, 'appending a decision failed');
        this.later(1_000);
      }
      return false;
    }
  }

  private async failover(robotId: string): Promise<void> {
    if (this.failingOver.has(robotId)) return;
    this.failingOver.add(robotId);
    try {
      await this.ports.purgeRobotWork(robotId);
      this.purges.set(robotId, (this.purges.get(robotId) ?? 0) + 1);
      const moved: string[] = [];
      for (const job of [...(this.byRobot.get(robotId) ?? [])]) {
        if (job.busy || job.phase === 'placing') continue; // its dispatch settles first; the next reconcile moves it
        this.leaveRobot(job);
        this.enqueue(job, this.ports.now(), true);
        moved.push(job.jobId);
      }
      if (moved.length)
        this.logger.warn({ robotId, jobs: moved }, 'robot offline: its jobs are placed again');
    } catch (error) {
      this.logger.error({ err: error, robotId }, 'failover failed; the next reconcile retries');
    } finally {
      this.failingOver.delete(robotId);
    }
    this.kick();
  }

  private enqueue(job: TrackedJob, at: number, urgent = false): void {
    this.waiting.delete(job);
    job.phase = 'pending';
    job.enqueuedAt = at;
    job.notBefore = undefined;
    this.queue.add(job, { urgent });
  }

  private forget(job: TrackedJob): void {
    this.leaveRobot(job);
    this.queue.remove(job.key);
    this.waiting.delete(job);
    this.attention.delete(job);
    this.jobs.delete(job.key);
  }

  private joinRobot(job: TrackedJob, robotId: string | undefined): void {
    job.robotId = robotId;
    if (!robotId) return;
    set(this.byRobot, robotId).add(job);
    set(this.byWorkflow, workflowKey(job)).add(job);
  }

  private leaveRobot(job: TrackedJob): void {
    if (job.robotId) this.byRobot.get(job.robotId)?.delete(job);
    this.byWorkflow.get(workflowKey(job))?.delete(job);
    job.robotId = undefined;
  }

  private inFlight(robotId: string): number {
    let count = 0;
    for (const job of this.byRobot.get(robotId) ?? []) if (ON_ROBOT.has(job.phase)) count++;
    return count;
  }

  private candidate(robot: RobotPresence): Candidate {
    return {
      robotId: robot.robotId,
      capabilities: robot.capabilities,
      inFlight: this.inFlight(robot.robotId),
      ...(robot.vitals ? { vitals: robot.vitals } : {}),
      lastPlacedAt: this.lastPlacedAt.get(robot.robotId) ?? 0,
    };
  }

  private isOnline(robotId: string): boolean {
    return this.ports.robots().some((robot) => robot.robotId === robotId && robot.status !== 'offline');
  }

  private boundRobot(tenantId: string, key: string): { robotId?: string; revision?: number } {
    const inFlight = this.sessionsInFlight.get(`${tenantId}.${key}`);
    if (inFlight) return { robotId: inFlight };
    return this.ports.session(tenantId, key) ?? {};
  }

  private placementOf(job: TrackedJob): Placement {
    return mergePlacement(this.ports.policy(job.tenantId, job.workflowId)?.placement, job.placement);
  }

  private requirements(job: TrackedJob): Requirements {
    return requirementsOf(
      job.tenantId,
      this.placementOf(job),
      job.needs ?? { browser: false, desktop: false },
    );
  }

  private loadNeeds(job: TrackedJob): void {
    const key = `${job.tenantId}/${job.workflowId}@${job.workflowVersion}`;
    const cached = this.needsCache.get(key);
    if (cached && !(cached instanceof Promise)) {
      job.needs = cached;
      return;
    }
    const loading =
      cached ??
      this.ports
        .workflowNeeds(job.tenantId, job.workflowId, job.workflowVersion)
        .catch((error: unknown) => {
          this.logger.warn(
            { err: error, workflow: key },
            'could not read the workflow; placing by the job alone',
          );
          return { browser: false, desktop: false };
        })
        .then((needs) => void this.needsCache.set(key, needs));
    if (!cached) this.needsCache.set(key, loading);
    void loading.then(() => {
      const needs = this.needsCache.get(key);
      if (needs && !(needs instanceof Promise)) job.needs = needs;
      this.kick();
    });
  }

  private armTimer(now: number): void {
    let next = Infinity;
    for (const job of this.waiting) next = Math.min(next, job.notBefore ?? now);
    if (next === Infinity) return;
    this.later(Math.max(0, next - now));
  }

  private later(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kick(), ms);
    this.timer.unref?.();
  }
}

class SessionTaken extends Error {
  override readonly name = 'SessionTaken';
}

function robotOfSubject(subject: string): string | undefined {
  const parts = subject.split('.');
  return parts[3] === 'robot' ? parts[4] : undefined;
}

function workflowKey(job: TrackedJob): string {
  return `${job.tenantId}/${job.workflowId}`;
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
