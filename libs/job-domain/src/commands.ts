import type {
  DeadlineConsequence,
  ErrorInfo,
  JobNeeds,
  JsonObject,
  MessageOf,
  Placement,
  SelectorHealed,
} from '@aether/contracts';
import type { RetrySchedule } from './retry-policy';

/**
 * Who asks and when: everything a decision needs that is not the job's history. The decider has
 * no clock and draws no ids: the first event it decides gets `id`, the next ones `id.1`, `id.2`…
 * (a retried command with the same id de-duplicates), and every event happened `at`.
 */
export interface CommandMeta {
  readonly tenantId: string;
  readonly jobId: string;
  readonly id: string;
  readonly at: Date;
  /** The message that caused the command: its events carry its causation and correlation. */
  readonly causedBy?: { readonly id: string; readonly correlationId: string };
}

type Command<TType extends string, TData = Record<string, never>> = {
  readonly type: TType;
  readonly data: TData;
  readonly meta: CommandMeta;
};

/** A published version of a workflow and what it needs of a robot (derived from the node catalog). */
export interface PublishedVersion {
  readonly version: number;
  readonly needs: JobNeeds;
}

/** Start a job (scheduler). `published`: the workflow's published versions, oldest first. */
export type RequestJobCommand = Command<
  'RequestJob',
  {
    readonly workflowId: string;
    /** Absent: the latest published version. */
    readonly workflowVersion?: number;
    readonly variables: JsonObject;
    readonly priority: number;
    readonly trigger: {
      readonly kind: 'manual' | 'cron' | 'webhook' | 'api' | 'queue' | 'mail';
      readonly sourceId?: string;
    };
    readonly placement?: Placement;
    readonly published: readonly PublishedVersion[];
  }
>;
/** Place the job again on a robot's work subject (the dispatcher; a first placement is no event, ADR 26). */
export type PlaceJobCommand = Command<'PlaceJob', { readonly subject: string }>;
/** No robot can ever run it (the dispatcher): `code` is machine-readable, e.g. `NoCapableRobot`. */
export type RejectJobCommand = Command<'RejectJob', { readonly code: string; readonly reason: string }>;
/** A robot takes the job's lease (its first commit). */
export type ClaimJobCommand = Command<
  'ClaimJob',
  { readonly robotId: string; readonly delivery: number; readonly dispatchedAt?: string }
>;
/** `minAttempt`: the engine's own count of earlier attempts plus one; the log may know of more. */
export type StartStepCommand = Command<
  'StartStep',
  {
    readonly stepKey: string;
    readonly nodeId: string;
    readonly nodeType: string;
    readonly robotId: string;
    readonly minAttempt?: number;
  }
>;
export type CompleteStepCommand = Command<
  'CompleteStep',
  { readonly stepKey: string; readonly nodeId: string; readonly output: unknown; readonly durationMs: number }
>;
export type FailStepCommand = Command<
  'FailStep',
  {
    readonly stepKey: string;
    readonly nodeId: string;
    readonly error: ErrorInfo;
    readonly durationMs: number;
    readonly artifacts?: readonly { readonly kind: string; readonly ref: string }[];
  }
>;
export type CompleteJobCommand = Command<
  'CompleteJob',
  { readonly outputs: JsonObject; readonly robotId: string }
>;
/**
 * The attempt failed (the robot, or the platform when a message ran out of deliveries). `park`:
 * the failed step, when the workflow's policy for it is `onDeterministicFailure: 'park'`.
 */
export type FailJobCommand = Command<
  'FailJob',
  {
    readonly error: ErrorInfo;
    readonly robotId?: string;
    readonly park?: { readonly stepKey: string; readonly nodeId: string };
  }
>;
/** A step's outcome is unknown (or a heal waits for approval): leave the job to an operator. */
export type ParkJobCommand = Command<
  'ParkJob',
  { readonly stepKey: string; readonly nodeId: string; readonly reason: string; readonly robotId: string }
>;
/** The robot healed a step's selector (applied, or proposed for an operator's approval): recorded on the job. */
export type RecordHealCommand = Command<'RecordHeal', MessageOf<typeof SelectorHealed>['data']>;
/** The robot is shutting down: another robot resumes the job. */
export type ReleaseJobCommand = Command<'ReleaseJob', { readonly robotId: string }>;
/** An operator (or the dispatcher finishing one) cancels: at once when no robot holds the job. */
export type CancelJobCommand = Command<'CancelJob', { readonly reason?: string }>;
/** The robot holding a job with a cancel request stops it. */
export type StopCancelledJobCommand = Command<'StopCancelledJob', { readonly robotId: string }>;
/** An operator's answer to `needs_attention`: run the step again, or treat it as done. */
export type RetryStepCommand = Command<'RetryStep', { readonly note?: string }>;
export type SkipStepCommand = Command<'SkipStep', { readonly note?: string }>;
/** An operator's answer to `needs_attention`: the job fails for good. */
export type FailParkedJobCommand = Command<'FailParkedJob', { readonly note?: string }>;
/**
 * Decide what a failed attempt leads to (the dispatcher): another attempt after the schedule's
 * next delay, or a dead letter. `random` is a draw in [0, 1) for the jitter.
 */
export type SettleFailureCommand = Command<
  'SettleFailure',
  { readonly schedule: RetrySchedule; readonly random: number }
>;
/** An operator sends a dead-lettered job back with a fresh retry schedule. */
export type RequeueJobCommand = Command<'RequeueJob', { readonly note?: string }>;

/**
 * A running step passed its limit (ADR 61): its robot's watchdog, or a service reading the robot's
 * heartbeats when the watchdog did not act. `idempotent`: the planned step's, which decides
 * whether it runs again or an operator is asked.
 */
export type StallStepCommand = Command<
  'StallStep',
  {
    readonly stepKey: string;
    readonly nodeId: string;
    readonly nodeType: string;
    readonly robotId: string;
    readonly elapsedMs: number;
    readonly limitMs: number;
    readonly basis: 'timeout' | 'p99';
    readonly detectedBy: 'robot' | 'service';
    readonly idempotent: boolean;
    readonly artifacts?: readonly { readonly kind: string; readonly ref: string }[];
  }
>;
/** The dispatcher's forecast (ADR 66): recorded once, when the predicted finish passes the deadline. */
export type FlagAtRiskCommand = Command<
  'FlagAtRisk',
  { readonly predictedFinish: number; readonly durationMs: number }
>;
/**
 * The job's deadline passed before it finished (the dispatcher). `consequence`: the default when
 * the job's request named none.
 */
export type MissDeadlineCommand = Command<'MissDeadline', { readonly consequence: DeadlineConsequence }>;

/** Everything that may be asked of a job, by anyone. */
export type JobCommand =
  | RequestJobCommand
  | PlaceJobCommand
  | RejectJobCommand
  | ClaimJobCommand
  | StartStepCommand
  | CompleteStepCommand
  | FailStepCommand
  | CompleteJobCommand
  | FailJobCommand
  | ParkJobCommand
  | RecordHealCommand
  | ReleaseJobCommand
  | CancelJobCommand
  | StopCancelledJobCommand
  | RetryStepCommand
  | SkipStepCommand
  | FailParkedJobCommand
  | SettleFailureCommand
  | RequeueJobCommand
  | StallStepCommand
  | FlagAtRiskCommand
  | MissDeadlineCommand;

export type JobCommandType = JobCommand['type'];
