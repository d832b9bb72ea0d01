import { z } from 'zod';
import { defineMessage, type MessageOf } from '../envelope';
import { ErrorInfoSchema } from './common';
import { BrowserEngineSchema, PlatformSchema, RobotTagSchema } from './robot.presence';

/**
 * Where a job may run and where it would rather run. Hard constraints (`requires`) filter
 * robots; `prefers` and the robots' load only order the ones left; `affinity` ties a job to a
 * robot:
 * - `soft`: run on `robotId` when it has a free slot, else on any capable robot.
 * - `hard`: only on `robotId`; the job waits while that robot is offline.
 * - `session`: every job with the same `key` runs on the robot the first one ran on
 *   (re-bound only when that robot goes offline).
 */
export const PlacementSchema = z
  .object({
    requires: z
      .object({
        platform: PlatformSchema.optional(),
        /** Every listed engine must be available. */
        browsers: z.array(BrowserEngineSchema).max(3).optional(),
        desktop: z.boolean().optional(),
        /** Every listed tag must be on the robot. */
        tags: z.array(RobotTagSchema).max(20).optional(),
        pool: z
          .string()
          .regex(/^[A-Za-z0-9_-]+$/)
          .max(64)
          .optional(),
      })
      .strict()
      .optional(),
    prefers: z
      .object({ tags: z.array(RobotTagSchema).max(20) })
      .strict()
      .optional(),
    affinity: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('soft'), robotId: z.string().min(1).max(128) }).strict(),
        z.object({ kind: z.literal('hard'), robotId: z.string().min(1).max(128) }).strict(),
        z.object({ kind: z.literal('session'), key: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/) }).strict(),
      ])
      .optional(),
  })
  .strict();
export type Placement = z.infer<typeof PlacementSchema>;

/** The default job retry schedule: 10 s, 1 min, 5 min, 15 min, 1 h. */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [10_000, 60_000, 300_000, 900_000, 3_600_000];

/**
 * A workflow's dispatch policy, in the `dispatch-policies` KV bucket under `<tenant>.<workflowId>`.
 * Absent fields fall back to the dispatcher's defaults.
 */
export const DispatchPolicySchema = z
  .object({
    retry: z
      .object({
        /** Delay before each retry; its length is the number of retries. `[]`: never retry. */
        delaysMs: z
          .array(
            z
              .number()
              .int()
              .min(0)
              .max(7 * 86_400_000),
          )
          .max(20),
        /** Each delay is scaled by a random factor in `[1 - jitter, 1 + jitter]`. Default 0.2. */
        jitter: z.number().min(0).max(1).default(0.2),
      })
      .strict()
      .optional(),
    /** Jobs of this workflow running (or placed) at once, across the fleet. Default: unlimited. */
    maxConcurrentJobs: z.number().int().min(1).max(100_000).optional(),
    /** Placement merged under each job's own (the job's fields win). */
    placement: PlacementSchema.optional(),
  })
  .strict();
export type DispatchPolicy = z.infer<typeof DispatchPolicySchema>;

const job = { kind: 'event', aggregate: 'job' } as const;

/** A failed attempt will be retried: the job is open again and is placed once `notBefore` passed. */
export const JobRetryScheduled = defineMessage({
  ...job,
  type: 'JobRetryScheduled',
  version: 1,
  schema: z.object({
    /** The attempt that will run (2 for the first retry). */
    attempt: z.number().int().min(2),
    notBefore: z.iso.datetime(),
    delayMs: z.number().int().nonnegative(),
    /** Why the previous attempt failed. */
    error: ErrorInfoSchema,
  }),
});

/** The last attempt failed: the job stays failed and is listed under `/api/v1/dead-letters`. */
export const JobDeadLettered = defineMessage({
  ...job,
  type: 'JobDeadLettered',
  version: 1,
  schema: z.object({
    attempts: z.number().int().positive(),
    error: ErrorInfoSchema,
  }),
});

/** An operator sent a dead-lettered job back: it is open again with a fresh retry schedule. */
export const JobRequeued = defineMessage({
  ...job,
  type: 'JobRequeued',
  version: 1,
  schema: z.object({
    /** The attempt that will run next. */
    attempt: z.number().int().min(2),
    note: z.string().max(2000).optional(),
  }),
});

export const DISPATCH_JOB_EVENTS = [JobRetryScheduled, JobDeadLettered, JobRequeued] as const;
export type DispatchJobEvent =
  MessageOf<typeof JobRetryScheduled> | MessageOf<typeof JobDeadLettered> | MessageOf<typeof JobRequeued>;

/** `JobRejected.code` when no registered robot satisfies the job's hard constraints. */
export const NO_CAPABLE_ROBOT = 'NoCapableRobot';
