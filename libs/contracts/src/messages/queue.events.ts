import { z } from 'zod';
import { defineMessage, type MessageOf } from '../envelope';
import { AggregateIdSchema } from '../ids';
import { FireRefusalSchema, JsonObjectSchema, PrioritySchema } from './common';

/** A queue's name: its aggregate id, `aether.evt.<tenant>.queue.<name>`. */
export const QueueNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'queue names are letters, digits, "_" and "-" (max 64)');

/** An item's business key, unique within its queue (an order number, an invoice id). */
export const QueueReferenceSchema = z.string().min(1).max(256);

/** Application exceptions are retried up to the queue's `maxRetries`; business exceptions never are. */
export const QueueExceptionSchema = z.enum(['business', 'application']);
export type QueueException = z.infer<typeof QueueExceptionSchema>;

/**
 * Starts jobs while items wait: `ceil(waiting / itemsPerJob)` jobs, at most `maxConcurrentJobs`
 * running at once, placed only on robots of `pool` when set. Each job takes items with
 * `queue.next` until the queue is empty.
 */
export const QueueTriggerSchema = z
  .object({
    workflowId: AggregateIdSchema,
    /** Waiting items per job started. Default 1. */
    itemsPerJob: z.number().int().min(1).max(10_000).default(1),
    /** Jobs of this trigger running at once. Default 1. */
    maxConcurrentJobs: z.number().int().min(1).max(1_000).default(1),
    /** Only robots registered in this pool. */
    pool: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .optional(),
    priority: PrioritySchema.optional(),
  })
  .strict();
export type QueueTrigger = z.infer<typeof QueueTriggerSchema>;

export const QueuePolicySchema = z
  .object({
    /** Retries of an item after an application exception (or a job that ended without an outcome). Default 3. */
    maxRetries: z.number().int().min(0).max(20).default(3),
    /** An item must finish within this many ms of being added; its deadline is at most `addedAt + slaMs`. */
    slaMs: z.number().int().positive().optional(),
    trigger: QueueTriggerSchema.optional(),
    /** What a missed deadline does to an item not yet finished: `keep` it waiting (default) or `fail` it. */
    onDeadlineMissed: z.enum(['keep', 'fail']).optional(),
  })
  .strict();
export type QueuePolicy = z.infer<typeof QueuePolicySchema>;

const queue = { kind: 'event', aggregate: 'queue' } as const;
const item = { kind: 'event', aggregate: 'queue-item' } as const;

/** A queue's policy, created or replaced (the latest one holds). */
export const QueueDefined = defineMessage({
  ...queue,
  type: 'QueueDefined',
  version: 1,
  schema: QueuePolicySchema,
});

/**
 * Jobs a queue trigger started, on `aether.evt.<tenant>.queue-trigger.<queue>`, appended with the expected last sequence so two
 * scheduler replicas never start the same jobs twice; each job id is `RequestJob`'s aggregate.
 */
export const QueueJobsStarted = defineMessage({
  kind: 'event',
  aggregate: 'queue-trigger',
  type: 'QueueJobsStarted',
  version: 1,
  schema: z.object({
    jobIds: z.array(AggregateIdSchema).min(1).max(1_000),
    /** Items waiting when the trigger fired. */
    waiting: z.number().int().nonnegative(),
    /** The workflow version checked and requested (absent on fires before ADR 135: the latest then). */
    workflowVersion: z.number().int().positive().optional(),
  }),
});

/**
 * A queue trigger that would have started jobs while items wait, but the workflow version its jobs
 * would run refuses `{ queue }`, the only input it passes (ADR 135). Recorded once per workflow
 * and version: the trigger stays quiet until another version is published or the policy changes.
 */
export const QueueTriggerRefused = defineMessage({
  kind: 'event',
  aggregate: 'queue-trigger',
  type: 'QueueTriggerRefused',
  version: 1,
  schema: FireRefusalSchema.extend({
    workflowId: AggregateIdSchema,
    /** Items waiting when the trigger would have fired. */
    waiting: z.number().int().nonnegative(),
  }),
});

/**
 * An item, on `aether.evt.<tenant>.queue-item.<itemId>` where the id is derived from the queue and
 * the reference: appended with expected sequence 0, so a duplicate reference cannot be added twice.
 */
export const QueueItemAdded = defineMessage({
  ...item,
  type: 'QueueItemAdded',
  version: 1,
  schema: z.object({
    queue: QueueNameSchema,
    reference: QueueReferenceSchema,
    payload: JsonObjectSchema,
    priority: PrioritySchema,
    /** Finish by (the earlier of the given deadline and the queue's SLA). */
    deadline: z.iso.datetime().optional(),
    /** Copied from the queue's policy when added. */
    maxRetries: z.number().int().min(0).max(20),
    addedBy: z.object({ kind: z.enum(['api', 'workflow']), jobId: z.string().optional() }),
  }),
});

/** A job took the item (`queue.next`): it is leased to that job until an outcome or the job ends. */
export const QueueItemStarted = defineMessage({
  ...item,
  type: 'QueueItemStarted',
  version: 1,
  schema: z.object({
    jobId: AggregateIdSchema,
    /** The `queue.next` step that took it: the same step asking again gets the same item. */
    stepKey: z.string().min(1).max(300),
    robotId: z.string().max(128),
    /** 1 for the first attempt. */
    attempt: z.number().int().positive(),
  }),
});

export const QueueItemCompleted = defineMessage({
  ...item,
  type: 'QueueItemCompleted',
  version: 1,
  schema: z.object({ jobId: AggregateIdSchema, output: JsonObjectSchema }),
});

/** `retried`: waiting again for another attempt; otherwise failed for good. */
export const QueueItemFailed = defineMessage({
  ...item,
  type: 'QueueItemFailed',
  version: 1,
  schema: z.object({
    jobId: AggregateIdSchema,
    exception: QueueExceptionSchema,
    message: z.string().max(4000),
    retried: z.boolean(),
  }),
});

/**
 * The job holding the item ended without completing or failing it: retried when attempts are
 * left, otherwise abandoned.
 */
export const QueueItemReleased = defineMessage({
  ...item,
  type: 'QueueItemReleased',
  version: 1,
  schema: z.object({
    jobId: AggregateIdSchema,
    /** How the job ended, e.g. `JobFailed`, `JobCancelled`. */
    reason: z.string().max(200),
    retried: z.boolean(),
  }),
});

/**
 * The item's predicted finish (its place in the take order, the trigger's concurrent jobs and the
 * queue's measured item duration, p95) passes its deadline: add robots before it is missed.
 * Once per item.
 */
export const QueueItemAtRisk = defineMessage({
  ...item,
  type: 'QueueItemAtRisk',
  version: 1,
  schema: z.object({
    deadline: z.iso.datetime(),
    predictedFinish: z.iso.datetime(),
    /** Items taken before it. */
    ahead: z.number().int().nonnegative(),
  }),
});

/** The deadline passed before the item finished; `fail` ends it (the queue's `onDeadlineMissed`). */
export const QueueItemDeadlineMissed = defineMessage({
  ...item,
  type: 'QueueItemDeadlineMissed',
  version: 1,
  schema: z.object({ deadline: z.iso.datetime(), consequence: z.enum(['keep', 'fail']) }),
});

export const QUEUE_EVENTS = [QueueDefined] as const;
export type QueueEvent = MessageOf<typeof QueueDefined>;
export const QUEUE_TRIGGER_EVENTS = [QueueJobsStarted, QueueTriggerRefused] as const;
export type QueueTriggerEvent = MessageOf<typeof QueueJobsStarted> | MessageOf<typeof QueueTriggerRefused>;
export const QUEUE_ITEM_EVENTS = [
  QueueItemAdded,
  QueueItemStarted,
  QueueItemCompleted,
  QueueItemFailed,
  QueueItemReleased,
  QueueItemAtRisk,
  QueueItemDeadlineMissed,
] as const;
export type QueueItemEvent = MessageOf<(typeof QUEUE_ITEM_EVENTS)[number]>;

/** Request on `subjects.queueTake`: the `queue.next` step of a job asks for the next item. */
export const QueueTakeRequestSchema = z.object({
  jobId: AggregateIdSchema,
  stepKey: z.string().min(1).max(300),
  robotId: z.string().max(128),
});
export type QueueTakeRequest = z.infer<typeof QueueTakeRequestSchema>;

/** The item leased to the asking step, or `null` when none waits. */
export const QueueTakeReplySchema = z.object({
  item: z
    .object({
      itemId: AggregateIdSchema,
      reference: QueueReferenceSchema,
      payload: JsonObjectSchema,
      priority: PrioritySchema,
      deadline: z.iso.datetime().optional(),
      attempt: z.number().int().positive(),
    })
    .nullable(),
});
export type QueueTakeReply = z.infer<typeof QueueTakeReplySchema>;

/** `queue.complete`: the job holding the item finished it; `output` is recorded on the item. */
export const QueueCompleteRequestSchema = z.object({
  jobId: AggregateIdSchema,
  itemId: AggregateIdSchema,
  output: JsonObjectSchema,
});
export type QueueCompleteRequest = z.infer<typeof QueueCompleteRequestSchema>;

/** `queue.fail`: a business exception fails the item for good; an application exception retries it. */
export const QueueFailRequestSchema = z.object({
  jobId: AggregateIdSchema,
  itemId: AggregateIdSchema,
  exception: QueueExceptionSchema,
  message: z.string().max(4000),
});
export type QueueFailRequest = z.infer<typeof QueueFailRequestSchema>;

/**
 * `queue.add` from a workflow. The same job adding the same reference again (its step re-run
 * after a crash) is answered with the item, not refused.
 */
export const QueueAddRequestSchema = z.object({
  jobId: AggregateIdSchema,
  reference: QueueReferenceSchema,
  payload: JsonObjectSchema,
  priority: PrioritySchema,
  deadline: z.iso.datetime().optional(),
});
export type QueueAddRequest = z.infer<typeof QueueAddRequestSchema>;

/**
 * The keeper's answer to complete, fail and add: the item's status after the operation, or the
 * decider's refusal (`DuplicateReference`, `NotHeld`, `NotAvailable`, `UnknownQueue`,
 * `InvalidRequest`) with the item it names.
 */
export const QueueItemReplySchema = z.union([
  z.object({
    ok: z.literal(true),
    itemId: AggregateIdSchema,
    status: z.enum(['new', 'in-progress', 'successful', 'failed', 'abandoned', 'retried']),
    deadline: z.iso.datetime().optional(),
  }),
  z.object({
    ok: z.literal(false),
    code: z.enum(['DuplicateReference', 'NotHeld', 'NotAvailable', 'UnknownQueue', 'InvalidRequest']),
    message: z.string(),
    itemId: AggregateIdSchema.optional(),
  }),
]);
export type QueueItemReply = z.infer<typeof QueueItemReplySchema>;
