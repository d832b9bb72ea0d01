import { z } from 'zod';
import { defineMessage, type MessageOf } from '../envelope';
import { JsonObjectSchema, PrioritySchema } from './common';

/** The message a robot claims from WORK; holding it (un-acked) is holding the job's lease. */
export const RunJob = defineMessage({
  kind: 'work',
  aggregate: 'job',
  type: 'RunJob',
  version: 1,
  schema: z.object({
    workflowId: z.string().min(1),
    workflowVersion: z.number().int().positive(),
    priority: PrioritySchema,
    attempt: z.number().int().positive(),
    /**
     * Present on a job's first placement, when its whole history is its `JobRequested` at
     * stream sequence `sequence` (ADR 26: a first placement is not an event): a first delivery
     * may start from it without reading the log, and its first append, guarded by that sequence,
     * proves nothing happened since. Anything after it that places or starts the job elsewhere
     * supersedes this message.
     */
    fresh: z.object({ sequence: z.number().int().positive(), variables: JsonObjectSchema }).optional(),
    /**
     * Per workflow node id: k × the p99 of the node's measured step durations (the projection), in
     * ms, when the dispatcher knows it. The robot's watchdog declares a step stalled past the
     * earlier of this and the step's timeout (ADR 61).
     */
    stallLimitsMs: z.record(z.string(), z.number().int().positive()).optional(),
  }),
});

export const WORK_MESSAGES = [RunJob] as const;
export type WorkMessage = MessageOf<typeof RunJob>;
