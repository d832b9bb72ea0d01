import {
  JOB_EVENTS,
  JobCancelled,
  JobCompleted,
  JobDispatched,
  JobFailed,
  JobNeedsAttention,
  JobReleased,
  JobStarted,
  MessageRegistry,
  StepCompleted,
  StepFailed,
  StepStarted,
  subjects,
  type Envelope,
  type ErrorInfo,
  type JobEvent,
  type WorkMessage,
} from '@aether/contracts';
import { ConcurrencyError, type AggregateHistory, type EventStore } from '@aether/event-store';
import type { Logger } from '@aether/service-kit';
import { recordFailure, withSpan } from '@aether/telemetry';
import { createPlanner, type PlannedStep } from '@aether/workflow';
import {
  HealApprovalNeededError,
  NoHandlerError,
  type NodeContext,
  type NodeHandler,
  type NodeOutput,
} from '@aether/nodes';
import type { Page } from 'playwright-core';
import type { WorkflowCatalog } from '../workflows/workflow-catalog';
import type { StepHealing } from '../healing/step-healing';
import type { JobSecrets } from '../secrets';
import { evolveJobInPlace, foldJob, isTerminal, requestedJobState, type JobState } from '@aether/job-domain';

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

/** How long an append keeps retrying through a NATS outage before the claim is given up. */
const APPEND_RETRY_MS = 60_000;

/** The self-healing part of a step's context (absent: no healing, no fingerprints). */
type StepHooks = Partial<Pick<NodeContext, 'healing' | 'recordTarget' | 'heal'>>;

/** A job's browser: created on first use, closed when the job ends on this robot. */
export interface BrowserSession {
  page(): Promise<Page>;
  close(): Promise<void>;
}

export interface JobRunnerDeps {
  store: EventStore;
  workflows: WorkflowCatalog;
  handlers: ReadonlyMap<string, NodeHandler>;
  openBrowser(jobId: string): BrowserSession;
  storeArtifact(kind: string, name: string, bytes: Uint8Array): Promise<string>;
  readArtifact?(ref: string): Promise<Uint8Array>;
  /** `name` is unique to the job and step; artifacts are stored under it. */
  captureFailure?(page: Page, name: string): Promise<{ kind: string; ref: string }[]>;
  /** Secrets from the robot's environment: the development fallback when `jobSecrets` is absent. */
  secret(name: string): string | undefined;
  /** The vault: secrets fetched at the step that needs them, for this job only (ADR 36). */
  jobSecrets?: JobSecrets;
  /** Fingerprints and heals of element steps (issue 6); absent: selectors are never healed. */
  healing?: StepHealing;
  robotId: string;
  logger: Logger;
  now?: () => number;
}

/** A cancel request reached the log before the claim's first commit, which cancelled the job instead. */
class CancelledOnClaim extends Error {}

type EventBase = { tenantId: string; aggregateId: string; causedBy: Envelope };

/** A job's state and the stream sequence it was read at: what the next append is guarded by. */
interface JobPosition {
  readonly state: JobState;
  readonly sequence: number;
}

/** How a claim ended, which decides what happens to the work message. */
export type RunOutcome =
  | 'completed' // ack
  | 'failed' // ack: the failure is recorded
  | 'already-finished' // ack: a duplicate delivery of a finished job
  | 'parked' // ack: the job waits for an operator (ambiguous step)
  | 'cancelled' // ack
  | 'fenced' // no ack: another robot holds the job now
  | 'superseded' // ack: a first placement whose job was placed again, claimed elsewhere or ended (ADR 26)
  | 'released'; // nak at once: this robot is shutting down

export interface Claim {
  readonly work: WorkMessage;
  readonly delivery: number;
  /** Aborts when the robot must stop starting new steps. */
  readonly stopping: AbortSignal;
  /** Aborts the running step (shutdown grace period exceeded). */
  readonly abortStep: AbortSignal;
  /** Aborts when a cancel request for this job reaches the robot. */
  readonly cancelled: AbortSignal;
  /**
   * Called once, in the same tick as the claim's last commit is sent, so the lease can be
   * settled in the same socket write (ADR 24). From then on that commit is retried until it
   * lands or the robot stops: a robot that stops is failed over by the dispatcher.
   */
  readonly release?: () => void;
}

/**
 * Runs one claimed job: replays its history, then loops plan → StepStarted → execute →
 * StepCompleted/StepFailed, each append guarded by the last sequence this robot saw.
 * A completed step is never executed again; a robot whose lease was taken over is
 * fenced by its next append and abandons the job.
 */
export class JobRunner {
  private readonly now: () => number;
  constructor(private readonly deps: JobRunnerDeps) {
    this.now = deps.now ?? Date.now;
  }

  async run(claim: Claim): Promise<RunOutcome> {
    const { tenantId, aggregateId: jobId } = claim.work;
    const subject = subjects.event(tenantId, 'job', jobId);
    const log = this.deps.logger.child({ jobId, delivery: claim.delivery });
    const start = await this.startingPoint(claim, subject);
    if (start === 'superseded') {
      log.info(SUPERSEDED);
      return 'superseded';
    }
    let { state, sequence } = start;
    const claimedAt = sequence;
    if (isTerminal(state) || state.status === 'needs_attention') return 'already-finished';
    if (state.status === 'new' || !state.workflowId || !state.workflowVersion) {
      throw new Error(`job ${jobId} has no JobRequested event`);
    }

    const claimToken = `${this.deps.robotId}.${claim.delivery}`;
    const base = { tenantId, aggregateId: jobId, causedBy: claim.work };
    /**
     * Appends events as one commit guarded by the last sequence this claim saw. The ids name
     * the claim and the position, so a retried append de-duplicates while another claim's
     * append at the same position cannot. Transport failures (NATS restarting) are retried with
     * the same ids; a conflict is reconciled against the log: our own commit that landed before
     * its ack was lost is accepted, a cancel request is absorbed, anything else means we are fenced.
     */
    let released = false;
    const commit = async (events: readonly JobEvent[], ends: boolean): Promise<void> => {
      const position = `${jobId}:${claimToken}:${sequence}`;
      const withIds = events.map(
        (event, i) => ({ ...event, id: i === 0 ? position : `${position}.${i}` }) as JobEvent,
      );
      const giveUpAt = this.now() + APPEND_RETRY_MS;
      for (let attempt = 0; ; attempt++) {
        try {
          const appended = this.deps.store.append(subject, withIds, sequence);
          if (ends && !released) {
            released = true;
            claim.release?.();
          }
          sequence = (await appended).lastSequence;
          for (const event of withIds) state = evolveJobInPlace(state, event);
          return;
        } catch (error) {
          if (error instanceof ConcurrencyError) return reconcile(withIds, events, ends, error);
          // A released claim has no lease left to be redelivered by: only stopping ends its retries.
          if (released ? claim.abortStep.aborted : this.now() > giveUpAt) throw error;
          log.warn({ err: error, attempt }, 'append failed; retrying with the same id');
          await abortableDelay(Math.min(2_000, 100 * 2 ** attempt), claim.abortStep);
        }
      }
    };
    const reconcile = async (
      withIds: readonly JobEvent[],
      events: readonly JobEvent[],
      ends: boolean,
      conflict: ConcurrencyError,
    ): Promise<void> => {
      const newer = (await this.deps.store.read(subject, jobEvents)).events.filter(
        (e) => e.sequence > sequence,
      );
      if (newer[0]?.event.id === withIds[0].id) {
        sequence = newer[0].sequence;
        for (const event of withIds) state = evolveJobInPlace(state, event);
        if (newer.length === withIds.length) return;
        throw conflict;
      }
      if (newer.length === 0 || newer.some((e) => e.event.type !== 'JobCancelRequested')) throw conflict;
      for (const stored of newer) state = evolveJobInPlace(state, stored.event);
      sequence = newer[newer.length - 1].sequence;
      const [first, decided] = events;
      if (first.type === JobStarted.type && decided && decided.type !== JobCancelled.type) {
        // The claim's first decision was made before the cancel request: it is not carried out.
        await commit([first, this.cancelled(base, state)], true);
        throw new CancelledOnClaim();
      }
      await commit(events, ends);
    };
    /**
     * The claim's `JobStarted`, held back to be committed with the claim's next event — which
     * follows without waiting — so claiming costs no round trip of its own (ADR 22).
     */
    let unstarted: JobEvent | undefined;
    /** The held-back `JobStarted`, if still held, taken to lead the next commit. */
    const takeUnstarted = (): JobEvent[] => {
      const held = unstarted ? [unstarted] : [];
      unstarted = undefined;
      return held;
    };
    const append = (event: JobEvent, ends = false): Promise<void> =>
      commit([...takeUnstarted(), event], ends);
    /** Appends the event that ends the claim: its lease is released as it leaves. */
    const finish = (event: JobEvent): Promise<void> => append(event, true);
    /** Before anything that waits: the claim is recorded at once, not when the wait is over. */
    const recordStart = async (): Promise<void> => {
      const held = takeUnstarted();
      if (held.length > 0) await commit(held, false);
    };
    const browser = this.deps.openBrowser(jobId);

    try {
      const workflow = await this.deps.workflows.get(tenantId, state.workflowId, state.workflowVersion);
      const pinned = { workflowId: state.workflowId, workflowVersion: state.workflowVersion };
      const secrets = this.secretsOf(tenantId, jobId, log);
      const plan = () => createPlanner(workflow, { variables: state.variables, secret: secrets.lookup });
      let planner = plan();
      const hooks = (step: PlannedStep): StepHooks =>
        this.deps.healing?.hooksFor({
          tenantId,
          jobId,
          workflow,
          ...pinned,
          step,
          append,
          causedBy: claim.work,
          storeArtifact: (kind, name, bytes) =>
            this.deps.storeArtifact(kind, `${tenantId}/${jobId}/${name}`, bytes),
        }) ?? {};
      unstarted = JobStarted.create({
        ...base,
        data: {
          robotId: this.deps.robotId,
          delivery: claim.delivery,
          resumedAfterSteps: state.completedSteps,
          ...(claim.work.data.fresh ? { dispatchedAt: claim.work.occurredAt } : {}),
        },
      });
      log.info({ resumedAfterSteps: state.completedSteps }, 'job started');
      for (;;) {
        if (state.cancelRequested || claim.cancelled.aborted) {
          await finish(this.cancelled(base, state));
          log.info({ completedSteps: state.completedSteps }, 'job cancelled');
          return 'cancelled';
        }
        if (claim.stopping.aborted) {
          await append(
            JobReleased.create({
              ...base,
              data: { robotId: this.deps.robotId, reason: 'shutdown', completedSteps: state.completedSteps },
            }),
          );
          log.info({ completedSteps: state.completedSteps }, 'releasing job for another robot');
          return 'released';
        }
        let action = planner.next(state.steps);
        while (secrets.wanted()) {
          // The step refers to secrets this claim has not fetched: the claim is recorded first (the
          // vault hands secrets only to the robot the log shows running the job), then the plan is
          // made again with them.
          await recordStart();
          await secrets.fetch();
          planner = plan();
          action = planner.next(state.steps);
        }
        switch (action.kind) {
          case 'run': {
            if (action.step.retryDelayMs) await recordStart();
            const ran = await this.runStep(
              action.step,
              (state.attempts.get(action.step.key) ?? 0) + 1,
              claim,
              append,
              finish,
              base,
              browser,
              log,
              hooks(action.step),
            );
            if (ran === 'parked') return 'parked';
            break;
          }
          case 'complete':
            await finish(
              JobCompleted.create({
                ...base,
                data: {
                  outputs: toJson(action.outputs) as Record<string, never>,
                  robotId: this.deps.robotId,
                },
              }),
            );
            log.info('job completed');
            return 'completed';
          case 'fail':
            await finish(
              JobFailed.create({
                ...base,
                data: { error: errorInfo(action.error), robotId: this.deps.robotId },
              }),
            );
            log.warn({ error: action.error.message }, 'job failed');
            return 'failed';
          case 'ambiguous':
            await this.park(finish, base, { stepKey: action.stepKey, nodeId: action.nodeId }, action.reason);
            log.warn({ step: action.stepKey, reason: action.reason }, 'job needs attention');
            return 'parked';
          default: {
            const _exhaustive: never = action;
            return _exhaustive;
          }
        }
      }
    } catch (error) {
      if (error instanceof CancelledOnClaim) {
        log.info({ completedSteps: state.completedSteps }, 'job cancelled');
        return 'cancelled';
      }
      if (error instanceof ConcurrencyError) {
        // Nothing of this claim landed: the message itself was stale, not a claim taken over.
        const fresh = claim.work.data.fresh;
        if (fresh && sequence === claimedAt) {
          const history = await this.deps.store.read(subject, jobEvents);
          if (supersedes(history, positionAfter(history).state, fresh, this.deps.robotId)) {
            log.info(SUPERSEDED);
            return 'superseded';
          }
        }
        log.warn({ reason: error.message }, 'fenced: another robot took over this job; abandoning it');
        return 'fenced';
      }
      if ((error as { retryable?: boolean }).retryable === false) {
        await finish(
          JobFailed.create({
            ...base,
            data: { error: errorInfo(error as Error), robotId: this.deps.robotId },
          }),
        );
        return 'failed';
      }
      throw error;
    } finally {
      await browser.close().catch((error: unknown) => log.warn({ err: error }, 'closing browser failed'));
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

  /** The job's log, folded, and the sequence an append after it is guarded by. */
  private async replay(subject: string): Promise<JobPosition> {
    return positionAfter(await this.deps.store.read(subject, jobEvents));
  }

  private cancelled(base: EventBase, state: JobState): JobEvent {
    return JobCancelled.create({
      ...base,
      data: { robotId: this.deps.robotId, completedSteps: state.completedSteps },
    });
  }

  /** Records a job as failed for good, whatever its state, unless it already finished. */
  async failForGood(work: WorkMessage, reason: string): Promise<void> {
    const subject = subjects.event(work.tenantId, 'job', work.aggregateId);
    const { state, sequence } = await this.replay(subject);
    if (isTerminal(state) || state.failureUnsettled) return;
    await this.deps.store.append(
      subject,
      [
        JobFailed.create({
          tenantId: work.tenantId,
          aggregateId: work.aggregateId,
          causedBy: work,
          data: {
            error: { message: reason, code: 'DeliveriesExhausted', retryable: false },
            robotId: this.deps.robotId,
          },
        }),
      ],
      sequence,
    );
  }

  private async runStep(
    step: PlannedStep,
    nextAttempt: number,
    claim: Claim,
    append: (event: JobEvent) => Promise<void>,
    finish: (event: JobEvent) => Promise<void>,
    base: EventBase,
    browser: BrowserSession,
    log: Logger,
    hooks: StepHooks = {},
  ): Promise<'parked' | undefined> {
    const attempt = Math.max(step.previousAttempts + 1, nextAttempt);
    const attributes = {
      'aether.node.type': step.type,
      'aether.step.key': step.key,
      'aether.step.attempt': attempt,
      'aether.robot.id': this.deps.robotId,
    };
    return withSpan(`step ${step.type}`, { attributes }, async (span) => {
      if (step.retryDelayMs)
        await abortableDelay(step.retryDelayMs, AbortSignal.any([claim.cancelled, claim.stopping]));
      await append(
        StepStarted.create({
          ...base,
          data: {
            stepKey: step.key,
            nodeId: step.nodeId,
            nodeType: step.type,
            robotId: this.deps.robotId,
            attempt,
          },
        }),
      );
      const started = this.now();
      const handler = this.deps.handlers.get(step.type);
      let output: NodeOutput;
      try {
        if (!handler) throw new NoHandlerError(step.type);
        const signal = AbortSignal.any([
          AbortSignal.timeout(step.timeoutMs),
          claim.abortStep,
          claim.cancelled,
        ]);
        output = await handler.execute(
          step.params as Record<string, unknown>,
          this.nodeContext(base, step, signal, browser, log, hooks),
        );
      } catch (error) {
        if (error instanceof HealApprovalNeededError) {
          // heal-and-pause: the proposed heal is recorded; the step waits for an operator, unfailed.
          await this.park(finish, base, { stepKey: step.key, nodeId: step.nodeId }, error.message);
          log.warn({ step: step.key, reason: error.message }, 'job needs attention: heal waits for approval');
          return 'parked';
        }
        recordFailure(span, error);
        const artifacts = await this.failureArtifacts(base, step, browser, log);
        await append(
          StepFailed.create({
            ...base,
            data: {
              stepKey: step.key,
              nodeId: step.nodeId,
              error: errorInfo(error instanceof Error ? error : new Error(String(error))),
              durationMs: this.now() - started,
              ...(artifacts.length ? { artifacts } : {}),
            },
          }),
        );
        log.warn({ step: step.key, error: (error as Error).message }, 'step failed');
        return undefined;
      }
      await append(
        StepCompleted.create({
          ...base,
          data: {
            stepKey: step.key,
            nodeId: step.nodeId,
            output: toJson(output) as never,
            durationMs: this.now() - started,
          },
        }),
      );
      return undefined;
    });
  }

  /** Leaves the job to an operator at `step`: `JobNeedsAttention`, after which the claim ends. */
  private park(
    finish: (event: JobEvent) => Promise<void>,
    base: EventBase,
    step: { stepKey: string; nodeId: string },
    reason: string,
  ): Promise<void> {
    return finish(
      JobNeedsAttention.create({ ...base, data: { ...step, reason, robotId: this.deps.robotId } }),
    );
  }

  private nodeContext(
    base: { tenantId: string; aggregateId: string },
    step: PlannedStep,
    signal: AbortSignal,
    browser: BrowserSession,
    log: Logger,
    hooks: StepHooks = {},
  ): NodeContext {
    const stepLog = log.child({ step: step.key });
    return {
      tenantId: base.tenantId,
      jobId: base.aggregateId,
      stepKey: step.key,
      ...(step.idempotencyKey !== undefined ? { idempotencyKey: step.idempotencyKey } : {}),
      signal,
      timeoutMs: step.timeoutMs,
      page: () => browser.page(),
      // Artifact names are per step; the job prefix keeps jobs from overwriting each other.
      storeArtifact: (kind, name, bytes) =>
        this.deps.storeArtifact(kind, `${base.tenantId}/${base.aggregateId}/${name}`, bytes),
      ...(this.deps.readArtifact ? { readArtifact: this.deps.readArtifact } : {}),
      ...hooks,
      log: {
        info: (message, fields) => stepLog.info(fields ?? {}, message),
        warn: (message, fields) => stepLog.warn(fields ?? {}, message),
      },
    };
  }

  private async failureArtifacts(
    base: { tenantId: string; aggregateId: string },
    step: PlannedStep,
    browser: BrowserSession,
    log: Logger,
  ) {
    if (!step.type.startsWith('browser.') || !this.deps.captureFailure) return [];
    try {
      return await this.deps.captureFailure(
        await browser.page(),
        `${base.tenantId}/${base.aggregateId}/${step.key}/failure`,
      );
    } catch (error) {
      log.warn({ err: error }, 'could not capture failure artifacts');
      return [];
    }
  }
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}

/**
 * A failure as the job records it. Handlers classify their failures where they arise
 * (`NodeError`: a code, retryable or not); anything unclassified — a plain `Error`, a crashed
 * browser — is retryable, since the robot cannot tell it would happen again (ADR 29).
 */
function errorInfo(error: {
  message: string;
  name?: string;
  code?: unknown;
  retryable?: boolean;
}): ErrorInfo {
  const code =
    typeof error.code === 'string'
      ? error.code
      : error.name && error.name !== 'Error'
        ? error.name
        : undefined;
  return {
    message: String(error.message).slice(0, 4000),
    ...(code ? { code: code.slice(0, 100) } : {}),
    retryable: error.retryable ?? true,
  };
}

function toJson(value: NodeOutput | Readonly<Record<string, unknown>>): unknown {
  return JSON.parse(JSON.stringify(value ?? null));
}

export type { JobState };
