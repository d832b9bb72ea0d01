import { subjects, type DeadlineConsequence, type JobEvent, type JsonObject } from '@aether/contracts';
import type { Logger } from '@aether/service-kit';
import type { DispatcherPorts } from '../fleet/dispatcher-ports';
import { LegacyNeeds } from '../placement/legacy-needs';
import { incapableJobs, placementRound, type PlacementChoice } from '../placement/placement-round';
import { JobDecisions, type DecisionSettings } from './job-decisions';
import { JobTracker, REOPENING, workMessage, type TrackedJob } from './job-tracker';
import { overdueSteps } from './overdue-steps';
import { forecastDeadlines, slotTimes } from '../placement/deadline-risk';

export type { DispatcherPorts } from '../fleet/dispatcher-ports';

export interface DispatcherSettings extends DecisionSettings {
  agingMs: number;
  /** How long past its limit a heartbeat may report a step before the dispatcher declares it stalled (ADR 61). */
  stallGraceMs: number;
  /** What a missed deadline does to a job whose request named nothing (ADR 66). */
  onDeadlineMissed: DeadlineConsequence;
  /** How often the deadline forecast runs, ms. */
  forecastEveryMs: number;
  noCapableRobotGraceMs: number;
  prefetch: number;
}

/**
 * Owns the queue of jobs waiting for a robot and places them: hard constraints, affinity,
 * soft scoring, priority with aging, per-workflow limits, retries with backoff, dead letters,
 * NoCapableRobot, and failover when a robot goes offline. It holds no truth of its own: its
 * state (`JobTracker`) is a fold of the job events (fed in stream order by `JobFeed`), robot
 * presence and KV policies; each decision is a command of the job decider, decided on the log
 * and appended guarded by its sequence (`CommandHandler`). A first placement is the exception:
 * its work message alone, fenced by the robot's first commit (ADR 26).
 */
export class Dispatcher {
  private readonly tracker = new JobTracker();
  private readonly decisions: JobDecisions;
  private readonly lastPlacedAt = new Map<string, number>();
  private readonly adopting = new Map<string, { sequence: number; part: number; event: JobEvent }[]>();
  private readonly legacyNeeds: LegacyNeeds;
  private readonly sessionsInFlight = new Map<string, string>();
  private readonly failingOver = new Set<string>();
  /** Purges of each robot's work subject so far: a dispatch that overlapped one may have lost its message. */
  private readonly purges = new Map<string, number>();
  private ready = false;
  private lastForecastAt = 0;
  private tickScheduled = false;
  private timer?: NodeJS.Timeout;
  private feedPosition = 0;
  /** Queued jobs no robot of the fleet could run, as of the last reconcile. */
  private withoutCapableRobot = 0;

  constructor(
    private readonly ports: DispatcherPorts,
    private readonly settings: DispatcherSettings,
    private readonly logger: Logger,
  ) {
    this.decisions = new JobDecisions(
      ports,
      settings,
      logger,
      (job, sequence, event, part) => this.apply(job, sequence, event, part),
      () => this.later(1_000),
    );
    this.legacyNeeds = new LegacyNeeds(ports, logger);
  }

  /** The lowest stream sequence a restart must replay from to see every open job. */
  get replayFrom(): number {
    let lowest = this.feedPosition + 1;
    for (const job of this.tracker.jobs.values()) lowest = Math.min(lowest, job.firstSequence);
    for (const [, buffered] of this.adopting)
      for (const item of buffered) lowest = Math.min(lowest, item.sequence);
    return lowest;
  }

  stats() {
    return {
      ready: this.ready,
      ...this.tracker.stats(),
      withoutCapableRobot: this.withoutCapableRobot,
      feedPosition: this.feedPosition,
    };
  }

  /** The feed caught up with the stream: from now on, decide. */
  markReady(): void {
    if (this.ready) return;
    this.ready = true;
    this.logger.info(this.stats(), 'dispatcher caught up with the job events');
    for (const job of this.tracker.jobs.values())
      if (job.phase === 'placed' && job.lastEventType === 'JobDispatched') job.unpublished = true;
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
    if (buffered) return void buffered.push({ sequence, part, event });
    const job = this.tracker.jobs.get(key);
    if (job) return this.apply(job, sequence, event, part);
    if (event.type === 'JobRequested')
      return this.tracked(this.tracker.track(subject, sequence, event, part));
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
    const context = this.round();
    for (const robotId of this.tracker.robotsHolding()) {
      const robot = context.robots.find((candidate) => candidate.robotId === robotId);
      if (!robot || robot.status === 'offline') void this.failover(robotId);
    }
    const incapable = incapableJobs(context);
    this.withoutCapableRobot = incapable.length;
    for (const { job, requirements, placement } of incapable)
      if (context.now - job.requestedAt >= this.settings.noCapableRobotGraceMs)
        void this.decisions.reject(job, requirements, placement);
    for (const job of this.tracker.jobs.values()) if (job.unpublished && !job.busy) void this.publish(job);
    for (const step of overdueSteps(context.robots, context.now, this.settings.stallGraceMs)) {
      const job = this.tracker.jobs.get(`${step.tenantId}/${step.jobId}`);
      if (job && !job.busy && job.phase === 'running' && job.robotId === step.robotId)
        void this.decisions.stall(job, step);
    }
    this.watchDeadlines(context.robots, context.now);
    this.kick();
  }

  /**
   * Deadlines (ADR 66): a job past its deadline is recorded missed, with its consequence; the
   * waiting jobs are played forward on the robots' slots with their workflows' measured durations,
   * and the ones predicted to finish late are flagged at risk. Jobs of a workflow with no measured
   * duration yet are played as taking no time and never flagged.
   */
  private watchDeadlines(robots: ReturnType<DispatcherPorts['robots']>, now: number): void {
    for (const job of this.tracker.jobs.values())
      if (job.deadline !== undefined && now > job.deadline && !job.deadlineMissed && !job.busy)
        void this.decisions.missDeadline(job, this.settings.onDeadlineMissed);
    if (now - this.lastForecastAt < this.settings.forecastEveryMs) return;
    this.lastForecastAt = now;
    const waiting = [...this.tracker.queue.inOrder(now, this.settings.agingMs)];
    if (!waiting.some((job) => job.deadline !== undefined && !job.atRisk)) return;
    const duration = (job: TrackedJob) => this.ports.workflowDurationMs(job.tenantId, job.workflowId);
    const busyUntil = (robotId: string) =>
      this.tracker.heldBy(robotId).map((job) => (job.runningSince ?? now) + (duration(job) ?? 0));
    const { atRisk } = forecastDeadlines(
      waiting,
      slotTimes(robots, busyUntil, now),
      (job) => duration(job) ?? 0,
    );
    for (const { job, predictedFinish } of atRisk) {
      const measured = duration(job);
      if (measured !== undefined && !job.atRisk && !job.busy)
        void this.decisions.flagAtRisk(job, predictedFinish, measured);
    }
  }

  /** The robot went offline or restarted: what it held is placed again at once. */
  robotGone(robotId: string): void {
    if (this.ready) void this.failover(robotId);
  }

  private tracked(job: TrackedJob): void {
    // Jobs requested before JobRequested carried its needs (ADR 30): derived from the workflow.
    if (!job.needs)
      void this.legacyNeeds.of(job.tenantId, job.workflowId, job.workflowVersion).then((needs) => {
        job.needs = needs;
        this.kick();
      });
    this.kick();
  }

  /** A job this process does not hold came back to life (requeued): fold its whole history. */
  private async adopt(key: string, subject: string, sequence: number, event: JobEvent, part: number) {
    this.adopting.set(key, [{ sequence, part, event }]);
    try {
      const { events } = await this.ports.readJob(subject);
      const job = this.tracker.adopt(subject, events, this.adopting.get(key) ?? [], this.ports.now());
      if (job) this.tracked(job);
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
    if (this.tracker.apply(job, sequence, event, part, this.ports.now()) !== 'ignored') this.kick();
  }

  private round() {
    return {
      tracker: this.tracker,
      robots: this.ports.robots(),
      now: this.ports.now(),
      agingMs: this.settings.agingMs,
      prefetch: this.settings.prefetch,
      failingOver: this.failingOver,
      policy: (tenantId: string, workflowId: string) => this.ports.policy(tenantId, workflowId),
      session: (tenantId: string, key: string) => this.ports.session(tenantId, key),
      lastPlacedAt: this.lastPlacedAt,
      sessionsInFlight: this.sessionsInFlight,
    };
  }

  private tick(): void {
    this.tickScheduled = false;
    if (!this.ready) return;
    const now = this.ports.now();
    this.tracker.releaseDueRetries(now);
    for (const job of this.tracker.attention) {
      if (job.busy || job.stale) continue;
      if (job.phase === 'failed') void this.decisions.settle(job);
      else if (job.cancelRequested && ['pending', 'waiting', 'parked'].includes(job.phase))
        void this.decisions.cancel(job).then((decided) => decided && this.tracker.attention.delete(job));
      else this.tracker.attention.delete(job);
    }
    const { choices, more } = placementRound(this.round());
    for (const choice of choices) void this.dispatch(choice);
    if (more) this.kick();
    const next = this.tracker.nextRetryAt(now);
    if (next !== undefined) this.later(Math.max(0, next - now));
  }

  private async dispatch({ job, robotId, binding }: PlacementChoice): Promise<void> {
    job.busy = true;
    const purgesBefore = this.purges.get(robotId) ?? 0;
    try {
      if (binding) {
        const bound = await this.ports.bindSession(job.tenantId, binding.key, robotId, binding.revision);
        this.sessionsInFlight.delete(`${job.tenantId}.${binding.key}`);
        if (!bound) throw new NotPlaced();
      }
      if (job.lastSequence === job.firstSequence && job.variables)
        await this.placeFirst(job, robotId, job.variables);
      else if (!(await this.placeAgain(job, robotId))) throw new NotPlaced();
      if (
        (this.purges.get(robotId) ?? 0) !== purgesBefore &&
        job.robotId === robotId &&
        job.phase === 'placed'
      )
        this.tracker.requeueUrgently(job, this.ports.now()); // its robot's queue was purged meanwhile
    } catch (error) {
      job.busy = false;
      if (job.phase === 'placing') this.tracker.unplace(job);
      if (error instanceof NotPlaced) {
        this.kick();
        return;
      }
      // Not at once: a stream without a leader refuses in microseconds, and a round started
      // straight away picks the same job again (375 tries a job, 2,600 a second, in
      // chaos:cluster while WORK elected, on a machine the election needed).
      this.logger.error({ err: error, jobId: job.jobId }, 'placing a job failed; trying again in 1 s');
      this.later(1_000);
    }
  }

  /**
   * A job's first placement is its work message alone, not an event (ADR 26): nothing has been
   * appended since the request, so the robot's first commit, guarded by the request's sequence,
   * is the fence. Until the message is stored the job stays `placing`; a failure re-queues it.
   */
  private async placeFirst(job: TrackedJob, robotId: string, variables: JsonObject): Promise<void> {
    const sequence = job.lastSequence;
    await this.ports.publishWork(
      subjects.robotWork(job.tenantId, robotId),
      workMessage(job, `run:${job.jobId}:${sequence}:${robotId}`, {
        fresh: { sequence, variables },
        stallLimitsMs: this.ports.stallLimitsMs(job.tenantId, job.workflowId),
      }),
    );
    job.variables = undefined;
    job.busy = false;
    if (job.phase === 'placing') job.phase = 'placed';
  }

  /** Placing a job again fences out whoever held it before: the decision is an event first. */
  private async placeAgain(job: TrackedJob, robotId: string): Promise<boolean> {
    const placed = await this.decisions.place(job, robotId);
    if (placed === undefined) return false;
    job.variables = undefined;
    if (job.lastSequence === placed) job.unpublished = true;
    await this.publish(job, placed, robotId);
    return true;
  }

  private async publish(job: TrackedJob, dispatchSequence = job.lastSequence, robotId = job.robotId) {
    if (!robotId) return;
    try {
      await this.ports.publishWork(
        subjects.robotWork(job.tenantId, robotId),
        workMessage(job, `run:${job.jobId}:${dispatchSequence}`, {
          stallLimitsMs: this.ports.stallLimitsMs(job.tenantId, job.workflowId),
        }),
      );
      job.unpublished = false;
    } catch (error) {
      this.logger.warn(
        { err: error, jobId: job.jobId },
        'publishing work failed; the next reconcile retries',
      );
    }
  }

  private async failover(robotId: string): Promise<void> {
    if (this.failingOver.has(robotId)) return;
    this.failingOver.add(robotId);
    try {
      await this.ports.purgeRobotWork(robotId);
      this.purges.set(robotId, (this.purges.get(robotId) ?? 0) + 1);
      const moved: string[] = [];
      for (const job of this.tracker.heldBy(robotId)) {
        if (job.busy || job.phase === 'placing') continue; // its dispatch settles first; the next reconcile moves it
        this.tracker.requeueUrgently(job, this.ports.now());
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

  private later(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kick(), ms);
    this.timer.unref?.();
  }
}

/** The job was not placed, for a reason that is no error: its session was bound elsewhere, or its log moved on. */
class NotPlaced extends Error {
  override readonly name = 'NotPlaced';
}
