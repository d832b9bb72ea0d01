import { z } from 'zod';
import { DeadlineConsequenceSchema, QueueTriggerSchema } from '@aether/contracts';

export const QUEUE_ITEM_STATUSES = [
  'new',
  'in-progress',
  'successful',
  'failed',
  'abandoned',
  'retried',
] as const;
export const QueueItemStatusSchema = z.enum(QUEUE_ITEM_STATUSES);
export type QueueItemStatus = z.infer<typeof QueueItemStatusSchema>;

/** One work queue at one instant: its policy and its items per status (ADR 64). */
export const QueueSummarySchema = z.object({
  queue: z.string(),
  maxRetries: z.number().int(),
  /** An item must finish within this many ms of being added; null: no SLA. */
  slaMs: z.number().int().nullable(),
  onDeadlineMissed: z.enum(['keep', 'fail']).nullable(),
  trigger: QueueTriggerSchema.nullable(),
  items: z.object(
    Object.fromEntries(QUEUE_ITEM_STATUSES.map((s) => [s, z.number().int()])) as {
      [K in QueueItemStatus]: z.ZodNumber;
    },
  ),
  /** Unfinished items flagged `QueueItemAtRisk` whose deadline has not been missed yet. */
  atRisk: z.number().int(),
  /** Items whose deadline passed before they finished (`QueueItemDeadlineMissed`). */
  deadlineMissed: z.number().int(),
  /** Items that ended with a deadline: `met` of them finished successfully by it. */
  sla: z.object({ ended: z.number().int(), met: z.number().int() }),
  /** When the longest-waiting item (new or retried) was added; null when none waits. */
  oldestWaitingAt: z.iso.datetime().nullable(),
});
export type QueueSummary = z.infer<typeof QueueSummarySchema>;

/** A job with a deadline the dispatcher flagged at risk or recorded as missed (ADR 66). */
export const JobDeadlineRowSchema = z.object({
  jobId: z.string(),
  workflowId: z.string(),
  status: z.string(),
  deadline: z.iso.datetime(),
  atRiskAt: z.iso.datetime().nullable(),
  predictedFinish: z.iso.datetime().nullable(),
  missedAt: z.iso.datetime().nullable(),
  consequence: DeadlineConsequenceSchema.nullable(),
});
export type JobDeadlineRow = z.infer<typeof JobDeadlineRowSchema>;

/** `GET /api/v1/metrics/queues`: every queue of the tenant by name, and jobs' deadline flags. */
export const QueueMetricsSchema = z.object({
  at: z.iso.datetime(),
  queues: z.array(QueueSummarySchema),
  jobs: z.object({
    /** Unfinished jobs flagged at risk whose deadline has not been missed yet. */
    atRisk: z.number().int(),
    deadlineMissed: z.number().int(),
    /** The flagged jobs, latest deadline first (at most 50). */
    flagged: z.array(JobDeadlineRowSchema),
  }),
});
export type QueueMetrics = z.infer<typeof QueueMetricsSchema>;

export const QueueItemRowSchema = z.object({
  itemId: z.string(),
  reference: z.string(),
  status: QueueItemStatusSchema,
  priority: z.number().int(),
  deadline: z.iso.datetime().nullable(),
  attempts: z.number().int(),
  maxRetries: z.number().int(),
  jobId: z.string().nullable(),
  robotId: z.string().nullable(),
  addedAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  finishedAt: z.iso.datetime().nullable(),
  atRiskAt: z.iso.datetime().nullable(),
  predictedFinish: z.iso.datetime().nullable(),
  deadlineMissedAt: z.iso.datetime().nullable(),
  error: z.object({ exception: z.string(), message: z.string() }).nullable(),
});
export type QueueItemRow = z.infer<typeof QueueItemRowSchema>;

/** `GET /api/v1/metrics/queues/{queue}/items` query: one status, or a deadline flag; newest first. */
export const QueueItemsQuerySchema = z
  .object({
    status: QueueItemStatusSchema.optional(),
    /** `at-risk`: flagged and not yet missed; `missed`: the deadline passed before it finished. */
    deadline: z.enum(['at-risk', 'missed']).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();
export type QueueItemsQuery = z.infer<typeof QueueItemsQuerySchema>;

export const QueueItemListSchema = z.object({ queue: z.string(), items: z.array(QueueItemRowSchema) });
export type QueueItemList = z.infer<typeof QueueItemListSchema>;
