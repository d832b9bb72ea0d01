import { z } from 'zod';
import { AggregateIdSchema } from '@aether/contracts';
import { JobStatusSchema } from './jobs';

import { LIVE_CHANNELS } from './live-protocol';

export const LiveChannelSchema = z.enum(LIVE_CHANNELS);
export type LiveChannel = z.infer<typeof LiveChannelSchema>;

/** Client → server, `{"event": "subscribe", "data": …}`; a new subscribe replaces the previous one. */
export const LiveSubscribeSchema = z
  .object({
    /** Default: all three. */
    channels: z.array(LiveChannelSchema).min(1).optional(),
    /** Only this job's updates (the job detail page); `channels` is then ignored. */
    jobId: AggregateIdSchema.optional(),
    /**
     * The last EVENTS sequence the client has seen: everything after it is delivered, in order,
     * once. Absent: from now on. A reconnecting client sends the last `seq` it received.
     */
    since: z.number().int().nonnegative().optional(),
  })
  .strict();
export type LiveSubscribe = z.infer<typeof LiveSubscribeSchema>;

const Update = z.object({
  /** EVENTS stream sequence of the event: rising, never repeated on one subscription. */
  seq: z.number().int().positive(),
  /** The event's type, e.g. `StepCompleted`. */
  type: z.string(),
  occurredAt: z.iso.datetime(),
  /**
   * More frames with the same `seq` follow (one append stored several events): a client resumes
   * from a sequence only once it has the frame without `more`.
   */
  more: z.literal(true).optional(),
});

/** `{"event": "job"}`: one event of a job, in the words of a row (no variables, inputs or outputs). */
export const LiveJobUpdateSchema = Update.extend({
  jobId: z.string(),
  /** The job's status after this event, when the event decides it (step events do not). */
  status: JobStatusSchema.optional(),
  robotId: z.string().optional(),
  workflowId: z.string().optional(),
  workflowVersion: z.number().int().optional(),
  priority: z.number().int().optional(),
  stepKey: z.string().optional(),
  nodeId: z.string().optional(),
  nodeType: z.string().optional(),
  attempt: z.number().int().optional(),
  durationMs: z.number().optional(),
  /** A failure's code and message. */
  error: z.object({ message: z.string(), code: z.string().optional() }).optional(),
});
export type LiveJobUpdate = z.infer<typeof LiveJobUpdateSchema>;

/** `{"event": "robot"}`: a robot's presence changed. */
export const LiveRobotUpdateSchema = Update.extend({
  robotId: z.string(),
  online: z.boolean(),
  /** Why it went offline. */
  reason: z.string().optional(),
});
export type LiveRobotUpdate = z.infer<typeof LiveRobotUpdateSchema>;

/** `{"event": "queue"}`: a job's status changed, so the waiting figures did. */
export const LiveQueueUpdateSchema = Update.extend({
  jobId: z.string(),
  status: JobStatusSchema,
  priority: z.number().int().optional(),
});
export type LiveQueueUpdate = z.infer<typeof LiveQueueUpdateSchema>;

/** `{"event": "subscribed"}`: the subscription is live; updates start at sequence `from`. */
export const LiveSubscribedSchema = z.object({
  channels: z.array(LiveChannelSchema),
  jobId: z.string().optional(),
  from: z.number().int().positive(),
});
export type LiveSubscribed = z.infer<typeof LiveSubscribedSchema>;

/** Every server → client frame. */
export type LiveFrame =
  | { event: 'subscribed'; data: LiveSubscribed }
  | { event: 'job'; data: LiveJobUpdate }
  | { event: 'robot'; data: LiveRobotUpdate }
  | { event: 'queue'; data: LiveQueueUpdate }
  | { event: 'error'; data: { message: string } };
