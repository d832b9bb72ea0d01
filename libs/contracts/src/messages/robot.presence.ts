import { z } from 'zod';

/** A free-form robot label, e.g. `region-eu`, `sap`, `gpu`: letters, digits, `_`, `-`, `.`, `:`. */
export const RobotTagSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'tags are letters, digits, "_", "-", "." and ":" (max 64)');

export const PlatformSchema = z.enum(['linux', 'windows', 'darwin']);
export type Platform = z.infer<typeof PlatformSchema>;
export const BrowserEngineSchema = z.enum(['chromium', 'firefox', 'webkit']);
export type BrowserEngine = z.infer<typeof BrowserEngineSchema>;

/** What a robot can do; declared at registration, used by the dispatcher's hard constraints. */
export const RobotCapabilitiesSchema = z.object({
  platform: PlatformSchema,
  /** Browser engines the robot can launch; empty when it has none. */
  browsers: z.array(BrowserEngineSchema).max(3),
  /** Whether it can drive a desktop session (`desktop.*` nodes). */
  desktop: z.boolean(),
  /** Jobs the robot runs at once (its work slots). */
  maxConcurrentJobs: z.number().int().min(1).max(64),
  cores: z.number().int().min(1).max(1024),
  /** Physical memory, in MiB. */
  memoryMb: z.number().int().min(1),
  tags: z.array(RobotTagSchema).max(50),
});
export type RobotCapabilities = z.infer<typeof RobotCapabilitiesSchema>;

/** One job as the robot reports it in a heartbeat. */
export const RobotJobProgressSchema = z.object({
  jobId: z.string().min(1).max(128),
  /** Node the robot is executing right now; absent between steps. */
  currentNode: z.string().max(200).optional(),
  /** Steps completed by this robot on this job so far. */
  completedSteps: z.number().int().nonnegative(),
  /**
   * The step running now, for a service to notice one its robot's watchdog failed to stop (ADR 61).
   * Absent between steps and from robots before issue 26.
   */
  step: z
    .object({
      key: z.string().min(1).max(200),
      nodeType: z.string().min(1).max(100),
      startedAt: z.iso.datetime(),
      /** When the robot's watchdog declares it stalled, in ms after `startedAt`. */
      limitMs: z.number().int().nonnegative().optional(),
      /** Whether the step may run again: a service that declares it stalled retries it, or parks the job. */
      idempotent: z.boolean().optional(),
    })
    .optional(),
});

/** The robot's vital signs, sent every `HEARTBEAT_MS`. */
export const RobotVitalsSchema = z.object({
  /** Process CPU use since the previous heartbeat, 0–100 × cores. */
  cpuPercent: z.number().nonnegative(),
  /** 1-minute load average of the machine (0 on Windows). */
  loadAverage: z.number().nonnegative(),
  /** Resident memory of the robot process, in MiB. */
  rssMb: z.number().nonnegative(),
  /** Free physical memory of the machine, in MiB. */
  freeMemoryMb: z.number().nonnegative(),
  /** CPU use of the whole machine since the previous heartbeat, 0–100 (all cores). Absent from robots before issue 21. */
  hostCpuPercent: z.number().min(0).max(100).optional(),
  /** Resident memory of the browser processes the robot started, summed, in MiB (Linux only). */
  browserRssMb: z.number().nonnegative().optional(),
  /** Free space on the file system holding the robot's temporary files, in MiB. */
  diskFreeMb: z.number().nonnegative().optional(),
  jobs: z.array(RobotJobProgressSchema).max(64),
  /** Resource pools (browser contexts, desktop sessions): name → used / size. */
  resources: z.record(
    z.string(),
    z.object({ used: z.number().nonnegative(), size: z.number().nonnegative() }),
  ),
});
export type RobotVitals = z.infer<typeof RobotVitalsSchema>;

export const RobotStatusSchema = z.enum(['online', 'draining', 'offline']);
export type RobotStatus = z.infer<typeof RobotStatusSchema>;

/**
 * A robot's presence record in the `robots` KV bucket, key `<tenant>.<robotId>`. Written by the
 * registry only; read by the dispatcher (placement, failover) and the gateway (`/api/v1/robots`).
 */
export const RobotPresenceSchema = z.object({
  robotId: z.string().min(1).max(128),
  tenantId: z.string().min(1),
  pool: z.string().min(1),
  capabilities: RobotCapabilitiesSchema,
  status: RobotStatusSchema,
  /** Id of the robot process's registration; a restart makes a new one. */
  sessionId: z.string().min(1).max(200),
  /** The heartbeat period the robot declared, in ms. */
  heartbeatMs: z.number().int().positive().optional(),
  registeredAt: z.iso.datetime(),
  /** Registry clock when the last heartbeat (or registration) was received. */
  lastSeenAt: z.iso.datetime(),
  offlineAt: z.iso.datetime().optional(),
  vitals: RobotVitalsSchema.optional(),
  /** Host name of the machine, as the robot declared it at registration. */
  hostname: z.string().max(255).optional(),
  /** Agent software version, as the robot declared it at registration. */
  agentVersion: z.string().max(100).optional(),
});
export type RobotPresence = z.infer<typeof RobotPresenceSchema>;

/**
 * One point of a robot's vitals trend: the mean of the heartbeats received in the
 * `VITALS_TREND.bucketMs` starting at `at`.
 */
export const RobotVitalsPointSchema = z.object({
  /** Start of the bucket (registry clock). */
  at: z.iso.datetime(),
  /** Heartbeats averaged into this point. */
  samples: z.number().int().positive(),
  cpuPercent: z.number().nonnegative(),
  hostCpuPercent: z.number().nonnegative().optional(),
  loadAverage: z.number().nonnegative(),
  rssMb: z.number().nonnegative(),
  freeMemoryMb: z.number().nonnegative(),
  browserRssMb: z.number().nonnegative().optional(),
});
export type RobotVitalsPoint = z.infer<typeof RobotVitalsPointSchema>;

/** A robot's bounded vitals trend in the `robot-vitals` KV bucket, key `<tenant>.<robotId>`; oldest first. */
export const RobotVitalsTrendSchema = z.object({ points: z.array(RobotVitalsPointSchema) });
export type RobotVitalsTrend = z.infer<typeof RobotVitalsTrendSchema>;

/** The trend's resolution and span: one point per 5 minutes over the last 24 hours (≤ 289 points). */
export const VITALS_TREND = { bucketMs: 5 * 60_000, windowMs: 24 * 3_600_000 } as const;

const FIGURES = [
  'cpuPercent',
  'hostCpuPercent',
  'loadAverage',
  'rssMb',
  'freeMemoryMb',
  'browserRssMb',
] as const;

/**
 * The trend with one heartbeat's vitals folded in at `now` (ms): averaged into the current
 * bucket's point, or a new point; points older than the window dropped. Pure.
 */
export function foldVitals(
  trend: RobotVitalsTrend | undefined,
  vitals: RobotVitals,
  now: number,
): RobotVitalsTrend {
  const at = new Date(Math.floor(now / VITALS_TREND.bucketMs) * VITALS_TREND.bucketMs).toISOString();
  const kept = (trend?.points ?? []).filter((p) => Date.parse(p.at) > now - VITALS_TREND.windowMs);
  const last = kept.at(-1);
  const round = (value: number) => Math.round(value * 10) / 10;
  if (last?.at !== at) {
    const point: RobotVitalsPoint = {
      at,
      samples: 1,
      cpuPercent: 0,
      loadAverage: 0,
      rssMb: 0,
      freeMemoryMb: 0,
    };
    for (const figure of FIGURES) {
      const value = vitals[figure];
      if (value !== undefined) point[figure] = round(value);
    }
    return { points: [...kept, point] };
  }
  const samples = last.samples + 1;
  const merged: RobotVitalsPoint = { ...last, samples };
  for (const figure of FIGURES) {
    const value = vitals[figure];
    if (value === undefined) continue;
    const before = last[figure];
    merged[figure] = round(before === undefined ? value : before + (value - before) / samples);
  }
  return { points: [...kept.slice(0, -1), merged] };
}
