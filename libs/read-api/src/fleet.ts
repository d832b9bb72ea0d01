import { z } from 'zod';
import { JOB_STATUSES, JobSummarySchema, PriorityBandSchema } from './jobs';

/** What a robot is doing, as the console shows it: `busy` is online with at least one job. */
export const ROBOT_STATES = ['idle', 'busy', 'draining', 'offline'] as const;
export const RobotStateSchema = z.enum(ROBOT_STATES);
export type RobotState = z.infer<typeof RobotStateSchema>;

export const FleetRobotSchema = z.object({
  robotId: z.string(),
  pool: z.string(),
  state: RobotStateSchema,
  /** Jobs it reported in its last heartbeat, with the node it is executing. */
  currentJobs: z.array(
    z.object({ jobId: z.string(), currentNode: z.string().optional(), completedSteps: z.number().int() }),
  ),
  capabilities: z.object({
    platform: z.string(),
    browsers: z.array(z.string()),
    desktop: z.boolean(),
    maxConcurrentJobs: z.number().int(),
    tags: z.array(z.string()),
  }),
  /** Registry clock at the last heartbeat. */
  lastSeenAt: z.iso.datetime(),
});
export type FleetRobot = z.infer<typeof FleetRobotSchema>;

/** `GET /api/v1/metrics/fleet`: the fleet page at one instant. */
export const FleetMetricsSchema = z.object({
  /** When the figures were read (gateway clock). */
  at: z.iso.datetime(),
  robots: z.array(FleetRobotSchema),
  robotsByState: z.object(
    Object.fromEntries(ROBOT_STATES.map((s) => [s, z.number().int()])) as {
      [K in RobotState]: z.ZodNumber;
    },
  ),
  jobsByStatus: z.object(
    Object.fromEntries(JOB_STATUSES.map((s) => [s, z.number().int()])) as {
      [K in (typeof JOB_STATUSES)[number]]: z.ZodNumber;
    },
  ),
  /** Jobs waiting for a robot (pending, queued, retry scheduled) per priority band, highest first. */
  queueDepth: z.array(z.object({ band: PriorityBandSchema, jobs: z.number().int() })),
  deadLetters: z.number().int(),
  needsAttention: z.number().int(),
  /** Running and needs-attention jobs, newest first (at most 50). */
  activeJobs: z.array(JobSummarySchema),
  /**
   * Waiting jobs per band at the end of each of the last 60 minutes, oldest first (the minute's
   * start, the projection's clock); kept by the read model, so it survives a gateway restart.
   */
  queueDepthHistory: z.array(
    z.object({
      at: z.iso.datetime(),
      high: z.number().int(),
      normal: z.number().int(),
      low: z.number().int(),
    }),
  ),
});
export type FleetMetrics = z.infer<typeof FleetMetricsSchema>;
