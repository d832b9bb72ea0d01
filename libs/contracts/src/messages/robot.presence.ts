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
});
export type RobotPresence = z.infer<typeof RobotPresenceSchema>;
