import {
  JOB_EVENTS,
  JobDispatched,
  JobStarted,
  MessageRegistry,
  subjects,
  type JobEvent,
  type WorkMessage,
} from '@aether/contracts';
import { CommandHandler, ConcurrencyError, type AggregateHistory } from '@aether/event-store';
import {
  foldJob,
  isTerminal,
  jobDecider,
  requestedJobState,
  type JobCommand,
  type JobRejection,
  type JobState,
} from '@aether/job-domain';
import type { Logger } from '@aether/service-kit';
import { createPlanner, type PlannedStep } from '@aether/workflow';
import { CancelledOnClaim, ClaimFenced, ClaimLog, type JobPosition } from './claim-log';
import type { JobSecrets } from '../secrets';
import type { Claim, JobRunnerDeps, RunOutcome, StepHooks } from './runner-ports';
import { errorInfo, runStep, toJson } from './step-run';

export type { BrowserSession, Claim, JobRunnerDeps, RunOutcome } from './runner-ports';

const jobEvents = new MessageRegistry<JobEvent>(JOB_EVENTS);
const SUPERSEDED = 'superseded: this first placement was placed again, claimed elsewhere or ended; dropped';

/**
 * A first placement is no event (ADR 26), so a dispatcher that died after sending one may place
 * the job again. Its message is superseded once the log, after the request, shows the job placed
 * again, claimed by another robot, or ended (a cancel before any claim).
 */
function supersedes(
  history: AggregateHistory<JobEvent>,
  state: JobState,
  fresh: { readonly sequence: number },
  robotId: string,
): boolean {
  return (
    isTerminal(state) ||
    history.events.some(
      ({ sequence, event }) =>
        sequence > fresh.sequence &&
        (event.type === JobDispatched.type ||
          (event.type === JobStarted.type && event.data.robotId !== robotId)),
    )
  );
}

function positionAfter(history: AggregateHistory<JobEvent>): JobPosition {
  return { state: foldJob(history.events.map((stored) => stored.event)), sequence: history.lastSequence };
}

/**
 * Runs one claimed job: replays its history, then loops plan → StartStep → execute →
 * CompleteStep/FailStep, each decided by the job's decider and committed through the claim's log,
 * guarded by the last sequence this robot saw. A completed step is never executed again; a robot
 * whose lease was taken over is fenced by its next append and abandons the job.
 */
export class JobRunner {
  private readonly now: () => number;
  private readonly handler: CommandHandler<JobCommand, JobState, JobEvent, JobRejection>;
  constructor(private readonly deps: JobRunnerDeps) {
    this.now = deps.now ?? Date.now;
    this.handler = new CommandHandler(deps.store, jobEvents, jobDecider);
  }

  async run(claim: Claim): Promise<RunOutcome> {
    const { tenantId, aggregateId: jobId } = claim.work;
    const subject = subjects.event(tenantId, 'job', jobId);
    const logger = this.deps.logger.child({ jobId, delivery: claim.delivery });
    const start = await this.startingPoint(claim, subject);
    if (start === 'superseded') {
      logger.info(SUPERSEDED);
      return 'superseded';
    }
    const log = new ClaimLog({ ...this.deps, now: this.now }, claim, subject, start);
    const { state } = start;
    if (isTerminal(state) || state.status === 'needs_attention') return 'already-finished';
    if (state.status === 'new' || !state.workflowId || !state.workflowVersion) {
      throw new Error(`job ${jobId} has no JobRequested event`);
    }
    const { robotId } = this.deps;
    const refused = log.hold({
      type: 'ClaimJob',
      data: {
        robotId,
        delivery: claim.delivery,
        ...(claim.work.data.fresh ? { dispatchedAt: claim.work.occurredAt } : {}),
      },
    });
    if (refused) {
      logger.info({ reason: refused.reason }, 'claim refused: no robot may run the job now');
      return 'already-finished';
    }
    const browser = this.deps.openBrowser(jobId);
    try {
      const workflow = await this.deps.workflows.get(tenantId, state.workflowId, state.workflowVersion);
      const pinned = { workflowId: state.workflowId, workflowVersion: state.workflowVersion };
      const secrets = this.secretsOf(tenantId, jobId, logger);
      const plan = () => createPlanner(workflow, { variables: log.state.variables, secret: secrets.lookup });
      let planner = plan();
      const hooks = (step: PlannedStep): StepHooks =>
        this.deps.healing?.hooksFor({
          tenantId,
          jobId,
          workflow,
          ...pinned,
          step,
          recordHeal: (data) => log.append({ type: 'RecordHeal', data }),
          causedBy: claim.work,
          storeArtifact: (kind, name, bytes) =>
            this.deps.storeArtifact(kind, `${tenantId}/${jobId}/${name}`, bytes),
        }) ?? {};
      logger.info({ resumedAfterSteps: state.completedSteps }, 'job started');
      for (;;) {
        if (log.state.cancelRequested || claim.cancelled.aborted) {
          await log.finish({ type: 'StopCancelledJob', data: { robotId } });
          logger.info({ completedSteps: log.state.completedSteps }, 'job cancelled');
          return 'cancelled';
        }
        if (claim.stopping.aborted) {
          await log.append({ type: 'ReleaseJob', data: { robotId } });
          logger.info({ completedSteps: log.state.completedSteps }, 'releasing job for another robot');
          return 'released';
        }
        let action = planner.next(log.state.steps);
        while (secrets.wanted()) {
          // The step refers to secrets this claim has not fetched: the claim is recorded first (the
          // vault hands secrets only to the robot the log shows running the job), then the plan is
          // made again with them.
          await log.recordStart();
          await secrets.fetch();
          planner = plan();
          action = planner.next(log.state.steps);
        }
        switch (action.kind) {
          case 'run': {
            if (action.step.retryDelayMs) await log.recordStart();
            const scope = { step: action.step, claim, log, browser, logger, hooks: hooks(action.step) };
            if ((await runStep({ ...this.deps, now: this.now }, scope)) === 'parked') return 'parked';
            break;
          }
          case 'complete':
            await log.finish({ type: 'CompleteJob', data: { outputs: toJson(action.outputs), robotId } });
            logger.info('job completed');
            return 'completed';
          case 'fail': {
            const park = action.park ? { park: action.park } : {};
            await log.finish({ type: 'FailJob', data: { error: errorInfo(action.error), robotId, ...park } });
            const parked = log.state.status === 'needs_attention';
            logger.warn(
              { error: action.error.message, parked },
              parked ? 'job needs attention' : 'job failed',
            );
            return parked ? 'parked' : 'failed';
          }
          case 'ambiguous': {
            const { stepKey, nodeId, reason } = action;
            await log.finish({ type: 'ParkJob', data: { stepKey, nodeId, reason, robotId } });
            logger.warn({ step: stepKey, reason }, 'job needs attention');
            return 'parked';
          }
          default: {
            const _exhaustive: never = action;
            return _exhaustive;
          }
        }
      }
    } catch (error) {
      if (error instanceof CancelledOnClaim) {
        logger.info({ completedSteps: log.state.completedSteps }, 'job cancelled');
        return 'cancelled';
      }
      if (error instanceof ConcurrencyError) {
        // Nothing of this claim landed: the message itself was stale, not a claim taken over.
        const fresh = claim.work.data.fresh;
        if (fresh && log.sequence === log.claimedAt) {
          const history = await this.deps.store.read(subject, jobEvents);
          if (supersedes(history, positionAfter(history).state, fresh, robotId)) {
            logger.info(SUPERSEDED);
            return 'superseded';
          }
        }
        const by = error instanceof ClaimFenced ? error.takenOverBy : 'another writer appended to the job';
        logger.warn({ reason: error.message }, `fenced: ${by}; abandoning this claim`);
        return 'fenced';
      }
      if ((error as { retryable?: boolean }).retryable === false) {
        await log.finish({ type: 'FailJob', data: { error: errorInfo(error as Error), robotId } });
        return 'failed';
      }
      throw error;
    } finally {
      await browser.close().catch((error: unknown) => logger.warn({ err: error }, 'closing browser failed'));
    }
  }

  /**
   * The planner's view of secrets. Without a vault: the environment. With one: what this claim
   * fetched so far; a name not fetched yet is noted (`wanted`) so the runner fetches it and plans
   * again. A name is asked for once per claim; one the vault does not have stays unavailable and
   * the planner fails the step's expression.
   */
  private secretsOf(tenantId: string, jobId: string, log: Logger) {
    const source = this.deps.jobSecrets;
    const known = new Map<string, string>();
    const asked = new Set<string>();
    const wanted = new Set<string>();
    return {
      lookup: source
        ? (name: string) => {
            const value = known.get(name);
            if (value === undefined && !asked.has(name)) wanted.add(name);
            return value;
          }
        : this.deps.secret,
      wanted: () => wanted.size > 0,
      fetch: async () => {
        const names = [...wanted];
        wanted.clear();
        for (const name of names) asked.add(name);
        const values = await (source as JobSecrets).resolve(tenantId, jobId, names);
        for (const [name, value] of Object.entries(values)) known.set(name, value);
        log.info({ secrets: names, found: Object.keys(values) }, 'secrets fetched from the vault');
      },
    };
  }

  /**
   * The state a claim starts from and the sequence its first append is guarded by. A first
   * delivery of a fresh dispatch carries both; if anything was appended since, that append
   * conflicts and is reconciled against the log like any other. Otherwise: the log, folded —
   * unless it shows that a first placement's message was superseded.
   */
  private async startingPoint(claim: Claim, subject: string): Promise<JobPosition | 'superseded'> {
    const { data } = claim.work;
    if (claim.delivery === 1 && data.fresh) {
      return {
        state: requestedJobState({ ...data, variables: data.fresh.variables }),
        sequence: data.fresh.sequence,
      };
    }
    const history = await this.deps.store.read(subject, jobEvents);
    const position = positionAfter(history);
    if (data.fresh && supersedes(history, position.state, data.fresh, this.deps.robotId)) return 'superseded';
    return position;
  }

  /**
   * The message ran out of deliveries: the job fails for good (unless it finished meanwhile),
   * decided on its log like any other writer's command.
   */
  async failForGood(work: WorkMessage, reason: string): Promise<void> {
    const subject = subjects.event(work.tenantId, 'job', work.aggregateId);
    const error = { message: reason, code: 'DeliveriesExhausted', retryable: false };
    await this.handler.handle(subject, (sequence) => ({
      type: 'FailJob',
      data: { error, robotId: this.deps.robotId },
      meta: {
        tenantId: work.tenantId,
        jobId: work.aggregateId,
        id: `${work.aggregateId}:deliveries-exhausted:${sequence}`,
        at: new Date(this.now()),
        causedBy: work,
      },
    }));
  }
}

export type { JobState };
