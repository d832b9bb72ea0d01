import { z } from 'zod';
import { JsonObjectSchema, PrioritySchema } from './common';
import { PlacementSchema } from './dispatch.events';

/** What a job is asked to do: the fields `RequestJob` and `JobRequested` share. */
export const JobRequestSchema = z.object({
  workflowId: z.string().min(1),
  variables: JsonObjectSchema,
  priority: PrioritySchema,
  trigger: z.object({
    kind: z.enum(['manual', 'cron', 'webhook', 'api', 'queue']),
    sourceId: z.string().optional(),
  }),
  /** Constraints, preferences and affinity for the dispatcher; absent: any robot. */
  placement: PlacementSchema.optional(),
});
