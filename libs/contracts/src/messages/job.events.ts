import { z } from 'zod';
import { defineMessage, type MessageOf } from '../envelope';
import { ErrorInfoSchema, JsonObjectSchema } from './common';
import { JOB_CONTROL_EVENTS, type JobControlEvent } from './job-control.events';
import { DISPATCH_JOB_EVENTS, type DispatchJobEvent } from './dispatch.events';
import { SelectorHealed } from './healing.events';
import { JOB_TIMING_EVENTS, type JobTimingEvent } from './job-timing.events';
import { JobNeedsSchema, JobRequestSchema } from './job-request';

const job = { kind: 'event', aggregate: 'job' } as const;

export const JobRequested = defineMessage({
  ...job,
  type: 'JobRequested',
  version: 1,
  schema: JobRequestSchema.extend({
    /** The workflow version this job is pinned to for its whole life. */
    workflowVersion: z.number().int().positive(),
    /**
     * What that version needs of a robot, so placement never reads the workflow (ADR 30).
     * Absent on jobs requested before it was carried: the dispatcher derives it then.
     */
    needs: JobNeedsSchema.optional(),
  }),
});

export const JobRejected = defineMessage({
  ...job,
  type: 'JobRejected',
  version: 1,
  schema: z.object({
    workflowId: z.string(),
    reason: z.string(),
    /** Machine-readable cause, e.g. `NoCapableRobot`. */
    code: z.string().max(100).optional(),
  }),
});

export const JobDispatched = defineMessage({
  ...job,
  type: 'JobDispatched',
  version: 1,
  schema: z.object({ subject: z.string(), attempt: z.number().int().positive() }),
});

export const JobStarted = defineMessage({
  ...job,
  type: 'JobStarted',
  version: 1,
  schema: z.object({
    robotId: z.string(),
    /** Delivery count of the work message: 1 on the first claim, higher after a lease was lost. */
    delivery: z.number().int().positive(),
    /** Steps already completed when this robot took the job (0 on a fresh start). */
    resumedAfterSteps: z.number().int().nonnegative(),
    /** When the dispatcher placed the job, for a first placement, which is not an event of its own (ADR 26). */
    dispatchedAt: z.iso.datetime().optional(),
  }),
});

export const StepStarted = defineMessage({
  ...job,
  type: 'StepStarted',
  version: 1,
  schema: z.object({
    /** Node id plus loop iteration path, e.g. `enter-row[37]`: unique within a job. */
    stepKey: z.string().min(1),
    nodeId: z.string().min(1),
    nodeType: z.string().min(1),
    robotId: z.string(),
    attempt: z.number().int().positive(),
  }),
});

export const StepCompleted = defineMessage({
  ...job,
  type: 'StepCompleted',
  version: 1,
  schema: z.object({
    stepKey: z.string().min(1),
    nodeId: z.string().min(1),
    output: z.json(),
    durationMs: z.number().nonnegative(),
  }),
});

export const StepFailed = defineMessage({
  ...job,
  type: 'StepFailed',
  version: 1,
  schema: z.object({
    stepKey: z.string().min(1),
    nodeId: z.string().min(1),
    error: ErrorInfoSchema,
    durationMs: z.number().nonnegative(),
    /** References to large artifacts (screenshot, DOM snapshot) in the object store. */
    artifacts: z.array(z.object({ kind: z.string(), ref: z.string() })).optional(),
  }),
});

export const JobCompleted = defineMessage({
  ...job,
  type: 'JobCompleted',
  version: 1,
  schema: z.object({ outputs: JsonObjectSchema, robotId: z.string() }),
});

export const JobFailed = defineMessage({
  ...job,
  type: 'JobFailed',
  version: 1,
  schema: z.object({ error: ErrorInfoSchema, robotId: z.string().optional() }),
});

export const JOB_EVENTS = [
  JobRequested,
  JobRejected,
  JobDispatched,
  JobStarted,
  StepStarted,
  StepCompleted,
  StepFailed,
  JobCompleted,
  JobFailed,
  ...JOB_CONTROL_EVENTS,
  ...DISPATCH_JOB_EVENTS,
  SelectorHealed,
  ...JOB_TIMING_EVENTS,
] as const;

export type JobEvent =
  | MessageOf<typeof JobRequested>
  | MessageOf<typeof JobRejected>
  | MessageOf<typeof JobDispatched>
  | MessageOf<typeof JobStarted>
  | MessageOf<typeof StepStarted>
  | MessageOf<typeof StepCompleted>
  | MessageOf<typeof StepFailed>
  | MessageOf<typeof JobCompleted>
  | MessageOf<typeof JobFailed>
  | JobControlEvent
  | DispatchJobEvent
  | MessageOf<typeof SelectorHealed>
  | JobTimingEvent;
