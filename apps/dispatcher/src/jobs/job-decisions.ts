import {
  JOB_EVENTS,
  MessageRegistry,
  NO_CAPABLE_ROBOT,
  subjects,
  type DeadlineConsequence,
  type JobEvent,
  type Placement,
} from '@aether/contracts';
import { CommandHandler, ConcurrencyError, type EventStore } from '@aether/event-store';
import { jobDecider, type JobCommand, type JobRejection, type JobState } from '@aether/job-domain';
import type { Logger } from '@aether/service-kit';
import type { DispatcherPorts } from '../fleet/dispatcher-ports';
import { describeRequirements, type Requirements } from '../placement/placement';
import type { TrackedJob } from './job-tracker';
import type { OverdueStep } from './overdue-steps';

/** A job command without its metadata: who, when and the id naming the position are added here. */
type Decision = Omit<JobCommand, 'meta'>;

/** What `decide` makes of a decision: the sequence of its events (none appended: no `sequence`). */
type Decided = { readonly sequence?: number } | undefined;

export interface DecisionSettings {
  readonly retryDelaysMs: readonly number[];
  readonly retryJitter: number;
}

/**
 * The job events the dispatcher writes, each a command of the job decider (ADR 28): place a job
 * again, settle a failed attempt, finish a cancel, reject a job no robot can run. Each is decided
 * on the job's log and appended guarded by the sequence read (`CommandHandler`), its id naming
 * that position, so a retried append de-duplicates.
 */
export class JobDecisions {
  private readonly commands: CommandHandler<JobCommand, JobState, JobEvent, JobRejection>;

  constructor(
    private readonly ports: DispatcherPorts,
    private readonly settings: DecisionSettings,
    private readonly logger: Logger,
    /** Applies our own events to the dispatcher's view, at their place in the stream. */
    private readonly applied: (job: TrackedJob, sequence: number, event: JobEvent, part: number) => void,
    /** A decision failed for another reason than a conflict: look again soon. */
    private readonly failed: () => void,
  ) {
    const store = { read: (subject: string) => ports.readJob(subject), append: ports.append };
    this.commands = new CommandHandler(
      store as unknown as Pick<EventStore, 'read' | 'append'>,
      new MessageRegistry<JobEvent>(JOB_EVENTS),
      jobDecider,
    );
  }

  /** Placing a job again fences out whoever held it before: `JobDispatched` on its log first. */
  async place(job: TrackedJob, robotId: string): Promise<number | undefined> {
    const subject = subjects.robotWork(job.tenantId, robotId);
    return (await this.decide(job, 'dispatch', { type: 'PlaceJob', data: { subject } }))?.sequence;
  }

  /** A failed attempt: the retry policy decides another attempt or a dead letter (ADR 12, 29). */
  async settle(job: TrackedJob): Promise<void> {
    const retry = this.ports.policy(job.tenantId, job.workflowId)?.retry;
    const schedule = {
      delaysMs: retry?.delaysMs ?? this.settings.retryDelaysMs,
      jitter: retry?.jitter ?? this.settings.retryJitter,
    };
    const random = this.ports.random();
    const settled = await this.decide(job, 'settle', { type: 'SettleFailure', data: { schedule, random } });
    if (settled?.sequence !== undefined)
      this.logger.info({ jobId: job.jobId, attempt: job.attempt, phase: job.phase }, 'failed job settled');
  }

  /**
   * A cancel request for a job no robot holds: the gateway usually cancels it itself; this
   * covers a crash in between. True once decided (for a running job: nothing, its robot stops it).
   */
  async cancel(job: TrackedJob): Promise<boolean> {
    const decided = await this.decide(job, 'cancel', { type: 'CancelJob', data: {} });
    if (decided?.sequence !== undefined) this.logger.info({ jobId: job.jobId }, 'waiting job cancelled');
    return decided !== undefined;
  }

  /**
   * A robot reports a step past its limit plus the grace: its watchdog did not act (ADR 61). The
   * decider records the stall and fails the attempt (or parks the job) so it no longer waits on it.
   */
  async stall(job: TrackedJob, step: OverdueStep): Promise<void> {
    const { stepKey, nodeType, robotId, elapsedMs, limitMs, idempotent } = step;
    const decided = await this.decide(job, 'stall', {
      type: 'StallStep',
      data: {
        stepKey,
        nodeId: stepKey.replace(/\[.*$/, ''),
        nodeType,
        robotId,
        elapsedMs,
        limitMs,
        basis: 'timeout',
        detectedBy: 'service',
        idempotent,
      },
    });
    if (decided?.sequence !== undefined)
      this.logger.warn(
        { jobId: job.jobId, robotId, step: stepKey, elapsedMs },
        'stalled step: its robot did not act',
      );
  }

  /** The forecast puts the job's finish past its deadline (ADR 66): `JobAtRisk`, once. */
  async flagAtRisk(job: TrackedJob, predictedFinish: number, durationMs: number): Promise<void> {
    const decided = await this.decide(job, 'at-risk', {
      type: 'FlagAtRisk',
      data: { predictedFinish: Math.round(predictedFinish), durationMs: Math.round(durationMs) },
    });
    if (decided?.sequence !== undefined)
      this.logger.warn(
        {
          jobId: job.jobId,
          deadline: job.deadline,
          predictedFinish: new Date(predictedFinish).toISOString(),
        },
        'job at risk of missing its deadline',
      );
  }

  /** The deadline passed before the job finished: the decider applies its consequence (ADR 66). */
  async missDeadline(job: TrackedJob, consequence: DeadlineConsequence): Promise<void> {
    const decided = await this.decide(job, 'deadline', { type: 'MissDeadline', data: { consequence } });
    if (decided?.sequence !== undefined)
      this.logger.warn({ jobId: job.jobId, deadline: job.deadline }, 'job missed its deadline');
  }

  async reject(job: TrackedJob, requirements: Requirements, placement: Placement): Promise<void> {
    const needs =
      placement.affinity?.kind === 'hard'
        ? `${describeRequirements(requirements)} on robot ${placement.affinity.robotId}`
        : describeRequirements(requirements);
    const reason = `${NO_CAPABLE_ROBOT}: no registered robot can run this job (needs ${needs})`;
    const decided = await this.decide(job, 'reject', {
      type: 'RejectJob',
      data: { code: NO_CAPABLE_ROBOT, reason },
    });
    if (decided?.sequence !== undefined)
      this.logger.warn({ jobId: job.jobId, needs }, 'job rejected: no capable robot');
  }

  /**
   * Our own events are applied at once when the log held nothing the dispatcher had not seen
   * (the feed may have brought them already: applying them again changes nothing); otherwise,
   * and when the decider refuses what the dispatcher's view asked for, the job is stale: no
   * decision for it until the feed brings its next event. Undefined when no
   * decision was made (a conflict, or an error: looked at again soon).
   */
  private async decide(job: TrackedJob, kind: string, decision: Decision): Promise<Decided> {
    job.busy = true;
    let decidedAt = -1;
    try {
      const outcome = await this.commands.handle(job.subject, (sequence) => {
        decidedAt = sequence;
        const meta = { tenantId: job.tenantId, jobId: job.jobId, at: new Date(this.ports.now()) };
        return { ...decision, meta: { ...meta, id: `${kind}:${job.jobId}:${sequence}` } } as JobCommand;
      });
      job.busy = false;
      if (outcome.kind === 'rejected') {
        // Refused on a log the dispatcher has seen all of: its view is wrong, wait for news.
        if (decidedAt >= job.lastSequence) job.stale = true;
        this.logger.info({ jobId: job.jobId, kind, reason: outcome.rejection.reason }, 'decision refused');
        return {};
      }
      // The log held events the feed has not brought yet: they come first, then ours.
      if (decidedAt > job.lastSequence) job.stale = true;
      else outcome.events.forEach((event, part) => this.applied(job, outcome.lastSequence, event, part));
      return outcome.events.length > 0 ? { sequence: outcome.lastSequence } : {};
    } catch (error) {
      job.busy = false;
      if (error instanceof ConcurrencyError) job.stale = decidedAt >= job.lastSequence;
      else {
        this.logger.error({ err: error, jobId: job.jobId, kind }, 'a decision failed');
        this.failed();
      }
      return undefined;
    }
  }
}
