import { z } from 'zod';

/** One published version of a workflow, as the Workflows page lists it (its definition apart). */
export const WorkflowVersionSummarySchema = z.object({
  version: z.number().int().positive(),
  name: z.string().nullable(),
  description: z.string().nullable(),
  /** How many nodes the version has. */
  nodes: z.number().int().nonnegative(),
  publishedAt: z.iso.datetime(),
});
export type WorkflowVersionSummary = z.infer<typeof WorkflowVersionSummarySchema>;

/** `GET /api/v1/workflows/{workflowId}/versions`: every version, newest first. */
export const WorkflowVersionListSchema = z.object({
  workflowId: z.string(),
  versions: z.array(WorkflowVersionSummarySchema).min(1),
});
export type WorkflowVersionList = z.infer<typeof WorkflowVersionListSchema>;
