import {
  JOB_EVENTS,
  JobCompleted,
  JobFailed,
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
import { ConcurrencyError, type EventStore } from '@aether/event-store';
import type { Logger } from '@aether/service-kit';
import { planNext, type PlannedStep } from '@aether/workflow';
import type { NodeContext, NodeHandler, NodeOutput } from '@aether/nodes';
import type { Page } from 'playwright-core';
import type { WorkflowCatalog } from '../workflows/workflow-catalog';
import { evolveJob, foldJob, isTerminal, type JobState } from './job-state';

const jobEvents = new MessageRegistry<JobEvent>(JOB_EVENTS);

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
  captureFailure?(page: Page): Promise<{ kind: string; ref: string }[]>;
  secret(name: string): string | undefined;
  robotId: string;
  logger: Logger;
  now?: () => number;
}

/** How a claim ended, which decides what happens to the work message. */
export type RunOutcome =
  | 'completed' // ack
  | 'failed' // ack: the failure is recorded
  | 'already-finished' // ack: a duplicate delivery of a finished job
  | 'fenced' // no ack: another robot holds the job now
  | 'released'; // nak at once: this robot is shutting down

export interface Claim {
  readonly work: WorkMessage;
  readonly delivery: number;
  /** Aborts when the robot must stop starting new steps. */
  readonly stopping: AbortSignal;
  /** Aborts the running step (shutdown grace period exceeded). */
  readonly abortStep: AbortSignal;
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
    const history = await this.deps.store.read(subject, jobEvents);
    let state = foldJob(history.events.map((stored) => stored.event));
    if (isTerminal(state)) return 'already-finished';
    if (state.phase === 'new' || !state.workflowId || !state.workflowVersion) {
      throw new Error(`job ${jobId} has no JobRequested event`);
    }

    let sequence = history.lastSequence;
    const append = async (event: JobEvent) => {
      sequence = (await this.deps.store.append(subject, [event], sequence)).lastSequence;
      state = evolveJob(state, event);
    };
    const base = { tenantId, aggregateId: jobId, causedBy: claim.work };
    const browser = this.deps.openBrowser(jobId);

    try {
      const workflow = await this.deps.workflows.get(tenantId, state.workflowId, state.workflowVersion);
      await append(
        JobStarted.create({
          ...base,
          data: {
            robotId: this.deps.robotId,
            delivery: claim.delivery,
            resumedAfterSteps: state.completedSteps,
          },
        }),
      );
      log.info({ resumedAfterSteps: state.completedSteps }, 'job started');
      for (;;) {
        if (claim.stopping.aborted) {
          log.info({ completedSteps: state.completedSteps }, 'releasing job for another robot');
          return 'released';
        }
        const action = planNext(
          workflow,
          { variables: state.variables, secret: this.deps.secret },
          state.steps,
        );
        switch (action.kind) {
          case 'run':
            await this.runStep(action.step, claim, append, base, browser, log);
            break;
          case 'complete':
            await append(
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
            await append(
              JobFailed.create({
                ...base,
                data: { error: errorInfo(action.error), robotId: this.deps.robotId },
              }),
            );
            log.warn({ error: action.error.message }, 'job failed');
            return 'failed';
          case 'ambiguous':
            await append(
              JobFailed.create({
                ...base,
                data: {
                  error: {
                    message: `step ${action.stepKey} is ambiguous: ${action.reason}`,
                    code: 'AmbiguousStep',
                    retryable: false,
                  },
                  robotId: this.deps.robotId,
                },
              }),
            );
            return 'failed';
          default: {
            const _exhaustive: never = action;
            return _exhaustive;
          }
        }
      }
    } catch (error) {
      if (error instanceof ConcurrencyError) {
        log.warn({ reason: error.message }, 'fenced: another robot took over this job; abandoning it');
        return 'fenced';
      }
      if ((error as { retryable?: boolean }).retryable === false) {
        await append(
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

  private async runStep(
    step: PlannedStep,
    claim: Claim,
    append: (event: JobEvent) => Promise<void>,
    base: { tenantId: string; aggregateId: string; causedBy: Envelope },
    browser: BrowserSession,
    log: Logger,
  ): Promise<void> {
    const attempt = step.previousAttempts + 1;
    const ids = (what: string) => `${base.aggregateId}:${step.key}:${attempt}:${what}`;
    await append(
      StepStarted.create({
        ...base,
        id: ids('started'),
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
    try {
      if (!handler)
        throw Object.assign(new Error(`this robot has no handler for node type ${step.type}`), {
          retryable: false,
        });
      const signal = AbortSignal.any([AbortSignal.timeout(step.timeoutMs), claim.abortStep]);
      const output = await handler.execute(
        step.params as Record<string, unknown>,
        this.nodeContext(base, step, signal, browser, log),
      );
      await append(
        StepCompleted.create({
          ...base,
          id: ids('completed'),
          data: {
            stepKey: step.key,
            nodeId: step.nodeId,
            output: toJson(output) as never,
            durationMs: this.now() - started,
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConcurrencyError) throw error;
      const artifacts = await this.failureArtifacts(step, browser, log);
      await append(
        StepFailed.create({
          ...base,
          id: ids('failed'),
          data: {
            stepKey: step.key,
            nodeId: step.nodeId,
            error: errorInfo(error as Error),
            durationMs: this.now() - started,
            ...(artifacts.length ? { artifacts } : {}),
          },
        }),
      );
      log.warn({ step: step.key, error: (error as Error).message }, 'step failed');
    }
  }

  private nodeContext(
    base: { tenantId: string; aggregateId: string },
    step: PlannedStep,
    signal: AbortSignal,
    browser: BrowserSession,
    log: Logger,
  ): NodeContext {
    const stepLog = log.child({ step: step.key });
    return {
      tenantId: base.tenantId,
      jobId: base.aggregateId,
      stepKey: step.key,
      signal,
      page: () => browser.page(),
      storeArtifact: (kind, name, bytes) => this.deps.storeArtifact(kind, name, bytes),
      log: {
        info: (message, fields) => stepLog.info(fields ?? {}, message),
        warn: (message, fields) => stepLog.warn(fields ?? {}, message),
      },
    };
  }

  private async failureArtifacts(step: PlannedStep, browser: BrowserSession, log: Logger) {
    if (!step.type.startsWith('browser.') || !this.deps.captureFailure) return [];
    try {
      return await this.deps.captureFailure(await browser.page());
    } catch (error) {
      log.warn({ err: error }, 'could not capture failure artifacts');
      return [];
    }
  }
}

function errorInfo(error: { message: string; name?: string; code?: string; retryable?: boolean }): ErrorInfo {
  const code = error.code ?? (error.name && error.name !== 'Error' ? error.name : undefined);
  return {
    message: String(error.message).slice(0, 4000),
    ...(code ? { code } : {}),
    retryable: error.retryable ?? error.name === 'TimeoutError',
  };
}

function toJson(value: NodeOutput | Readonly<Record<string, unknown>>): unknown {
  return JSON.parse(JSON.stringify(value ?? null));
}

export type { JobState };
