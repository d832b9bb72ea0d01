import { z } from 'zod';
import { JOB_STATUSES } from '@aether/contracts';

/** Every status a job can have: the contracts' lifecycle, the words the projection stores. */
export { JOB_STATUSES };
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

/** Columns the job list sorts by; ties are broken by request time, then job id, in the same direction. */
export const JOB_SORT_KEYS = ['requestedAt', 'priority', 'workflowId', 'status'] as const;
export type JobSortKey = (typeof JOB_SORT_KEYS)[number];

/** The page size of `GET /api/v1/metrics/jobs` when `limit` is not given. */
export const JOBS_PAGE_SIZE = 50;

const Id = z.string().min(1).max(128);

/**
 * `GET /api/v1/metrics/jobs` query: filters, sort and the cursor of the page to read. Every filter
 * narrows (AND); the time range is on the request time, `from` inclusive, `to` exclusive.
 */
export const JobsQuerySchema = z
  .object({
    workflowId: Id.optional(),
    robotId: Id.optional(),
    /** One status or several, comma-separated: `running,needs_attention`. */
    status: z
      .string()
      .max(200)
      .transform((value) => value.split(',').filter(Boolean))
      .pipe(z.array(JobStatusSchema).min(1))
      .optional(),
    /** Requested at or after (ISO 8601 with an offset). */
    from: z.iso.datetime({ offset: true }).optional(),
    /** Requested before (ISO 8601 with an offset). */
    to: z.iso.datetime({ offset: true }).optional(),
    sort: z.enum(JOB_SORT_KEYS).default('requestedAt'),
    order: z.enum(['asc', 'desc']).default('desc'),
    /** `nextCursor` of the previous page; absent for the first. Only valid with the same filters and sort. */
    cursor: z.string().max(1024).optional(),
    /** Page size, default 50. */
    limit: z.coerce.number().int().min(1).max(200).default(JOBS_PAGE_SIZE),
  })
  .strict();
export type JobsQuery = z.infer<typeof JobsQuerySchema>;

/** A row of the Jobs page. */
export const JobListItemSchema = JobSummarySchema.extend({
  workflowVersion: z.number().int().nullable(),
  finishedAt: z.iso.datetime().nullable(),
  /** From start to finish, once finished. */
  durationMs: z.number().int().nullable(),
  /**
   * EVENTS stream sequence of the last event the projection applied to this job: a live update
   * carrying a sequence at or below it is already in the row.
   */
  lastSequence: z.number().int(),
});
export type JobListItem = z.infer<typeof JobListItemSchema>;

/** `GET /api/v1/metrics/jobs`: one page, newest first unless sorted otherwise. */
export const JobsPageSchema = z.object({
  items: z.array(JobListItemSchema),
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: z.string().nullable(),
  /**
   * The EVENTS sequence the projection had applied before the page was read: subscribe to the
   * live feed with `since: asOf` and no change after the page is missed (rows already holding one
   * have `lastSequence` at or past it).
   */
  asOf: z.number().int().nonnegative(),
});
export type JobsPage = z.infer<typeof JobsPageSchema>;
