import { z } from 'zod';

export const ANALYTICS_BUCKETS = ['hour', 'day'] as const;

/**
 * `GET /api/v1/metrics/analytics` query: the time range (by when jobs finished; default the last
 * 7 days) and the bucket of the series (default `hour`). At most 93 days.
 */
export const AnalyticsQuerySchema = z
  .object({
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    bucket: z.enum(ANALYTICS_BUCKETS).default('hour'),
  })
  .strict();
export type AnalyticsQuery = z.infer<typeof AnalyticsQuerySchema>;

const Count = z.number().int().nonnegative();
/** Percentiles of durations in ms, from a histogram with four buckets per doubling (within 19 %). */
const Percentiles = z.object({ p50Ms: z.number(), p90Ms: z.number(), p99Ms: z.number() });

/** `GET /api/v1/metrics/analytics`: figures over a time range, from the hourly rollups. */
export const AnalyticsSchema = z.object({
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  bucket: z.enum(ANALYTICS_BUCKETS),
  /** Jobs that ended per bucket, every bucket of the range present (UTC). */
  throughput: z.array(z.object({ at: z.iso.datetime(), completed: Count, failed: Count, cancelled: Count })),
  totals: z.object({
    completed: Count,
    failed: Count,
    cancelled: Count,
    rejected: Count,
    /** completed / (completed + failed); null when none. */
    successRate: z.number().min(0).max(1).nullable(),
  }),
  /** Per workflow, slowest first by p90: durations (start → finish) of completed and failed jobs. */
  durations: z.array(
    Percentiles.extend({
      workflowId: z.string(),
      jobs: Count,
      /** Per bucket that had jobs. */
      series: z.array(Percentiles.extend({ at: z.iso.datetime() })),
    }),
  ),
  /** Failed steps by node type and error code, most first (at most 20). */
  errors: z.array(z.object({ nodeType: z.string(), errorCode: z.string(), failures: Count })),
  steps: z.object({
    completed: Count,
    failed: Count,
    /** Steps that ended on an attempt after the first. */
    retries: Count,
    /** Retries per bucket that had steps. */
    series: z.array(z.object({ at: z.iso.datetime(), retries: Count, failed: Count })),
  }),
  /** Selector heals per bucket that had heals: recorded, and applied (the step went on). */
  healing: z.array(z.object({ at: z.iso.datetime(), heals: Count, applied: Count })),
});
export type Analytics = z.infer<typeof AnalyticsSchema>;
