import { z } from 'zod';
import { defineMessage, type MessageOf } from '../envelope';

const job = { kind: 'event', aggregate: 'job' } as const;

/** A non-idempotent step started but has no outcome: the job waits for an operator. */
export const JobNeedsAttention = defineMessage({
  ...job,
  type: 'JobNeedsAttention',
  version: 1,
  schema: z.object({ stepKey: z.string(), nodeId: z.string(), reason: z.string(), robotId: z.string() }),
});

/** An operator's decision on an ambiguous step: run it again, or treat it as done. */
export const StepResolved = defineMessage({
  ...job,
  type: 'StepResolved',
  version: 1,
  schema: z.object({
    stepKey: z.string(),
    action: z.enum(['retry', 'skip']),
    /** Free text from the operator, kept for the audit trail. */
    note: z.string().max(2000).optional(),
  }),
});

/** A robot stopped working on the job without finishing it (shutdown); another robot resumes it. */
export const JobReleased = defineMessage({
  ...job,
  type: 'JobReleased',
  version: 1,
  schema: z.object({
    robotId: z.string(),
    reason: z.enum(['shutdown']),
    completedSteps: z.number().int().nonnegative(),
  }),
});

export const JobCancelRequested = defineMessage({
  ...job,
  type: 'JobCancelRequested',
  version: 1,
  schema: z.object({ reason: z.string().max(2000).optional() }),
});

export const JobCancelled = defineMessage({
  ...job,
  type: 'JobCancelled',
  version: 1,
  schema: z.object({
    /** The robot that stopped it; absent when the job was cancelled before any robot claimed it. */
    robotId: z.string().optional(),
    completedSteps: z.number().int().nonnegative(),
  }),
});

export const JOB_CONTROL_EVENTS = [
  JobNeedsAttention,
  StepResolved,
  JobReleased,
  JobCancelRequested,
  JobCancelled,
] as const;

export type JobControlEvent =
  | MessageOf<typeof JobNeedsAttention>
  | MessageOf<typeof StepResolved>
  | MessageOf<typeof JobReleased>
  | MessageOf<typeof JobCancelRequested>
  | MessageOf<typeof JobCancelled>;
