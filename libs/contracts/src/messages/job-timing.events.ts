import { z } from 'zod';
import { defineMessage, type MessageOf } from '../envelope';

const job = { kind: 'event', aggregate: 'job' } as const;

/** What a missed deadline does to a job not yet finished (ADR 66). */
export const DeadlineConsequenceSchema = z.enum(['keep', 'fail', 'dead-letter']);
export type DeadlineConsequence = z.infer<typeof DeadlineConsequenceSchema>;

/**
 * A running step stopped making progress (ADR 61): it ran past its limit — the node's timeout, or
 * k × its measured p99 — while its robot was alive. The same commit records what follows: a
 * `StepFailed` (retryable, code `StepStalled`) for an idempotent step, or `JobNeedsAttention`.
 */
export const StepStalled = defineMessage({
  ...job,
  type: 'StepStalled',
  version: 1,
  schema: z.object({
    stepKey: z.string().min(1),
    nodeId: z.string().min(1),
    nodeType: z.string().min(1),
    robotId: z.string(),
    /** How long the step had run when it was declared stalled, in ms. */
    elapsedMs: z.number().nonnegative(),
    /** The limit it passed, in ms. */
    limitMs: z.number().nonnegative(),
    /** Which limit: the step's timeout, or k × the p99 of its measured durations. */
    basis: z.enum(['timeout', 'p99']),
    /** Who noticed: the robot's own watchdog, or a service reading its heartbeats. */
    detectedBy: z.enum(['robot', 'service']),
    /** `retry`: the step runs again (idempotent); `park`: an operator decides. */
    outcome: z.enum(['retry', 'park']),
    /** A screenshot of a browser or desktop step, in the object store. */
    artifacts: z.array(z.object({ kind: z.string(), ref: z.string() })).optional(),
  }),
});

/** The dispatcher's forecast puts the job's finish past its deadline: add robots before it is missed. */
export const JobAtRisk = defineMessage({
  ...job,
  type: 'JobAtRisk',
  version: 1,
  schema: z.object({
    deadline: z.iso.datetime(),
    predictedFinish: z.iso.datetime(),
    /** The duration the forecast used for the job's workflow (its p95 in the projection), in ms. */
    durationMs: z.number().nonnegative(),
  }),
});

/** The deadline passed before the job finished; the consequence is applied in the same commit. */
export const JobDeadlineMissed = defineMessage({
  ...job,
  type: 'JobDeadlineMissed',
  version: 1,
  schema: z.object({ deadline: z.iso.datetime(), consequence: DeadlineConsequenceSchema }),
});

export const JOB_TIMING_EVENTS = [StepStalled, JobAtRisk, JobDeadlineMissed] as const;
export type JobTimingEvent =
  MessageOf<typeof StepStalled> | MessageOf<typeof JobAtRisk> | MessageOf<typeof JobDeadlineMissed>;
