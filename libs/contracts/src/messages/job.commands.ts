import { z } from 'zod';
import { defineMessage, type MessageOf } from '../envelope';
import { JsonObjectSchema, PrioritySchema } from './common';
import { PlacementSchema } from './dispatch.events';

/** Ask for a job to run a workflow; the aggregate id is the job id the caller was given. */
export const RequestJob = defineMessage({
  kind: 'command',
  aggregate: 'job',
  type: 'RequestJob',
  version: 1,
  schema: z.object({
    workflowId: z.string().min(1),
    /** Omitted: the latest published version at the time the command is handled. */
    workflowVersion: z.number().int().positive().optional(),
    variables: JsonObjectSchema,
    priority: PrioritySchema,
    trigger: z.object({
      kind: z.enum(['manual', 'cron', 'webhook', 'api']),
      sourceId: z.string().optional(),
    }),
    placement: PlacementSchema.optional(),
  }),
});

export const JOB_COMMANDS = [RequestJob] as const;
export type JobCommand = MessageOf<typeof RequestJob>;
