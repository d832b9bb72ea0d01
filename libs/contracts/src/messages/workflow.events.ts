import { z } from 'zod';
import { defineMessage, type MessageOf } from '../envelope';

export const WorkflowVersionPublished = defineMessage({
  kind: 'event',
  aggregate: 'workflow',
  type: 'WorkflowVersionPublished',
  version: 1,
  schema: z.object({
    version: z.number().int().positive(),
    /** The workflow document; its own schema lives in the workflow lib and is checked before publishing. */
    definition: z.record(z.string(), z.json()),
  }),
});

export const WORKFLOW_EVENTS = [WorkflowVersionPublished] as const;
export type WorkflowEvent = MessageOf<typeof WorkflowVersionPublished>;
