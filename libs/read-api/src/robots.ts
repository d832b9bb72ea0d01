import { z } from 'zod';
import { FleetRobotSchema } from './fleet';
import { JobListItemSchema } from './jobs';

/** One point of a robot's vitals trend: the mean of its heartbeats over 5 minutes starting at `at`. */
export const RobotTrendPointSchema = z.object({
  at: z.iso.datetime(),
  samples: z.number().int(),
  /** The robot process's CPU, 0–100 × cores. */
  cpuPercent: z.number(),
  /** The whole machine's CPU, 0–100; absent from robots that do not report it. */
  hostCpuPercent: z.number().optional(),
  loadAverage: z.number(),
  /** The robot process's resident memory, MiB. */
  rssMb: z.number(),
  freeMemoryMb: z.number(),
  /** The browsers' resident memory, MiB. */
  browserRssMb: z.number().optional(),
});
export type RobotTrendPoint = z.infer<typeof RobotTrendPointSchema>;

/** `GET /api/v1/metrics/robots/{robotId}`: the Robot page. */
export const RobotMetricsSchema = z.object({
  /** When the figures were read (gateway clock). */
  at: z.iso.datetime(),
  robot: FleetRobotSchema.extend({
    /** online / draining / offline, as the registry keeps it. */
    status: z.string(),
    hostname: z.string().optional(),
    agentVersion: z.string().optional(),
    cores: z.number().int(),
    /** Physical memory, MiB. */
    memoryMb: z.number().int(),
    heartbeatMs: z.number().int().optional(),
    registeredAt: z.iso.datetime(),
    offlineAt: z.iso.datetime().optional(),
  }),
  /** The last heartbeat's figures; absent before the first one. */
  vitals: z
    .object({
      cpuPercent: z.number(),
      hostCpuPercent: z.number().optional(),
      loadAverage: z.number(),
      rssMb: z.number(),
      freeMemoryMb: z.number(),
      browserRssMb: z.number().optional(),
      diskFreeMb: z.number().optional(),
      /** Resource pools in use (browser contexts, database connections): used of size. */
      pools: z.array(z.object({ name: z.string(), used: z.number(), size: z.number() })),
    })
    .optional(),
  /** Last 24 hours, a point per `trendBucketMs`, oldest first. */
  trend: z.array(RobotTrendPointSchema),
  /** What each trend point spans, ms (5 minutes). */
  trendBucketMs: z.number().int(),
  /** Its latest jobs, newest first (at most 20). */
  recentJobs: z.array(JobListItemSchema),
});
export type RobotMetrics = z.infer<typeof RobotMetricsSchema>;
