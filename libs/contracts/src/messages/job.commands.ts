import { z } from 'zod';
import { defineMessage, type MessageOf } from '../envelope';
import { JobRequestSchema } from './job-request';

/** Ask for a job to run a workflow; the aggregate id is the job id the caller was given. */
export const RequestJob = defineMessage({
  kind: 'command',
  aggregate: 'job',
  type: 'RequestJob',
  version: 1,
  schema: JobRequestSchema.extend({
    /** Omitted: the latest published version at the time the command is handled. */
    workflowVersion: z.number().int().positive().optional(),
  }),
});

export const JOB_COMMANDS = [RequestJob] as const;
export type JobCommand = MessageOf<typeof RequestJob>;
