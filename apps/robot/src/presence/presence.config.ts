import { cpus, totalmem } from 'node:os';
import { z } from 'zod';
import {
  BrowserEngineSchema,
  PlatformSchema,
  RobotTagSchema,
  TenantIdSchema,
  type Platform,
  type RobotCapabilities,
} from '@aether/contracts';
import { loadConfig } from '@aether/service-kit';

const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part && part !== 'none'),
);

const nodePlatform: Platform =
  process.platform === 'win32' ? 'windows' : process.platform === 'darwin' ? 'darwin' : 'linux';

/** What this robot tells the registry about itself; parsed once at start-up. */
export const loadPresenceConfig = (source: NodeJS.ProcessEnv = process.env) =>
  loadConfig(
    {
      /** Tenant whose work this robot takes. */
      ROBOT_TENANT: TenantIdSchema.default('default'),
      /** Comma-separated labels the dispatcher matches, e.g. `sap,region-eu`. */
      ROBOT_TAGS: commaList.pipe(z.array(RobotTagSchema)).default([]),
      ROBOT_PLATFORM: PlatformSchema.default(nodePlatform),
      /** Comma-separated engines; `none` for none. */
      ROBOT_BROWSERS: commaList.pipe(z.array(BrowserEngineSchema)).default(['chromium']),
      /** Whether this machine has a desktop session for `desktop.*` nodes. */
      ROBOT_DESKTOP: z
        .enum(['true', 'false'])
        .default('false')
        .transform((value) => value === 'true'),
      /** Heartbeat period. Default: a third of the lease, at most 5 s (three missed beats ≈ one lapsed lease). */
      HEARTBEAT_MS: z.coerce.number().int().min(50).optional(),
    },
    source,
  );
export type PresenceConfig = ReturnType<typeof loadPresenceConfig>;

export function capabilitiesOf(config: PresenceConfig, maxConcurrentJobs: number): RobotCapabilities {
  return {
    platform: config.ROBOT_PLATFORM,
    browsers: config.ROBOT_BROWSERS,
    desktop: config.ROBOT_DESKTOP,
    maxConcurrentJobs,
    cores: Math.max(1, cpus().length),
    memoryMb: Math.max(1, Math.round(totalmem() / 2 ** 20)),
    tags: config.ROBOT_TAGS,
  };
}
