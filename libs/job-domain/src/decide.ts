import {
  JobAtRisk,
  JobCancelled,
  JobDeadlineMissed,
  JobCancelRequested,
  JobCompleted,
  JobDeadLettered,
  JobDispatched,
  JobFailed,
  JobNeedsAttention,
  JobRejected,
  JobReleased,
  JobRequested,
  JobRequeued,
  JobRetryScheduled,
  JobStarted,
  SelectorHealed,
  StepCompleted,
  StepFailed,
  StepResolved,
  StepStalled,
  StepStarted,
  type ErrorInfo,
  type JobEvent,
  type MessageDefinition,
} from '@aether/contracts';
import type { z } from 'zod';
import type { CommandMeta, JobCommand } from './commands';
import { isTerminal, type JobState } from './job-state';
import type { JobRejection, RejectionCode } from './rejections';
import { decideRetry } from './retry-policy';

/** What a command leads to: the events to append (possibly none), or a refusal with its reason. */
export type JobDecision =
  | { readonly ok: true; readonly events: readonly JobEvent[] }
  | { readonly ok: false; readonly rejection: JobRejection };

/**
 * The published version a job asking for `requested` runs: that one, or the latest when it asks
 * for none (`published` oldest first). Absent when there is no such version.
 */
export function versionToRun<V extends { readonly version: number }>(
  published: readonly V[],
  requested: number | undefined,
): V | undefined {
  const version = requested ?? published.at(-1)?.version;
  return published.find((candidate) => candidate.version === version);
}

/**
 * The job's rulebook: given what the job's events say (`state`) and a command, the events that
 * record what happens, or why it may not. Pure: the command carries the clock, the ids and any
 * randomness.
 */
export function decide(command: JobCommand, state: JobState): JobDecision {
  const emit = events(command.meta);
  const refuse = (code: RejectionCode, reason: string): JobDecision => ({
    ok: false,
    rejection: { code, reason: `job ${command.meta.jobId}: ${reason}`, status: state.status },
  });
  if (command.type === 'RequestJob') {
    if (state.status !== 'new') return refuse('already_requested', 'was requested already');
    const { published, workflowVersion, ...request } = command.data;
    const pinned = versionToRun(published, workflowVersion);
    if (pinned)
      return emit(event(JobRequested, { ...request, workflowVersion: pinned.version, needs: pinned.needs }));
    const reason =
      workflowVersion === undefined
        ? `workflow ${request.workflowId} does not exist`
        : `workflow ${request.workflowId} has no version ${workflowVersion}`;
    return emit(event(JobRejected, { workflowId: request.workflowId, reason }));
  }
  if (state.status === 'new') return refuse('not_found', 'not found');
  if (isTerminal(state)) {
    if (command.type === 'RequeueJob' && state.deadLettered)
      return emit(
        event(JobRequeued, {
          attempt: state.attempt + 1,
          ...(command.data.note ? { note: command.data.note } : {}),
        }),
      );
    return refuse(
      command.type === 'RequeueJob' ? 'not_dead_lettered' : 'finished',
      `is already ${state.status}`,
    );
  }
  const running = () => state.status === 'running';
  const settling = state.failureUnsettled;
  switch (command.type) {
    case 'PlaceJob':
      if (state.status === 'needs_attention') return refuse('waiting_for_operator', 'waits for an operator');
      if (settling) return refuse('not_waiting_for_a_robot', 'failed; its retry is not decided yet');
      if (state.status === 'retry_scheduled' && (state.notBefore ?? 0) > command.meta.at.getTime())
        return refuse(
          'retry_not_due',
          `may not run again before ${new Date(state.notBefore ?? 0).toISOString()}`,
        );
      return emit(event(JobDispatched, { subject: command.data.subject, attempt: state.attempt }));
    case 'RejectJob':
      if (!['pending', 'queued', 'retry_scheduled'].includes(state.status))
        return refuse('not_waiting_for_a_robot', `is ${state.status}`);
      return emit(event(JobRejected, { workflowId: state.workflowId ?? '', ...command.data }));
    case 'ClaimJob':
      if (state.status === 'needs_attention') return refuse('waiting_for_operator', 'waits for an operator');
      if (settling || state.status === 'retry_scheduled')
        return refuse('not_waiting_for_a_robot', `is ${state.status}; its next attempt is placed anew`);
      return emit(
        event(JobStarted, {
          robotId: command.data.robotId,
          delivery: command.data.delivery,
          resumedAfterSteps: state.completedSteps,
          ...(command.data.dispatchedAt ? { dispatchedAt: command.data.dispatchedAt } : {}),
        }),
      );
    case 'StartStep': {
      if (!running()) return refuse('not_running', `is ${state.status}`);
      const { minAttempt, ...step } = command.data;
      if (state.steps.get(step.stepKey)?.status === 'completed')
        return refuse('step_completed', `step ${step.stepKey} completed already`);
      const attempt = Math.max(minAttempt ?? 1, (state.attempts.get(step.stepKey) ?? 0) + 1);
      return emit(event(StepStarted, { ...step, attempt }));
    }
    case 'CompleteStep':
    case 'FailStep': {
      if (!running()) return refuse('not_running', `is ${state.status}`);
      const record = state.steps.get(command.data.stepKey);
      if (record?.status === 'completed')
        return refuse('step_completed', `step ${command.data.stepKey} completed already`);
      if (record?.status !== 'started')
        return refuse('step_not_started', `step ${command.data.stepKey} is not running`);
      if (command.type === 'CompleteStep')
        return emit(
          event(StepCompleted, { ...command.data, output: command.data.output as z.core.util.JSONType }),
        );
      const { artifacts, ...failed } = command.data;
      return emit(
        event(StepFailed, { ...failed, ...(artifacts?.length ? { artifacts: [...artifacts] } : {}) }),
      );
    }
    case 'CompleteJob':
      if (!running()) return refuse('not_running', `is ${state.status}`);
      return emit(event(JobCompleted, command.data));
    case 'FailJob': {
      if (settling) return refuse('already_failed', 'failed already');
      const { park, ...failed } = command.data;
      // A deterministic failure would fail every attempt alike: by policy, an operator decides
      // instead (retry-step after fixing the cause, skip-step, or fail). Retryable ones are retried.
      if (park && !failed.error.retryable && running() && failed.robotId)
        return emit(
          event(JobNeedsAttention, {
            ...park,
            reason: attentionReason(failed.error),
            robotId: failed.robotId,
          }),
        );
      return emit(event(JobFailed, failed));
    }
    case 'ParkJob':
      if (!running()) return refuse('not_running', `is ${state.status}`);
      return emit(event(JobNeedsAttention, command.data));
    case 'RecordHeal':
      if (!running()) return refuse('not_running', `is ${state.status}`);
      return emit(event(SelectorHealed, command.data));
    case 'ReleaseJob':
      if (!running()) return refuse('not_running', `is ${state.status}`);
      return emit(
        event(JobReleased, {
          robotId: command.data.robotId,
          reason: 'shutdown',
          completedSteps: state.completedSteps,
        }),
      );
    case 'CancelJob': {
      const request = state.cancelRequested
        ? []
        : [event(JobCancelRequested, command.data.reason ? { reason: command.data.reason } : {})];
      // A running job's robot stops it after its current step; nobody else holds it: cancelled at once.
      if (running()) return emit(...request);
      return emit(...request, event(JobCancelled, { completedSteps: state.completedSteps }));
    }
    case 'StopCancelledJob':
      return emit(
        event(JobCancelled, { robotId: command.data.robotId, completedSteps: state.completedSteps }),
      );
    case 'RetryStep':
    case 'SkipStep':
      if (state.status !== 'needs_attention' || !state.attention)
        return refuse('not_waiting_for_operator', `is ${state.status}, not waiting for an operator`);
      return emit(
        event(StepResolved, {
          stepKey: state.attention.stepKey,
          action: command.type === 'RetryStep' ? 'retry' : 'skip',
          ...(command.data.note ? { note: command.data.note } : {}),
        }),
      );
    case 'FailParkedJob': {
      if (state.status !== 'needs_attention')
        return refuse('not_waiting_for_operator', `is ${state.status}, not waiting for an operator`);
      const message = `failed by an operator${command.data.note ? `: ${command.data.note}` : ''}`;
      return emit(event(JobFailed, { error: { message, code: 'FailedByOperator', retryable: false } }));
    }
    case 'SettleFailure': {
      if (!settling) return refuse('no_failure_to_settle', `is ${state.status}`);
      const error = state.error ?? { message: 'failed', retryable: false };
      const decision = decideRetry(
        command.data.schedule,
        state.attempt,
        state.firstAttempt,
        error,
        () => command.data.random,
      );
      if (decision.kind === 'dead-letter')
        return emit(event(JobDeadLettered, { attempts: decision.attempts, error }));
      return emit(
        event(JobRetryScheduled, {
          attempt: decision.attempt,
          delayMs: decision.delayMs,
          notBefore: new Date(command.meta.at.getTime() + decision.delayMs).toISOString(),
          error,
        }),
      );
    }
    case 'RequeueJob':
      return refuse('not_dead_lettered', `is ${state.status}, not dead-lettered`);
    case 'StallStep': {
      if (!running()) return refuse('not_running', `is ${state.status}`);
      const record = state.steps.get(command.data.stepKey);
      if (record?.status !== 'started')
        return refuse('step_not_started', `step ${command.data.stepKey} is not running`);
      const { idempotent, artifacts, ...stall } = command.data;
      const { stepKey, nodeId, robotId, elapsedMs } = stall;
      const stalled = event(StepStalled, {
        ...stall,
        outcome: idempotent ? 'retry' : 'park',
        ...(artifacts?.length ? { artifacts: [...artifacts] } : {}),
      });
      const reason = stallReason(command.data);
      if (!idempotent) return emit(stalled, event(JobNeedsAttention, { stepKey, nodeId, robotId, reason }));
      const error = { message: reason, code: 'StepStalled', retryable: true };
      const failed = event(StepFailed, { stepKey, nodeId, error, durationMs: elapsedMs });
      // The robot's own watchdog goes on with the job (its plan retries or fails it); a robot too
      // stuck to act holds nothing any more: the attempt fails and the retry policy places it again.
      if (command.data.detectedBy === 'robot') return emit(stalled, failed);
      return emit(stalled, failed, event(JobFailed, { error, robotId }));
    }
    case 'FlagAtRisk': {
      if (state.deadline === undefined) return refuse('no_deadline', 'has no deadline');
      if (state.atRisk || command.data.predictedFinish <= state.deadline) return emit();
      return emit(
        event(JobAtRisk, {
          deadline: new Date(state.deadline).toISOString(),
          predictedFinish: new Date(command.data.predictedFinish).toISOString(),
          durationMs: command.data.durationMs,
        }),
      );
    }
    case 'MissDeadline': {
      if (state.deadline === undefined) return refuse('no_deadline', 'has no deadline');
      if (command.meta.at.getTime() <= state.deadline)
        return refuse('deadline_not_passed', `has until ${new Date(state.deadline).toISOString()}`);
      if (state.deadlineMissed) return emit();
      const deadline = new Date(state.deadline).toISOString();
      const consequence = state.onDeadlineMissed ?? command.data.consequence;
      const missed = event(JobDeadlineMissed, { deadline, consequence });
      if (consequence === 'keep') return emit(missed);
      const error = { message: `deadline ${deadline} missed`, code: 'DeadlineMissed', retryable: false };
      if (consequence === 'fail' && !settling)
        return emit(
          missed,
          event(JobFailed, { error, ...(state.robotId ? { robotId: state.robotId } : {}) }),
        );
      return emit(
        missed,
        event(JobDeadLettered, { attempts: state.attempt - state.firstAttempt + 1, error }),
      );
    }
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

function stallReason(stall: {
  readonly elapsedMs: number;
  readonly limitMs: number;
  readonly basis: 'timeout' | 'p99';
}): string {
  const limit = `${stall.basis === 'timeout' ? 'its timeout' : 'k × its p99'} of ${Math.round(stall.limitMs)} ms`;
  const ran = Math.round(stall.elapsedMs);
  // A handler whose wait on the step's own time ran out stalls a margin before the limit (ADR 82).
  return stall.elapsedMs < stall.limitMs
    ? `stalled: its wait on the step's time ran out after ${ran} ms (${limit}, less a margin)`
    : `stalled: ran ${ran} ms, past ${limit}`;
}

function attentionReason(error: ErrorInfo): string {
  return `failed deterministically${error.code ? ` (${error.code})` : ''}: ${error.message}`.slice(0, 2000);
}

/** One event to decide: its definition and data, given the command's ids, time and causation by `emit`. */
type Pending = (meta: CommandMeta, id: string) => JobEvent;

function event<TType extends string, TSchema extends z.ZodType>(
  definition: MessageDefinition<TType, TSchema>,
  data: z.infer<TSchema>,
): Pending {
  return (meta, id) =>
    definition.create({
      tenantId: meta.tenantId,
      aggregateId: meta.jobId,
      id,
      occurredAt: meta.at,
      ...(meta.causedBy ? { causedBy: meta.causedBy } : {}),
      data,
    }) as unknown as JobEvent;
}

function events(meta: CommandMeta) {
  return (...pending: readonly Pending[]): JobDecision => ({
    ok: true,
    events: pending.map((make, i) => make(meta, i === 0 ? meta.id : `${meta.id}.${i}`)),
  });
}
