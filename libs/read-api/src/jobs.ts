import { z } from 'zod';

/** Every status a job can have in the read model. */
export const JOB_STATUSES = [
  'pending',
  'rejected',
  'queued',
  'retry_scheduled',
  'running',
  'needs_attention',
  'completed',
  'failed',
  'cancelled',
] as const;
export const JobStatusSchema = z.enum(JOB_STATUSES);
export type JobStatus = z.infer<typeof JobStatusSchema>;

/** Priority bands of the queue-depth figures: 14–20 high, 7–13 normal, 0–6 low. */
export const PRIORITY_BANDS = ['high', 'normal', 'low'] as const;
export const PriorityBandSchema = z.enum(PRIORITY_BANDS);
export type PriorityBand = z.infer<typeof PriorityBandSchema>;
export const bandOf = (priority: number): PriorityBand =>
  priority >= 14 ? 'high' : priority >= 7 ? 'normal' : 'low';

/** A job as lists show it (no steps, no variables). */
export const JobSummarySchema = z.object({
  jobId: z.string(),
  workflowId: z.string(),
  status: JobStatusSchema,
  /** 0–20, higher runs first. */
  priority: z.number().int(),
  robotId: z.string().nullable(),
  requestedAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
});
export type JobSummary = z.infer<typeof JobSummarySchema>;
