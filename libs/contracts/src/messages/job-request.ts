import { z } from 'zod';
import { JsonObjectSchema, PrioritySchema } from './common';
import { PlacementSchema } from './dispatch.events';
import { DeadlineConsequenceSchema } from './job-timing.events';

/**
 * What a robot must have to run a job's workflow version, derived from the node catalog when the
 * job is requested (`workflowNeeds` in `@aether/workflow`): a browser engine, a desktop session.
 */
export const JobNeedsSchema = z.object({ browser: z.boolean(), desktop: z.boolean() });
export type JobNeeds = z.infer<typeof JobNeedsSchema>;

/** What a job is asked to do: the fields `RequestJob` and `JobRequested` share. */
export const JobRequestSchema = z.object({
  workflowId: z.string().min(1),
  variables: JsonObjectSchema,
  priority: PrioritySchema,
  trigger: z.object({
    kind: z.enum(['manual', 'cron', 'webhook', 'api', 'queue', 'mail']),
    sourceId: z.string().optional(),
  }),
  /** Constraints, preferences and affinity for the dispatcher; absent: any robot. */
  placement: PlacementSchema.optional(),
  /**
   * Finish by (ISO 8601, UTC). Within a priority band the dispatcher places the earliest deadline
   * first; absent: after every job with one.
   */
  deadline: z.iso.datetime().optional(),
  /** What a missed deadline does (ADR 66); absent: the dispatcher's default (`keep`). */
  onDeadlineMissed: DeadlineConsequenceSchema.optional(),
});
